"""The patched code is what runs, even when the project is installed in editable mode.

An editable install points the interpreter at the user's checkout; if verification
imported that, a correct fix would look broken (and a broken checkout would look fixed).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo, snapshot
from projects import SRC_LAYOUT


def make_venv(path: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(path)], check=True)
    return path / "bin" / "python"


def test_src_layout_installed_editable_is_verified_against_the_worktree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", SRC_LAYOUT)
    python = make_venv(tmp_path / "venv")
    # What `pip install -e .` of a src layout leaves (setuptools and hatchling alike): a
    # .pth file in site-packages naming the checkout's src/. Written directly so the test
    # needs no build backend and no network.
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    (Path(site) / "__editable__.srcpkg-0.1.pth").write_text(f"{repo / 'src'}\n")
    # The editable install resolves to the user's checkout...
    where = subprocess.run(
        [str(python), "-c", "import srcpkg.core; print(srcpkg.core.__file__)"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert Path(where) == repo / "src" / "srcpkg" / "core.py"
    git(repo, "status", "--porcelain")
    before = snapshot(repo)

    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", f"{python} -m pytest -q"],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )

    # ...yet verification ran the patched worktree: the fix passes although the
    # checkout, which the editable install points at, still has the bug.
    result = json.loads(done.stdout.splitlines()[-1])
    assert done.returncode == 0, done.stderr
    assert result["status"] == "fixed"
    assert result["failures"][0]["frames"][-1]["path"] == "src/srcpkg/core.py"
    assert snapshot(repo) == before
    still_broken = subprocess.run(
        [str(python), "-c", "import srcpkg.core; srcpkg.core.label(3)"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert "TypeError" in still_broken.stderr
