"""A test parametrized over a set has ids in the set's order, which follows the interpreter's
hash seed (`test_word[seven-expected3]` one run, `test_word[seven-expected9]` the next): every
check runs with one seed, so the ids verification compares are the ones capture saw.
Found by the mutation bench (isodate's tests; its fixes were refused as "no longer collected")."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from helpers import git, make_repo
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.diffs import unified
from suture.records import Candidate, TestResult
from suture.run.sandbox import Bubblewrap
from suture.verify.trial import judge, verify

require_bubblewrap()

WORDS = ["one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"]
CALC = "def size(word):\n    return len(word) + 1\n"
TEST = (
    "import pytest\n\nfrom calc import size\n\n"
    f"CASES = {{(word, frozenset(word)) for word in {WORDS!r}}}\n\n\n"
    '@pytest.mark.parametrize("word, expected", CASES)\n'
    "def test_word(word, expected):\n    assert size(word) == len(word)\n"
)


def test_a_set_s_parameters_keep_their_ids_from_capture_to_verification(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"calc.py": CALC, "tests/test_calc.py": TEST})
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=120)
    diagnosis = diagnose(build)
    assert len(diagnosis.failing_tests) == len(WORDS)
    fix = unified("calc.py", CALC, CALC.replace(" + 1", ""))

    verdict = verify(build, diagnosis, Candidate("stub", fix, "stub", "f"), sandbox=Bubblewrap(), timeout=120)

    assert verdict.passed, verdict.reason


OBJECTS = (
    "import pytest\n\nfrom calc import size\n\n\n"
    "class Word:\n    def __init__(self, text):\n        self.text = text\n\n\n"
    "CASES = [('one', Word('one')), ('three', Word('three'))]\n\n\n"
    '@pytest.mark.parametrize("word, expected", CASES)\n'
    "def test_word(word, expected):\n    assert size(word) == len(expected.text)\n"
)


def _swapped(test_id: str) -> str:
    """The id pytest gives the same case when the set's order swapped: expected0 <-> expected1."""
    return test_id.replace("expected0", "expected#").replace("expected1", "expected0").replace("expected#", "expected1")


def test_ids_that_differ_only_by_pytest_s_index_are_the_same_tests(tmp_path: Path) -> None:
    """Parameters pytest cannot spell get `expected0`, `expected1` in the order they come; from a set
    of objects hashed by address (isodate's), the fix itself may swap them: judged as the same tests."""
    repo = make_repo(tmp_path / "repo", {"calc.py": CALC, "tests/test_calc.py": OBJECTS})
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=Bubblewrap(), timeout=120)
    diagnosis = diagnose(build)
    base = build.checks[0]
    assert sorted(diagnosis.failing_tests) == [
        "tests/test_calc.py::test_word[one-expected0]",
        "tests/test_calc.py::test_word[three-expected1]",
    ]
    swapped = [TestResult(_swapped(t.test_id), "passed") for t in base.tests]
    after = dataclasses.replace(base, exit_code=0, tests=tuple(swapped), collected=tuple(map(_swapped, base.collected)))

    assert judge(build, diagnosis, [after]) == (True, "every check passes; 2 failing test(s) now pass")

    one_failing = [dataclasses.replace(t, outcome="failed") if "one-" in t.test_id else t for t in swapped]
    still = dataclasses.replace(after, tests=tuple(one_failing))
    assert judge(build, diagnosis, [still]) == (
        False,
        "tests/test_calc.py::test_word[one-expected0] failed before and is now failed",
    )
    fewer = dataclasses.replace(after, tests=tuple(swapped[:1]), collected=after.collected[:1])
    assert not judge(build, diagnosis, [fewer])[0]
