"""`suture demo`: the first thing a newcomer runs; it must heal offline and say what it did."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from helpers import git


def test_demo_heals_the_classic_bug(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "demo"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for expected in (
        "Diagnosis",
        'TypeError: can only concatenate str (not "int") to str',
        '-    return "The result is: " + result',
        '+    return f"The result is: {result}"',
        "Verification",
        "fail (exit 1): 1 failed, 1 passed",
        "pass: 2 passed",
    ):
        assert expected in out, expected
    branch = re.search(r"branch (suture/[0-9a-f]{12})", out)
    kept = re.search(r"the demo project is kept in (\S+)", out)
    assert branch and kept
    project = Path(kept.group(1))
    assert 'f"The result is: {result}"' in git(project, "show", f"{branch.group(1)}:calc.py")
    # The demo's own checkout still has the bug: the fix is only on the branch.
    assert '"The result is: " + result' in (project / "calc.py").read_text()


def test_demo_json_and_clean(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "demo", "--json", "--clean"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.splitlines()[-1])
    assert result["status"] == "fixed" and result["fixer"] == "concat"
    assert result["project"] is None
    assert not Path(result["repo"]).exists()
