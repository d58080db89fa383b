"""The terminal rendering prints what the records say, verbatim: text from a log is not markup."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from suture.cli import render
from suture.loop.heal import Outcome, Status
from suture.records import Candidate, CheckRun, Diagnosis, Failure, Frame, Verdict

# Parametrised test ids and rich's own markup syntax, as a failing run can print them.
HOSTILE = "tests/test_calc.py::test_add[a-1] failed; [bold red]not markup[/] and [link=http://x]y[/link]"
COMMAND = "python -m pytest -k 'test_add[a-1]'"


def _printed(result: Outcome) -> str:
    out = io.StringIO()
    render.outcome(Console(file=out, width=400, color_system=None), result)
    return out.getvalue()


def _check(exit_code: int) -> CheckRun:
    return CheckRun(command=COMMAND, exit_code=exit_code, seconds=0.5, timed_out=False, output="")


def _diagnosis() -> Diagnosis:
    failure = Failure(
        tool="pytest",
        kind="test-failure",
        check=COMMAND,
        error_type="AssertionError",
        message="[red]3 != 4[/red]",
        test_ids=("tests/test_calc.py::test_add[a-1]",),
        frames=(Frame("src/calc.py", 3, "add"),),
        excerpt="",
        fingerprint="abc123",
    )
    return Diagnosis(classification="code", failures=(failure,), suspects=(), fingerprint="abc123")


@pytest.mark.parametrize("status", ["unfixed", "not-reproduced"])
def test_the_reason_is_printed_as_it_is(status: Status) -> None:
    printed = _printed(Outcome(status, HOSTILE, "/repo"))

    assert f"{status}: {HOSTILE}" in printed


def test_test_ids_messages_and_commands_keep_their_brackets() -> None:
    candidate = Candidate(origin="rename", diff="", rationale="[b]rename[/b] at src/calc.py:3", fingerprint="abc123")
    winner = Verdict(
        candidate=candidate,
        passed=True,
        reason="verified",
        before=(_check(1),),
        after=(_check(0),),
        tests_before=1,
        tests_after=1,
        seconds=1.0,
    )
    printed = _printed(Outcome("fixed", "verified", "/repo", diagnosis=_diagnosis(), winner=winner))

    assert "tests/test_calc.py::test_add[a-1]" in printed
    assert "AssertionError: [red]3 != 4[/red]" in printed
    assert "[b]rename[/b] at src/calc.py:3" in printed
    assert COMMAND in printed  # the verification table's row
