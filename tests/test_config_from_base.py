"""Trigger privilege (docs/security.md): configuration is read from the base commit, not a fork's head.

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


def test_trusted_the_head_would_turn_it_off(tmp_path: Path) -> None:
    """The control: the head's config is what disables the sandbox when it is trusted (named as the base;
    without a base its sandbox key is ignored: tests/test_config_secrets.py)."""
    repo = make_fork_pr(tmp_path / "repo")
    code, result, stderr = heal(repo, "--base", "fork", env=broken_bwrap(tmp_path / "bin"))
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
    code, result, stderr = heal(repo, "--base", "fork", env={"FORK_VISIBLE": "from the fork's config"})
    failing = [t for f in result["failures"] for t in f["test_ids"]]  # type: ignore[attr-defined]
    assert "tests/test_env.py::test_no_fork_variable" in failing, stderr
    assert code == 1


def test_an_unknown_base_is_a_usage_error(tmp_path: Path) -> None:
    repo = make_fork_pr(tmp_path / "repo")
    code, _, stderr = heal(repo, "--base", "no-such-branch")
    assert code == 2
    assert "--base 'no-such-branch' is not a commit" in stderr


def _ci_env(provider: str, tmp_path: Path, base: str, *, fork: bool = True) -> dict[str, str]:
    """The variables a CI provider sets when it builds the pull request `fork` -> `base`."""
    if provider == "github":
        event = {
            "pull_request": {
                "head": {"ref": "fork", "sha": "0" * 40, "repo": {"full_name": "someone/repo" if fork else "o/repo"}},
                "base": {"ref": "main", "sha": base},
            }
        }
        (tmp_path / "event.json").write_text(json.dumps(event), encoding="utf-8")
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "o/repo",
            "GITHUB_EVENT_NAME": "pull_request",
            "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
            "GITHUB_REF": "refs/pull/7/merge",
        }
    if provider == "gitlab":
        return {
            "GITLAB_CI": "true",
            "CI_PROJECT_PATH": "o/repo",
            "CI_MERGE_REQUEST_PROJECT_ID": "1",
            "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "2" if fork else "1",
            "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "fork",
            "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": base,
        }
    return {
        "SEMAPHORE": "true",
        "SEMAPHORE_GIT_REPO_SLUG": "o/repo",
        "SEMAPHORE_GIT_REF_TYPE": "pull-request",
        "SEMAPHORE_GIT_PR_SLUG": "someone/repo" if fork else "o/repo",
        "SEMAPHORE_GIT_PR_BRANCH": "fork",
        "SEMAPHORE_GIT_BRANCH": base,
    }


@pytest.mark.parametrize("provider", ["github", "gitlab", "semaphore"])
def test_in_ci_a_fork_pull_requests_target_is_the_base_without_a_flag(tmp_path: Path, provider: str) -> None:
    """No --base given: the pull request's target, read from the provider's variables, is the base."""
    repo = make_fork_pr(tmp_path / "repo")
    before = snapshot(repo)
    base = git(repo, "rev-parse", "main").strip() if provider == "github" else "main"
    env = {**broken_bwrap(tmp_path / "bin"), **_ci_env(provider, tmp_path, base)}

    code, _, stderr = heal(repo, env=env)

    assert code == 2, stderr
    assert "configuration from " in stderr and "the pull request's base" in stderr
    assert "the sandbox cannot start" in stderr and "WARNING: no sandbox" not in stderr
    assert snapshot(repo) == before


def test_a_fork_whose_base_is_not_in_the_clone_is_refused(tmp_path: Path) -> None:
    repo = make_fork_pr(tmp_path / "repo")
    env = {**broken_bwrap(tmp_path / "bin"), **_ci_env("gitlab", tmp_path, "release-9")}

    code, _, stderr = heal(repo, env=env)

    assert code == 2, stderr
    assert "base release-9 is not in this clone: fetch it first (git fetch --depth=1 origin release-9)" in stderr
    assert "WARNING: no sandbox" not in stderr


def test_a_same_repository_pull_request_without_its_base_uses_its_head(tmp_path: Path) -> None:
    """Its author could change the CI configuration itself: HEAD's applies, and the run says why;
    but not its keys that steer a secret (sandbox = "none" here), which need a trusted base."""
    repo = make_fork_pr(tmp_path / "repo")
    env = {**broken_bwrap(tmp_path / "bin"), **_ci_env("gitlab", tmp_path, "release-9", fork=False)}

    code, _, stderr = heal(repo, "--dry-run", env=env)

    assert "the pull request's base release-9 is not in this clone: HEAD's configuration applies" in stderr
    assert "sandbox in pyproject.toml [tool.suture] is ignored" in stderr
    assert code == 2 and "the sandbox cannot start" in stderr and "WARNING: no sandbox" not in stderr


def test_diagnose_takes_its_configuration_from_the_base_too(tmp_path: Path) -> None:
    repo = make_fork_pr(tmp_path / "repo")
    env = broken_bwrap(tmp_path / "bin")

    trusted = suture(repo, "diagnose", "--test-cmd", PYTEST, "--base", "main", env=env)
    headed = suture(repo, "diagnose", "--test-cmd", PYTEST, "--base", "fork", env=env)

    assert trusted.returncode == 2 and "the sandbox cannot start" in trusted.stderr, trusted.stderr
    assert headed.returncode == 1 and "WARNING: no sandbox" in headed.stderr, headed.stderr  # the control
