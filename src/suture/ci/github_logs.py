"""GitHub Actions job logs through PyGithub.

The run is the one a `workflow_run` event names (suture runs after the failed
workflow), else the run this job belongs to (GITHUB_RUN_ID). The API answers a job's
logs with a redirect to a short-lived signed URL on another host: that URL is fetched
without the token (it carries its own signature) and never shown in a message.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import TYPE_CHECKING

import requests
from github import Auth, Github

from suture.ci.github import _payload
from suture.ci.logs import Job
from suture.errors import ForgeError, ForgeUnavailable, UsageError
from suture.publish.forges.github import PUBLIC_API, translated

if TYPE_CHECKING:
    from github.WorkflowRun import WorkflowRun

FAILED = ("failure", "timed_out")
CHUNK = 1 << 16


def connect(env: Mapping[str, str], *, token: str, timeout: float) -> GitHubLogs:
    slug = env.get("GITHUB_REPOSITORY", "")
    run_id = run_of(env)
    if not slug or not run_id.isdigit():
        raise UsageError("GitHub Actions did not say which run this is (GITHUB_REPOSITORY, GITHUB_RUN_ID)")
    api = env.get("GITHUB_API_URL") or PUBLIC_API
    client = Github(base_url=api, auth=Auth.Token(token), timeout=max(1, round(timeout)), retry=None)
    return GitHubLogs(client, slug, int(run_id), timeout)


def run_of(env: Mapping[str, str]) -> str:
    """The id of the run whose failed jobs are wanted: the workflow_run event's, else this one."""
    if env.get("GITHUB_EVENT_NAME") == "workflow_run":
        run = _payload(env.get("GITHUB_EVENT_PATH", "")).get("workflow_run", {})
        if isinstance(run, dict) and run.get("id"):
            return str(run["id"])
    return env.get("GITHUB_RUN_ID", "")


class GitHubLogs:
    def __init__(self, client: Github, slug: str, run_id: int, timeout: float) -> None:
        self._client = client
        self._slug = slug
        self._run_id = run_id
        self._timeout = timeout

    def __repr__(self) -> str:
        return f"GitHubLogs({self._slug!r}, {self._run_id})"  # never the token

    @property
    def run(self) -> str:
        return f"run {self._run_id} of {self._slug}"

    @cached_property
    def _run(self) -> WorkflowRun:
        with translated(f"read workflow run {self._run_id}"):
            return self._client.get_repo(self._slug, lazy=True).get_workflow_run(self._run_id)

    def failed_jobs(self) -> list[Job]:
        with translated(f"list the jobs of run {self._run_id}"):
            jobs = self._run.jobs(_filter="latest")
            return [Job(str(job.id), job.name, job.html_url or "") for job in jobs if job.conclusion in FAILED]

    def chunks(self, job: Job) -> Iterator[bytes]:
        with translated(f"read the log of job {job.name}"):
            location = self._client.get_repo(self._slug, lazy=True).get_workflow_job(int(job.id)).logs_url()
        try:
            # No Authorization header: the signed URL needs none and must not receive the token.
            response = requests.get(location, stream=True, timeout=self._timeout, allow_redirects=True)
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise ForgeUnavailable(f"GitHub: download the log of job {job.name}: {type(exc).__name__}") from None
        with response:
            if response.status_code >= 400:
                raise ForgeError(f"GitHub: download the log of job {job.name}: {response.status_code}")
            yield from response.iter_content(CHUNK)
