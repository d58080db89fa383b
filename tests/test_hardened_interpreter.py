"""Nothing from the repository runs outside bubblewrap: not its `.venv/bin/python` (which suture
once ran on the host to ask sys.prefix), not a program a relative PATH entry or /proc/self/cwd
leads to, in `heal`, `diagnose` and `doctor`.

Each attack is a script that a commit adds; run anywhere on the host it appends to a sentinel
file outside the repository (inside the sandbox that directory is hidden, so the write fails).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from helpers import make_repo
from projects import CLASSIC, PYTEST
from sandbox_helpers import require_bubblewrap, suture

from suture.run import venv

require_bubblewrap()


def trap(sentinel: Path, then: str = "") -> str:
    """A script that records that it ran on the host, then (if `then`) becomes that program."""
    tail = f'exec {then} "$@"\n' if then else "exit 0\n"
    return f'#!/bin/sh\necho "$0 $*" >> {sentinel} 2>/dev/null\n{tail}'


def executable_repo(root: Path, files: dict[str, str], programs: list[str]) -> Path:
    """A repository of `files` whose `programs` are committed executable."""
    root.mkdir(parents=True)
    for name in programs:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(files[name])
        (root / name).chmod(0o755)
    return make_repo(root, files)


def venv_repo(root: Path, sentinel: Path) -> Path:
    """CLASSIC with a committed virtualenv whose `python` is the attacker's script."""
    files = {
        **CLASSIC,
        ".venv/pyvenv.cfg": f"home = {os.path.dirname(sys.executable)}\nversion = 3.11\n",
        ".venv/bin/python": trap(sentinel, sys.executable),
    }
    return executable_repo(root, files, [".venv/bin/python"])


def ran(sentinel: Path) -> str:
    return sentinel.read_text() if sentinel.exists() else ""


@pytest.mark.parametrize("command", [("diagnose", "--json"), ("doctor",), ("heal", "--dry-run", "--json")])
def test_a_committed_venv_interpreter_never_runs_on_the_host(tmp_path: Path, command: tuple[str, ...]) -> None:
    sentinel = tmp_path / "ran-on-host"
    repo = venv_repo(tmp_path / "repo", sentinel)
    done = suture(repo, *command)
    assert ran(sentinel) == "", f"the repository's interpreter ran on the host: {ran(sentinel)}"
    assert done.returncode in (0, 1), done.stdout + done.stderr


def test_a_check_through_proc_self_cwd_never_runs_on_the_host(tmp_path: Path) -> None:
    sentinel = tmp_path / "ran-on-host"
    repo = venv_repo(tmp_path / "repo", sentinel)
    done = suture(repo, "diagnose", "--json", "--test-cmd", "/proc/self/cwd/.venv/bin/python -m pytest -q")
    assert ran(sentinel) == "", f"the repository's interpreter ran on the host: {ran(sentinel)}"
    assert done.returncode in (0, 1), done.stdout + done.stderr


@pytest.mark.parametrize("entry", [".", "bin", ""])
def test_a_relative_path_entry_never_runs_a_repository_program(tmp_path: Path, entry: str) -> None:
    """PATH with '.', 'bin' or an empty entry (the current directory) before the real ones: a
    commit's `git`, `bwrap` or `python3` would be found there, from suture's directory."""
    sentinel = tmp_path / "ran-on-host"
    where = "bin/" if entry == "bin" else ""
    programs = ("git", "bwrap", "python", "python3", "pytest")
    files = {where + name: trap(sentinel) for name in programs}
    repo = executable_repo(tmp_path / "repo", {**CLASSIC, **files}, list(files))
    path = f"{entry}{os.pathsep}{os.environ['PATH']}"
    for command in (("diagnose", "--json", "--test-cmd", PYTEST), ("heal", "--dry-run", "--test-cmd", PYTEST)):
        done = suture(repo, *command, env={"PATH": path})
        assert ran(sentinel) == "", f"a repository program ran on the host: {ran(sentinel)}"
        assert done.returncode in (0, 1), done.stdout + done.stderr


def test_a_virtualenv_is_read_from_its_pyvenv_cfg_and_nothing_else(tmp_path: Path) -> None:
    """pyvenv.cfg is read as a regular file only: a link (to a secret) or a FIFO (a hang) is no virtualenv."""
    real = tmp_path / "real"
    real.mkdir()
    (real / "pyvenv.cfg").write_text("home = /usr/bin\n")
    assert venv.config(real) == {"home": "/usr/bin"}
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "pyvenv.cfg").symlink_to(real / "pyvenv.cfg")
    assert venv.config(linked) is None
    fifo = tmp_path / "fifo"
    fifo.mkdir()
    os.mkfifo(fifo / "pyvenv.cfg")
    assert venv.config(fifo) is None


@pytest.mark.parametrize("how", ["bwrap-broken", "config-none"])
def test_doctor_asks_no_interpreter_outside_the_sandbox(tmp_path: Path, how: str) -> None:
    """Where bubblewrap does not start, or the repository's own configuration says `sandbox = "none"`,
    doctor names the interpreter but runs it nowhere (only the user's --sandbox none would)."""
    sentinel = tmp_path / "ran-on-host"
    repo = venv_repo(tmp_path / "repo", sentinel)
    env = {}
    if how == "bwrap-broken":
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        (bin_dir / "bwrap").write_text("#!/bin/sh\nexit 1\n")
        (bin_dir / "bwrap").chmod(0o755)
        env["PATH"] = f"{bin_dir}{os.pathsep}{os.environ['PATH']}"
    else:
        (repo / "pyproject.toml").write_text('[tool.suture]\nsandbox = "none"\n')
        make_repo(repo, {"pyproject.toml": '[tool.suture]\nsandbox = "none"\n'}, "sandbox none")
    done = suture(repo, "doctor", env=env)
    assert ran(sentinel) == "", f"the repository's interpreter ran on the host: {ran(sentinel)}"
    assert "python: " in done.stdout and "not asked" in done.stdout, done.stdout + done.stderr
