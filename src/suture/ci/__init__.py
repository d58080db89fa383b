"""Where suture runs in CI: the run's context, read from the environment a provider sets.

Each provider module has one function `read(env) -> Run | None` (None: not this CI);
`detect` asks them in turn. The environment is passed in: the library never reads it.
Two answers matter before anything else is done: a run on one of suture's own
branches does nothing at all (no forge call, no LLM call), and a pull request from a
fork publishes nothing (its code is not trusted with a token).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from suture.git import BRANCH_PREFIX


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


def _providers() -> dict[str, Callable[[Mapping[str, str]], Run | None]]:
    from suture.ci import github, gitlab, semaphore

    return {"github-actions": github.read, "gitlab-ci": gitlab.read, "semaphore": semaphore.read}


PROVIDERS = _providers()
