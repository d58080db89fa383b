"""A third party's plugin, installed for real: a module and a dist-info with its entry point,
written to a directory that a child `python -m suture` gets on its PYTHONPATH. The registry
finds it as it would find an installed package's, through importlib.metadata."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CI_VARIABLES = ("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE", "RUNNER_")


def install(site: Path, *, dist: str, group: str, entry: str, module: str, source: str) -> Path:
    """Write `module`.py holding `source` and a dist-info that names `entry` in `group`."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(source, encoding="utf-8")
    info = site / f"{dist}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.1\n", encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[{group}]\n{entry}\n", encoding="utf-8")
    return site


def suture(
    cwd: Path, site: Path, *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m suture ARGS` with the plugin's directory on its path, outside any CI."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(CI_VARIABLES) and k not in ("CI", "GITLAB_CI")}
    path = os.pathsep.join(filter(None, [str(site), clean.get("PYTHONPATH", "")]))
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        input=stdin,
        env={**clean, **(env or {}), "PYTHONPATH": path},
    )
