"""Verdicts the code under test cannot write (docs/security.md, "forged verdicts").

1. Capture, verification and a held (warm) run look the same to repository code: a conftest.py
   records its environment, the files it can see and its descriptors in each, and the records
   are equal once the worktree's and temp dirs' random names are taken out.
2. A run whose exit status, suture's report and pytest's summary line disagree does not pass:
   a conftest.py that forces exit status 0, `os._exit(0)`s, closes, truncates and rewrites the
   report's descriptor, or opens it again through /proc to take events back, is caught, with a
   reason (the report is a socket suture reads as it comes); honest runs are untouched.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from helpers import git, make_repo
from sandbox_helpers import require_bubblewrap

from suture.capture import agreement
from suture.capture.channel import REPORT_FD
from suture.capture.run import DOUBTED, capture, run_check
from suture.records import Candidate
from suture.run.git import worktree
from suture.run.sandbox import Bubblewrap, Unsandboxed
from suture.verify.trial import trial
from suture.verify.warm import Warm

PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"

RECORDER = r"""
import hashlib, json, os, re

TREE = os.getcwd()


def _norm(text):
    text = text.replace(TREE, "TREE")
    text = re.sub(r"suture-(box|wt|check)-[^/:\s]+", r"suture-\1-X", text)
    text = re.sub(r"#\d+ \(deleted\)", "#N (deleted)", text)
    return re.sub(r"(pipe|socket|anon_inode):\[\d+\]", r"\1:[N]", text)


def _seen(root):
    # every path under root, compared by digest: a listing of thousands of files (an interpreter
    # installed under /tmp) would not fit in the output suture keeps
    found = []
    for here, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [_norm(os.path.join(here, name)) for name in dirs + files]
    listing = "\n".join(sorted(found))
    return {"paths": len(found), "sha256": hashlib.sha256(listing.encode()).hexdigest(), "first": sorted(found)[:50]}


def _descriptors():
    found = {}
    for name in os.listdir("/proc/self/fd"):
        try:
            found[name] = _norm(os.readlink(f"/proc/self/fd/{name}"))
        except OSError:
            pass
    found.pop(max(found, key=int), None)  # listdir's own
    return found


RECORD = {
    "env": {name: _norm(value) for name, value in sorted(os.environ.items())},
    "tmp": _seen("/tmp"),
    "tree": _seen(TREE),
    "fds": _descriptors(),
}


def pytest_terminal_summary(terminalreporter):
    terminalreporter.write_line("PHASE-RECORD " + json.dumps(RECORD, sort_keys=True))
