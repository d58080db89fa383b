"""Helpers for the sandbox tests: the real CLI in a subprocess, and its JSON answer."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from suture.errors import UsageError
from suture.run.sandbox import Bubblewrap


def suture(
    cwd: Path, *args: str, env: Mapping[str, str] | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """`python -m suture ARGS` in `cwd`, with this process's environment plus `env`."""
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    lines = done.stdout.strip().splitlines()
    assert lines, f"no output; stderr:\n{done.stderr}"
    found: dict[str, Any] = json.loads(lines[-1])
    return found


def bubblewrap_problem() -> str:
    """'' when bubblewrap starts on this machine, else why not."""
    try:
        Bubblewrap().probe()
    except UsageError as exc:
        return str(exc)
    return ""


def require_bubblewrap() -> None:
    """Skip the calling test module, saying why, where bubblewrap cannot start."""
    problem = bubblewrap_problem()
    if problem:
        pytest.skip(f"bubblewrap cannot start on this machine: {problem}", allow_module_level=True)
