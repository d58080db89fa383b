"""Lint findings a commit did not bring: a static check failing on the parent commit too may
stay failing after a fix, as long as the fix adds no finding of its own (baseline.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from helpers import git, make_repo, write

from suture.capture.run import capture
from suture.diagnose.baseline import findings, on_parent, tolerated
from suture.diagnose.build import diagnose
from suture.diffs import unified
from suture.records import Candidate
from suture.run.sandbox import Bubblewrap
from suture.verify.trial import verify

PY = sys.executable
PYTEST = f"{PY} -m pytest -q -p no:cacheprovider"
RUFF = f"{PY} -m ruff check ."
SANDBOX = Bubblewrap()

# A project whose ruff configuration its code does not meet (legacy.py imports what it does not use).
PROJECT = {
    "pyproject.toml": '[tool.ruff.lint]\nselect = ["F"]\n',
    "legacy.py": "import os\nimport sys\n\n\ndef name():\n    return 'legacy'\n",
    "words.py": "import re\n\nWORD = re.compile(r'\\w+')\n\n\ndef count(text):\n    return len(WORD.findall(text))\n",
    "tests/test_words.py": "from words import count\n\n\ndef test_count():\n    assert count('a b c') == 3\n",
}
BROKEN = PROJECT["words.py"].replace("import re\n\n", "")


def broken_repo(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo", PROJECT)
    write(repo, {"words.py": BROKEN})
    git(repo, "commit", "-qam", "drop an import")
    return repo


def test_heal_leaves_the_parent_s_findings_and_fixes_what_the_commit_broke(tmp_path: Path) -> None:
    repo = broken_repo(tmp_path)
    done = subprocess.run(
        [PY, "-m", "suture", "heal", "--dry-run", "--json", "--test-cmd", PYTEST, "--test-cmd", RUFF],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == "fixed", done.stderr
    assert "+import re" in result["patch"]
    (winner,) = [verdict for verdict in result["verification"] if verdict["passed"]]
    assert f"{RUFF} fails as on the parent commit (2 finding(s), none new)" in winner["reason"]
    assert "2 finding(s) already on the parent commit" in done.stderr


def test_a_fix_that_adds_a_finding_is_rejected(tmp_path: Path) -> None:
    repo = broken_repo(tmp_path)
    sha = git(repo, "rev-parse", "HEAD").strip()
    build = capture(repo, sha, [PYTEST, RUFF], sandbox=SANDBOX, timeout=120)
    build = replace(build, baseline=on_parent(build, sandbox=SANDBOX, timeout=120, progress=print))
    diagnosis = diagnose(build)

    def candidate(text: str) -> Candidate:
        return Candidate(origin="test", diff=unified("words.py", BROKEN, text), rationale="test", fingerprint="f")

    clean = verify(build, diagnosis, candidate(PROJECT["words.py"]), sandbox=SANDBOX, timeout=120)
    assert clean.passed, clean.reason
    sloppy = verify(build, diagnosis, candidate("import json\n" + PROJECT["words.py"]), sandbox=SANDBOX, timeout=120)
    assert not sloppy.passed
    assert sloppy.reason == f"{RUFF} still fails (exit 1)"


def test_a_root_commit_has_no_parent_to_compare_with(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**PROJECT, "words.py": BROKEN})
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST, RUFF], sandbox=SANDBOX, timeout=120)
    assert not build.checks[1].passed
    assert on_parent(build, sandbox=SANDBOX, timeout=120, progress=print) == ()


def test_only_static_checks_with_findings_it_can_read_are_compared(tmp_path: Path) -> None:
    repo = broken_repo(tmp_path)
    sha = git(repo, "rev-parse", "HEAD").strip()
    build = capture(repo, sha, [PYTEST, RUFF], sandbox=SANDBOX, timeout=120)
    parent = on_parent(build, sandbox=SANDBOX, timeout=120, progress=print)
    assert [run.command for run in parent] == [RUFF]  # pytest is not run again on the parent
    tests, lint = build.checks
    assert {finding[1] for finding in findings(lint)} == {"F401", "F821"}
    assert tolerated(lint, parent) is None  # F821 (re undefined) is the commit's
    assert tolerated(tests, [tests]) is None  # a failing test suite is never "as before"
    unread = replace(lint, output="something went wrong\n")
    assert tolerated(unread, [unread]) is None
