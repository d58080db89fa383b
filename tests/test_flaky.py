"""Flaky triage in `suture heal`: the failing tests rerun on the unchanged base, in the sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST

from suture.diagnose.flaky import rerun_command, worth_rerunning
from suture.records import Failure

# Fails on every even run: the counter file stays in the checkout between runs, as it
# does between a CI job's retries. The capture's run is the first (it fails); the reruns
# share one worktree, so the second rerun passes.
FLAKY = {
    "app.py": "def ready():\n    return True\n",
    "tests/test_app.py": """from pathlib import Path

from app import ready


def test_sometimes():
    counter = Path(__file__).with_name("runs.txt")
    runs = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(runs + 1))
    assert ready() and runs % 2 == 1, f"run {runs}"
""",
    ".gitignore": "runs.txt\n",
}
ALWAYS = {
    "app.py": "def ready():\n    return False\n",
    "tests/test_app.py": "from app import ready\n\n\ndef test_ready():\n    assert ready()\n",
}


def heal(repo: Path, *args: str) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", PYTEST, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1]) if done.stdout.strip() else {}
    return done.returncode, result, done.stderr


def test_a_test_that_passes_on_a_rerun_is_flaky_and_not_fixed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FLAKY)

    code, result, stderr = heal(repo)

    assert code == 1, stderr
    assert result["status"] == "unfixed"
    assert result["classification"] == "flaky"
    assert "tests/test_app.py::test_sometimes passed on a rerun of the unchanged base" in str(result["reason"])
    assert result["verification"] == []  # nothing was tried
    assert git(repo, "branch", "--list", "suture/*") == ""
    assert "rerunning 1 failing test(s) on the unchanged base, up to 3 times" in stderr


def test_reruns_are_configurable_and_can_be_turned_off(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**FLAKY, "pyproject.toml": "[tool.suture]\nflaky-reruns = 0\n"})

    code, result, stderr = heal(repo)

    assert code == 1
    assert result["classification"] == "code"  # not rerun: taken for a defect
    assert "rerunning" not in stderr


def test_a_test_that_fails_every_rerun_is_a_defect(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", ALWAYS)

    code, result, stderr = heal(repo, "--flaky-reruns", "2")

    assert code == 1
    assert result["classification"] == "code"
    assert "up to 2 times" in stderr


def test_a_bad_flaky_reruns_value_names_the_key(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**ALWAYS, "pyproject.toml": '[tool.suture]\nflaky-reruns = "three"\n'})

    code, _, stderr = heal(repo)

    assert code == 2
    assert "flaky-reruns must be a whole number" in stderr


IDS = ("t.py::test_a[x y]", "t.py::b")


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("python -m pytest -q", "python -m pytest -p no:cacheprovider -q 't.py::test_a[x y]' t.py::b"),
        (
            ".venv/bin/python -m pytest -x -n 2 tests",
            ".venv/bin/python -m pytest -p no:cacheprovider -q 't.py::test_a[x y]' t.py::b",
        ),
        ("PYTHONPATH=src pytest tests/", "PYTHONPATH=src pytest -p no:cacheprovider -q 't.py::test_a[x y]' t.py::b"),
        ("tox -e py311", None),
        ("ruff check .", None),
    ],
)
def test_rerun_command(check: str, expected: str | None) -> None:
    """The check's own interpreter and pytest, on the failing ids only (its paths and -x, -n dropped)."""
    assert rerun_command(check, IDS) == expected


BASE = Failure(
    tool="pytest",
    kind="test-failure",
    check="pytest",
    error_type="AssertionError",
    message="assert 1 == 2",
    test_ids=("t.py::test_a",),
    frames=(),
    excerpt="",
    fingerprint="",
)


@pytest.mark.parametrize(
    ("changes", "rerun"),
    [
        ({}, True),
        ({"error_type": "ConnectionRefusedError"}, True),
        ({"error_type": "AttributeError", "message": "'NoneType' object has no attribute 'id'"}, True),
        ({"error_type": "NameError"}, False),
        ({"error_type": "TypeError", "message": 'can only concatenate str (not "int") to str'}, False),
        ({"error_type": "SyntaxError", "kind": "collection-error", "test_ids": ()}, False),
        ({"tool": "ruff", "kind": "lint"}, False),
    ],
)
def test_worth_rerunning(changes: dict[str, object], rerun: bool) -> None:
    assert worth_rerunning(replace(BASE, **changes)) is rerun  # type: ignore[arg-type]


def test_diagnose_reports_a_flaky_test(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FLAKY)
    done = subprocess.run(
        [sys.executable, "-m", "suture", "diagnose", "--json", "--test-cmd", PYTEST],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 1, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["class"] == "flaky"
