"""The recipe for a CI provider, shown working: one file (a class that recognises its runs,
reads their failed jobs' logs and writes its configuration) and one line (an entry point in
`suture.ci`), installed as a real distribution. `suture logs` detects it from its environment
and downloads the failed jobs' logs from a loopback server; heal and init go through it too."""

from __future__ import annotations

import json
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import make_repo
from plugin_dist import install, suture
from projects import CLASSIC, PYTEST

TOKEN = "loopci-" + "T0ken4recipes"
LEAKY = f"+ curl -H 'Authorization: Bearer {TOKEN}' https://loop.example\n"

PROVIDER = '''
"""Loop CI: runs described by LOOPCI_* variables, logs served by LOOPCI_SERVER."""

from __future__ import annotations

import json
import urllib.request
from typing import ClassVar

from suture.ci.base import Run
from suture.ci.init import Written
from suture.ci.logs import Job


class LoopCI:
    name: ClassVar[str] = "loop-ci"
    init_name: ClassVar[str] = "loopci"
    title: ClassVar[str] = "Loop CI"
    extra: ClassVar[str] = "loopci"
    token_env: ClassVar[str] = "LOOPCI_TOKEN"
    logs_note: ClassVar[str] = "the failed jobs of the run LOOPCI_RUN names"

    @classmethod
    def read(cls, env):
        if env.get("LOOPCI") != "true":
            return None
        server, run = env.get("LOOPCI_SERVER", ""), env.get("LOOPCI_RUN", "")
        fork = env.get("LOOPCI_FORK") == "true"
        return Run(cls.name, env.get("LOOPCI_BRANCH", ""), env.get("LOOPCI_SHA", ""), fork, f"{server}/runs/{run}",
                   "", "", env.get("LOOPCI_REPO", ""))

    @classmethod
    def logs(cls, env, *, token, timeout):
        return LoopLogs(env["LOOPCI_SERVER"], env["LOOPCI_RUN"], token, timeout)

    @classmethod
    def setup(cls, *, flow, workflow, forge):
        steps = "after_failure: suture logs --out f.log && suture heal --log f.log"
        return (Written(".loopci.yml", f"# flow: {flow}\\n{steps}\\n"),)


class LoopLogs:
    def __init__(self, server, run, token, timeout):
        self.server, self.run, self.token, self.timeout = server, run, token, timeout

    def _get(self, path):
        request = urllib.request.Request(self.server + path, headers={"Authorization": f"Bearer {self.token}"})
        return urllib.request.urlopen(request, timeout=self.timeout)

    def failed_jobs(self):
        with self._get(f"/runs/{self.run}/jobs") as answer:
            jobs = json.load(answer)
        return [Job(str(j["id"]), j["name"], f"{self.server}/jobs/{j['id']}") for j in jobs if j["status"] == "failed"]

    def chunks(self, job):
        with self._get(f"/jobs/{job.id}/log") as answer:
            while chunk := answer.read(7):
                yield chunk
'''


