"""unittest's subTest under pytest 9: each subtest is reported under its test's id. A run whose
subtests all pass is a passing run (not "more than one outcome", not a missing summary line),
and a failing subtest fails its test. Real pytest runs through capture."""

from __future__ import annotations

from pathlib import Path

from helpers import git, make_repo
from projects import PYTEST

from suture.capture.agreement import doubt_of, final_counts
from suture.capture.run import capture
from suture.records import CheckRun
from suture.run.sandbox import Bubblewrap


def _run(tmp_path: Path, body: str) -> CheckRun:
    test = (
        "import unittest\n\n\nclass Words(unittest.TestCase):\n    def test_each(self):\n"
        "        for word in ('a', 'b', 'c'):\n            with self.subTest(word=word):\n"
        f"                {body}\n\n\ndef test_plain():\n    assert True\n"
    )
    repo = make_repo(tmp_path / "repo", {"tests/test_words.py": test})
    return capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=60).checks[0]


def test_passing_subtests_make_a_passing_run(tmp_path: Path) -> None:
    check = _run(tmp_path, "self.assertTrue(word)")
    assert check.exit_code == 0 and check.passed, check.output[-1500:]
    assert doubt_of(check.output) == ""
    assert {t.test_id: t.outcome for t in check.tests} == {
        "tests/test_words.py::Words::test_each": "passed",
        "tests/test_words.py::test_plain": "passed",
    }


def test_a_failing_subtest_fails_its_test(tmp_path: Path) -> None:
    check = _run(tmp_path, "self.assertNotEqual(word, 'b')")
    assert check.exit_code == 1
    assert {t.test_id: t.outcome for t in check.tests} == {
        "tests/test_words.py::Words::test_each": "failed",
        "tests/test_words.py::test_plain": "passed",
    }


def test_the_summary_line_with_subtests_is_read() -> None:
    assert final_counts("1 failed, 2 passed, 2 subtests passed in 0.5s") == {"failed": 1, "passed": 2}
    assert final_counts("===== 2 passed, 3 subtests passed in 15.15s =====") == {"passed": 2}


def test_a_module_skipped_at_collection_does_not_make_a_passing_run_doubted(tmp_path: Path) -> None:
    """'1 passed, 1 skipped': the skip is a module skipped while collected, with no test in it."""
    files = {
        "tests/test_ok.py": "def test_ok():\n    assert True\n",
        "tests/test_later.py": "import pytest\n\npytest.skip('not here', allow_module_level=True)\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    check = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=60).checks[0]
    assert check.exit_code == 0 and check.passed, check.output[-1500:]
    assert doubt_of(check.output) == ""
