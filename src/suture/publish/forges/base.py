"""What a network forge (GitHub, GitLab, Gitea/Forgejo) must do for suture to publish on it.

One module per forge implements `Forge` over its client library; the library takes a
client *instance* (built by the CLI, or by a test pointed at a loopback server) and
translates that library's exceptions into `suture.errors.ForgeError` and its subclasses
at the boundary. Everything else — idempotency, caps, retries, the push — lives in
`suture.publish.forges.publish`, once for all forges.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from types import ModuleType
from typing import Literal, Protocol

from suture.errors import UsageError

State = Literal["open", "closed", "merged"]


@dataclass(frozen=True)
class Request:
    """A pull request (GitHub, Gitea) or merge request (GitLab), as suture needs to see it."""

    number: int  # the number humans use: #12 on GitHub and Gitea, !12 on GitLab
    url: str  # the web page
    state: State
    head: str  # the source branch name
    body: str
    created: datetime  # timezone-aware


class Forge(Protocol):
    # The registry name ("github", "gitlab", "gitea"): shown in messages and records.
    @property
    def name(self) -> str: ...

    # The repository's HTTP(S) clone URL as the API reports it; it never holds credentials.
    def clone_url(self) -> str: ...

    # The value of the HTTP `Authorization` header git sends when pushing: passed to git
    # through its environment, never in a URL or argv (see suture.publish.forges.gitpush).
    def git_authorization(self) -> str: ...

    # The branch pull requests target, asked of the API: never assumed to be main or master.
    def default_branch(self) -> str: ...

    # Whether branch protection refuses pushes to `branch`; False when the branch does not exist.
    def is_protected(self, branch: str) -> bool: ...

    # Every pull request whose source is `branch` in this repository, in any state, newest first.
    def requests_for(self, branch: str) -> list[Request]: ...

    # The open pull requests whose source branch starts with `prefix`: the open-PR cap counts them.
    def open_requests(self, prefix: str) -> list[Request]: ...

    # Pull requests from branches under `prefix` created at or after `since`, any state: the hourly cap.
    def created_since(self, prefix: str, since: datetime) -> list[Request]: ...

    # Open a pull request. Not retried blindly: on a timeout the caller looks for it first.
    def create(self, *, head: str, base: str, title: str, body: str, draft: bool) -> Request: ...

    # Replace an open pull request's title and body in place.
    def update(self, number: int, *, title: str, body: str) -> Request: ...

    # Put labels on a pull request (labels it already has are kept; missing ones are created).
    def label(self, number: int, labels: tuple[str, ...]) -> None: ...


# name -> the module that implements it; imported on demand because each forge's client
# library is an optional extra (`pip install 'suture[github]'`).
FORGES = {
    "github": "suture.publish.forges.github",
    "gitlab": "suture.publish.forges.gitlab",
    "gitea": "suture.publish.forges.gitea",
}
EXTRAS = {"github": "PyGithub", "gitlab": "python-gitlab", "gitea": "httpx"}
DEFAULT_TOKEN_ENV = {"github": "GITHUB_TOKEN", "gitlab": "GITLAB_TOKEN", "gitea": "GITEA_TOKEN"}


def module(name: str) -> ModuleType:
    """The module of forge `name`; a UsageError that says what to install when its library is missing."""
    if name not in FORGES:
        raise UsageError(f"unknown forge {name!r}: choose one of local, {', '.join(FORGES)}")
    try:
        return importlib.import_module(FORGES[name])
    except ImportError as exc:
        raise UsageError(f"the {name} forge needs {EXTRAS[name]} ({exc}): pip install 'suture[{name}]'") from exc


def connect(name: str, *, url: str | None, slug: str, token: str, timeout: float = 30.0) -> Forge:
    """A forge client for repository `slug` on the server at `url` (None: the public service)."""
    forge: Forge = module(name).connect(url=url, slug=slug, token=token, timeout=timeout)
    return forge
