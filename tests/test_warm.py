"""The held pytest run (warm.py): started beside capture, released into the patched worktree.

Each test heals a real project through `suture heal` and reads what happened from its
progress lines and its JSON; the patched code must be what the released run tested.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import CLASSIC, PYTEST

from suture.run.checks import plain_pytest

RELEASED = "started while capture ran, released into the patched tree"
STALE = "a changed file was imported before the release; running it afresh"


def heal(repo: Path, *checks: str, timeout: float | None = None) -> tuple[int, dict[str, object], str]:
    argv = [sys.executable, "-m", "suture", "heal", "--json"]
    for check in checks or (PYTEST,):
        argv += ["--test-cmd", check]
    if timeout is not None:
        argv += ["--timeout", str(timeout)]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=300)
    return done.returncode, json.loads(done.stdout.splitlines()[-1]), done.stderr


def worktrees(repo: Path) -> int:
    return git(repo, "worktree", "list", "--porcelain").count("worktree ")


def test_the_early_trial_releases_the_held_run_into_the_patched_tree(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    code, result, stderr = heal(repo)
    assert code == 0, stderr
    assert RELEASED in stderr
    assert STALE not in stderr
    assert "accepted (early trial)" in stderr
    (verdict,) = result["verification"]  # type: ignore[misc]
    after = verdict["after"][0]
    # The released run collected and ran the patched code: the test that failed now passes.
    assert after["exit_code"] == 0 and after["collected"] == verdict["before"][0]["collected"]
    assert 0 < after["seconds"] < 60  # its time is the check's, not the wait's
    assert worktrees(repo) == 1


def test_a_module_a_conftest_imported_before_the_release_makes_the_check_run_afresh(tmp_path: Path) -> None:
    files = {**CLASSIC, "tests/conftest.py": "import calc  # imported at start-up, before the candidate exists\n"}
    repo = make_repo(tmp_path / "repo", files)
    code, result, stderr = heal(repo)
    assert code == 0, stderr
    assert STALE in stderr
    assert "accepted (early trial)" in stderr
    (verdict,) = result["verification"]  # type: ignore[misc]
    assert verdict["passed"] and verdict["after"][0]["exit_code"] == 0


def test_a_candidate_that_does_not_fix_is_still_rejected_through_the_held_run(tmp_path: Path) -> None:
    """`from datetime import datetime` is the missing-import fixer's first guess and wrong here:
    the released run must fail it (the failing test first), and the next candidate must win."""
    files = {
        "when.py": "def recent():\n    return datetime.date.today().year > 2000\n",
        "tests/test_when.py": "from when import recent\n\n\ndef test_recent():\n    assert recent()\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    code, result, stderr = heal(repo)
    assert code == 0, stderr
    assert RELEASED in stderr
    assert "rejected (early trial)" in stderr
    assert "+import datetime" in str(result["patch"])
    assert worktrees(repo) == 1


def test_a_held_run_nobody_claims_is_abandoned_and_its_worktree_goes(tmp_path: Path) -> None:
    files = {
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    code, _, stderr = heal(repo)
    assert code == 1, stderr  # an assertion no deterministic fixer knows
    assert RELEASED not in stderr
    assert worktrees(repo) == 1
    # a held run's bwrap names the checkout (hidden under a tmpfs) in its arguments
    leftover = subprocess.run(["pgrep", "-af", str(repo)], capture_output=True, text=True)
    assert leftover.stdout == ""


def test_a_released_run_that_hangs_times_out_from_its_release(tmp_path: Path) -> None:
    """The fix makes a later test loop for ever: the held run is killed `--timeout` seconds after
    its release (not at the backstop, twice that from its start) and the candidate rejected."""
    files = {
        "calc.py": "def add(a, b):\n    return 'sum: ' + (a + b)\n",
        "tests/test_calc.py": (
            "import time\n\nfrom calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 'sum: 3'\n\n\n"
            "def test_until_broken():\n    while add(1, 2) == 'sum: 3':\n        time.sleep(0.5)\n"
        ),
    }
    repo = make_repo(tmp_path / "repo", files)
    code, result, stderr = heal(repo, timeout=8)
    assert code == 1, stderr
    assert RELEASED in stderr
    first = result["verification"][0]  # type: ignore[index]
    after = first["after"][0]
    assert after["timed_out"], after
    assert 7 <= after["seconds"] < 12, after  # 8 s from the release; the backstop is 16 s from the start
    assert worktrees(repo) == 1


@pytest.mark.parametrize(
    ("command", "plain"),
    [
        ("pytest", True),
        ("pytest -q tests", True),
        ("python -m pytest -q -p no:cacheprovider", True),
        ("/usr/bin/python3.11 -m pytest", True),
        ("pip install -r requirements.txt && pytest", False),
        ("pytest | tee log", False),
        ("pytest; echo done", False),
        ("python -m flake8 .", False),
        ("tox -e py311", False),
        ("pytest 'unclosed", False),
    ],
)
def test_which_checks_are_held(command: str, plain: bool) -> None:
    assert plain_pytest(command) is plain
