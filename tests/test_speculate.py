"""The early trial: started while capture runs, judged like any candidate once capture ends."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo
from projects import CLASSIC, PYTEST

# `from datetime import datetime` (the missing-import fixer's first guess) does not
# fix this; `import datetime` does.
DATETIME = {
    "when.py": "def recent():\n    return datetime.date.today().year > 2000\n",
    "tests/test_when.py": "from when import recent\n\n\ndef test_recent():\n    assert recent()\n",
}


def heal(repo: Path) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", PYTEST],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )
    return done.returncode, json.loads(done.stdout.splitlines()[-1]), done.stderr


def test_the_first_candidate_is_tried_while_capture_runs(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    code, result, stderr = heal(repo)
    assert code == 0
    assert "trying concat early" in stderr
    assert "accepted (early trial)" in stderr
    verification = result["verification"]
    assert isinstance(verification, list) and len(verification) == 1
    # The early candidate is tied to the failure of the complete diagnosis.
    failures = result["failures"]
    assert isinstance(failures, list)
    assert verification[0]["candidate"]["fingerprint"] == failures[0]["fingerprint"]


def test_a_rejected_early_trial_falls_back_to_the_other_candidates(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", DATETIME)
    code, result, stderr = heal(repo)
    assert code == 0, stderr
    assert "rejected (early trial)" in stderr
    verification = result["verification"]
    assert isinstance(verification, list)
    assert [v["passed"] for v in verification] == [False, True]
    assert "from datetime import datetime" in verification[0]["candidate"]["diff"]
    assert "+import datetime" in str(result["patch"])
    assert "import datetime\n" in git(repo, "show", f"{result['branch']}:when.py")


def test_a_flake8_failure_is_worked_on_while_the_tests_still_run(tmp_path: Path) -> None:
    """flake8 has no fixing mode, so its failure is known only from its output: it runs first,
    and its candidate's trial starts while pytest's slow suite is still running."""
    files = {
        "calc.py": "def add(a, b):\n    return a + b \n",  # W291 trailing whitespace
        "tests/test_calc.py": (
            "import time\n\nfrom calc import add\n\n\ndef test_add():\n    time.sleep(2)\n    assert add(1, 2) == 3\n"
        ),
    }
    repo = make_repo(tmp_path / "repo", files)
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", PYTEST, "--test-cmd", "flake8 --select=W ."],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    stderr = done.stderr
    assert "trying lint-tool early" in stderr
    assert "accepted (early trial)" in stderr
    # The trial started before capture's pytest run had ended.
    assert stderr.index("trying lint-tool early") < stderr.index(f"{PYTEST}: ")
    result = json.loads(done.stdout.splitlines()[-1])
    assert "-    return a + b \n+    return a + b\n" in str(result["patch"])


# The bug makes every test slow (each sleeps when shout raises); with the fix they take no time.
SLOW_WHILE_BROKEN = {
    "shout.py": "def shout(word):\n    return wrod.upper() + '!'\n",
    "tests/test_a.py": "from shout import shout\n\n\ndef test_shout():\n    assert shout('hi') == 'HI!'\n",
    "tests/test_b.py": "import time\n\nimport pytest\n\nfrom shout import shout\n\n\n"
    "@pytest.mark.parametrize('n', range(12))\ndef test_quiet(n):\n    try:\n        shout('x')\n"
    "    except NameError:\n        time.sleep(1)\n",
}


def test_a_verified_early_trial_stops_the_capture(tmp_path: Path) -> None:
    """The trial passed every check while capture was still running the slow tests: capture stops
    there (12 s of sleeping left undone), and the early candidate is accepted."""
    repo = make_repo(tmp_path / "repo", SLOW_WHILE_BROKEN)
    code, result, stderr = heal(repo)
    assert code == 0, stderr
    assert "capture stops" in stderr
    assert "accepted (early trial)" in stderr
    assert "+    return word.upper() + '!'" in str(result["patch"])
    # Capture's run was killed before its slow tests ended (they sleep 12 s in all).
    [verdict] = result["verification"]  # type: ignore[misc]
    [captured] = verdict["before"]
    assert captured["exit_code"] == -9, captured
    # What capture saw before it stopped is the diagnosis: the test that failed, with its NameError.
    [failure] = result["failures"]  # type: ignore[misc]
    assert failure["error_type"] == "NameError" and failure["test_ids"] == ["tests/test_a.py::test_shout"]


class _Counting:
    """A fixer that proposes nothing and remembers each failure it was asked about."""

    name = "counting"

    def __init__(self) -> None:
        self.asked: list[tuple[str, str]] = []

    def propose(self, failure: object, source: object) -> list[object]:
        self.asked.append((getattr(failure, "error_type", ""), getattr(failure, "message", "")))
        return []


def _speculate(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, str]]:
    from suture import fixers
    from suture.loop.speculate import capture_speculating
    from suture.run.sandbox import Bubblewrap
    from suture.run.source import Source

    repo = make_repo(tmp_path / "repo", files)
    sha = git(repo, "rev-parse", "HEAD").strip()
    counting = _Counting()
    fixers.register(counting)  # type: ignore[arg-type]
    try:
        scratch = tmp_path / "scratch"
        scratch.mkdir()
        build, early = capture_speculating(
            repo, sha, [PYTEST], Source(repo, sha), sandbox=Bubblewrap(), timeout=120, progress=print, scratch=scratch
        )
    finally:
        del fixers.FIXERS[counting.name]
    assert early is None and build.checks[0].exit_code == 1
    return counting.asked


def test_the_fixers_are_asked_once_per_cause_while_capture_runs(tmp_path: Path) -> None:
    """40 tests failing on one assertion in the project's code: one cause, asked about once."""
    files = {
        "limit.py": "def limit(n):\n    assert n < 0, 'limit is broken'\n    return n\n",
        "tests/test_limit.py": "import pytest\n\nfrom limit import limit\n\n\n"
        "@pytest.mark.parametrize('n', range(40))\ndef test_limit(n):\n    assert limit(n) == n\n",
    }
    assert _speculate(tmp_path, files) == [("AssertionError", "limit is broken")]


