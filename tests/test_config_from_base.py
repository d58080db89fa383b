"""Trigger privilege (SECURITY.md): configuration is read from the base commit, not a fork's head.

A pull request's head commit carries its own `[tool.suture]`: sandbox = "none", a variable let
through, a bigger size budget. With `--base main` (or SUTURE_BASE) none of it applies: the
sandbox, the environment and the policy are the base commit's. Without a base the same head
would have its way: the controls show the head's settings really are weakening.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot, write
from projects import CLASSIC, PYTEST
from sandbox_helpers import require_bubblewrap, suture
from test_sandbox_fail_closed import broken_bwrap

ENV_TEST = "import os\n\n\ndef test_no_fork_variable():\n    assert 'FORK_VISIBLE' not in os.environ\n"
BASE_CONFIG = "[tool.suture]\nmax-lines = 1\n"  # the classic fix changes 2 lines: over the base's budget
HEAD_CONFIG = '[tool.suture]\nmax-lines = 500\nsandbox = "none"\nenv-allow = ["FORK_VISIBLE"]\n'


def make_fork_pr(root: Path) -> Path:
    """main: the project and its config; fork: main plus a commit that loosens the config."""
    repo = make_repo(root, {**CLASSIC, "tests/test_env.py": ENV_TEST, "pyproject.toml": BASE_CONFIG})
    git(repo, "checkout", "-q", "-b", "fork")
    write(repo, {"pyproject.toml": HEAD_CONFIG})
    git(repo, "commit", "-q", "-am", "contributor: make CI faster")
    return repo


def heal(repo: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, object], str]:
    done = suture(repo, "heal", "--json", "--test-cmd", PYTEST, *args, env=env)
    lines = done.stdout.strip().splitlines()
    return done.returncode, json.loads(lines[-1]) if lines else {}, done.stderr


@pytest.mark.parametrize("how", ["flag", "env"])
def test_a_head_that_turns_the_sandbox_off_does_not(tmp_path: Path, how: str) -> None:
    repo = make_fork_pr(tmp_path / "repo")
    before = snapshot(repo)
    env = broken_bwrap(tmp_path / "bin")
    args: tuple[str, ...] = ("--base", "main") if how == "flag" else ()
    if how == "env":
        env["SUTURE_BASE"] = "main"

    code, _, stderr = heal(repo, *args, env=env)

    assert code == 2, stderr
    assert "the sandbox cannot start" in stderr and "WARNING: no sandbox" not in stderr
    assert "running" not in stderr  # no repository code ran
    assert snapshot(repo) == before


def test_without_a_base_the_head_would_turn_it_off(tmp_path: Path) -> None:
    """The control: the head's config is what disables the sandbox when it is trusted."""
    repo = make_fork_pr(tmp_path / "repo")
    code, result, stderr = heal(repo, env=broken_bwrap(tmp_path / "bin"))
    assert "WARNING: no sandbox" in stderr
    assert result.get("sandbox") == "none", stderr
    assert code in (0, 1)


def test_the_heads_variables_and_budget_do_not_apply(tmp_path: Path) -> None:
    require_bubblewrap()
    repo = make_fork_pr(tmp_path / "repo")

    code, result, stderr = heal(repo, "--base", "main", env={"FORK_VISIBLE": "from the fork's config"})

    assert result.get("sandbox") == "bwrap", stderr
    failing = [t for f in result["failures"] for t in f["test_ids"]]  # type: ignore[attr-defined]
    assert failing == ["tests/test_calc.py::test_add"]  # test_no_fork_variable passed: not let through
    assert code == 1, stderr
    reasons = " ".join(v["reason"] for v in result["verification"])  # type: ignore[attr-defined]
    assert "more than the budget of 1 (max-lines)" in reasons
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_with_the_heads_config_the_variable_gets_through(tmp_path: Path) -> None:
    """The control: trusted, the head's env-allow lets the variable reach the check."""
    repo = make_fork_pr(tmp_path / "repo")
    code, result, stderr = heal(repo, env={"FORK_VISIBLE": "from the fork's config"})
    failing = [t for f in result["failures"] for t in f["test_ids"]]  # type: ignore[attr-defined]
    assert "tests/test_env.py::test_no_fork_variable" in failing, stderr
    assert code == 1


def test_an_unknown_base_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_fork_pr(tmp_path / "repo")
    code, _, stderr = heal(repo, "--base", "no-such-branch")
    assert code == 2
    assert "--base 'no-such-branch' is not a commit" in stderr
