"""GitHub (and GitHub Enterprise Server) through PyGithub."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING, ClassVar

from suture.errors import ForgeAuthError, ForgeError, ForgeUnavailable, RateLimited
from suture.publish.forges.base import Request, State, missing_library
from suture.publish.forges.gitpush import basic
from suture.publish.forges.ratelimit import wait_from

if TYPE_CHECKING:
    from github import Github
    from github.PullRequest import PullRequest
    from github.Repository import Repository

PUBLIC_API = "https://api.github.com"
SCAN_LIMIT = 300  # pull requests read, newest first, when counting recent ones


def api_url(url: str | None) -> str:
    """The REST base for a server URL: github.com's API, or GitHub Enterprise's /api/v3."""
    if url is None or url.rstrip("/") in ("https://github.com", PUBLIC_API):
        return PUBLIC_API
    url = url.rstrip("/")
    return url if url.endswith("/api/v3") else f"{url}/api/v3"


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    """PyGithub's and requests' exceptions as suture's, with the call named and no token in them."""
    import requests
    from github import GithubException

    try:
        yield
    except GithubException as exc:
        raise _translate(what, exc.status, exc.headers or {}, exc.data) from None
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise ForgeUnavailable(f"GitHub: {what}: {type(exc).__name__}") from None


def _translate(what: str, status: int, headers: dict[str, str], data: object) -> ForgeError:
    message = data.get("message", "") if isinstance(data, dict) else ""
    text = f"GitHub: {what}: {status} {message}".rstrip()
    lowered = {k.lower(): v for k, v in headers.items()}
    # GitHub signals its limits with 429 or with a 403 that says so in a header or the message.
    exhausted = lowered.get("x-ratelimit-remaining") == "0"
    said = "retry-after" in lowered or exhausted or "rate limit" in str(message).lower()
    limited = status == 429 or (status == 403 and said)
    if limited:
        return RateLimited(text, wait_from(headers))
    if status == 401:
        hint = f"the token was refused; set a valid token (default variable {GitHubForge.token_env})"
        return ForgeAuthError(f"{text}: {hint}")
    if status >= 500:
        return ForgeUnavailable(text)
    return ForgeError(text)


class GitHubForge:
    name: ClassVar[str] = "github"
    title: ClassVar[str] = "GitHub"
    extra: ClassVar[str] = "github"
    token_env: ClassVar[str] = "GITHUB_TOKEN"
    public_url: ClassVar[str | None] = "https://github.com"

    def __init__(self, client: Github, slug: str, token: str) -> None:
        self._client = client
        self._slug = slug
        self._authorization = basic("x-access-token", token)

    @classmethod
    def connect(cls, *, url: str | None, slug: str, token: str, timeout: float) -> GitHubForge:
        try:
            from github import Auth, Github
        except ImportError as exc:
            raise missing_library(cls, exc) from exc
        # retry=None: PyGithub's own retry would repeat a POST after a 5xx; suture's policy decides instead.
        client = Github(base_url=api_url(url), auth=Auth.Token(token), timeout=max(1, round(timeout)), retry=None)
        return cls(client, slug, token)

    def __repr__(self) -> str:
        return f"GitHubForge({self._slug!r})"  # never the token

    @cached_property
    def _repo(self) -> Repository:
        with translated(f"read repository {self._slug}"):
            return self._client.get_repo(self._slug)

    def clone_url(self) -> str:
        return self._repo.clone_url

    def git_authorization(self) -> str:
        return self._authorization

    def default_branch(self) -> str:
        return self._repo.default_branch

    def is_protected(self, branch: str) -> bool:
        from github import UnknownObjectException

        with translated(f"read branch {branch}"):
            try:
                return self._repo.get_branch(branch).protected
            except UnknownObjectException:
                return False

    def requests_for(self, branch: str) -> list[Request]:
        owner = self._slug.split("/", 1)[0]
        with translated(f"list pull requests from {branch}"):
            pulls = self._repo.get_pulls(state="all", head=f"{owner}:{branch}", sort="created", direction="desc")
            return [_request(pr) for pr in pulls if pr.head.ref == branch]

    def open_requests(self, prefix: str) -> list[Request]:
        with translated("list open pull requests"):
            return [_request(pr) for pr in self._repo.get_pulls(state="open") if pr.head.ref.startswith(prefix)]

    def created_since(self, prefix: str, since: datetime) -> list[Request]:
        found = []
        with translated("list recent pull requests"):
            pulls = self._repo.get_pulls(state="all", sort="created", direction="desc")
            for index, pr in enumerate(pulls):
                if index >= SCAN_LIMIT or _aware(pr.created_at) < since:
                    break
                if pr.head.ref.startswith(prefix):
                    found.append(_request(pr))
        return found

    def create(self, *, head: str, base: str, title: str, body: str, draft: bool) -> Request:
        with translated(f"create a pull request from {head}"):
            return _request(self._repo.create_pull(base=base, head=head, title=title, body=body, draft=draft))

    def update(self, number: int, *, title: str, body: str) -> Request:
        with translated(f"update pull request #{number}"):
            pr = self._repo.get_pull(number)
            pr.edit(title=title, body=body)
            return _request(pr)

    def label(self, number: int, labels: tuple[str, ...]) -> None:
        with translated(f"label pull request #{number}"):
            # The issues API creates labels the repository does not have yet.
            self._repo.get_issue(number).add_to_labels(*labels)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _request(pr: PullRequest) -> Request:
    state: State = "merged" if pr.merged_at is not None else ("open" if pr.state == "open" else "closed")
    return Request(pr.number, pr.html_url, state, pr.head.ref, pr.body or "", _aware(pr.created_at))