def test_a_suite_failing_in_many_ways_is_not_all_speculated_on(tmp_path: Path) -> None:
    """40 different causes: the fixers are asked about the first MAX_ASKED only, capture decides the rest."""
    from suture.loop.speculate import MAX_ASKED

    files = {
        "tests/test_many.py": "import pytest\n\n\n"
        "@pytest.mark.parametrize('n', range(40))\ndef test_many(n):\n    raise LookupError(f'case {n}')\n",
    }
    asked = _speculate(tmp_path, files)
    assert 1 <= len(asked) <= MAX_ASKED
    assert len(set(asked)) == len(asked)


def test_capture_is_stopped_only_where_each_check_has_ended_or_collected_and_failed(tmp_path: Path) -> None:
    """A pytest check that has not failed yet may pass: capture must see it end (a lint check's
    early trial passing says nothing about it). One that collected and failed may be cut short."""
    from suture.capture.channel import REPORT_FILE
    from suture.capture.run import EXIT_FILE
    from suture.loop.speculate import collected_everywhere

    commands = ["ruff check .", PYTEST]
    for index in (0, 1):
        (tmp_path / str(index)).mkdir()
    (tmp_path / "0" / EXIT_FILE).write_text("1\n")
    started = '{"event": "started", "summary": true}\n{"event": "collected", "ids": ["tests/t.py::test_a"]}\n'
    (tmp_path / "1" / REPORT_FILE).write_text(started)
    assert not collected_everywhere(tmp_path, commands)
    raised = '{"event": "exception", "id": "tests/t.py::test_a", "when": "call", "type": "NameError", "line": "x"}\n'
    (tmp_path / "1" / REPORT_FILE).write_text(started + raised)
    assert collected_everywhere(tmp_path, commands)
    (tmp_path / "1" / REPORT_FILE).write_text('{"event": "started", "summary": true}\n' + raised)
    assert not collected_everywhere(tmp_path, commands)  # failed, but what it collects is not known yet
