"""What a CI provider is to suture: how to tell a run of it from its environment, how to read
the logs of its failed jobs, and the configuration `suture init` writes for it.

A provider is a class with its metadata on it: the registry (`suture.ci.registry`) maps
names to classes, and a third-party provider is one class plus an entry point in the group
`suture.ci`. The environment is always passed in: the library never reads it.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol

from suture.errors import UsageError
from suture.run.git import BRANCH_PREFIX

if TYPE_CHECKING:
    from suture.ci.init import Written
    from suture.ci.logs import JobLogs


@dataclass(frozen=True)
class Run:
    provider: str  # the provider's registry name: github-actions, gitlab-ci, semaphore
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


class Provider(Protocol):
    # The registry name, and Run.provider: "github-actions".
    name: ClassVar[str]
    # What `suture init` takes: "github".
    init_name: ClassVar[str]
    # The name people know it by, for messages and help: "GitHub Actions".
    title: ClassVar[str]
    # The pip extra that installs what reading its logs needs: pip install 'suture[<extra>]'.
    extra: ClassVar[str]
    # The environment variable the API token is read from unless --token-env names another.
    token_env: ClassVar[str]
    # Whose logs `suture logs` reads there, one line of its help.
    logs_note: ClassVar[str]

    # The run this process is part of when `env` is this CI's environment, else None.
    @classmethod
    def read(cls, env: Mapping[str, str]) -> Run | None: ...

    # A reader of the failed jobs' logs of the run `env` describes. Raises a UsageError that
    # says what to install when the client library is missing.
    @classmethod
    def logs(cls, env: Mapping[str, str], *, token: str, timeout: float) -> JobLogs: ...

    # The files `suture init` writes: the configuration that runs suture in this CI.
    @classmethod
    def setup(cls, *, flow: str, workflow: str, forge: str) -> tuple[Written, ...]: ...


def open_logs(provider: type[Provider], module: str, env: Mapping[str, str], *, token: str, timeout: float) -> JobLogs:
    """The log reader `connect` of `module` makes, the module imported only now: its client library
    is an extra, and a missing one is a UsageError that says what to install."""
    try:
        reader = importlib.import_module(module)
    except ImportError as exc:
        hint = f"pip install 'suture[{provider.extra}]'"
        raise UsageError(f"reading {provider.name} logs needs suture[{provider.extra}] ({exc}): {hint}") from exc
    found: JobLogs = reader.connect(env, token=token, timeout=timeout)
    return found
