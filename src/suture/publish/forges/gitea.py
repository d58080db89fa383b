"""Gitea and Forgejo through their REST API (`/api/v1`) over httpx."""

from __future__ import annotations

from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from suture.errors import ForgeAuthError, ForgeError, ForgeUnavailable, RateLimited, UsageError
from suture.publish.forges.base import Request, State, missing_library
from suture.publish.forges.gitpush import basic
from suture.publish.forges.ratelimit import wait_from

if TYPE_CHECKING:
    import httpx

DRAFT = "WIP: "  # Gitea and Forgejo mark a pull request as work in progress by this title prefix
PAGE = 50
MAX_PAGES = 20  # 1,000 pull requests: the scan of a very busy repository stops there


def _error(what: str, response: httpx.Response) -> ForgeError:
    try:
        message = response.json().get("message", "")
    except ValueError:
        message = response.reason_phrase
    text = f"Gitea: {what}: {response.status_code} {message}".rstrip()
    remaining = response.headers.get("x-ratelimit-remaining")
    if response.status_code == 429 or (response.status_code == 403 and remaining == "0"):
        return RateLimited(text, wait_from(response.headers))
    if response.status_code == 401:
        hint = f"the token was refused; set a valid token (default variable {GiteaForge.token_env})"
        return ForgeAuthError(f"{text}: {hint}")
    if response.status_code >= 500:
        return ForgeUnavailable(text)
    return ForgeError(text)


class GiteaForge:
    name: ClassVar[str] = "gitea"
    title: ClassVar[str] = "Gitea"
    extra: ClassVar[str] = "gitea"
    token_env: ClassVar[str] = "GITEA_TOKEN"
    public_url: ClassVar[str | None] = None  # self-hosted only: the server is always named

    def __init__(self, client: httpx.Client, slug: str, token: str) -> None:
        self._client = client
        self._slug = slug
        self._authorization = basic("oauth2", token)  # Gitea takes a token as the password of any user

    @classmethod
    def connect(cls, *, url: str | None, slug: str, token: str, timeout: float) -> GiteaForge:
        if not url:
            raise UsageError("the gitea forge needs the server: --forge-url https://gitea.example.com")
        try:
            import httpx
        except ImportError as exc:
            raise missing_library(cls, exc) from exc
        client = httpx.Client(
            base_url=f"{url.rstrip('/')}/api/v1",
            headers={"Authorization": f"token {token}", "Accept": "application/json"},
            timeout=timeout,
        )
        return cls(client, slug, token)

    def __repr__(self) -> str:
        return f"GiteaForge({self._slug!r})"

    def _call(self, what: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        import httpx

        try:
            response = self._client.request(method, f"/repos/{self._slug}{path}", **kwargs)
        except httpx.TransportError as exc:  # timeouts and dropped connections
            raise ForgeUnavailable(f"Gitea: {what}: {type(exc).__name__}") from None
        if response.is_success or (response.status_code == 404 and method == "GET" and path.startswith("/branches/")):
            return response
        raise _error(what, response)

    @cached_property
    def _repo(self) -> dict[str, Any]:
        data: dict[str, Any] = self._call(f"read repository {self._slug}", "GET", "").json()
        return data

    def clone_url(self) -> str:
        return str(self._repo["clone_url"])

    def git_authorization(self) -> str:
        return self._authorization

    def default_branch(self) -> str:
        return str(self._repo["default_branch"])

    def is_protected(self, branch: str) -> bool:
        response = self._call(f"read branch {branch}", "GET", f"/branches/{quote(branch, safe='')}")
        return response.status_code != 404 and bool(response.json().get("protected"))

    def _pulls(self, state: str, *, since: datetime | None = None) -> list[Request]:
        """Pull requests, newest first; the API has no filter by head branch, so this pages."""
        found: list[Request] = []
        for page in range(1, MAX_PAGES + 1):
            params = {"state": state, "page": page, "limit": PAGE}
            batch = self._call("list pull requests", "GET", "/pulls", params=params).json()
            found.extend(_request(pr) for pr in batch)
            if len(batch) < PAGE or (since and found and min(r.created for r in found) < since):
                break
        return sorted(found, key=lambda r: r.created, reverse=True)

    def requests_for(self, branch: str) -> list[Request]:
        return [r for r in self._pulls("all") if r.head == branch]

    def open_requests(self, prefix: str) -> list[Request]:
        return [r for r in self._pulls("open") if r.head.startswith(prefix)]

    def created_since(self, prefix: str, since: datetime) -> list[Request]:
        return [r for r in self._pulls("all", since=since) if r.head.startswith(prefix) and r.created >= since]

    def create(self, *, head: str, base: str, title: str, body: str, draft: bool) -> Request:
        payload = {"head": head, "base": base, "title": DRAFT + title if draft else title, "body": body}
        return _request(self._call(f"create a pull request from {head}", "POST", "/pulls", json=payload).json())

    def update(self, number: int, *, title: str, body: str) -> Request:
        what = f"update pull request #{number}"
        current = self._call(what, "GET", f"/pulls/{number}").json()
        title = DRAFT + title if str(current.get("title", "")).startswith(DRAFT) else title
        return _request(self._call(what, "PATCH", f"/pulls/{number}", json={"title": title, "body": body}).json())

    def label(self, number: int, labels: tuple[str, ...]) -> None:
        what = f"label pull request #{number}"
        known = {item["name"]: item["id"] for item in self._call(what, "GET", "/labels", params={"limit": 50}).json()}
        for name in labels:
            if name not in known:  # the API labels by id: make the missing ones first
                made = self._call(what, "POST", "/labels", json={"name": name, "color": "#ededed"}).json()
                known[name] = made["id"]
        self._call(what, "POST", f"/issues/{number}/labels", json={"labels": [known[n] for n in labels]})


def _request(pr: dict[str, Any]) -> Request:
    state: State = "merged" if pr.get("merged") else ("open" if pr.get("state") == "open" else "closed")
    created = datetime.fromisoformat(str(pr["created_at"]).replace("Z", "+00:00"))
    body = str(pr.get("body") or "")
    return Request(int(pr["number"]), str(pr["html_url"]), state, str(pr["head"]["ref"]), body, created)
