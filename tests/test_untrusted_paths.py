"""Git-quoted paths (docs/security.md: "text that escapes its frame"): git writes a non-ASCII path
C-quoted in a diff's headers (`"a/tests/t\\303\\251st_calc.py"`); the tamper rules read it as the
file it names, so a patch that skips a test in `tests/tést_calc.py` is refused like any other."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo

from suture import diffpaths
from suture.publish.forges import pr
from suture.records import Candidate
from suture.verify import policy

CALC = "def add(a, b):\n    return a + b\n"
TEST = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
SKIPPED = "import pytest\n" + TEST.replace("def test_add():\n", "def test_add():\n    pytest.skip('later')\n")


def quoted_diff(tmp_path: Path, name: str) -> str:
    """The diff git itself writes for a change to `name`: quoted when the name is not plain ASCII."""
    repo = make_repo(tmp_path / "quoting", {"calc.py": CALC, name: TEST})
    (repo / name).write_text(SKIPPED, encoding="utf-8")
    return git(repo, "-c", "core.quotePath=true", "diff")


@pytest.mark.parametrize(
    ("field", "path"),
    [
        ('"tests/t\\303\\251st_calc.py"', "tests/tést_calc.py"),
        ('"tab\\there"', "tab\there"),
        ('"new\\nline"', "new\nline"),
        ('"say \\"hi\\""', 'say "hi"'),
        ('"back\\\\slash"', "back\\slash"),
        ("plain/path.py", "plain/path.py"),
        ('"unterminated', '"unterminated'),
        ('"bad \\q escape"', '"bad \\q escape"'),
    ],
)
def test_git_c_quoting_is_decoded(field: str, path: str) -> None:
    assert diffpaths.unquote(field) == path


def test_the_paths_of_a_diff_git_wrote_with_quotes(tmp_path: Path) -> None:
    diff = quoted_diff(tmp_path, "tests/tést_calc.py")
    assert '"a/tests/t\\303\\251st_calc.py"' in diff  # git really quoted it
    assert policy.touched(diff) == ("tests/tést_calc.py",)
    assert pr.changed_paths(diff) == ("tests/tést_calc.py",)
    mixed = 'diff --git a/x y.py "b/t\\303\\251st.py"\nrename from x y.py\nrename to "t\\303\\251st.py"\n'
    assert policy.touched(mixed) == ("x y.py", "tést.py")


def test_a_skip_in_a_quoted_test_file_is_found(tmp_path: Path) -> None:
    diff = quoted_diff(tmp_path, "tests/tést_calc.py")
    found = policy.findings(Candidate(origin="x", diff=diff, rationale="", fingerprint="f"))
    assert "touches the test file tests/tést_calc.py" in found
    assert "adds pytest.skip( in tests/tést_calc.py" in found


def suture(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI", "SEMAPHORE"))}
    return subprocess.run(
        [sys.executable, "-m", "suture", *args], cwd=cwd, capture_output=True, text=True, timeout=120, env=env
    )


def test_publish_refuses_a_skip_in_a_test_file_with_a_non_ascii_name(tmp_path: Path) -> None:
    """The issue's case: `suture publish` committed this patch on a branch before."""
    repo = make_repo(tmp_path / "repo", {"calc.py": CALC, "tests/tést_calc.py": TEST})
    (repo / "tests/tést_calc.py").write_text(SKIPPED, encoding="utf-8")
    patch = git(repo, "diff")
    git(repo, "checkout", "-q", "--", "tests")
    proposal = {
        "branch": "suture/abc",
        "commit_message": "Fix it\n",
        "title": "Fix it",
        "body": "b",
        "fingerprint": "abc",
        "patch": patch,
        "base_sha": git(repo, "rev-parse", "HEAD").strip(),
    }
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps({"version": 1, "run_url": "", "proposal": proposal}), encoding="utf-8")

    done = suture(repo, "publish", str(path))

    assert done.returncode == 2, done.stdout + done.stderr
    assert "breaks the policy" in done.stderr and "adds pytest.skip( in tests/tést_calc.py" in done.stderr
    assert git(repo, "branch", "--list", "suture/*") == ""
