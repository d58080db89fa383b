"""GitHub Actions: `GITHUB_*` variables and the event payload at GITHUB_EVENT_PATH."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from suture.ci import init
from suture.ci.base import Run, open_logs

if TYPE_CHECKING:
    from suture.ci.logs import JobLogs


class GitHubActions:
    name: ClassVar[str] = "github-actions"
    init_name: ClassVar[str] = "github"
    title: ClassVar[str] = "GitHub Actions"
    extra: ClassVar[str] = "github"
    token_env: ClassVar[str] = "GITHUB_TOKEN"
    logs_note: ClassVar[str] = "the run a workflow_run event names, else this run (needs actions: read)"

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Run | None:
        if env.get("GITHUB_ACTIONS") != "true":
            return None
        slug = env.get("GITHUB_REPOSITORY", "")
        server = env.get("GITHUB_SERVER_URL", "https://github.com")
        event = _payload(env.get("GITHUB_EVENT_PATH", ""))
        name = env.get("GITHUB_EVENT_NAME", "")
        url = f"{server}/{slug}/actions/runs/{env.get('GITHUB_RUN_ID', '')}"
        branch = env.get("GITHUB_REF_NAME", "") if env.get("GITHUB_REF", "").startswith("refs/heads/") else ""
        sha, fork, base = env.get("GITHUB_SHA", ""), False, ""
        if name in ("pull_request", "pull_request_target"):
            pull = event.get("pull_request", {})
            head = pull.get("head", {})
            branch, sha = head.get("ref", env.get("GITHUB_HEAD_REF", "")), head.get("sha", sha)
            fork = _full_name(head.get("repo")) != slug
            base = _base(pull) or env.get("GITHUB_BASE_REF", "")
        elif name == "workflow_run":
            # suture runs after another workflow: what counts is that run, its branch and its repository.
            run = event.get("workflow_run", {})
            branch, sha, url = run.get("head_branch") or "", run.get("head_sha", sha), run.get("html_url", url)
            fork = _full_name(run.get("head_repository")) != slug
            pulls = run.get("pull_requests") or [{}]
            # A fork's run names no pull request: the default branch's commit this workflow runs from is the base.
            base = _base(pulls[0]) or (env.get("GITHUB_SHA", "") if fork else "")
        return Run(cls.name, branch, sha, fork, url, "github", server, slug, base)

    @classmethod
    def logs(cls, env: Mapping[str, str], *, token: str, timeout: float) -> JobLogs:
        return open_logs(cls, "suture.ci.github_logs", env, token=token, timeout=timeout)

    @classmethod
    def setup(cls, *, flow: str, workflow: str, forge: str) -> tuple[init.Written, ...]:
        return (init.Written(".github/workflows/suture.yml", init.github(flow, workflow)),)


def _base(pull: object) -> str:
    target = pull.get("base") if isinstance(pull, dict) else None
    return str(target.get("sha") or target.get("ref") or "") if isinstance(target, dict) else ""


def _payload(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _full_name(repo: object) -> str:
    # A pull request whose head repository was deleted has none: treat it as foreign.
    return str(repo.get("full_name", "")) if isinstance(repo, dict) else ""
