"""Weakened tests that get past the diff policy are still caught by verification itself:

- test files are put back as they are on the base before the checks run;
- the collected test ids are compared, not only their number;
- each test that failed on the base must now pass: not skip, not xfail, not vanish.

Each candidate here fixes the bug and weakens the suite in one way the policy does not see
(spelled past the tamper patterns, or with the policy switched off to stand for a hole in it).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.diffs import unified
from suture.records import Build, Candidate, Diagnosis, TestOutcome, TestResult
from suture.run.git import worktree
from suture.run.sandbox import Bubblewrap
from suture.verify import policy
from suture.verify.trial import judge, reset_tests, verify

require_bubblewrap()

CALC = 'LABELS = ["one", "two"]\n\n\ndef add(a, b):\n    result = a + b\n    return "The result is: " + result\n'
FIXED = CALC.replace('"The result is: " + result', 'f"The result is: {result}"')
TEST = (
    "import pytest\n\nfrom calc import LABELS, add\n\n\n"
    'def test_add():\n    assert add(2, 3) == "The result is: 5"\n\n\n'
    '@pytest.mark.parametrize("label", LABELS)\ndef test_label(label):\n    assert label\n'
)
FILES = {"calc.py": CALC, "tests/test_calc.py": TEST}


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Build, Diagnosis]:
    repo = make_repo(tmp_path_factory.mktemp("guards") / "repo", FILES)
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=120)
    return repo, build, diagnose(build)


def judged(failing: tuple[Path, Build, Diagnosis], diff: str) -> tuple[bool, str]:
    repo, build, diagnosis = failing
    before = snapshot(repo)
    verdict = verify(build, diagnosis, Candidate("stub", diff, "stub", "f"), sandbox=Bubblewrap(), timeout=120)
    assert snapshot(repo) == before
    return verdict.passed, verdict.reason


def test_the_fix_alone_passes(failing: tuple[Path, Build, Diagnosis]) -> None:
    _, build, diagnosis = failing
    assert diagnosis.failing_tests == ("tests/test_calc.py::test_add",)
    assert len(build.checks[0].collected) == 3
    assert judged(failing, unified("calc.py", CALC, FIXED)) == (True, "every check passes; 1 failing test(s) now pass")


def test_same_count_other_ids_is_rejected(failing: tuple[Path, Build, Diagnosis]) -> None:
    """test_label[two] becomes test_label[three]: three tests before, three after."""
    passed, reason = judged(failing, unified("calc.py", CALC, FIXED.replace('"two"', '"three"')))
    assert not passed
    assert reason == "1 test(s) collected before the fix are no longer collected: tests/test_calc.py::test_label[two]"


def test_a_failing_test_that_now_skips_is_rejected(failing: tuple[Path, Build, Diagnosis]) -> None:
    """Spelled past the tamper patterns: suture's plugin stops the run when a failing test does not pass."""
    skipping = FIXED.replace("    result = a + b\n", "    import pytest\n    getattr(pytest, 'sk' + 'ip')('later')\n")
    passed, reason = judged(failing, unified("calc.py", CALC, skipping))
    assert not passed
    assert "still fails" in reason


@pytest.mark.parametrize("outcome", ["skipped", "xfailed", "error", None])
def test_a_failing_test_must_now_pass_even_when_the_checks_exit_0(
    failing: tuple[Path, Build, Diagnosis], outcome: TestOutcome | None
) -> None:
    """The judge alone: a run that exits 0 with every id collected, test_add not passing (or not run)."""
    _, build, diagnosis = failing
    base = build.checks[0]
    tests = tuple(
        TestResult(t.test_id, outcome or "passed") if t.test_id.endswith("test_add") else t for t in base.tests
    )
    tests = tuple(t for t in tests if outcome is not None or not t.test_id.endswith("test_add"))
    after = dataclasses.replace(base, exit_code=0, tests=tests)
    passed, reason = judge(build, diagnosis, [after])
    assert not passed
    assert reason == f"tests/test_calc.py::test_add failed before and is now {outcome or 'not run at all'}"


def test_test_files_are_reset_even_past_a_hole_in_the_policy(
    failing: tuple[Path, Build, Diagnosis], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the policy switched off, a diff that guts the failing test still meets the base's test."""
    monkeypatch.setattr(policy, "check", lambda *args, **kwargs: ())
    gutted = TEST.replace('    assert add(2, 3) == "The result is: 5"\n', "    pass\n")
    passed, reason = judged(failing, unified("tests/test_calc.py", TEST, gutted))
    assert not passed
    assert "still fails" in reason


def test_reset_restores_changed_and_deleted_tests_and_removes_new_ones(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    with worktree(repo, git(repo, "rev-parse", "HEAD").strip()) as tree:
        (tree / "tests" / "test_calc.py").unlink()
        (tree / "conftest.py").write_text("collect_ignore = ['tests']\n")
        (tree / "pkg").mkdir()
        (tree / "pkg" / "test_new.py").write_text("def test_x():\n    pass\n")
        (tree / "calc.py").write_text(FIXED)

        reset = reset_tests(tree, git(repo, "rev-parse", "HEAD").strip())

        assert sorted(reset) == ["conftest.py", "pkg/test_new.py", "tests/test_calc.py"]
        assert (tree / "tests" / "test_calc.py").read_text() == TEST
        assert not (tree / "conftest.py").exists() and not (tree / "pkg" / "test_new.py").exists()
        assert (tree / "calc.py").read_text() == FIXED  # the fix itself stays
