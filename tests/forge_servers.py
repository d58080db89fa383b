"""Loopback forges for tests: the subset of the GitHub, GitLab and Gitea REST APIs suture uses,
backed by real bare git repositories served over git's smart HTTP (`git http-backend`).

Every request, API or git, must carry the token; every request is recorded, so tests
can count mutating calls. Faults (a 429, a 403 rate limit, a response that never comes
in time) are injected per route. While a push is received, every process's argv in
/proc is searched for the token: `leaks` lists any that held it.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import re
import subprocess
import threading
import time
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

Json = Any


@dataclass
class Pull:
    number: int
    head: str
    base: str
    title: str
    body: str
    created: datetime
    state: str = "open"  # open, closed, merged
    labels: list[str] = field(default_factory=list)
    draft: bool = False


@dataclass
class CiJob:
    """A job of a CI run, with the log its API serves (zipped: served as a zip archive, as GitHub does for runs)."""

    id: int
    name: str
    conclusion: str  # success, failure, timed_out, skipped (GitHub's words; mapped for the other CIs)
    log: bytes = b""
    zipped: bool = False


@dataclass
class Repo:
    slug: str
    bare: Path
    default_branch: str
    id: int
    protected: set[str] = field(default_factory=set)
    pulls: list[Pull] = field(default_factory=list)
    labels: dict[str, int] = field(default_factory=dict)
    runs: dict[int, list[CiJob]] = field(default_factory=dict)  # CI run (GitHub) or pipeline (GitLab) -> jobs

    def branch_exists(self, branch: str) -> bool:
        ref = f"refs/heads/{branch}"
        return subprocess.run(["git", "show-ref", "--verify", "-q", ref], cwd=self.bare).returncode == 0


@dataclass
class Fault:
    """Answer the next `times` requests matching `method` and `pattern` differently."""

    method: str
    pattern: str
    status: int = 0  # 0: handle normally (with `delay`); else answer this status
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait after handling, before answering (a client timeout)
    times: int = 1


class ForgeServer:
    kind = ""  # github, gitlab, gitea

    def __init__(self, root: Path, token: str) -> None:
        self.root = root
        self.token = token
        self.repos: dict[str, Repo] = {}
        self.calls: list[tuple[str, str]] = []
        self.faults: list[Fault] = []
        self.leaks: list[str] = []
        self.git_auth_ok = 0
        self.blobs: dict[str, bytes] = {}  # signed download URLs' paths -> content (no token: like GitHub's)
        self.blob_requests: list[dict[str, str]] = []  # the headers each download arrived with
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def add_repo(self, slug: str, source: Path, default_branch: str = "main") -> Repo:
        bare = self.root / "git" / f"{slug}.git"
        bare.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "clone", "-q", "--bare", str(source), str(bare)], check=True)
        subprocess.run(["git", "symbolic-ref", "HEAD", f"refs/heads/{default_branch}"], cwd=bare, check=True)
        subprocess.run(["git", "config", "http.receivepack", "true"], cwd=bare, check=True)
        repo = Repo(slug, bare, default_branch, id=len(self.repos) + 1)
        self.repos[slug] = repo
        return repo

    def clone_url(self, repo: Repo) -> str:
        return f"{self.url}/{repo.slug}.git"  # as the forges have it: the slug from origin works

    def mutating(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.calls if m not in ("GET", "HEAD") and not is_git(p)]

    def blob(self, content: bytes) -> str:
        """A signed, token-free URL that serves `content` (as GitHub redirects a job's logs to one)."""
        path = f"/blobs/{len(self.blobs) + 1}.log"
        self.blobs[path] = content
        return f"{self.url}{path}?sig=s1gnature"

    def serve_blob(self, handler: BaseHTTPRequestHandler, path: str) -> tuple[int, bytes]:
        self.blob_requests.append(dict(handler.headers.items()))
        if handler.headers.get("Authorization"):  # as the blob store: a second credential is refused
            return 400, b"Authorization header not allowed with a signed URL"
        if path not in self.blobs:
            return 404, b"not found"
        return 200, self.blobs[path]

    def api_calls(self) -> list[tuple[str, str]]:
        return [(m, p) for m, p in self.calls if not is_git(p)]

    # -- the API, one subclass per forge --------------------------------------------------

    def authorized(self, headers: Any) -> bool:
        raise NotImplementedError

    def route(self, method: str, path: str, query: dict[str, str], body: Json) -> tuple[int, Json, dict[str, str]]:
        raise NotImplementedError

    def new_pull(self, repo: Repo, head: str, base: str, title: str, body: str, draft: bool = False) -> Pull:
        number = len(repo.pulls) + 1
        pull = Pull(number, head, base, title, body, datetime.now(UTC), draft=draft)
        repo.pulls.append(pull)
        return pull

    def fault_for(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method == method and re.search(fault.pattern, path):
                    fault.times -= 1
                    return fault
        return None

    def scan_proc(self) -> None:
        """Record any process whose argv holds the token (what `ps` shows every user)."""
        forms = {self.token, base64.b64encode(self.token.encode()).decode()}
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if any(form in text for form in forms):
                self.leaks.append(text)

    # -- git over smart HTTP -------------------------------------------------------------

    def git_authorized(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return self.token in (user, password)

    def git(self, handler: BaseHTTPRequestHandler, method: str, body: bytes) -> None:
        path, _, query = handler.path.partition("?")
        if "git-receive-pack" in path or "service=git-receive-pack" in query:
            self.scan_proc()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "GIT_PROJECT_ROOT": str(self.root / "git"),
            "GIT_HTTP_EXPORT_ALL": "1",
            "GIT_CONFIG_NOSYSTEM": "1",
            "HOME": str(self.root),
            "PATH_INFO": unquote(path),
            "QUERY_STRING": query,
            "REQUEST_METHOD": method,
            "CONTENT_TYPE": handler.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)),
            "REMOTE_USER": "suture",
            "REMOTE_ADDR": "127.0.0.1",
            "GATEWAY_INTERFACE": "CGI/1.1",
            "GIT_PROTOCOL": handler.headers.get("Git-Protocol", ""),
            "HTTP_CONTENT_ENCODING": handler.headers.get("Content-Encoding", ""),
        }
        done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True)
        head, _, payload = done.stdout.partition(b"\r\n\r\n")
        if not _:
            head, _, payload = done.stdout.partition(b"\n\n")
        status, headers = 200, []
        for line in head.decode(errors="replace").splitlines():
            name, _, value = line.partition(":")
            if name.lower() == "status":
                status = int(value.split()[0])
            elif name:
                headers.append((name, value.strip()))
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(payload)))
        handler.end_headers()
        handler.wfile.write(payload)


