"""Where suture runs in CI: the run's context, read from the environment a provider sets.

Each provider module has one function `read(env) -> Run | None` (None: not this CI);
`detect` asks them in turn. The environment is passed in: the library never reads it.
Two answers matter before anything else is done: a run on one of suture's own
branches does nothing at all (no forge call, no LLM call), and a pull request from a
fork publishes nothing (its code is not trusted with a token). A third follows: a pull
request's target is the trusted base whose `[tool.suture]` applies (`trusted_base`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from suture.errors import RepoError, UsageError
from suture.run import git
from suture.run.git import BRANCH_PREFIX


@dataclass(frozen=True)
class Run:
    provider: str  # github-actions, gitlab-ci, semaphore
    branch: str  # the branch built ('' for a tag or an unknown ref)
    sha: str
    fork: bool  # built from a fork's pull request: publish nothing
    url: str  # the run's web page, linked from the pull request
    forge: str  # the forge hosting the repository, when the CI says (github, gitlab), else ''
    forge_url: str  # that forge's server URL
    slug: str  # owner/name (GitLab: the full project path)
    # A pull request's target, a sha or a branch name, whose configuration is trusted; '' when
    # the run builds no pull request (a push: its own commit is the configuration's source).
    base: str = ""

    @property
    def ours(self) -> bool:
        """A run on a suture/* branch: heal does nothing there."""
        return self.branch.startswith(BRANCH_PREFIX)


def detect(env: Mapping[str, str]) -> Run | None:
    """The CI run this process is part of, or None outside CI."""
    for read in PROVIDERS.values():
        run = read(env)
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


def _providers() -> dict[str, Callable[[Mapping[str, str]], Run | None]]:
    from suture.ci import github, gitlab, semaphore

    return {"github-actions": github.read, "gitlab-ci": gitlab.read, "semaphore": semaphore.read}


PROVIDERS = _providers()
