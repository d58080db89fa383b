"""Real repositories, failures as the diagnose stage records them, and applying candidates,
for the fixer tests."""

from __future__ import annotations

import dataclasses
import re
import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo

from suture.capture.run import PLUGIN_DIR
from suture.diagnose.build import from_report
from suture.records import Candidate, CheckRun, Failure, Frame
from suture.run.source import Source

# Runs a snippet the way a test would and reports what it raised exactly as suture's pytest
# plugin does: the interpreter's own last line (with its "Did you mean") and the frames.
_RAISE = """
import json, sys, types
sys.path[:0] = [{plugin!r}, ".", "src"]
# The plugin needs pytest only for its hook decorators; importing pytest would double the run.
sys.modules["pytest"] = types.SimpleNamespace(hookimpl=lambda **_: lambda hook: hook)
import _suture_pytest
del sys.modules["pytest"]
try:
    exec(compile({code!r}, "<test>", "exec"), {{"__name__": "__test__"}})
except BaseException as exc:
    event = {{"event": "exception", "id": "tests/test_x.py::test_y", "when": "call"}}
    print(json.dumps({{**_suture_pytest._describe(exc), **event}}))
"""


def commit(repo: Path, files: dict[str, str], binary: dict[str, bytes] | None = None) -> Source:
    """A git repository at `repo` whose one commit holds `files`, read through `Source`."""
    for path, content in (binary or {}).items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    make_repo(repo, files)
    return Source(repo, git(repo, "rev-parse", "HEAD").strip())


def failure(
    error_type: str,
    message: str,
    *,
    path: str = "pkg/mod.py",
    line: int = 4,
    column: int | None = None,
) -> Failure:
    """The Failure the diagnose stage builds from a pytest run that raised in `path`."""
    return Failure(
        tool="pytest",
        kind="test-failure",
        check="python -m pytest",
        error_type=error_type,
        message=message,
        test_ids=("tests/test_x.py::test_y",),
        frames=(Frame(path, line, column=column),),
        excerpt="",
        fingerprint="abc",
    )


def applied(repo: Path, candidate: Candidate, path: str = "pkg/mod.py") -> str:
    """The text of `path` once `candidate` is applied (as verification does) to a clean
    checkout of the base commit."""
    git(repo, "reset", "-q", "--hard")
    for args in (["apply", "--check"], ["apply"]):
        done = subprocess.run(["git", *args, "-"], cwd=repo, input=candidate.diff, capture_output=True, text=True)
        assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stderr}\n{candidate.diff}"
    return (repo / path).read_bytes().decode()


def python(repo: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with a real interpreter in `repo`, where `pkg` is importable."""
    return subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False)


def pytest_passes(repo: Path) -> bool:
    """Whether a real pytest run of the project's own tests passes."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0


def raised(repo: Path, code: str, *, suggestion: bool = True) -> Failure:
    """The Failure the diagnose stage records when `code`, run by a real interpreter in `repo`
    (with `.` and `src` importable), raises: no hand-typed messages.

    `suggestion=False` gives the message as pytest's console prints it on Python 3.10 and
    3.11, without the interpreter's "Did you mean" (what a CI log holds).
    """
    runner = _RAISE.format(plugin=str(PLUGIN_DIR), code=code)
    done = subprocess.run([sys.executable, "-c", runner], cwd=repo, capture_output=True, text=True, check=False)
    check = CheckRun(command="python -m pytest", exit_code=1, seconds=0.0, timed_out=False, output="")
    found = from_report(dataclasses.replace(check, report=done.stdout, root=str(repo)))
    assert len(found) == 1, f"{code!r} raised nothing:\n{done.stdout}{done.stderr}"
    if suggestion:
        return found[0]
    return dataclasses.replace(found[0], message=re.sub(r"\. Did you mean: .*\?$", "", found[0].message))
