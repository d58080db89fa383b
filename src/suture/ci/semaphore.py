"""Semaphore: the `SEMAPHORE_*` variables (Semaphore builds GitHub, GitLab and Bitbucket repositories)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from suture.ci import init
from suture.ci.base import Run, open_logs
from suture.publish.forges import registry as forges

if TYPE_CHECKING:
    from suture.ci.logs import JobLogs


class Semaphore:
    name: ClassVar[str] = "semaphore"
    init_name: ClassVar[str] = "semaphore"
    title: ClassVar[str] = "Semaphore"
    extra: ClassVar[str] = "semaphore"
    token_env: ClassVar[str] = "SEMAPHORE_API_TOKEN"
    logs_note: ClassVar[str] = "the failed jobs of the pipeline that promoted this one, else of this one"

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Run | None:
        if env.get("SEMAPHORE") != "true":
            return None
        slug = env.get("SEMAPHORE_GIT_REPO_SLUG", "")
        if env.get("SEMAPHORE_GIT_REF_TYPE") == "pull-request":
            branch, sha = env.get("SEMAPHORE_GIT_PR_BRANCH", ""), env.get("SEMAPHORE_GIT_PR_SHA", "")
            fork = env.get("SEMAPHORE_GIT_PR_SLUG", "") != slug
            base = env.get("SEMAPHORE_GIT_BRANCH", "")  # in a pull request's build, the branch it targets
        else:
            branch = (
                env.get("SEMAPHORE_GIT_BRANCH", "") if env.get("SEMAPHORE_GIT_REF_TYPE", "branch") == "branch" else ""
            )
            sha, fork, base = env.get("SEMAPHORE_GIT_SHA", ""), False, ""
        organisation, workflow = env.get("SEMAPHORE_ORGANIZATION_URL", ""), env.get("SEMAPHORE_WORKFLOW_ID", "")
        url = f"{organisation}/workflows/{workflow}" if organisation and workflow else ""
        forge, server = _forge(env.get("SEMAPHORE_GIT_PROVIDER", ""))
        sha = sha or env.get("SEMAPHORE_GIT_SHA", "")
        return Run(cls.name, branch, sha, fork, url, forge, server, slug, base)

    @classmethod
    def logs(cls, env: Mapping[str, str], *, token: str, timeout: float) -> JobLogs:
        return open_logs(cls, "suture.ci.semaphore_logs", env, token=token, timeout=timeout)

    @classmethod
    def setup(cls, *, flow: str, workflow: str, forge: str) -> tuple[init.Written, ...]:
        return init.semaphore(forge or "github")  # Semaphore always uses the ci flow


def _forge(provider: str) -> tuple[str, str]:
    """The forge Semaphore says hosts the repository (github, gitlab, bitbucket) and its public server;
    ('', '') for one suture has no forge for."""
    if provider not in forges.FORGES:
        return "", ""
    return provider, forges.FORGES[provider].public_url or ""
