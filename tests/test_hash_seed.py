"""A test parametrized over a set has ids in the set's order, which follows the interpreter's
hash seed (`test_word[seven-expected3]` one run, `test_word[seven-expected9]` the next): every
check runs with one seed, so the ids verification compares are the ones capture saw.
Found by the mutation bench (isodate's tests; its fixes were refused as "no longer collected")."""

from __future__ import annotations

from pathlib import Path

from helpers import git, make_repo
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.diffs import unified
from suture.records import Candidate
from suture.run.sandbox import Bubblewrap
from suture.verify.trial import verify

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
