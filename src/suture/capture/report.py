"""The one reader of the report suture's pytest plugin writes (`pytest_plugin/_suture_pytest.py`).

    load(path, *, whole_lines=False) -> str    the file's usable lines: read safely, capped
    events(text) -> (Event, ...)               those lines as typed records
    summary(events) -> Summary                 each test's outcome, the collected ids, the collection errors

The file is written by code the repository controls: the plugin runs inside the project's
own pytest, beside its tests and conftest.py, which can write anything there. So the file is
opened without following a link and read only if it is a regular file with one name (not a
FIFO that would hang the read, not a link or a hard link to ~/.netrc); at most `MAX_BYTES` of
it are read, a line over `MAX_LINE` is passed over, and a line that is not JSON, is nested
too deep, or lacks the keys an event has, is not an event. Only the lines that are events
are kept: the text stored in a `CheckRun` holds nothing else of the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from suture.records import TestOutcome, TestResult
from suture.run import readback

MAX_BYTES = 64 * 1024 * 1024  # of the file read; a suite of 100,000 tests writes a few MiB
MAX_LINE = 1024 * 1024  # characters of one event; the plugin's longest are an exception's frames
_OUTCOMES: frozenset[str] = frozenset({"passed", "failed", "skipped", "xfailed", "xpassed"})


class ReportRefused(readback.Refused):
    """The report file is not one the plugin wrote: a link, a FIFO, a device, a directory."""


@dataclass(frozen=True)
class Frame:
    """A frame of an exception, as the plugin saw it: any file, the repository's or not."""

    path: str
    line: int
    function: str
    column: int | None = None


@dataclass(frozen=True)
class Collected:
    ids: tuple[str, ...]


@dataclass(frozen=True)
class Result:
    test_id: str
    when: str  # setup, call, teardown; subtest: a failed subtest of the test (pytest 9)
    outcome: str  # pytest's word: passed, failed, skipped, xfailed, xpassed


@dataclass(frozen=True)
class Raised:
    """An exception a test (or the collection of a module) raised, or one its code logged."""

    test_id: str  # the test's node id, or the module's path when it failed to import
    when: str  # collect, setup, call, teardown
    type: str  # the exception's class name
    line: str  # the interpreter's last line for it: 'NameError: name ...'
    frames: tuple[Frame, ...]
    logged: bool = False  # logged by the test's code rather than raised
    text: str = ""  # the interpreter's text from `line` on, when the message spans lines
    owner: str = ""  # an AttributeError's object: the module of its class


@dataclass(frozen=True)
class Session:
    """The session's start (`exitstatus` None) or its end, with the status pytest returns."""

    exitstatus: int | None = None
    summary: bool = False  # at the start: pytest will print its summary line


Event = Collected | Result | Raised | Session


@dataclass(frozen=True)
class Summary:
    tests: tuple[TestResult, ...]
    collected: tuple[str, ...]
    collection_errors: tuple[str, ...]  # node ids of the modules that failed to import
    started: bool = False  # the plugin saw the session start
    exitstatus: int | None = None  # the status pytest returned at the session's end; None: no end seen
    repeated: tuple[str, ...] = ()  # test ids whose outcome for one phase came more than once
    summary_line: bool = False  # pytest said, as the session started, that it would print its summary line


def load(path: Path, *, whole_lines: bool = False) -> str:
    """The event lines of the report at `path` ('' if there is none), read safely (see the module).

    With `whole_lines`, a last line without its newline is left out: the plugin may still be
    writing it. Raises ReportRefused for anything but a regular file with one name.
    """
    try:
        data, cut = readback.read_cut(path, cap=MAX_BYTES, what="test report")
    except readback.Refused as exc:
        raise ReportRefused(str(exc)) from exc
    return kept_lines(data or b"", cut=cut or whole_lines)


def kept_lines(data: bytes, *, cut: bool) -> str:
    """The lines of `data` that are events; with `cut`, the last line (cut short, or still being written) is not."""
    lines = data.split(b"\n")
    if cut:
        lines.pop()
    kept = [text for text in map(_decoded, lines) if text is not None and _event(_json(text)) is not None]
    return "".join(f"{text}\n" for text in kept)


