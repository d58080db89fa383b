"""`suture demo`: a small project with the classic bug, healed offline with the local forge."""

from __future__ import annotations

import importlib.util
import os
import shlex
import shutil
import sys
import tempfile
from pathlib import Path

from suture import config
from suture.capture.run import Progress
from suture.errors import UsageError
from suture.loop.heal import Options, Outcome, heal
from suture.run import git

# The classic example: an int concatenated to a str.
FILES = {
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1.0"\n',
    "calc.py": (
        '"""A tiny calculator whose message is broken."""\n'
        "\n"
        "\n"
        "def add(a: int, b: int) -> int:\n"
        "    return a + b\n"
        "\n"
        "\n"
        "def describe(a: int, b: int) -> str:\n"
        "    result = add(a, b)\n"
        '    return "The result is: " + result\n'
    ),
    "tests/test_calc.py": (
        "from calc import add, describe\n"
        "\n"
        "\n"
        "def test_add():\n"
        "    assert add(2, 3) == 5\n"
        "\n"
        "\n"
        "def test_describe():\n"
        '    assert describe(2, 3) == "The result is: 5"\n'
    ),
}


def make_project(root: Path) -> Path:
    """Write the demo project as a git repository with one commit."""
    for name, text in FILES.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    names = ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")
    identity = dict(zip(names, ("suture demo", "suture demo", "demo@localhost", "demo@localhost"), strict=True))
    git.plain("init", "-q", "-b", "main", cwd=root)
    git.git(root, "add", "-A")
    git.git(root, "commit", "-q", "-m", "calc: describe a sum", env=identity)
    return root


def run_demo(
    *, keep: bool, progress: Progress, sandbox: str | None = None, warn: Progress = lambda _: None
) -> tuple[Outcome, Path]:
    """Heal the demo project (its checks in the sandbox called `sandbox`); removed afterwards unless `keep`."""
    if importlib.util.find_spec("pytest") is None:
        raise UsageError("suture demo runs the sample project's tests with pytest: pip install pytest")
    root = Path(tempfile.mkdtemp(prefix="suture-demo-"))
    try:
        make_project(root)
        progress(f"demo project with a broken calc.py in {root}")
        flags = config.Flags(test_cmds=(f"{python()} -m pytest -q",), sandbox=sandbox)
        return heal(root, Options(settings=config.resolve(root, flags)), progress=progress, warn=warn), root
    finally:
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def python() -> str:
    """'python' when that is this interpreter (it reads better in the output), else its path."""
    on_path = shutil.which("python")
    if on_path and os.path.realpath(on_path) == os.path.realpath(sys.executable):
        return "python"
    return shlex.quote(sys.executable)
