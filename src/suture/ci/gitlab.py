"""GitLab CI: the `CI_*` predefined variables."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, ClassVar

from suture.ci import init
from suture.ci.base import Run, open_logs

if TYPE_CHECKING:
    from suture.ci.logs import JobLogs


class GitLabCI:
    name: ClassVar[str] = "gitlab-ci"
    init_name: ClassVar[str] = "gitlab"
    title: ClassVar[str] = "GitLab CI"
    extra: ClassVar[str] = "gitlab"
    token_env: ClassVar[str] = "GITLAB_TOKEN"
    logs_note: ClassVar[str] = "the failed jobs of this pipeline (a token with read_api)"

    @classmethod
    def read(cls, env: Mapping[str, str]) -> Run | None:
        if env.get("GITLAB_CI") != "true":
            return None
        branch = env.get("CI_COMMIT_BRANCH") or env.get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME", "")
        source = env.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", "")
        # A merge request pipeline whose source project is not this one runs a fork's code.
        fork = bool(source) and source != env.get("CI_MERGE_REQUEST_PROJECT_ID", env.get("CI_PROJECT_ID", ""))
        url = env.get("CI_PIPELINE_URL") or env.get("CI_JOB_URL", "")
        server, slug = env.get("CI_SERVER_URL", "https://gitlab.com"), env.get("CI_PROJECT_PATH", "")
        # A merge request pipeline's target: the merge base GitLab computed, else the target branch.
        base = env.get("CI_MERGE_REQUEST_DIFF_BASE_SHA") or env.get("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "")
        return Run(cls.name, branch, env.get("CI_COMMIT_SHA", ""), fork, url, "gitlab", server, slug, base)

    @classmethod
    def logs(cls, env: Mapping[str, str], *, token: str, timeout: float) -> JobLogs:
        return open_logs(cls, "suture.ci.gitlab_logs", env, token=token, timeout=timeout)

    @classmethod
    def setup(cls, *, flow: str, workflow: str, forge: str) -> tuple[init.Written, ...]:
        return (init.Written(".gitlab/suture.gitlab-ci.yml", init.gitlab(flow)),)
