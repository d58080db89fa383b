"""Helpers for the recipe tests: a plugin's one new module, and the CLI run after its one registry line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# The CLI in a process of its own: the plugin's directory on sys.path, then the registry line, then main.
DRIVER = """import sys
sys.path.insert(0, sys.argv.pop(1))
{setup}
from suture.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def plugin(tmp_path: Path, module: str, text: str) -> Path:
    """A directory holding one module, `module`.py: the one new file of a recipe."""
    where = tmp_path / "plugin"
    where.mkdir()
    (where / f"{module}.py").write_text(text, encoding="utf-8")
    return where


def suture_after(
    setup: str, where: Path, cwd: Path, *args: str, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`suture ARGS` in `cwd`, in a process that runs `setup` (the registry line) first."""
    argv = [sys.executable, "-c", DRIVER.format(setup=setup), str(where), *args]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout)
