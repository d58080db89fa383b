"""`suture diagnose`: capture and explain, change nothing."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo, snapshot
from projects import MISSING_COLON, PASSING, PYTEST, TYPO


def diagnose(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "suture", "diagnose", "--test-cmd", PYTEST, *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_diagnose_reports_the_interpreters_suggestion(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    before = snapshot(repo)
    done = diagnose(repo, "--json")
    assert done.returncode == 1
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["classification"] == "code"
    [failure] = found["failures"]
    # pytest on 3.11 drops "Did you mean"; the plugin keeps the interpreter's own line.
    assert failure["message"] == "name 'reslt' is not defined. Did you mean: 'result'?"
    assert failure["frames"][-1] == {"path": "shapes.py", "line": 3, "function": "area", "column": None}
    assert snapshot(repo) == before
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_collection_error_is_a_failure_with_its_location(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", MISSING_COLON)
    found = json.loads(diagnose(repo, "--json").stdout.splitlines()[-1])
    [failure] = found["failures"]
    assert failure["kind"] == "collection-error"
    assert failure["error_type"] == "SyntaxError"
    assert failure["message"] == "expected ':'"
    assert failure["frames"][-1]["path"] == "greet.py"
    assert failure["frames"][-1]["line"] == 1


def test_fingerprint_is_stable_across_runs_and_clones(tmp_path: Path) -> None:
    first = make_repo(tmp_path / "one", TYPO)
    second = make_repo(tmp_path / "two", {**TYPO, "README": "unrelated\n"})
    a = json.loads(diagnose(first, "--json").stdout.splitlines()[-1])["fingerprint"]
    b = json.loads(diagnose(first, "--json").stdout.splitlines()[-1])["fingerprint"]
    c = json.loads(diagnose(second, "--json").stdout.splitlines()[-1])["fingerprint"]
    assert a == b == c


def test_diagnose_on_passing_checks(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", PASSING)
    done = diagnose(repo)
    assert done.returncode == 0
    assert "every check passes" in done.stdout


def test_ruff_is_detected_when_configured(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**PASSING, "pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json"], cwd=repo, capture_output=True, text=True, timeout=120
    )
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "nothing-to-do"
    assert result["commands"][-1] == "ruff check ."
    assert result["commands"][0].endswith("-m pytest")


def test_the_message_is_the_line_that_names_the_exception(tmp_path: Path) -> None:
    """An assertion's explanation and an exception group's tree come after that line."""
    repo = make_repo(
        tmp_path / "repo",
        {
            "fetch.py": (
                "import asyncio\n\n\n"
                "async def one(name):\n"
                "    raise ConnectionRefusedError(name)\n\n\n"
                "async def every(names):\n"
                "    async with asyncio.TaskGroup() as group:\n"
                "        for name in names:\n"
                "            group.create_task(one(name))\n"
            ),
            "tests/test_fetch.py": (
                "import asyncio\n\nfrom fetch import every\n\n\n"
                "def test_every():\n"
                "    asyncio.run(every(['eu', 'us']))\n\n\n"
                "def test_explained():\n"
                "    assert [1, 2] == [1, 3], 'lists differ'\n"
            ),
        },
    )
    found = json.loads(diagnose(repo, "--json").stdout.splitlines()[-1])
    messages = {f["error_type"]: f["message"] for f in found["failures"]}
    assert messages == {
        "ExceptionGroup": "unhandled errors in a TaskGroup (2 sub-exceptions)",
        "AssertionError": "lists differ",
    }
