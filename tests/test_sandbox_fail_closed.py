"""When the sandbox cannot start, nothing runs: exit 2, a message that says why and how
to opt out, and the repository exactly as it was. With `--sandbox none` the heal works,
and says loudly that nothing confined it.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from projects import CLASSIC, PYTEST
from sandbox_helpers import bubblewrap_problem, last_json, suture


def broken_bwrap(bin_dir: Path) -> dict[str, str]:
    """PATH with a `bwrap` first that cannot start (what a kernel without user namespaces gives)."""
    bin_dir.mkdir()
    fake = bin_dir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    return {"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}


def no_bwrap(bin_dir: Path) -> dict[str, str]:
    """PATH with git and nothing else: no bwrap anywhere (the check runs sys.executable by path)."""
    bin_dir.mkdir()
    git_path = shutil.which("git")
    assert git_path
    (bin_dir / "git").symlink_to(git_path)
    return {"PATH": str(bin_dir)}


@pytest.mark.parametrize(("make_path", "why"), [(broken_bwrap, "No permissions"), (no_bwrap, "not on PATH")])
def test_heal_fails_closed_when_the_sandbox_cannot_start(
    tmp_path: Path, make_path: Callable[[Path], dict[str, str]], why: str
) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    before = snapshot(repo)
    env = make_path(tmp_path / "bin")

    done = suture(repo, "heal", "--test-cmd", PYTEST, env=env)

    assert done.returncode == 2, done.stderr
    assert "the sandbox cannot start" in done.stderr and why in done.stderr
    assert "--sandbox none" in done.stderr
    assert "running" not in done.stderr  # no check ran
    assert snapshot(repo) == before
    assert git(repo, "branch", "--list", "suture/*") == ""
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_diagnose_fails_closed_too(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "diagnose", "--test-cmd", PYTEST, env=broken_bwrap(tmp_path / "bin"))
    assert done.returncode == 2
    assert "--sandbox none" in done.stderr


@pytest.mark.parametrize("how", ["flag", "config"])
def test_opting_out_works_and_warns(tmp_path: Path, how: str) -> None:
    files = dict(CLASSIC)
    if how == "config":
        files["pyproject.toml"] = '[tool.suture]\nsandbox = "none"\n'
    repo = make_repo(tmp_path / "repo", files)
    # From the configuration only when its commit is a trusted base: a commit under test may not turn it off.
    extra = ("--sandbox", "none") if how == "flag" else ("--base", "main")

    done = suture(repo, "heal", "--json", "--quiet", "--test-cmd", PYTEST, *extra, env=broken_bwrap(tmp_path / "bin"))

    assert done.returncode == 0, done.stderr
    result = last_json(done)
    assert result["status"] == "fixed" and result["sandbox"] == "none"
    assert "WARNING: no sandbox" in done.stderr  # even with --quiet


def test_a_bad_sandbox_name_in_the_config_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**CLASSIC, "pyproject.toml": '[tool.suture]\nsandbox = "docker"\n'})
    done = suture(repo, "heal", "--test-cmd", PYTEST)
    assert done.returncode == 2
    assert "sandbox must be one of 'bwrap', 'none'" in done.stderr


def test_doctor_says_which_sandbox_and_whether_it_starts(tmp_path: Path) -> None:
    if bubblewrap_problem():
        pytest.skip(f"bubblewrap cannot start on this machine: {bubblewrap_problem()}")
    works = suture(tmp_path, "doctor")
    assert works.returncode == 0, works.stdout + works.stderr
    assert works.stdout.startswith("sandbox: ok: bwrap")
    assert "git: ok: git version" in works.stdout and "pytest: ok: pytest" in works.stdout

    broken = suture(tmp_path, "doctor", env=broken_bwrap(tmp_path / "bin"))
    assert broken.returncode == 1
    assert "sandbox: PROBLEM: the sandbox cannot start" in broken.stdout
    assert "--sandbox none" in broken.stdout
