"""Ahead of the break: `suture diagnose --log` on a green run's log lists its deprecation warnings by
distribution with the replacement each names (diagnose/ahead.py). The log is a real pytest run's, in a
virtualenv installed by real uv from the loopback index (deprdist 2.0 warns that `api` goes and names
`new_api`, at the project's own line; olddist 1.0 names `olddist.new_api`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_repo
from test_upstream_heal import PASSWORD, user_env
from upstream_index import serve

APP = "import deprdist\nimport olddist\n\n\ndef value():\n    return deprdist.api() + olddist.api()\n"
TESTS = "from app import value\n\n\ndef test_one():\n    assert value()\n\n\ndef test_two():\n    assert value()\n"
SECRET = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"


@pytest.fixture(scope="module")
def green(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """(the project, the user's virtualenv, the output of its passing pytest run)."""
    tmp = tmp_path_factory.mktemp("ahead")
    with serve(tmp / "canary", password=PASSWORD) as index:
        venv = user_env(tmp, index, "deprdist==2.0", "olddist==1.0", "pytest")
    repo = make_repo(tmp / "repo", {"app.py": APP, "tests/test_app.py": TESTS})
    run = [str(venv / "bin/python"), "-m", "pytest", "-q", "-p", "no:cacheprovider"]
    done = subprocess.run(run, cwd=repo, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0 and "warnings summary" in done.stdout, done.stdout + done.stderr
    return repo, venv, done.stdout


def diagnose_log(repo: Path, log: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    (repo.parent / "green.log").write_text(log)
    environ = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    environ.update(PYTHONPATH=str(Path(__file__).parents[1] / "src"), **env)
    argv = [sys.executable, "-m", "suture", "diagnose", "--log", str(repo.parent / "green.log"), *args]
    return subprocess.run(argv, cwd=repo, env=environ, capture_output=True, text=True, check=False, timeout=120)


def listed(done: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str, int]]:
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])["deprecations"]
    return {d["distribution"]: (d["version"], d["replacement"], d["count"]) for d in found}


def test_a_green_run_s_warnings_are_listed_by_distribution_with_their_replacement(
    green: tuple[Path, Path, str],
) -> None:
    repo, venv, log = green
    found = listed(diagnose_log(repo, log, "--json", VIRTUAL_ENV=str(venv)))
    # deprdist's warning points at the project's line: its module is read from the code shown there.
    # Each is shown once (pytest lists both tests above one location).
    assert found == {"deprdist": ("2.0", "new_api", 1), "olddist": ("1.0", "olddist.new_api", 1)}


def test_without_an_environment_the_versions_come_from_pip_s_line_in_the_log(green: tuple[Path, Path, str]) -> None:
    repo, _, log = green
    found = listed(diagnose_log(repo, "Successfully installed deprdist-2.0 olddist-1.0\n" + log, "--json"))
    assert found == {"deprdist": ("2.0", "new_api", 1), "olddist": ("1.0", "olddist.new_api", 1)}


def test_a_warning_s_text_is_shown_cleaned_and_redacted(green: tuple[Path, Path, str]) -> None:
    repo, venv, _ = green
    hostile = (
        "=== warnings summary ===\n  /w/app.py:3: DeprecationWarning: olddist.api is deprecated \x1b]0;pwned\x07"
        f"\x1b[2J token {SECRET}; use olddist.new_api instead\n    olddist.api()\n"
    )
    done = diagnose_log(repo, hostile, VIRTUAL_ENV=str(venv), GITHUB_TOKEN=SECRET)
    assert done.returncode == 0, done.stderr
    assert "deprecations ahead of the break" in done.stdout and "instead: olddist.new_api" in done.stdout
    assert SECRET not in done.stdout and "\x1b" not in done.stdout and "\x07" not in done.stdout
