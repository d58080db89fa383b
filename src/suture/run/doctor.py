"""`suture doctor`: which sandbox the checks run in, whether it starts, and the tools they find."""

from __future__ import annotations

import os
import shlex
import tempfile
from dataclasses import dataclass
from pathlib import Path

from suture import config
from suture.errors import SutureError
from suture.run import checks, git
from suture.run.process import Completed, run
from suture.run.sandbox import DEFAULT, Sandbox, by_name
from suture.run.source import Source

VERSION = "import sys; print(sys.version.split()[0], sys.executable)"


@dataclass(frozen=True)
class Finding:
    what: str  # "sandbox", "git", "python", "pytest"
    ok: bool
    detail: str


def examine(directory: Path, sandbox: str | None) -> list[Finding]:
    """The sandbox (`sandbox`, else the configuration's, else the default) and the tools' versions.

    Python and pytest are asked inside the sandbox, as a check would run them. The interpreter
    may be the project's (a .venv a commit added): where bubblewrap does not start they are
    not asked at all, never outside it; only `--sandbox none`, the user's own choice, runs
    them as the user (as it runs the checks).
    """
    box = by_name(sandbox or _configured(directory))
    try:
        box.probe()
        started = Finding("sandbox", True, f"{box.describe()}; {box.warning() or 'it starts'}")
    except SutureError as exc:
        started = Finding("sandbox", False, str(exc))
    python = checks.python(directory.resolve())  # absolute: it runs in an empty directory
    found = _version("git", _run(["git", "--version"]))
    if not started.ok or (box.name != DEFAULT and sandbox is None):
        # A repository's own `sandbox = "none"` is no choice of the user's to run its interpreter.
        why = f"not asked: suture runs {python} only inside the sandbox, which {_absent(started)}"
        return [started, found, *(Finding(what, started.ok, why) for what in TOOLS)]
    return [
        started,
        found,
        _version("python", _run_in(box, f"{python} -c {shlex.quote(VERSION)}")),
        _version("pytest", _run_in(box, f"{python} -m pytest --version")),
    ]


TOOLS = ("python", "pytest")


def _absent(started: Finding) -> str:
    return "does not start" if not started.ok else "the repository's configuration turns off (--sandbox none would not)"


def _configured(directory: Path) -> str:
    """The configuration's sandbox when `directory` is in a repository with commits, else the default."""
    try:
        repo = git.toplevel(directory)
        return config.load(Source(repo, git.head_sha(repo))).sandbox
    except SutureError:
        return DEFAULT


def _run(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> Completed | str:
    """The finished command, or why it could not run."""
    try:
        return run(argv, cwd=cwd, env=env, check=False, timeout=60)
    except SutureError as exc:
        return str(exc)


def _run_in(box: Sandbox, command: str) -> Completed | str:
    """`command` as a check would run it, in an empty directory (no conftest.py of anyone's runs)."""
    with tempfile.TemporaryDirectory(prefix="suture-doctor-") as scratch:
        tree, files = Path(scratch, "tree"), Path(scratch, "files")
        tree.mkdir()
        files.mkdir()
        env = box.environment(os.environ)
        return _run(box.argv(command, tree=tree, scratch=files, env=env), cwd=tree, env=env)


def _version(what: str, done: Completed | str) -> Finding:
    if isinstance(done, str):
        return Finding(what, False, done)
    text = (done.stdout.strip() or done.stderr.strip()).splitlines()
    detail = text[0] if text else "(no output)"
    return Finding(what, done.returncode == 0, detail if done.returncode == 0 else f"not usable: {detail}")
