"""Recipe: adding a fixer is one new file (its module) and one line of the ladder.

The fixer here answers one failure no built-in fixer knows: a function that raises
`RuntimeError("not worked out yet")` where its test wants 42. Its module is written by the
test into a directory of its own; the ladder line is `register(load("module:Class"))`, the
form of a line of `fixers.LADDER`. A real heal on a real repository then asks it, verifies its
candidate by running the tests, and publishes it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST
from recipe_helpers import plugin, suture_after

from suture import fixers

FIXER = """
from __future__ import annotations

from suture import diffs
from suture.records import Candidate, Failure
from suture.run.source import Source

STUB = '    raise RuntimeError("not worked out yet")\\n'


class AnswerFixer:
    name = "answer"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "RuntimeError" or failure.message != "not worked out yet":
            return []
        where = failure.location
        old = source.read(where.path) if where else None
        if where is None or old is None or STUB not in old:
            return []
        diff = diffs.unified(where.path, old, old.replace(STUB, "    return 42\\n"))
        return [Candidate(self.name, diff, "the answer is 42", failure.fingerprint)]
"""
LADDER_LINE = 'fixers.register(fixers.load("answer_fixer:AnswerFixer"))'

PROJECT = {
    "deep.py": 'def answer():\n    raise RuntimeError("not worked out yet")\n',
    "tests/test_deep.py": "from deep import answer\n\n\ndef test_answer():\n    assert answer() == 42\n",
}


@pytest.fixture
def fixer_dir(tmp_path: Path) -> Path:
    return plugin(tmp_path, "answer_fixer", FIXER)  # the one new file


def heal(repo: Path, fixer_dir: Path | None) -> tuple[int, dict[str, object], str]:
    args = ("heal", "--json", "--test-cmd", PYTEST)
    if fixer_dir is None:
        done = subprocess.run(
            [sys.executable, "-m", "suture", *args], cwd=repo, capture_output=True, text=True, timeout=180
        )
    else:
        done = suture_after(f"from suture import fixers\n{LADDER_LINE}", fixer_dir, repo, *args)
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return done.returncode, json.loads(last), done.stderr


def test_a_fixer_added_with_one_ladder_line_is_asked_and_its_fix_verified(tmp_path: Path, fixer_dir: Path) -> None:
    repo = make_repo(tmp_path / "repo", PROJECT)

    code, result, stderr = heal(repo, fixer_dir)

    assert code == 0, stderr
    assert (result["status"], result["fixer"]) == ("fixed", "answer")
    branch = str(result["branch"])
    assert git(repo, "show", f"{branch}:deep.py") == "def answer():\n    return 42\n"


def test_without_the_ladder_line_nothing_fixes_it(tmp_path: Path, fixer_dir: Path) -> None:
    """The control: the same failure, and no built-in fixer has an answer."""
    repo = make_repo(tmp_path / "repo", PROJECT)

    code, result, stderr = heal(repo, None)

    assert code == 1, stderr
    assert result["status"] == "unfixed"
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_a_ladder_line_names_a_fixer_by_module_and_class(fixer_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(fixer_dir))
    monkeypatch.setattr(fixers, "FIXERS", dict(fixers.FIXERS))

    fixers.register(fixers.load("answer_fixer:AnswerFixer"))

    assert list(fixers.FIXERS)[-1] == "answer"
    assert [fixers.load(rung.spec).name for rung in fixers.LADDER] == list(fixers.FIXERS)[:-1]