def is_git(path: str) -> bool:
    """Whether a request is for git's smart HTTP (`/owner/name.git/...`) rather than the API."""
    return re.match(r"^/[^/]+/[^/]+\.git/", path) is not None


def _read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        chunks = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0], 16)
            if size == 0:
                handler.rfile.readline()
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def _handler(server: ForgeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def _any(self, method: str) -> None:
            body = _read_body(self)
            path = urlsplit(self.path).path
            with server.lock:
                server.calls.append((method, path))
            if path.startswith("/blobs/"):
                status, content = server.serve_blob(self, path)
                self._send(status, content, {})
                return
            if is_git(path):
                if not server.git_authorized(self.headers.get("Authorization")):
                    self._send(401, {"message": "Unauthorized"}, {"WWW-Authenticate": 'Basic realm="git"'})
                    return
                server.git_auth_ok += 1
                server.git(self, method, body)
                return
            if not server.authorized(self.headers):
                self._send(401, {"message": "Bad credentials"}, {})
                return
            fault = server.fault_for(method, path)
            if fault and fault.status:
                self._send(fault.status, {"message": "API rate limit exceeded"}, fault.headers)
                return
            query = {k: v[-1] for k, v in parse_qs(urlsplit(self.path).query).items()}
            data = json.loads(body) if body else None
            with server.lock:
                status, payload, headers = server.route(method, path, query, data)
            if fault and fault.delay:
                time.sleep(fault.delay)
            self._send(status, payload, headers)

        def _send(self, status: int, payload: Json, headers: dict[str, str]) -> None:
            raw = isinstance(payload, bytes)  # a log, served as it is
            data = payload if raw else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8" if raw else "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up waiting
                self.wfile.write(data)

        def do_GET(self) -> None:
            self._any("GET")

        def do_POST(self) -> None:
            self._any("POST")

        def do_PATCH(self) -> None:
            self._any("PATCH")

        def do_PUT(self) -> None:
            self._any("PUT")

        def do_DELETE(self) -> None:
            self._any("DELETE")

    return Handler


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


NOT_FOUND: tuple[int, Json, dict[str, str]] = (404, {"message": "Not Found"}, {})


class GitHubServer(ForgeServer):
    kind = "github"

    def authorized(self, headers: Any) -> bool:
        return str(headers.get("Authorization", "")) in (f"token {self.token}", f"Bearer {self.token}")

    def api(self, repo: Repo) -> str:
        return f"{self.url}/api/v3/repos/{repo.slug}"

    def repo_json(self, repo: Repo) -> Json:
        owner, name = repo.slug.split("/")
        return {
            "id": repo.id,
            "name": name,
            "full_name": repo.slug,
            "owner": {"login": owner},
            "default_branch": repo.default_branch,
            "clone_url": self.clone_url(repo),
            "html_url": f"{self.url}/{repo.slug}",
            "url": self.api(repo),
        }

    def pull_json(self, repo: Repo, pull: Pull) -> Json:
        return {
            "number": pull.number,
            "id": pull.number,
            "url": f"{self.api(repo)}/pulls/{pull.number}",
            "issue_url": f"{self.api(repo)}/issues/{pull.number}",
            "html_url": f"{self.url}/{repo.slug}/pull/{pull.number}",
            "state": "open" if pull.state == "open" else "closed",
            "merged_at": _iso(pull.created) if pull.state == "merged" else None,
            "title": pull.title,
            "body": pull.body,
            "draft": pull.draft,
            "created_at": _iso(pull.created),
            "head": {"ref": pull.head, "label": f"{repo.slug.split('/')[0]}:{pull.head}"},
            "base": {"ref": pull.base},
            "labels": [{"name": n} for n in pull.labels],
        }

    def route(self, method: str, path: str, query: dict[str, str], body: Json) -> tuple[int, Json, dict[str, str]]:
        match = re.fullmatch(r"/api/v3/repos/([^/]+/[^/]+)(/.*)?", path)
        repo = self.repos.get(match.group(1)) if match else None
        if repo is None or match is None:
            return NOT_FOUND
        rest = match.group(2) or ""
        if rest == "" and method == "GET":
            return 200, self.repo_json(repo), {}
        if rest.startswith("/branches/") and method == "GET":
            branch = unquote(rest[len("/branches/") :])
            if not repo.branch_exists(branch):
                return NOT_FOUND
            return 200, {"name": branch, "protected": branch in repo.protected, "commit": {"sha": "0" * 40}}, {}
        if rest == "/pulls" and method == "GET":
            return 200, self.list_pulls(repo, query), {}
        if rest == "/pulls" and method == "POST":
            return self.create_pull(repo, body)
        if rest.startswith("/actions/") and method == "GET":
            return self.actions(repo, rest)
        number = re.fullmatch(r"/(pulls|issues)/(\d+)(/labels)?", rest)
        pull = next((p for p in repo.pulls if number and p.number == int(number.group(2))), None)
        if number is None or pull is None:
            return NOT_FOUND
        if number.group(3) and method == "POST":
            names = body if isinstance(body, list) else body["labels"]  # PyGithub sends a bare list
            pull.labels.extend(n for n in names if n not in pull.labels)
            return 200, [{"name": n, "url": f"{self.api(repo)}/labels/{n}"} for n in pull.labels], {}
        if method == "PATCH":
            pull.title, pull.body = body.get("title", pull.title), body.get("body", pull.body)
        if number.group(1) == "issues":
            data = self.pull_json(repo, pull)
            return 200, {**data, "url": data["issue_url"], "pull_request": {"url": data["url"]}}, {}
        return 200, self.pull_json(repo, pull), {}

    def actions(self, repo: Repo, rest: str) -> tuple[int, Json, dict[str, str]]:
        """Workflow runs, their jobs, and a job's logs: a 302 to a signed URL elsewhere."""
        run = re.fullmatch(r"/actions/runs/(\d+)(/jobs)?", rest)
        if run and int(run.group(1)) in repo.runs:
            number = int(run.group(1))
            if run.group(2):
                jobs = [self.job_json(repo, number, job) for job in repo.runs[number]]
                return 200, {"total_count": len(jobs), "jobs": jobs}, {}
            data = {"id": number, "url": f"{self.api(repo)}/actions/runs/{number}", "status": "completed"}
            return 200, {**data, "jobs_url": f"{data['url']}/jobs", "conclusion": "failure"}, {}
        job = re.fullmatch(r"/actions/jobs/(\d+)(/logs)?", rest)
        found = [(n, j) for n, jobs in repo.runs.items() for j in jobs if job and j.id == int(job.group(1))]
        if job is None or not found:
            return NOT_FOUND
        number, ci_job = found[0]
        if job.group(2):
            return 302, b"", {"Location": self.blob(_zipped(ci_job) if ci_job.zipped else ci_job.log)}
        return 200, self.job_json(repo, number, ci_job), {}

    def job_json(self, repo: Repo, run: int, job: CiJob) -> Json:
        return {
            "id": job.id,
            "run_id": run,
            "name": job.name,
            "status": "completed",
            "conclusion": job.conclusion,
            "url": f"{self.api(repo)}/actions/jobs/{job.id}",
            "html_url": f"{self.url}/{repo.slug}/actions/runs/{run}/job/{job.id}",
        }

    def list_pulls(self, repo: Repo, query: dict[str, str]) -> Json:
        state = query.get("state", "open")
        head = query.get("head", "").split(":", 1)[-1]
        pulls = [
            p
            for p in sorted(repo.pulls, key=lambda p: p.number, reverse=query.get("direction") == "desc")
            if (state == "all" or (state == "open") == (p.state == "open")) and (not head or p.head == head)
        ]
        return [self.pull_json(repo, p) for p in pulls]

    def create_pull(self, repo: Repo, body: Json) -> tuple[int, Json, dict[str, str]]:
        if not repo.branch_exists(body["head"]):
            return 422, {"message": "Validation Failed", "errors": [{"field": "head", "code": "invalid"}]}, {}
        if any(p.head == body["head"] and p.state == "open" for p in repo.pulls):
            return 422, {"message": "Validation Failed: A pull request already exists"}, {}
        pull = self.new_pull(repo, body["head"], body["base"], body["title"], body.get("body", ""), body.get("draft"))
        return 201, self.pull_json(repo, pull), {}


class GitLabServer(ForgeServer):
    kind = "gitlab"

    def authorized(self, headers: Any) -> bool:
        return str(headers.get("PRIVATE-TOKEN", "")) == self.token

    def project_json(self, repo: Repo) -> Json:
        return {
            "id": repo.id,
            "path_with_namespace": repo.slug,
            "default_branch": repo.default_branch,
            "http_url_to_repo": self.clone_url(repo),
            "web_url": f"{self.url}/{repo.slug}",
        }

    def mr_json(self, repo: Repo, pull: Pull) -> Json:
        return {
            "id": 1000 + pull.number,
            "iid": pull.number,
            "project_id": repo.id,
            "web_url": f"{self.url}/{repo.slug}/-/merge_requests/{pull.number}",
            "state": {"open": "opened"}.get(pull.state, pull.state),
            "title": ("Draft: " if pull.draft and not pull.title.startswith("Draft: ") else "") + pull.title,
            "description": pull.body,
            "source_branch": pull.head,
            "target_branch": pull.base,
            "created_at": pull.created.isoformat().replace("+00:00", "Z"),
            "labels": pull.labels,
        }

    def route(self, method: str, path: str, query: dict[str, str], body: Json) -> tuple[int, Json, dict[str, str]]:
        match = re.fullmatch(r"/api/v4/projects/([^/]+)(/.*)?", path)
        if match is None:
            return NOT_FOUND
        key = unquote(match.group(1))
        repo = next((r for r in self.repos.values() if key in (r.slug, str(r.id))), None)
        if repo is None:
            return NOT_FOUND
        rest = match.group(2) or ""
        if rest == "" and method == "GET":
            return 200, self.project_json(repo), {}
        if rest.startswith("/repository/branches/") and method == "GET":
            branch = unquote(rest[len("/repository/branches/") :])
            if not repo.branch_exists(branch):
                return NOT_FOUND
            return 200, {"name": branch, "protected": branch in repo.protected}, {}
        if rest == "/merge_requests" and method == "GET":
            return 200, self.list_mrs(repo, query), {}
        if rest == "/merge_requests" and method == "POST":
            if any(p.head == body["source_branch"] and p.state == "open" for p in repo.pulls):
                return 409, {"message": ["Another open merge request already exists for this source branch"]}, {}
            title = body["title"]
            pull = self.new_pull(repo, body["source_branch"], body["target_branch"], title, body.get("description", ""))
            pull.draft = title.startswith("Draft: ")
            return 201, self.mr_json(repo, pull), {}
        pipeline = re.fullmatch(r"/pipelines/(\d+)/jobs", rest)
        if pipeline and method == "GET":
            jobs = repo.runs.get(int(pipeline.group(1)), [])
            scope = query.get("scope") or query.get("scope[]")
            status = {"failure": "failed", "timed_out": "failed"}
            listed = [j for j in jobs if not scope or status.get(j.conclusion, j.conclusion) == scope]
            return 200, [self.job_json(repo, j, status.get(j.conclusion, j.conclusion)) for j in listed], {}
        trace = re.fullmatch(r"/jobs/(\d+)/trace", rest)
        if trace and method == "GET":
            found = [j for jobs in repo.runs.values() for j in jobs if j.id == int(trace.group(1))]
            return (200, found[0].log, {}) if found else NOT_FOUND
        number = re.fullmatch(r"/merge_requests/(\d+)", rest)
        pull = next((p for p in repo.pulls if number and p.number == int(number.group(1))), None)
        if pull is None:
            return NOT_FOUND
        if method == "PUT":
            pull.title = body.get("title", pull.title)
            pull.body = body.get("description", pull.body)
            pull.labels.extend(n for n in body.get("add_labels", "").split(",") if n and n not in pull.labels)
        return 200, self.mr_json(repo, pull), {}

    def job_json(self, repo: Repo, job: CiJob, status: str) -> Json:
        return {"id": job.id, "name": job.name, "status": status, "web_url": f"{self.url}/{repo.slug}/-/jobs/{job.id}"}

    def list_mrs(self, repo: Repo, query: dict[str, str]) -> Json:
        state = query.get("state", "all")
        after = datetime.fromisoformat(query["created_after"]) if "created_after" in query else None
        found = [
            p
            for p in sorted(repo.pulls, key=lambda p: p.number, reverse=True)
            if (state == "all" or {"opened": "open"}.get(state, state) == p.state)
            and p.head == query.get("source_branch", p.head)
            and (after is None or p.created >= after)
        ]
        return [self.mr_json(repo, p) for p in found]


class GiteaServer(ForgeServer):
    kind = "gitea"

    def authorized(self, headers: Any) -> bool:
        return str(headers.get("Authorization", "")) == f"token {self.token}"

    def pull_json(self, repo: Repo, pull: Pull) -> Json:
        return {
            "id": pull.number,
            "number": pull.number,
            "html_url": f"{self.url}/{repo.slug}/pulls/{pull.number}",
            "state": "open" if pull.state == "open" else "closed",
            "merged": pull.state == "merged",
            "title": pull.title,
            "body": pull.body,
            "created_at": _iso(pull.created),
            "head": {"ref": pull.head},
            "base": {"ref": pull.base},
            "labels": [{"name": n, "id": repo.labels[n]} for n in pull.labels],
        }

    def route(self, method: str, path: str, query: dict[str, str], body: Json) -> tuple[int, Json, dict[str, str]]:
        match = re.fullmatch(r"/api/v1/repos/([^/]+/[^/]+)(/.*)?", path)
        repo = self.repos.get(match.group(1)) if match else None
        if repo is None or match is None:
            return NOT_FOUND
        rest = match.group(2) or ""
        if rest == "" and method == "GET":
            data = {"full_name": repo.slug, "default_branch": repo.default_branch, "clone_url": self.clone_url(repo)}
            return 200, data, {}
        if rest.startswith("/branches/") and method == "GET":
            branch = unquote(rest[len("/branches/") :])
            if not repo.branch_exists(branch):
                return NOT_FOUND
            return 200, {"name": branch, "protected": branch in repo.protected}, {}
        if rest == "/pulls" and method == "GET":
            return 200, self.list_pulls(repo, query), {}
        if rest == "/pulls" and method == "POST":
            if any(p.head == body["head"] and p.state == "open" for p in repo.pulls):
                return 409, {"message": "pull request already exists for these targets"}, {}
            pull = self.new_pull(repo, body["head"], body["base"], body["title"], body.get("body", ""))
            return 201, self.pull_json(repo, pull), {}
        if rest == "/labels":
            if method == "POST":
                repo.labels[body["name"]] = len(repo.labels) + 1
                return 201, {"id": repo.labels[body["name"]], "name": body["name"]}, {}
            return 200, [{"id": i, "name": n} for n, i in repo.labels.items()], {}
        number = re.fullmatch(r"/(pulls|issues)/(\d+)(/labels)?", rest)
        pull = next((p for p in repo.pulls if number and p.number == int(number.group(2))), None)
        if number is None or pull is None:
            return NOT_FOUND
        if number.group(3) and method == "POST":
            names = {i: n for n, i in repo.labels.items()}
            pull.labels.extend(names[i] for i in body["labels"] if names[i] not in pull.labels)
            return 200, [{"id": repo.labels[n], "name": n} for n in pull.labels], {}
        if method == "PATCH":
            pull.title, pull.body = body.get("title", pull.title), body.get("body", pull.body)
        return 200, self.pull_json(repo, pull), {}

    def list_pulls(self, repo: Repo, query: dict[str, str]) -> Json:
        state = query.get("state", "open")
        found = [p for p in repo.pulls if state == "all" or (state == "open") == (p.state == "open")]
        page, limit = int(query.get("page", 1)), int(query.get("limit", 30))
        return [self.pull_json(repo, p) for p in found[(page - 1) * limit : page * limit]]


class SemaphoreServer(ForgeServer):
    """Semaphore's public API (`/api/v1alpha`): workflows, pipelines with their jobs, and job logs."""

    kind = "semaphore"

    def __init__(self, root: Path, token: str) -> None:
        super().__init__(root, token)
        self.workflows: dict[str, str] = {}  # workflow id -> its initial pipeline id
        self.pipelines: dict[str, list[tuple[str, CiJob]]] = {}  # pipeline id -> (block name, job)

    def authorized(self, headers: Any) -> bool:
        return str(headers.get("Authorization", "")) == f"Token {self.token}"

    def route(self, method: str, path: str, query: dict[str, str], body: Json) -> tuple[int, Json, dict[str, str]]:
        if method != "GET":
            return NOT_FOUND
        workflow = re.fullmatch(r"/api/v1alpha/plumber-workflows/([\w-]+)", path)
        if workflow and workflow.group(1) in self.workflows:
            return (
                200,
                {"workflow": {"wf_id": workflow.group(1), "initial_ppl_id": self.workflows[workflow.group(1)]}},
                {},
            )
        pipeline = re.fullmatch(r"/api/v1alpha/pipelines/([\w-]+)", path)
        if pipeline and pipeline.group(1) in self.pipelines:
            return 200, self.pipeline_json(pipeline.group(1), detailed=query.get("detailed") == "true"), {}
        logs = re.fullmatch(r"/api/v1alpha/logs/([\w-]+)", path)
        found = [j for jobs in self.pipelines.values() for _, j in jobs if logs and str(j.id) == logs.group(1)]
        if found:
            return 200, {"events": _events(found[0])}, {}
        return NOT_FOUND

    def pipeline_json(self, pipeline: str, *, detailed: bool) -> Json:
        blocks: dict[str, list[Json]] = {}
        for block, job in self.pipelines[pipeline]:
            result = {"success": "PASSED", "failure": "FAILED", "timed_out": "FAILED"}.get(job.conclusion, "STOPPED")
            blocks.setdefault(block, []).append(
                {"status": "FINISHED", "result": result, "name": job.name, "job_id": str(job.id)}
            )
        failed = any(j["result"] == "FAILED" for jobs in blocks.values() for j in jobs)
        listed = [
            {"name": n, "state": "done", "result": "failed" if failed else "passed", "jobs": j}
            for n, j in blocks.items()
        ]
        head = {"ppl_id": pipeline, "state": "done", "result": "failed" if failed else "passed"}
        return {"pipeline": head, "blocks": listed if detailed else []}


def _events(job: CiJob) -> list[Json]:
    events: list[Json] = [{"event": "job_started", "timestamp": 1719979253}]
    events.append({"event": "cmd_started", "timestamp": 1719979253, "directive": "python -m pytest -q"})
    for line in job.log.decode().splitlines(keepends=True):
        events.append({"event": "cmd_output", "timestamp": 1719979254, "output": line})
    code = 0 if job.conclusion == "success" else 1
    events.append(
        {"event": "cmd_finished", "timestamp": 1719979255, "directive": "python -m pytest -q", "exit_code": code}
    )
    events.append({"event": "job_finished", "timestamp": 1719979255, "result": "passed" if code == 0 else "failed"})
    return events


def _zipped(job: CiJob) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(f"{job.name}/1_Set up job.txt", "2024-01-01T00:00:00Z Current runner version\n")
        archive.writestr(f"{job.name}/2_Run tests.txt", job.log)
    return buffer.getvalue()


SERVERS: dict[str, Callable[[Path, str], ForgeServer]] = {
    "github": GitHubServer,
    "gitlab": GitLabServer,
    "gitea": GiteaServer,
    "semaphore": SemaphoreServer,
}


def serve(kind: str, root: Path, token: str) -> Iterator[ForgeServer]:
    server = SERVERS[kind](root, token)
    try:
        yield server
    finally:
        server.close()