def _decoded(line: bytes) -> str | None:
    if len(line) > MAX_LINE or not line.strip():
        return None
    return line.decode("utf-8", errors="replace").rstrip("\r")


def events(text: str) -> tuple[Event, ...]:
    """The events in a report's text; lines that are not events (cut short by a killed run,
    written by the code under test) are passed over."""
    found = (_event(_json(line)) for line in text.splitlines() if len(line) <= MAX_LINE)
    return tuple(event for event in found if event is not None)


def _json(line: str) -> object:
    try:
        return json.loads(line)
    except (ValueError, RecursionError):  # not JSON, a number too long for int(), nested too deep
        return None


def _event(raw: object) -> Event | None:
    if not isinstance(raw, dict):
        return None
    kind = raw.get("event")
    if kind == "started":
        return Session(summary=raw.get("summary") is True)
    if kind == "finished":
        return Session(_number(raw, "exitstatus"))
    if kind == "collected" and isinstance(raw.get("ids"), list):
        return Collected(tuple(item for item in raw["ids"] if isinstance(item, str)))
    test_id, when = _text(raw, "id"), _text(raw, "when")
    if kind == "result" and test_id and isinstance(raw.get("outcome"), str):
        return Result(test_id, when, raw["outcome"])
    if kind in ("exception", "logged"):
        frames = raw.get("frames")
        found = tuple(_frame(f) for f in frames if isinstance(f, dict)) if isinstance(frames, list) else ()
        line = _text(raw, "line")
        text = _text(raw, "text")
        owner = _text(raw, "owner")[:200]
        return Raised(test_id, when, _text(raw, "type"), line, found, kind == "logged", text[:8000], owner)
    return None


def _frame(raw: Mapping[str, object]) -> Frame:
    return Frame(_text(raw, "path"), _number(raw, "line") or 0, _text(raw, "function"), _number(raw, "column"))


def _text(raw: Mapping[str, object], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _number(raw: Mapping[str, object], key: str) -> int | None:
    value = raw.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def summary(found: Iterable[Event]) -> Summary:
    """Each test's outcome (a failing setup or teardown makes it an error; a failure is never
    undone by a later line), what was collected, the modules that failed to import, and whether
    the session started and ended."""
    outcomes: dict[str, TestOutcome] = {}
    collected: list[str] = []
    collection_errors: list[str] = []
    seen: set[tuple[str, str]] = set()
    repeated: list[str] = []
    started, exitstatus, summary_line = False, None, False
    for event in found:
        if isinstance(event, Session):
            started = started or event.exitstatus is None
            summary_line = summary_line or event.summary
            exitstatus = event.exitstatus if event.exitstatus is not None else exitstatus
        elif isinstance(event, Collected):
            collected.extend(event.ids)
        elif isinstance(event, Result):
            if event.outcome == "rerun":  # pytest-rerunfailures: an attempt, not the outcome
                continue
            if event.when == "subtest":  # one of a test's subtests failed (pytest 9): the test fails
                outcomes[event.test_id] = "error" if outcomes.get(event.test_id) == "error" else "failed"
                continue
            if (event.test_id, event.when) in seen:
                repeated.append(event.test_id)
            seen.add((event.test_id, event.when))
            outcomes[event.test_id] = _merge(outcomes.get(event.test_id), event.when, event.outcome)
        elif not event.logged and event.when == "collect":
            collection_errors.append(event.test_id)
    tests = tuple(TestResult(test_id, outcome) for test_id, outcome in outcomes.items())
    errors = tuple(dict.fromkeys(collection_errors))
    repeats = tuple(dict.fromkeys(repeated))
    return Summary(tests, tuple(collected), errors, started, exitstatus, repeats, summary_line)


def _merge(previous: TestOutcome | None, when: str, outcome: str) -> TestOutcome:
    """One outcome per test: a failing setup or teardown makes it an error."""
    if when != "call" and outcome == "failed":
        return "error"
    if previous in ("error", "failed"):
        return previous
    if outcome in _OUTCOMES:
        return outcome  # type: ignore[return-value]
    return "error"
