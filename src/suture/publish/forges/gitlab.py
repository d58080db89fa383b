"""GitLab (gitlab.com or self-managed) through python-gitlab: merge requests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

from suture.errors import ForgeAuthError, ForgeError, ForgeUnavailable, RateLimited
from suture.publish.forges.base import Request, State, missing_library
from suture.publish.forges.gitpush import basic

if TYPE_CHECKING:
    import gitlab
    from gitlab.v4.objects import Project

PUBLIC = "https://gitlab.com"
DRAFT = "Draft: "  # GitLab marks a merge request as draft by this title prefix
_STATES: dict[str, State] = {"opened": "open", "merged": "merged", "closed": "closed", "locked": "closed"}
SCAN_LIMIT = 300


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    import requests
    from gitlab.exceptions import GitlabAuthenticationError, GitlabError

    try:
        yield
    except GitlabAuthenticationError as exc:
        hint = f"the token was refused; set a valid token (default variable {GitLabForge.token_env})"
        raise ForgeAuthError(f"GitLab: {what}: {exc.response_code} {hint}") from None
    except GitlabError as exc:
        raise _translate(what, exc.response_code, exc.error_message) from None
    except (requests.Timeout, requests.ConnectionError) as exc:
        raise ForgeUnavailable(f"GitLab: {what}: {type(exc).__name__}") from None


def _translate(what: str, status: int | None, message: object) -> ForgeError:
    text = f"GitLab: {what}: {status} {message}"
    if status == 429:
        return RateLimited(text)  # python-gitlab already waited out the server's reset: back off
    if status is not None and status >= 500:
        return ForgeUnavailable(text)
    return ForgeError(text)


class GitLabForge:
    name: ClassVar[str] = "gitlab"
    title: ClassVar[str] = "GitLab"
    extra: ClassVar[str] = "gitlab"
    token_env: ClassVar[str] = "GITLAB_TOKEN"
    public_url: ClassVar[str | None] = PUBLIC

    def __init__(self, client: gitlab.Gitlab, slug: str, token: str) -> None:
        self._client = client
        self._slug = slug
        self._authorization = basic("oauth2", token)

    @classmethod
    def connect(cls, *, url: str | None, slug: str, token: str, timeout: float) -> GitLabForge:
        try:
            import gitlab
        except ImportError as exc:
            raise missing_library(cls, exc) from exc
        # python-gitlab obeys 429 itself (Retry-After, RateLimit-Reset) and, with
        # retry_transient_errors off, never repeats a call that timed out.
        client = gitlab.Gitlab(url or PUBLIC, private_token=token, timeout=timeout, retry_transient_errors=False)
        return cls(client, slug, token)

    def __repr__(self) -> str:
        return f"GitLabForge({self._slug!r})"

    @cached_property
    def _project(self) -> Project:
        with translated(f"read project {self._slug}"):
            return self._client.projects.get(self._slug)

    def clone_url(self) -> str:
        return str(self._project.http_url_to_repo)

    def git_authorization(self) -> str:
        return self._authorization

    def default_branch(self) -> str:
        return str(self._project.default_branch)

    def is_protected(self, branch: str) -> bool:
        from gitlab.exceptions import GitlabError

        with translated(f"read branch {branch}"):
            try:
                return bool(self._project.branches.get(branch).protected)
            except GitlabError as exc:
                if exc.response_code == 404:
                    return False
                raise

    def requests_for(self, branch: str) -> list[Request]:
        with translated(f"list merge requests from {branch}"):
            found = self._list(source_branch=branch, state="all")
        return [r for r in found if r.head == branch]

    def open_requests(self, prefix: str) -> list[Request]:
        with translated("list open merge requests"):
            return [r for r in self._list(state="opened") if r.head.startswith(prefix)]

    def created_since(self, prefix: str, since: datetime) -> list[Request]:
        with translated("list recent merge requests"):
            found = self._list(state="all", created_after=since.isoformat())
        return [r for r in found if r.head.startswith(prefix) and r.created >= since]

    def _list(self, **filters: Any) -> list[Request]:
        listing = self._project.mergerequests.list(iterator=True, order_by="created_at", sort="desc", **filters)
        found = []
        for index, mr in enumerate(listing):
            if index >= SCAN_LIMIT:
                break
            found.append(_request(mr.attributes))
        return found

    def create(self, *, head: str, base: str, title: str, body: str, draft: bool) -> Request:
        data = {
            "source_branch": head,
            "target_branch": base,
            "title": DRAFT + title if draft else title,
            "description": body,
            "remove_source_branch": True,  # merged or closed, suture's branch goes away
        }
        with translated(f"create a merge request from {head}"):
            return _request(self._project.mergerequests.create(data).attributes)

    def update(self, number: int, *, title: str, body: str) -> Request:
        with translated(f"update merge request !{number}"):
            current = self._project.mergerequests.get(number)
            # Keep the draft state a human may have changed: only the text is suture's to replace.
            title = DRAFT + title if str(current.title).startswith(DRAFT) else title
            return _request(self._project.mergerequests.update(number, {"title": title, "description": body}))

    def label(self, number: int, labels: tuple[str, ...]) -> None:
        with translated(f"label merge request !{number}"):
            self._project.mergerequests.update(number, {"add_labels": ",".join(labels)})


def _request(mr: dict[str, Any]) -> Request:
    created = datetime.fromisoformat(str(mr["created_at"]).replace("Z", "+00:00"))
    state = _STATES.get(str(mr["state"]), "closed")
    body = str(mr.get("description") or "")
    return Request(int(mr["iid"]), str(mr["web_url"]), state, str(mr["source_branch"]), body, created)
