"""What every folder's regenerate.py shares: write a broken project, run a real tool, save.

    run(["ruff", "check", "."], files, "ruff/full.txt")

The project is written into a fresh temp dir, the tool runs there (stdout and stderr merged,
as a CI log has them), and its output is saved beside the calling script with the temp
dir replaced by `/ROOT`: the tests parse the files with root="/ROOT".
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import textwrap
from collections.abc import Sequence
from pathlib import Path

PLACEHOLDER = "/ROOT"


def write_tree(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def clean_env() -> dict[str, str]:
    """The environment without colours and this machine's Python settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PYTEST", "FORCE_COLOR"))}
    env.update(NO_COLOR="1", TERM="dumb", PYTHONDONTWRITEBYTECODE="1", COLUMNS="100")
    return env


def run(argv: Sequence[str], files: dict[str, str], out: Path, *, expect: Sequence[int] = (1,)) -> str:
    """Run `argv` in a temp project made of `files`; save and return its anonymised output."""
    with tempfile.TemporaryDirectory(prefix="suture-data-") as tmp:
        root = Path(tmp) / "project"
        root.mkdir()
        write_tree(root, files)
        done = subprocess.run(argv, cwd=root, env=clean_env(), capture_output=True, text=True, check=False)
        if done.returncode not in expect:
            raise SystemExit(f"{argv}: exited {done.returncode}, expected {expect}\n{done.stdout}{done.stderr}")
        output = (done.stdout + done.stderr).replace(str(root.resolve()), PLACEHOLDER).replace(str(root), PLACEHOLDER)
    out.write_text(output)
    print(f"wrote {out}")
    return output
