"""Semaphore: the `SEMAPHORE_*` variables (Semaphore builds GitHub, GitLab and Bitbucket repositories)."""

from __future__ import annotations

from collections.abc import Mapping

from suture import ci

_FORGES = {"github": ("github", "https://github.com"), "gitlab": ("gitlab", "https://gitlab.com")}


def read(env: Mapping[str, str]) -> ci.Run | None:
    if env.get("SEMAPHORE") != "true":
        return None
    slug = env.get("SEMAPHORE_GIT_REPO_SLUG", "")
    if env.get("SEMAPHORE_GIT_REF_TYPE") == "pull-request":
        branch, sha = env.get("SEMAPHORE_GIT_PR_BRANCH", ""), env.get("SEMAPHORE_GIT_PR_SHA", "")
        fork = env.get("SEMAPHORE_GIT_PR_SLUG", "") != slug
        base = env.get("SEMAPHORE_GIT_BRANCH", "")  # in a pull request's build, the branch it targets
    else:
        branch = env.get("SEMAPHORE_GIT_BRANCH", "") if env.get("SEMAPHORE_GIT_REF_TYPE", "branch") == "branch" else ""
        sha, fork, base = env.get("SEMAPHORE_GIT_SHA", ""), False, ""
    organisation, workflow = env.get("SEMAPHORE_ORGANIZATION_URL", ""), env.get("SEMAPHORE_WORKFLOW_ID", "")
    url = f"{organisation}/workflows/{workflow}" if organisation and workflow else ""
    forge, server = _FORGES.get(env.get("SEMAPHORE_GIT_PROVIDER", ""), ("", ""))
    sha = sha or env.get("SEMAPHORE_GIT_SHA", "")
    return ci.Run("semaphore", branch, sha, fork, url, forge, server, slug, base)
