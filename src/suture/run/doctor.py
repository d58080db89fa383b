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
from suture.run.sandbox import DEFAULT, Bubblewrap, Sandbox, by_name
from suture.run.source import Source

VERSION = "import sys; print(sys.version.split()[0], sys.executable)"


@dataclass(frozen=True)
class Finding:
    what: str  # "sandbox", "git", "python", "pytest"
    ok: bool
    detail: str


def examine(directory: Path, sandbox: str | None) -> list[Finding]:
    """The sandbox (`sandbox`, else the configuration's, else the default) and the tools' versions.

    Python and pytest are asked inside bubblewrap, and only there: the interpreter may be the
    project's (a .venv a commit added), which must never run on the host; where bubblewrap
    does not start (or `--sandbox none` was chosen) they are not asked.
    """
    box = by_name(sandbox or _configured(directory))
    try:
        box.probe()
        started = Finding("sandbox", True, f"{box.describe()}; {box.warning() or 'it starts'}")
    except SutureError as exc:
        started = Finding("sandbox", False, str(exc))
    python = checks.python(directory.resolve())  # absolute: it runs in an empty directory
    if not (started.ok and isinstance(box, Bubblewrap)):
        why = f"not asked: suture runs {python} only inside bubblewrap, which {_absent(started, box)}"
        found = (Finding(what, started.ok, why) for what in TOOLS)  # with --sandbox none, by the user's choice
        return [started, _version("git", _run(["git", "--version"])), *found]
    return [
        started,
        _version("git", _run(["git", "--version"])),
        _version("python", _run_in(box, f"{python} -c {shlex.quote(VERSION)}")),
        _version("pytest", _run_in(box, f"{python} -m pytest --version")),
    ]


TOOLS = ("python", "pytest")


def _absent(started: Finding, box: Sandbox) -> str:
    return "does not start" if not started.ok else f"--sandbox {box.name} turns off"


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
