"""What a network forge (GitHub, GitLab, Gitea/Forgejo) must do for suture to publish on it.

One module per forge implements `Forge` over its client library; the class carries the
forge's metadata (its name, the extra that installs its library, the variable its token
is read from, its public server) and `connect` builds a client; the constructor takes a
client *instance* (a test points one at a loopback server). The client library is
imported when a client is built, never when the module is: listing the forges needs no
extra. Its exceptions become `suture.errors.ForgeError` and its subclasses at the
boundary. Everything else — idempotency, caps, retries, the push — lives in
`suture.publish.forges.publish`, once for all forges. The registry of forges is
`suture.publish.forges.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar, Literal, Protocol

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
    # The registry name ("github", "gitlab", "gitea"): --forge NAME, [tool.suture] forge, records.
    name: ClassVar[str]
    # The name people know it by, for messages: "GitHub".
    title: ClassVar[str]
    # The pip extra that installs its client library: pip install 'suture[<extra>]'.
    extra: ClassVar[str]
    # The environment variable the token is read from unless --token-env names another.
    token_env: ClassVar[str]
    # The public service's URL when --forge-url is not given; None: the server must be named.
    public_url: ClassVar[str | None]

    # A client for repository `slug` on the server at `url` (None: the public service). Raises
    # a UsageError that says what to install when the client library is missing.
    @classmethod
    def connect(cls, *, url: str | None, slug: str, token: str, timeout: float) -> Forge: ...

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


def missing_library(forge: type[Forge], exc: ImportError) -> UsageError:
    """The error for a forge whose client library is not installed: what to install."""
    return UsageError(f"the {forge.name} forge needs its client library ({exc}): pip install 'suture[{forge.extra}]'")
