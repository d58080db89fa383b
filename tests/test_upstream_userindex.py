"""The index suture installs candidate environments from is the user's (run/userindex.py): their
variables, their uv.toml, their pip.conf; never the project's own pip.conf, uv.toml or [tool.uv],
which a commit could point at a host of its choosing. A private index's credentials, read from the
user's pip.conf, reach neither the sandbox, the model's prompt, the proposal nor --json."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import snapshot
from llm_servers import FakeServer, openai_reply, serving
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import NO_SECRET, PASSWORD, heal, index, project, user_env
from upstream_index import Index

from suture.run import userindex

__all__ = ["index"]

bwrap = pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_the_variables_win_then_uv_toml_then_pip_conf(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {"HOME": str(home)}
    assert userindex.configured(env) is None or userindex.configured(env).where.startswith("/etc")  # type: ignore[union-attr]
    write(home / ".pip/pip.conf", "[global]\nindex-url = http://legacy.example/simple\n")
    assert userindex.configured(env) == userindex.Configured(
        "http://legacy.example/simple", str(home / ".pip/pip.conf")
    )
    pip = write(
        home / ".config/pip/pip.conf", "[global]\nindex-url = http://g/simple\n[install]\nindex-url = http://i/simple\n"
    )
    assert userindex.configured(env) == userindex.Configured("http://i/simple", str(pip))  # [install] over [global]
    uv = write(
        home / ".config/uv/uv.toml",
        '[[index]]\nurl = "http://extra/simple"\n\n[[index]]\nurl = "http://default/simple"\ndefault = true\n',
    )
    assert userindex.configured(env) == userindex.Configured("http://default/simple", str(uv))
    assert userindex.configured({**env, "PIP_INDEX_URL": "http://var/simple"}) == userindex.Configured(
        "http://var/simple", "PIP_INDEX_URL"
    )
    write(uv, '[pip]\nindex-url = "http://uvpip/simple"\n')
    assert userindex.configured(env).url == "http://uvpip/simple"  # type: ignore[union-attr]
    assert userindex.configured({**env, "UV_CONFIG_FILE": os.devnull, "PIP_CONFIG_FILE": os.devnull}) is None or (
        userindex.configured({**env, "UV_CONFIG_FILE": os.devnull, "PIP_CONFIG_FILE": os.devnull}).where.startswith(
            "/etc"
        )  # type: ignore[union-attr]
    )


def test_a_fifo_or_a_broken_file_in_place_of_the_configuration_reads_as_none(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (home / ".config/uv").mkdir(parents=True)
    os.mkfifo(home / ".config/uv/uv.toml")  # nobody writes it: a read would wait for ever
    write(home / ".config/pip/pip.conf", "[global\nindex-url = http://broken/simple\n")
    found = userindex.configured({"HOME": str(home)})
    assert found is None or found.where.startswith("/etc")


@pytest.fixture
def trap() -> Iterator[list[str]]:
    """A listener the project's own configuration points at: every request it gets is recorded."""
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path + " " + self.headers.get("Authorization", ""))
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    seen.append(f"http://127.0.0.1:{server.server_address[1]}/simple")
    yield seen
    server.shutdown()
    server.server_close()


def private(
    tmp_path: Path, served: Index, trap_url: str, *, dependencies: str, app: str = ""
) -> tuple[Path, dict[str, str]]:
    """A project whose own pip.conf, uv.toml and [tool.uv] name the trap; the user's pip.conf names
    the private index with its password; no index variable is set."""
    steer = {
        "pip.conf": f"[global]\nindex-url = {trap_url}\n",
        "uv.toml": f'index-url = "{trap_url}"\n',
        ".config/pip/pip.conf": f"[global]\nindex-url = {trap_url}\n",
        "tests/test_secret.py": NO_SECRET,
    }
    steer["pyproject.toml"] = (
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dependencies}]\n\n'
        f'[tool.uv]\nindex-url = "{trap_url}"\n'
    )
    repo = project(tmp_path / "repo", dependencies=dependencies, app=app, extra=steer)
    home = Path(os.environ["HOME"])
    write(home / ".config/pip/pip.conf", f"[global]\nindex-url = {served.with_credentials('ci', PASSWORD)}\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")}
    found = userindex.configured(env)
    assert found is not None and found.url == served.with_credentials("ci", PASSWORD)  # never PyPI from a test
    return repo, env


@bwrap
def test_the_user_s_pip_conf_names_a_private_index_and_its_password_goes_nowhere(
    tmp_path: Path, index: Index, trap: list[str]
) -> None:
    repo, env = private(tmp_path, index, trap[0], dependencies='"fakedist"')
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, None, environ=env)
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-pin"
    assert f"wheels of {index.url} ({Path(os.environ['HOME']) / '.config/pip/pip.conf'})" in stderr
    assert trap[1:] == []  # the project's configuration steered nothing
    proposal = Path(str(outcome["proposal"])).read_text()
    for text in (proposal, json.dumps(outcome), stderr):
        assert PASSWORD not in text


@bwrap
def test_a_good_release_yanked_since_is_a_reason_and_the_prompt_has_no_password(
    tmp_path: Path, index: Index, trap: list[str]
) -> None:
    app = "import yankdist\n\n\ndef value():\n    return yankdist.api()\n"
    repo, env = private(tmp_path, index, trap[0], dependencies='"yankdist"', app=app)
    venv = user_env(tmp_path, index, "yankdist==2.0", "pytest")
    checkout = snapshot(repo)
    with serving("openai") as model:
        model.queue(openai_reply("I cannot tell."))
        outcome, stderr = heal(repo, venv, None, *llm(model), environ=env)
        prompts = [request.text for request in model.requests]
    assert outcome["status"] == "unfixed", stderr
    found = outcome["failures"][0]["upstream"]  # type: ignore[index]
    assert (found["distribution"], found["installed"], found["good"]) == ("yankdist", "2.0", "")
    assert "1.0 was yanked since (broken metadata)" in found["how"]
    reasons = " ".join(str(v["reason"]) for v in outcome["verification"])  # type: ignore[union-attr]
    assert "yanked" in reasons, reasons
    assert prompts, "the model was asked"
    for text in (*prompts, json.dumps(outcome), stderr):
        assert PASSWORD not in text
    assert trap[1:] == [] and snapshot(repo) == checkout


def llm(server: FakeServer) -> tuple[str, ...]:
    return (
        "--provider",
        "openai",
        "--base-url",
        server.url,
        "--model",
        "fake",
        "--max-attempts",
        "1",
        "--max-tool-calls",
        "0",
    )
