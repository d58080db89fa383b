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
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from suture.errors import SutureError
from suture.records import TestOutcome, TestResult

MAX_BYTES = 64 * 1024 * 1024  # of the file read; a suite of 100,000 tests writes a few MiB
MAX_LINE = 1024 * 1024  # characters of one event; the plugin's longest are an exception's frames
_CHUNK = 1024 * 1024
_OUTCOMES: frozenset[str] = frozenset({"passed", "failed", "skipped", "xfailed", "xpassed"})


class ReportRefused(SutureError):
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
    when: str  # setup, call, teardown
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


Event = Collected | Result | Raised


@dataclass(frozen=True)
class Summary:
    tests: tuple[TestResult, ...]
    collected: tuple[str, ...]
    collection_errors: tuple[str, ...]  # node ids of the modules that failed to import


def load(path: Path, *, whole_lines: bool = False) -> str:
    """The event lines of the report at `path` ('' if there is none), read safely (see the module).

    With `whole_lines`, a last line without its newline is left out: the plugin may still be
    writing it. Raises ReportRefused for anything but a regular file with one name.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return ""
    except OSError as exc:  # ELOOP: the name is a symbolic link
        raise ReportRefused(f"refused to read the test report {path}: {exc.strerror or exc}") from exc
    try:
        _check_regular(os.fstat(fd), path)
        data, cut = _read_capped(fd)
    finally:
        os.close(fd)
    lines = data.split(b"\n")
    if cut or whole_lines:
        lines.pop()  # cut short by the cap, or still being written: not an event yet
    kept = [text for text in map(_decoded, lines) if text is not None and _event(_json(text)) is not None]
    return "".join(f"{text}\n" for text in kept)


def _check_regular(info: os.stat_result, path: Path) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise ReportRefused(
            f"refused to read the test report {path}: it is not a regular file (a FIFO, device or "
            "directory put there by the code under test)"
        )
    if info.st_nlink != 1:
        raise ReportRefused(
            f"refused to read the test report {path}: it has {info.st_nlink} names (a hard link the code "
            "under test made to another file)"
        )


def _read_capped(fd: int) -> tuple[bytes, bool]:
    """Up to MAX_BYTES of the file, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    while size <= MAX_BYTES:
        chunk = os.read(fd, min(_CHUNK, MAX_BYTES + 1 - size))
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:MAX_BYTES], True


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
    if kind == "collected" and isinstance(raw.get("ids"), list):
        return Collected(tuple(item for item in raw["ids"] if isinstance(item, str)))
    test_id, when = _text(raw, "id"), _text(raw, "when")
    if kind == "result" and test_id and isinstance(raw.get("outcome"), str):
        return Result(test_id, when, raw["outcome"])
    if kind in ("exception", "logged"):
        frames = raw.get("frames")
        found = tuple(_frame(f) for f in frames if isinstance(f, dict)) if isinstance(frames, list) else ()
        return Raised(test_id, when, _text(raw, "type"), _text(raw, "line"), found, logged=kind == "logged")
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
    """Each test's outcome (a failing setup or teardown makes it an error), what was collected,
    and the modules that failed to import."""
    outcomes: dict[str, TestOutcome] = {}
    collected: list[str] = []
    collection_errors: list[str] = []
    for event in found:
        if isinstance(event, Collected):
            collected.extend(event.ids)
        elif isinstance(event, Result):
            outcomes[event.test_id] = _merge(outcomes.get(event.test_id), event.when, event.outcome)
        elif not event.logged and event.when == "collect":
            collection_errors.append(event.test_id)
    tests = tuple(TestResult(test_id, outcome) for test_id, outcome in outcomes.items())
    return Summary(tests, tuple(collected), tuple(dict.fromkeys(collection_errors)))


def _merge(previous: TestOutcome | None, when: str, outcome: str) -> TestOutcome:
    """One outcome per test: a failing setup or teardown makes it an error."""
    if when != "call" and outcome == "failed":
        return "error"
    if previous == "error":
        return previous
    if outcome in _OUTCOMES:
        return outcome  # type: ignore[return-value]
    return "error"
