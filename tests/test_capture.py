"""Capture runs the checks in a disposable worktree, with both output streams and no secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from projects import CLASSIC, PYTEST

from suture.capture.run import capture, quick_first
from suture.run.sandbox import Bubblewrap, Sandbox, Unsandboxed

PROBE = (
    f'{sys.executable} -c "import os, sys; '
    "print('out'); print('err', file=sys.stderr); "
    "print('cwd=' + os.getcwd()); "
    "sys.exit(1 if os.environ.get('PROBE_VAR') == 'visible' else 0)\""
)


def test_checks_run_in_a_worktree_with_stdout_and_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    monkeypatch.setenv("PROBE_VAR", "visible")
    before = snapshot(repo)
    sandbox = Bubblewrap(env_allow=("PROBE_VAR",))
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PROBE], sandbox=sandbox, timeout=60)
    check = build.checks[0]
    assert "out" in check.output and "err" in check.output
    assert f"cwd={repo}" not in check.output  # not the user's checkout
    assert check.exit_code == 1  # allowed variables pass through
    assert snapshot(repo) == before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


@pytest.mark.parametrize("sandbox", [Bubblewrap(env_allow=("GITHUB_TOKEN",)), Unsandboxed()], ids=["bwrap", "none"])
@pytest.mark.parametrize("name", ["GITHUB_TOKEN", "OPENAI_API_KEY", "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"])
def test_secret_looking_variables_do_not_reach_the_checks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, sandbox: Sandbox
) -> None:
    """Not even when allowed by name, and not even without a sandbox."""
    repo = make_repo(tmp_path / "repo", CLASSIC)
    monkeypatch.setenv(name, "s3cr3t-value")
    probe = f"{sys.executable} -c \"import os, sys; sys.exit(1 if os.environ.get('{name}') else 0)\""
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [probe], sandbox=sandbox, timeout=60)
    assert build.checks[0].exit_code == 0, f"{name} reached the check"


def test_pytest_results_are_exact(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=60)
    check = build.checks[0]
    assert check.collected == ("tests/test_calc.py::test_add", "tests/test_calc.py::test_other")
    assert {t.test_id: t.outcome for t in check.tests} == {
        "tests/test_calc.py::test_add": "failed",
        "tests/test_calc.py::test_other": "passed",
    }
    assert "<testsuite" in check.junit


def test_quick_lint_checks_run_first_and_the_records_keep_the_given_order(tmp_path: Path) -> None:
    """A lint check's failure is known in seconds when it runs first; each check writes a clock
    reading to a file of its own, and the records still list the checks as they were given."""
    repo = make_repo(tmp_path / "repo", CLASSIC)
    stamp = f'{sys.executable} -c "import time; print(time.monotonic_ns())"'
    commands = [f"{stamp} && {PYTEST}", f"{stamp} && flake8 --select=E999 ."]
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), commands, sandbox=Bubblewrap(), timeout=60)
    assert [check.command for check in build.checks] == commands
    started = [int(check.output.split()[0]) for check in build.checks]
    assert started[1] < started[0], "flake8 ran after pytest"
    assert build.checks[0].exit_code == 1 and build.checks[1].exit_code == 0


def test_quick_first_keeps_the_order_within_each_kind() -> None:
    commands = ["python -m pytest -q", "python -m flake8 .", "mypy src", "ruff format --check .", "black --check ."]
    assert quick_first(commands) == [1, 3, 4, 0, 2]


def test_a_hanging_check_times_out_and_leaves_nothing_behind(tmp_path: Path) -> None:
    files = {
        "slow.py": "import time\n\n\ndef wait():\n    time.sleep(120)\n",
        "tests/test_slow.py": "from slow import wait\n\n\ndef test_wait():\n    wait()\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=3)
    assert build.checks[0].timed_out
    assert build.checks[0].seconds < 30
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


# A module that re-exports a name (unused where it is imported: ruff's F401) and a project
# whose ruff configuration says `fix = true`: `ruff check .` then removes the import.
REEXPORT = {
    "pyproject.toml": '[tool.ruff]\nfix = true\n\n[tool.ruff.lint]\nselect = ["F401"]\n',
    "core.py": "def helper():\n    return 42\n",
    "api.py": "from core import helper\n",
    "tests/test_api.py": "from api import helper\n\n\ndef test_helper():\n    assert helper() == 42\n",
}


def test_a_check_that_writes_does_not_change_what_the_next_check_sees(tmp_path: Path) -> None:
    """`ruff check .` with `fix = true` rewrites api.py in the worktree; pytest, run after it,
    must still test the commit (it passes there), not what ruff made of it."""
    repo = make_repo(tmp_path / "repo", REEXPORT)
    said: list[str] = []
    commands = [PYTEST, f"{sys.executable} -m ruff check ."]
    build = capture(
        repo, git(repo, "rev-parse", "HEAD").strip(), commands, sandbox=Bubblewrap(), timeout=60, progress=said.append
    )
    lint, tests = build.checks[1], build.checks[0]
    assert "1 fixed" in lint.output, lint.output  # ruff did write, in the worktree
    assert tests.exit_code == 0, tests.output
    assert any("changed api.py; put back" in line for line in said), said
    assert (repo / "api.py").read_text() == REEXPORT["api.py"]