"""

PROJECT = {
    "calc.py": "def add(a, b):\n    return a + c\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "conftest.py": RECORDER,
}
FIX = Candidate(
    origin="test",
    diff=(
        "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n"
        " def add(a, b):\n-    return a + c\n+    return a + b\n"
    ),
    rationale="c is b",
    fingerprint="0" * 12,
)
FAILING = ("tests/test_calc.py::test_add",)


def record(output: str) -> dict[str, Any]:
    [line] = [line for line in output.splitlines() if line.startswith("PHASE-RECORD ")]
    found: dict[str, Any] = json.loads(line.removeprefix("PHASE-RECORD "))
    return found


def test_capture_verification_and_a_held_run_look_the_same_to_the_code_under_test(tmp_path: Path) -> None:
    require_bubblewrap()
    repo = make_repo(tmp_path / "repo", PROJECT)
    sha = git(repo, "rev-parse", "HEAD").strip()
    box = Bubblewrap()

    [captured] = capture(repo, sha, [PYTEST], sandbox=box, timeout=120).checks
    verified = trial(repo, sha, FIX, [PYTEST], first=FAILING, sandbox=box, timeout=120)
    warm = Warm(repo, sha, PYTEST, sandbox=box, timeout=120, files=tmp_path / "warm", checks=1)
    live = threading.Thread(target=warm.live)
    live.start()
    held = trial(repo, sha, FIX, [PYTEST], first=FAILING, sandbox=box, timeout=120, warm=warm)
    warm.done()
    live.join()

    assert not captured.passed and verified.after[0].passed and held.after[0].passed
    assert "started while capture ran" not in held.after[0].output  # the record came from the held run
    phases = [record(captured.output), record(verified.after[0].output), record(held.after[0].output)]
    assert phases[0]["env"] == phases[1]["env"] == phases[2]["env"]
    assert phases[0]["tmp"] == phases[1]["tmp"] == phases[2]["tmp"]
    assert phases[0]["tree"] == phases[1]["tree"] == phases[2]["tree"]
    assert phases[0]["fds"] == phases[1]["fds"] == phases[2]["fds"]
    assert not any("SUTURE" in name for name in phases[0]["env"])


# --- the witnesses of one run -------------------------------------------------------------

FAILING_TEST = {"tests/test_calc.py": "def test_add():\n    assert 1 + 1 == 3\n"}
FORGERS = {
    "exit-status-forced-to-0": (
        "def pytest_sessionfinish(session, exitstatus):\n    session.exitstatus = 0\n",
        "the report says tests/test_calc.py::test_add failed",
    ),
    "os-exit-at-the-end": (
        "import os\n\n\ndef pytest_sessionfinish(session, exitstatus):\n    os._exit(0)\n",
        "never ended",
    ),
    "os-exit-at-import": ("import os\nos._exit(0)\n", "reported nothing"),
    "report-descriptor-closed": (
        f"import os\ntry:\n    os.close({REPORT_FD})\nexcept OSError:\n    pass\n\n\n"
        "def pytest_sessionfinish(session, exitstatus):\n    session.exitstatus = 0\n",
        "reported nothing",
    ),
    "report-rewritten-and-status-forced": (
        "import json, os\n\n\n"
        "def pytest_sessionfinish(session, exitstatus):\n"
        "    session.exitstatus = 0\n"
        f"    try:\n        os.ftruncate({REPORT_FD}, 0)\n        os.lseek({REPORT_FD}, 0, 0)\n"
        "    except OSError:\n        pass\n"
        "    node = 'tests/test_calc.py::test_add'\n"
        "    lines = [{'event': 'started'}, {'event': 'collected', 'ids': [node]}]\n"
        "    phases = ('setup', 'call', 'teardown')\n"
        "    lines += [{'event': 'result', 'id': node, 'when': w, 'outcome': 'passed'} for w in phases]\n"
        "    lines += [{'event': 'finished', 'exitstatus': 0}]\n"
        f"    try:\n        os.write({REPORT_FD}, ''.join(json.dumps(line) + '\\n' for line in lines).encode())\n"
        "    except OSError:\n        pass\n"
        "    os._exit(0)\n",
        "the report says tests/test_calc.py::test_add failed",  # what suture read first stays read
    ),
    "report-taken-back-through-proc": (  # a pipe's other end opens again, for reading: a socket's does not
        "import json, os, sys\n\n\n"
        "def pytest_sessionfinish(session, exitstatus):\n"
        "    try:\n"
        f"        taken = os.open('/proc/self/fd/{REPORT_FD}', os.O_RDONLY | os.O_NONBLOCK)\n"
        "        while os.read(taken, 65536):\n"
        "            pass\n"
        "    except OSError:\n"
        "        pass\n"
        "    node = 'tests/test_calc.py::test_add'\n"
        "    lines = [{'event': 'started', 'summary': True}, {'event': 'collected', 'ids': [node]}]\n"
        "    lines += [{'event': 'result', 'id': node, 'when': 'call', 'outcome': 'passed'}]\n"
        "    lines += [{'event': 'finished', 'exitstatus': 0}]\n"
        f"    try:\n        os.write({REPORT_FD}, ''.join(json.dumps(line) + '\\n' for line in lines).encode())\n"
        "    except OSError:\n        pass\n"
        "    sys.stdout.write('1 passed in 0.01s\\n')\n"
        "    sys.stdout.flush()\n"
        "    os._exit(0)\n",
        "the report says tests/test_calc.py::test_add failed",
    ),
    "passing-results-appended": (
        "import json, os\n\n\n"
        "def pytest_sessionfinish(session, exitstatus):\n"
        "    session.exitstatus = 0\n"
        "    node = 'tests/test_calc.py::test_add'\n"
        "    line = {'event': 'result', 'id': node, 'when': 'call', 'outcome': 'passed'}\n"
        f"    try:\n        os.write({REPORT_FD}, (json.dumps(line) + '\\n').encode())\n"
        "    except OSError:\n        pass\n",
        "",
    ),
}


@pytest.mark.parametrize("name", sorted(FORGERS))
def test_a_forged_exit_status_or_report_does_not_pass(tmp_path: Path, name: str) -> None:
    conftest, reason = FORGERS[name]
    repo = make_repo(tmp_path / "repo", {**FAILING_TEST, "conftest.py": conftest})
    sha = git(repo, "rev-parse", "HEAD").strip()
    with worktree(repo, sha) as tree:
        raw = subprocess.run(PYTEST, shell=True, cwd=tree, capture_output=True, check=False)
        check = run_check(tree, PYTEST, sandbox=Unsandboxed(), timeout=120, first=FAILING)

    assert raw.returncode == 0, raw.stdout  # the control: the exit status alone says passed
    assert not check.passed and check.exit_code == DOUBTED, check.output
    doubt = agreement.doubt_of(check.output)
    assert doubt and reason in doubt, check.output


@pytest.mark.parametrize(
    ("files", "command", "code"),
    [
        ({"tests/test_ok.py": "def test_ok():\n    pass\n"}, PYTEST, 0),
        (FAILING_TEST, PYTEST, 1),
        ({"tests/test_ok.py": "def test_ok():\n    pass\n"}, f"{PYTEST} -k nothing_matches", 5),
        ({"README": "x\n"}, "true", 0),
    ],
    ids=["passing", "failing", "none-collected", "not-pytest"],
)
def test_honest_runs_keep_their_exit_status(tmp_path: Path, files: dict[str, str], command: str, code: int) -> None:
    repo = make_repo(tmp_path / "repo", files)
    sha = git(repo, "rev-parse", "HEAD").strip()
    with worktree(repo, sha) as tree:
        check = run_check(tree, command, sandbox=Unsandboxed(), timeout=120)
    assert check.exit_code == code, check.output
    assert agreement.NOTE not in check.output


def test_a_summary_line_counting_more_tests_than_the_report_collected_is_a_disagreement() -> None:
    from suture.capture.report import Summary
    from suture.records import TestResult

    found = Summary((TestResult("t::a", "passed"),), ("t::a",), (), True, 0)
    assert agreement.disagreement("pytest", 0, "\x1b[32m3 passed\x1b[0m in 0.01s\n", found).startswith(
        "pytest's summary line counts 3 tests"
    )
    assert agreement.disagreement("pytest", 0, "==== 1 passed, 2 deselected in 0.01s ====\n", found) == ""
    assert agreement.disagreement("pytest", 0, "==== 1 failed in 0.01s ====\n", found) != ""