class LoopServer:
    """Loop CI's API on 127.0.0.1: run 7 has a failed job and a passed one; every request needs the token."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str]] = []  # (path, Authorization)
        self.jobs = {1: ("tests", "failed", "FAILED\n" + LEAKY), 2: ("lint", "passed", "All checks passed!\n")}
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def _answer(self, path: str) -> tuple[int, bytes]:
        if path == "/runs/7/jobs":
            listing = [{"id": n, "name": name, "status": status} for n, (name, status, _) in self.jobs.items()]
            return 200, json.dumps(listing).encode()
        number = path.removeprefix("/jobs/").removesuffix("/log")
        if number.isdigit() and int(number) in self.jobs:
            return 200, self.jobs[int(number)][2].encode()
        return 404, b"not found"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                authorization = self.headers.get("Authorization", "")
                server.requests.append((self.path, authorization))
                status, body = (401, b"no") if authorization != f"Bearer {TOKEN}" else server._answer(self.path)
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        return Handler


@pytest.fixture
def loop_ci() -> Iterator[LoopServer]:
    server = LoopServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def plugin(tmp_path: Path) -> Path:
    return install(
        tmp_path / "site",
        dist="loopci",
        group="suture.ci",
        entry="loop-ci = loopci_plugin:LoopCI",
        module="loopci_plugin",
        source=PROVIDER,
    )


def environment(server: LoopServer, branch: str = "main", fork: bool = False) -> dict[str, str]:
    return {
        "LOOPCI": "true",
        "LOOPCI_SERVER": server.url,
        "LOOPCI_RUN": "7",
        "LOOPCI_BRANCH": branch,
        "LOOPCI_REPO": "acme/calc",
        "LOOPCI_FORK": "true" if fork else "false",
        "LOOPCI_TOKEN": TOKEN,
    }


def test_suture_logs_detects_the_provider_and_downloads_its_failed_jobs(loop_ci: LoopServer, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    out = tmp_path / "failure.log"
    ran = subprocess.run(PYTEST.split(), cwd=repo, capture_output=True, text=True)  # the job's real output
    loop_ci.jobs[1] = ("tests", "failed", ran.stdout + LEAKY)

    done = suture(repo, plugin(tmp_path), "logs", "--out", str(out), env=environment(loop_ci))

    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert f"===== suture: log of the failed job 'tests' ({loop_ci.url}/jobs/1) =====" in text
    assert "TypeError" in text and "All checks passed" not in text  # the failed job only
    assert TOKEN not in text and TOKEN not in done.stderr  # redacted on the way to the file
    assert [path for path, _ in loop_ci.requests] == ["/runs/7/jobs", "/jobs/1/log"]
    assert {authorization for _, authorization in loop_ci.requests} == {f"Bearer {TOKEN}"}
    assert f"wrote the logs of 1 failed job(s) of 7 to {out}" in done.stderr

    # The log heals like any CI's: its failure is reproduced in the sandbox, then fixed.
    healed = suture(repo, plugin(tmp_path / "again"), "heal", "--log", str(out), "--test-cmd", PYTEST, "--json")
    assert healed.returncode == 0, healed.stderr
    assert json.loads(healed.stdout.strip().splitlines()[-1])["status"] == "fixed"


def test_its_runs_on_suture_branches_and_forks_are_recognised(loop_ci: LoopServer, tmp_path: Path) -> None:
    repo, site = make_repo(tmp_path / "repo", CLASSIC), plugin(tmp_path)
    out = tmp_path / "failure.log"

    ours = suture(repo, site, "logs", "--out", str(out), env=environment(loop_ci, branch="suture/abc"))
    assert ours.returncode == 0 and out.read_bytes() == b""
    assert "the loop-ci run is on suture/abc, a suture branch" in ours.stderr
    assert loop_ci.requests == []  # no call at all

    forked = suture(repo, site, "heal", "--json", "--test-cmd", PYTEST, env=environment(loop_ci, fork=True))
    assert "the loop-ci run builds a fork's pull request: suture verifies but publishes nothing" in forked.stderr
    assert forked.returncode == 0, forked.stderr
    assert json.loads(forked.stdout.strip().splitlines()[-1])["published"] is None  # verified, not published


def test_help_init_and_token_messages_come_from_the_class(loop_ci: LoopServer, tmp_path: Path) -> None:
    repo, site = make_repo(tmp_path / "repo", CLASSIC), plugin(tmp_path)

    shown = suture(repo, site, "logs", "--help")
    assert "Loop CI: the failed jobs of the run LOOPCI_RUN names." in shown.stdout
    assert "LOOPCI_TOKEN in Loop CI" in " ".join(shown.stdout.split())

    written = suture(repo, site, "init", "loopci")
    assert written.returncode == 0, written.stderr
    assert "suture heal --log f.log" in (repo / ".loopci.yml").read_text()

    unset = {**environment(loop_ci), "LOOPCI_TOKEN": ""}
    missing = suture(repo, site, "logs", env=unset)
    assert missing.returncode == 2
    assert "reading loop-ci logs needs a token in the environment variable LOOPCI_TOKEN" in missing.stderr
