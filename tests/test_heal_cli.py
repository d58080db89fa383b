"""`suture heal` end to end: real repositories, real git, real pytest runs, the real CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot, write
from projects import (
    ATTRIBUTE_TYPO,
    CLASSIC,
    FLASK_APP,
    MISSING_COLON,
    MISSING_IMPORT,
    PASSING,
    PYTEST,
    TYPO,
)


def suture(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def heal_json(repo: Path, *args: str) -> tuple[int, dict[str, object], str]:
    done = suture(repo, "heal", "--json", "--test-cmd", PYTEST, *args)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return done.returncode, json.loads(last), done.stderr


def test_classic_bug_is_healed_on_a_branch_and_the_checkout_is_untouched(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    # Uncommitted work of the user's, staged and unstaged, must survive byte for byte.
    write(repo, {"notes.txt": "mine\n", "calc.py": CLASSIC["calc.py"] + "# editing\n"})
    git(repo, "add", "notes.txt")
    before = snapshot(repo)

    code, result, stderr = heal_json(repo)

    assert code == 0, stderr
    assert result["status"] == "fixed"
    assert result["fixer"] == "concat"
    branch = str(result["branch"])
    assert branch.startswith("suture/") and branch == f"suture/{result['fingerprint']}"
    assert 'return f"The result is: {result}"' in str(result["patch"])
    assert snapshot(repo) == before
    # The branch holds the fix on top of HEAD, with the trailer.
    assert git(repo, "rev-parse", f"{branch}^").strip() == before["head_sha"].strip()  # type: ignore[union-attr]
    assert "Healed-by: suture" in git(repo, "log", "-1", "--format=%B", branch)
    assert 'f"The result is: {result}"' in git(repo, "show", f"{branch}:calc.py")
    # The proposal lives under the git dir, not in the working tree.
    proposal = Path(str(result["proposal"]))
    assert proposal.is_relative_to(repo / ".git")
    assert "| check | before | after |" in proposal.read_text()
    # Progress went to stderr; stdout is only the JSON line.
    assert "capturing" in stderr or "checking" in stderr
    assert not git(repo, "worktree", "list", "--porcelain").count("worktree ") > 1


def test_json_contract_fields(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    code, result, _ = heal_json(repo)
    assert code == 0
    for key in (
        "status",
        "branch",
        "commit",
        "patch",
        "fixer",
        "failures",
        "verification",
        "duration_s",
    ):
        assert key in result, key
    failures = result["failures"]
    assert isinstance(failures, list) and failures[0]["error_type"] == "TypeError"
    assert failures[0]["test_ids"] == ["tests/test_calc.py::test_add"]
    assert failures[0]["frames"][-1]["path"] == "calc.py"
    verification = result["verification"]
    assert isinstance(verification, list) and verification[-1]["passed"] is True
    assert verification[-1]["tests_before"] == verification[-1]["tests_after"] == 2


def test_flask_app_is_healed_end_to_end(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "flaskapp", FLASK_APP)
    before = snapshot(repo)
    code, result, stderr = heal_json(repo)
    assert code == 0, stderr
    assert result["status"] == "fixed"
    fixed = git(repo, "show", f"{result['branch']}:app.py")
    assert "return f'The result is: {result}'" in fixed
    assert snapshot(repo) == before
    # The fixed app really serves the right text.
    check = subprocess.run(
        [
            sys.executable,
            "-c",
            "import app; print(app.app.test_client().get('/add/2/3').get_data(as_text=True))",
        ],
        cwd=tmp_path,
        input=None,
        capture_output=True,
        text=True,
        env={
            **os.environ,
            "PYTHONPATH": str(_export(repo, str(result["branch"]), tmp_path / "export")),
        },
    )
    assert check.stdout.strip() == "The result is: 5", check.stderr


def _export(repo: Path, ref: str, target: Path) -> Path:
    target.mkdir()
    archive = subprocess.run(["git", "archive", ref], cwd=repo, check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


@pytest.mark.parametrize(
    ("files", "fixer", "path", "expected"),
    [
        (MISSING_IMPORT, "missing-import", "paths.py", "import os\n"),
        (TYPO, "did-you-mean", "shapes.py", "return result\n"),
        (ATTRIBUTE_TYPO, "did-you-mean", "roots.py", "math.sqrt(x)"),
        (MISSING_COLON, "syntax", "greet.py", "def greet(name):\n"),
    ],
    ids=["missing-import", "name-typo", "attribute-typo", "missing-colon"],
)
def test_each_mechanical_failure_is_healed(
    tmp_path: Path, files: dict[str, str], fixer: str, path: str, expected: str
) -> None:
    repo = make_repo(tmp_path / "repo", files)
    code, result, stderr = heal_json(repo)
    assert code == 0, stderr
    assert result["fixer"] == fixer
    assert expected in git(repo, "show", f"{result['branch']}:{path}")


def test_dry_run_shows_the_verified_diff_and_creates_nothing(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    code, result, _ = heal_json(repo, "--dry-run")
    assert code == 0
    assert result["status"] == "fixed" and result["branch"] is None
    assert '+    return f"The result is: {result}"' in str(result["patch"])
    assert git(repo, "branch", "--list", "suture/*") == ""
    assert not (repo / ".git" / "suture" / "proposals").exists()


def test_human_output_names_diagnosis_diff_table_and_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "heal", "--test-cmd", PYTEST)
    assert done.returncode == 0, done.stderr
    for expected in (
        "Diagnosis",
        "TypeError",
        "Verification",
        "before",
        "after",
        "suture/",
        '+    return f"The',
    ):
        assert expected in done.stdout, expected


def test_passing_checks_mean_nothing_to_do(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", PASSING)
    code, result, _ = heal_json(repo)
    assert code == 0
    assert result["status"] == "nothing-to-do"
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_unfixable_failure_exits_1_and_creates_nothing(tmp_path: Path) -> None:
    files = {
        "logic.py": "def double(x):\n    return x * 3\n",
        "tests/test_logic.py": "from logic import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    code, result, _ = heal_json(repo)
    assert code == 1
    assert result["status"] == "unfixed"
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_default_check_is_detected(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "heal", "--json")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert done.returncode == 0, done.stderr
    assert result["commands"] == [next(iter(result["commands"]))]
    assert str(result["commands"][0]).endswith("-m pytest")


def test_config_in_pyproject_sets_the_checks(tmp_path: Path) -> None:
    files = {
        **CLASSIC,
        "pyproject.toml": f'[tool.suture]\ntest-cmd = ["{PYTEST}"]\ntimeout = 120\n',
    }
    repo = make_repo(tmp_path / "repo", files)
    done = suture(repo, "heal", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout.splitlines()[-1])["commands"] == [PYTEST]


@pytest.mark.parametrize(
    ("pyproject", "expected"),
    [
        ("[tool.suture]\ntest_cmd = 'pytest'\n", "unknown key 'test_cmd'"),
        ("[tool.suture]\ntimeout = -1\n", "timeout must be a positive number"),
        ("[tool.suture\n", "not valid TOML"),
    ],
)
def test_broken_config_is_a_usage_error(tmp_path: Path, pyproject: str, expected: str) -> None:
    repo = make_repo(tmp_path / "repo", {**CLASSIC, "pyproject.toml": pyproject})
    done = suture(repo, "heal")
    assert done.returncode == 2
    assert expected in done.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    done = suture(tmp_path, "heal")
    assert done.returncode == 2
    assert "not inside a git repository" in done.stderr
    assert "Traceback" not in done.stderr


def test_repository_without_commits(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    done = suture(tmp_path, "heal")
    assert done.returncode == 2
    assert "no commits yet" in done.stderr


def test_missing_test_command(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    before = snapshot(repo)
    done = suture(repo, "heal", "--test-cmd", "no-such-test-runner -q")
    assert done.returncode == 2
    assert "'no-such-test-runner' is not installed" in done.stderr
    assert snapshot(repo) == before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_unknown_flag_is_a_usage_error(tmp_path: Path) -> None:
    done = suture(tmp_path, "heal", "--no-such-flag")
    assert done.returncode == 2
    assert "No such option" in done.stderr


def test_on_a_suture_branch_nothing_is_done(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    git(repo, "checkout", "-q", "-b", "suture/abc")
    code, result, stderr = heal_json(repo)
    assert code == 0
    assert result["status"] == "nothing-to-do"
    assert "checking" not in stderr  # no check ran


def test_on_a_commit_with_the_trailer_nothing_is_done(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    git(repo, "commit", "-q", "--allow-empty", "-m", "Fix it\n\nHealed-by: suture")
    code, result, _ = heal_json(repo)
    assert code == 0
    assert result["status"] == "nothing-to-do"
    assert "trailer" in str(result["reason"])


def test_stale_worktrees_of_killed_runs_are_cleaned(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    # What a run killed with SIGKILL leaves: a registered worktree under a dead pid's dir.
    stale_parent = tmp_path / f"suture-wt-{_dead_pid()}-x"
    stale_parent.mkdir()
    git(repo, "worktree", "add", "--detach", "-q", str(stale_parent / "tree"), "HEAD")
    code, _, stderr = heal_json(repo)
    assert code == 0
    assert "stale worktree" in stderr
    assert str(stale_parent) not in git(repo, "worktree", "list", "--porcelain")


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_heal_is_idempotent_for_one_fingerprint(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    first = heal_json(repo)[1]
    second = heal_json(repo)[1]
    assert first["branch"] == second["branch"]
    assert git(repo, "branch", "--list", "suture/*").count("suture/") == 1


def test_unexpected_error_writes_a_crash_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from suture.cli import commands as cli
    from suture.loop import heal

    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(heal, "heal", broken)
    monkeypatch.chdir(tmp_path)
    code = cli.main(["heal"])
    assert code == 3
    logs = list((Path(os.environ["XDG_CACHE_HOME"]) / "suture").glob("crash-*.log"))
    assert len(logs) == 1
    assert "ZeroDivisionError: a bug" in logs[0].read_text()
