"""Deleting suture's stale branches: `suture sweep`, and after every publication.

A branch is stale when it is one of suture's own (`suture/<fingerprint>`), no pull
request from it is open, and at least one pull request from it that carries its
fingerprint marker was closed or merged. Nothing else is ever deleted: not a branch
outside `suture/`, not the default branch, not a protected branch, not a branch that
was pushed but awaits CI (no pull request yet), and not one pushed again while the
sweep looked at it (the deletion is leased on the commit seen).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

from suture.errors import SutureError
from suture.publish.forges import gitpush, pr
from suture.publish.forges.base import Forge
from suture.publish.forges.ratelimit import Retrying
from suture.run.git import BRANCH_PREFIX


def stale(forge: Forge, branch: str, *, retrying: Retrying) -> str:
    """Why `branch` may be deleted ('' when it must be kept)."""
    fingerprint = branch.removeprefix(BRANCH_PREFIX)
    requests = retrying.call(functools.partial(forge.requests_for, branch))
    if not branch.startswith(BRANCH_PREFIX) or not requests or any(r.state == "open" for r in requests):
        return ""
    ours = [r for r in requests if pr.has_marker(r.body, fingerprint)]
    if not ours:
        return ""
    return f"{ours[0].url} is {ours[0].state}"


def sweep(
    repo: Path, forge: Forge, *, retrying: Retrying | None = None, progress: Callable[[str], None] = lambda _: None
) -> list[str]:
    """Delete suture's branches whose pull requests are closed or merged; the branches deleted."""
    retrying = retrying or Retrying()
    url, authorization = forge.clone_url(), forge.git_authorization()
    base = retrying.call(forge.default_branch)
    deleted = []
    for branch, sha in sorted(gitpush.remote_branches(repo, url, authorization, BRANCH_PREFIX).items()):
        if branch == base:
            continue
        reason = stale(forge, branch, retrying=retrying)
        if not reason or retrying.call(functools.partial(forge.is_protected, branch)):
            continue
        gitpush.delete(repo, url, authorization, branch, expect=sha)
        progress(f"deleted {branch}: {reason}")
        deleted.append(branch)
    return deleted


def quietly(
    repo: Path, forge: Forge, *, retrying: Retrying | None = None, progress: Callable[[str], None] = lambda _: None
) -> list[str]:
    """`sweep`, as a courtesy after a publication: a failure is said, never raised."""
    try:
        return sweep(repo, forge, retrying=retrying, progress=progress)
    except SutureError as exc:
        progress(f"could not sweep stale suture branches: {exc}")
        return []
