"""A pytest plugin suture loads into the project's own pytest (``-p _suture_pytest``).

Standard library only: it runs inside the project's interpreter, not suture's.

* Records what pytest collected, each test's outcome and, for every exception, the
  interpreter's own rendering of it (on Python 3.10 and 3.11 only the interpreter's
  display adds "Did you mean: 'x'?", pytest's does not) with its frames, as JSON
  lines in the file named by SUTURE_PYTEST_REPORT.
* Also records exceptions a failing test's code logged rather than raised (a web
  framework turns a TypeError in a view into a 500 response and a log record: the
  test then fails on an assertion, but the cause is the logged exception).
* Runs the tests listed in SUTURE_PYTEST_FIRST (one node id a line) before the
  others and stops the session as soon as one of them does not pass, so that a
  candidate that does not fix the failure costs only those tests.
* With SUTURE_PYTEST_HOLD (a file's path), waits before collecting until that file
  exists: pytest and its plugins start up while the candidate is still being made
  (suture's warm.py). The file says which files the candidate changed; if one of them
  was imported already (by a conftest.py), the run exits with STALE and suture runs
  the check afresh; `{"abandon": true}` ends it the same way.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import sys
import time
import traceback
from typing import Any

import pytest

_REPORT = os.environ.get("SUTURE_PYTEST_REPORT", "")
_FIRST_FILE = os.environ.get("SUTURE_PYTEST_FIRST", "")
_HOLD = os.environ.get("SUTURE_PYTEST_HOLD", "")
STALE = 86  # the exit status of a held run that cannot be used: suture runs the check again


def _first_ids() -> list[str]:
    if not _FIRST_FILE:
        return []
    with open(_FIRST_FILE, encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip()]


_FIRST = _first_ids()


def _emit(record: dict[str, Any]) -> None:
    if not _REPORT:
        return
    with open(_REPORT, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(record) + "\n")


def _interpreter_line(exc: BaseException) -> str:
    """The last line the interpreter itself would print for `exc`."""
    buffer = io.StringIO()
    saved = sys.stderr
    sys.stderr = buffer
    try:
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
    except Exception:
        buffer = io.StringIO(traceback.format_exception_only(type(exc), exc)[-1])
    finally:
        sys.stderr = saved
    lines = [line for line in buffer.getvalue().splitlines() if line.strip()]
    # A message of several lines (pytest's assertion explanations) starts at the line that
    # names the exception: that line, not the message's last, says what went wrong.
    names = (type(exc).__name__, f"{type(exc).__module__}.{type(exc).__qualname__}")
    # An exception group draws its tree in `  | ` margins.
    for line in reversed(lines):
        text = line.lstrip(" |")
        if text.startswith(tuple(f"{name}:" for name in names)) or text in names:
            return text
    return lines[-1] if lines else type(exc).__name__


def _frames(exc: BaseException) -> list[dict[str, Any]]:
    frames = [
        {"path": f.filename, "line": f.lineno, "function": f.name} for f in traceback.extract_tb(exc.__traceback__)
    ]
    if isinstance(exc, SyntaxError) and exc.filename and exc.lineno:
        # The error is in the file that failed to compile, not in the import machinery.
        frames.append({"path": exc.filename, "line": exc.lineno, "function": "", "column": exc.offset})
    return frames


@pytest.hookimpl(tryfirst=True)
def pytest_collection(session: pytest.Session) -> None:
    if not _HOLD:
        return
    while not os.path.exists(_HOLD):
        time.sleep(0.01)
    with open(_HOLD, encoding="utf-8") as handle:
        order = json.load(handle)
    if order.get("abandon"):
        pytest.exit("suture: not needed", returncode=STALE)
    changed = {os.path.realpath(path) for path in order.get("changed", [])}
    files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
    stale = sorted(name for name, path in files.items() if isinstance(path, str) and os.path.realpath(path) in changed)
    if stale:
        pytest.exit(f"suture: {', '.join(stale)} imported before the candidate was applied", returncode=STALE)
    importlib.invalidate_caches()  # files the candidate added
    _FIRST[:] = _first_ids()


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if _FIRST:
        wanted = {node_id: index for index, node_id in enumerate(_FIRST)}
        items.sort(key=lambda item: (item.nodeid not in wanted, wanted.get(item.nodeid, 0)))


def pytest_collection_finish(session: pytest.Session) -> None:
    _emit({"event": "collected", "ids": [item.nodeid for item in session.items]})


class _LoggedExceptions(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.exceptions: list[BaseException] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.exceptions.append(record.exc_info[1])


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    handler = _LoggedExceptions()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        outcome = yield
    finally:
        root.removeHandler(handler)
    if outcome.excinfo is not None:
        for exc in handler.exceptions:
            _emit({**_describe(exc), "event": "logged", "id": item.nodeid, "when": "call"})


def _describe(exc: BaseException) -> dict[str, Any]:
    return {
        "type": type(exc).__name__,
        "qualified": f"{type(exc).__module__}.{type(exc).__qualname__}",
        "line": _interpreter_line(exc),
        "frames": _frames(exc),
    }


def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    excinfo = call.excinfo
    if excinfo is None:
        return
    exc = excinfo.value
    while type(exc).__name__ == "CollectError" and exc.__cause__ is not None:
        exc = exc.__cause__  # pytest wraps SyntaxError and ImportError at import time
    if type(exc).__module__ == "_pytest.outcomes":  # skip(), xfail(), exit(): not errors
        return
    _emit(
        {
            **_describe(exc),
            "event": "exception",
            "id": node.nodeid,
            "when": getattr(call, "when", "collect"),
        }
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcome: str = report.outcome
    if hasattr(report, "wasxfail"):
        outcome = "xpassed" if report.passed else "xfailed"
    if report.when == "call" or outcome != "passed":
        _emit({"event": "result", "id": report.nodeid, "when": report.when, "outcome": outcome})
        if report.nodeid in _FIRST and outcome != "passed":
            # A test this candidate had to fix still fails: the rest cannot save it.
            _SESSION.shouldstop = f"suture: {report.nodeid} still {outcome}"


_SESSION: Any = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _SESSION
    _SESSION = session
