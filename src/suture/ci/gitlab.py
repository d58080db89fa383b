"""GitLab CI: the `CI_*` predefined variables."""

from __future__ import annotations

from collections.abc import Mapping

from suture import ci


def read(env: Mapping[str, str]) -> ci.Run | None:
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
    return ci.Run("gitlab-ci", branch, env.get("CI_COMMIT_SHA", ""), fork, url, "gitlab", server, slug, base)
