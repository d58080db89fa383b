"""Where suture runs in CI: the run's context, read from the environment a provider sets.

Each provider (`suture.ci.registry`: built in, or a plugin) recognises its own runs from
the environment; `detect` asks them in turn. The environment is passed in: the library
never reads it. Two answers matter before anything else is done: a run on one of suture's
own branches does nothing at all (no forge call, no LLM call), and a pull request from a
fork publishes nothing (its code is not trusted with a token). A third follows: a pull
request's target is the trusted base whose `[tool.suture]` applies (`trusted_base`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from suture.ci import registry
from suture.ci.base import Run
from suture.errors import RepoError, UsageError
from suture.run import git

__all__ = ["Run", "detect", "trusted_base"]


def detect(env: Mapping[str, str]) -> Run | None:
    """The CI run this process is part of, or None outside CI."""
    for provider in registry.every():
        run = provider.read(env)
        if run is not None:
            return run
    return None


def trusted_base(run: Run | None, directory: Path, progress: Callable[[str], None]) -> str | None:
    """The commit whose `[tool.suture]` applies to a pull request's run: its target, as resolved
    in this clone (`origin/<branch>` before `<branch>`); None outside a pull request.

    A fork's head is not trusted: when its target is not in the clone (a shallow checkout), that
    is an error that says what to fetch. A same-repository pull request falls back to its head,
    whose author could change the CI configuration anyway, and says so.
    """
    if run is None or not run.base:
        return None
    try:
        repo = git.toplevel(directory)
    except RepoError:
        return None  # heal says what is wrong with the directory, in its own words
    for ref in (f"origin/{run.base}", run.base):
        if git.ref_sha(repo, ref) is not None:
            progress(f"configuration from {ref}, the pull request's base")
            return ref
    fetch = f"git fetch --depth=1 origin {run.base}"
    if run.fork:
        raise UsageError(
            f"the {run.provider} run builds a fork's pull request, whose configuration is not trusted, and its "
            f"base {run.base} is not in this clone: fetch it first ({fetch}) or name it with --base REF"
        )
    progress(f"the pull request's base {run.base} is not in this clone: HEAD's configuration applies ({fetch})")
    return None
