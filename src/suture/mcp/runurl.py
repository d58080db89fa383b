"""A CI run named by its URL, as an agent gives it to `ci_failure`/`ci_logs`: which provider, and
the variables its log reader (`ci/registry.py`) takes to read that run.

    https://github.com/OWNER/REPO/actions/runs/ID[/job/ID]        GitHub Actions (a run, or one job)
    https://gitlab.com/GROUP/PROJECT/-/pipelines/ID                GitLab CI (a pipeline)
    https://gitlab.com/GROUP/PROJECT/-/jobs/ID                     GitLab CI (one job)
    https://ORG.semaphoreci.com/workflows/WF?pipeline_id=PPL       Semaphore (a pipeline)
    https://ORG.semaphoreci.com/jobs/ID                            Semaphore (one job)

The URL comes from the client, a model that may be steered by what it read: the provider's
token is sent only to the server the server's own environment names (GITHUB_SERVER_URL,
CI_SERVER_URL, SEMAPHORE_ORGANIZATION_URL; github.com and gitlab.com by default), never to a
host the URL chooses. A URL on any other host is refused before any request.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from suture.mcp.base import ToolError

GITHUB, GITLAB = "https://github.com", "https://gitlab.com"
_GITHUB_RUN = re.compile(r"^/([^/]+/[^/]+)/actions/runs/(\d+)(?:/(?:job|jobs)/(\d+))?/?$")
_GITLAB_RUN = re.compile(r"^/([^/].*?)/-/(pipelines|jobs)/(\d+)/?$")
_SEMAPHORE_WORKFLOW = re.compile(r"^/workflows/([\w-]+)/?$")
_SEMAPHORE_JOB = re.compile(r"^/jobs/([\w-]{1,100})/?$")
# A job URL names no pipeline; the log readers want one, and read a job's log by its id alone.
UNKNOWN_PIPELINE = "0"
_ID = re.compile(r"[\w-]{1,100}")
SHAPES = (
    "https://HOST/OWNER/REPO/actions/runs/ID[/job/ID] (GitHub Actions), "
    "https://HOST/GROUP/PROJECT/-/pipelines/ID or .../-/jobs/ID (GitLab CI), "
    "https://ORG.semaphoreci.com/workflows/ID?pipeline_id=ID or .../jobs/ID (Semaphore)"
)


@dataclass(frozen=True)
class Run:
    provider: str  # the name in ci/registry.py
    env: dict[str, str]  # the variables that name the run, over the server's own
    job: str = ""  # one job of the run ('' for its failed jobs)


def run_of(url: str, environ: Mapping[str, str]) -> Run:
    """The run `url` names, read from the server its environment trusts; a ToolError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise _invalid(f"url must be a CI run's URL: {SHAPES}")
    server = f"{parts.scheme}://{parts.netloc}"
    refused = []
    for reader in (_github, _gitlab, _semaphore):
        found = reader(parts.path, parts.query, environ)
        if found is None:
            continue
        trusted, run = found
        if trusted and server.lower() == trusted.lower():
            return run
        refused.append(trusted or "(none: the server has no SEMAPHORE_ORGANIZATION_URL)")
    if not refused:
        raise _invalid(f"url must be a CI run's URL: {SHAPES}")
    raise _invalid(
        f"url names a run on {server}; this server reads runs on {', '.join(refused)} only (its environment "
        "names the CI's server): the token is not sent elsewhere"
    )


def _github(path: str, query: str, environ: Mapping[str, str]) -> tuple[str, Run] | None:
    match = _GITHUB_RUN.match(path)
    if match is None:
        return None
    trusted = _server(environ, "GITHUB_SERVER_URL", GITHUB)
    api = "https://api.github.com" if trusted == GITHUB else _server(environ, "GITHUB_API_URL", f"{trusted}/api/v3")
    env = {"GITHUB_REPOSITORY": match.group(1), "GITHUB_RUN_ID": match.group(2), "GITHUB_API_URL": api}
    return trusted, Run("github-actions", {**env, "GITHUB_SERVER_URL": trusted}, match.group(3) or "")


def _gitlab(path: str, query: str, environ: Mapping[str, str]) -> tuple[str, Run] | None:
    match = _GITLAB_RUN.match(path)
    if match is None:
        return None
    trusted = _server(environ, "CI_SERVER_URL", GITLAB)
    env = {"CI_SERVER_URL": trusted, "CI_PROJECT_ID": "", "CI_PROJECT_PATH": match.group(1)}
    if match.group(2) == "jobs":
        return trusted, Run("gitlab-ci", {**env, "CI_PIPELINE_ID": UNKNOWN_PIPELINE}, match.group(3))
    return trusted, Run("gitlab-ci", {**env, "CI_PIPELINE_ID": match.group(3)})


def _semaphore(path: str, query: str, environ: Mapping[str, str]) -> tuple[str, Run] | None:
    trusted = _server(environ, "SEMAPHORE_ORGANIZATION_URL", "")
    job = _SEMAPHORE_JOB.match(path)
    if job is not None:
        env = {"SEMAPHORE_ORGANIZATION_URL": trusted, "SEMAPHORE_PIPELINE_ID": UNKNOWN_PIPELINE}
        return trusted, Run("semaphore", {**env, "SEMAPHORE_PIPELINE_PROMOTION": ""}, job.group(1))
    match = _SEMAPHORE_WORKFLOW.match(path)
    pipeline = parse_qs(query).get("pipeline_id", [""])[0]
    if match is None or not _ID.fullmatch(pipeline):
        return None
    env = {"SEMAPHORE_ORGANIZATION_URL": trusted, "SEMAPHORE_PIPELINE_ID": pipeline}
    return trusted, Run(
        "semaphore", {**env, "SEMAPHORE_WORKFLOW_ID": match.group(1), "SEMAPHORE_PIPELINE_PROMOTION": ""}
    )


def _server(environ: Mapping[str, str], name: str, default: str) -> str:
    return (environ.get(name, "").strip() or default).rstrip("/")


def _invalid(message: str) -> ToolError:
    return ToolError("invalid-arguments", message, argument="url")
