"""A pytest plugin suture loads into the project's own pytest (``-p _suture_pytest``).

Standard library only: it runs inside the project's interpreter, not suture's.

suture hands it three descriptors at fixed numbers (capture/channel.py), the same in every
run: nothing in the environment or the file system tells a capture from a verification.

* Records what pytest collected, each test's outcome and, for every exception, the
  interpreter's own rendering of it (on Python 3.10 and 3.11 only the interpreter's
  display adds "Did you mean: 'x'?", pytest's does not) with its frames, as JSON
  lines on REPORT_FD (a socket suture reads as it is written: what was sent stays
  sent); and the session's start and end with its exit status, so that a run cut
  short (``os._exit``) shows.
* Also records exceptions a failing test's code logged rather than raised (a web
  framework turns a TypeError in a view into a 500 response and a log record: the
  test then fails on an assertion, but the cause is the logged exception).
* Before it collects, reads its order on ORDER_FD (one JSON line; it waits until the
  line is whole): ``first``, the tests to run before the others (the session stops as
  soon as one of them does not pass, so that a candidate that does not fix the failure
  costs only those tests); ``changed``, the files a candidate changed while the run was
  held (suture's warm.py): if one of them was imported already (by a conftest.py), the
  run exits with STALE and suture runs the check afresh; ``abandon`` ends it the same way.
"""

from __future__ import annotations

import importlib
import io
import json
import logging
import os
import stat
import sys
import time
import traceback
import types
from typing import Any

import pytest

ORDER_FD, REPORT_FD = 197, 198  # capture/channel.py's; JUNIT_FD 199 is pytest's own --junitxml
STALE = 86  # the exit status of a held run that cannot be used: suture runs the check again
MAX_ORDER = 64 * 1024 * 1024


def _ours(fd: int, kind: Any = stat.S_ISREG) -> int | None:
    """`fd` if suture passed it (the order a regular file, the report a socket), else None: the
    plugin loaded elsewhere stays quiet."""
    try:
        if not kind(os.fstat(fd).st_mode):
            return None
        os.set_inheritable(fd, False)  # not for the processes the tests start
    except OSError:
        return None
    return fd


_REPORT = _ours(REPORT_FD, stat.S_ISSOCK)
_ORDER = _ours(ORDER_FD)
_FIRST: list[str] = []


def _order() -> dict[str, Any]:
    """suture's order for this run; waits until it is whole."""
    if _ORDER is None:
        return {}
    while True:
        size = min(os.fstat(_ORDER).st_size, MAX_ORDER)
        data = os.pread(_ORDER, size, 0) if size else b""
        if data.endswith(b"\n") or size >= MAX_ORDER:
            break
        time.sleep(0.01)
    try:
        order = json.loads(data)
    except ValueError:
        return {}
    return order if isinstance(order, dict) else {}


def _emit(record: dict[str, Any]) -> None:
    if _REPORT is None:
        return
    data = (json.dumps(record) + "\n").encode("utf-8")
    try:
        while data:
            data = data[os.write(_REPORT, data) :]
    except OSError:  # closed under us by the code under test: suture sees the report end early
        pass


MAX_TEXT = 4000  # characters of an exception's whole text: numpy's removal notes run to a paragraph


def _interpreter_text(exc: BaseException) -> tuple[str, str]:
    """The last line the interpreter itself would print for `exc`, and its text from that line on."""
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
    for index in range(len(lines) - 1, -1, -1):
        text = lines[index].lstrip(" |")
        if text.startswith(tuple(f"{name}:" for name in names)) or text in names:
            return text, "\n".join([text, *lines[index + 1 :]])[:MAX_TEXT]
    last = lines[-1] if lines else type(exc).__name__
    return last, last


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
    order = _order()
    if order.get("abandon"):
        pytest.exit("suture: not needed", returncode=STALE)
    changed = {os.path.realpath(path) for path in order.get("changed", []) if isinstance(path, str)}
    if changed:
        files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
        stale = sorted(
            name for name, path in files.items() if isinstance(path, str) and os.path.realpath(path) in changed
        )
        if stale:
            pytest.exit(f"suture: {', '.join(stale)} imported before the candidate was applied", returncode=STALE)
        importlib.invalidate_caches()  # files the candidate added
    first = order.get("first", [])
    _FIRST[:] = [node_id for node_id in first if isinstance(node_id, str)] if isinstance(first, list) else []


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
        **dict(zip(("line", "text"), _interpreter_text(exc), strict=True)),
        "frames": _frames(exc),
        "owner": _owner(exc),
    }


def _owner(exc: BaseException) -> str:
    """The module of the class whose instance an AttributeError was raised on ('' otherwise):
    `'Engine' object has no attribute 'execute'` names a class, sqlalchemy.engine.base defines it."""
    obj = getattr(exc, "obj", None) if isinstance(exc, AttributeError) else None
    if obj is None or isinstance(obj, types.ModuleType):
        return ""
    module = getattr(type(obj), "__module__", "")
    return module if isinstance(module, str) else ""


def pytest_exception_interact(node: Any, call: Any, report: Any) -> None:
    excinfo = call.excinfo
    if excinfo is None:
        return
    exc = excinfo.value
    while type(exc).__name__ == "CollectError" and exc.__cause__ is not None:
        exc = exc.__cause__  # pytest wraps SyntaxError and ImportError at import time
    try:
        root = _hidden_cause(exc, _project_roots(node))
    except Exception:  # the test's own objects, looked at: whatever they do, the test's exception stands
        root = exc
    if root is exc and type(exc).__module__ == "_pytest.outcomes":
        return  # skip(), xfail(), exit(), fail(): not errors, unless one hides an error (DID NOT WARN)
    hidden = {"hidden_by": _interpreter_text(exc)[0]} if root is not exc else {}
    _emit(
        {
            **_describe(root),
            **hidden,
            "event": "exception",
            "id": node.nodeid,
            "when": getattr(call, "when", "collect"),
        }
    )


# --- the error behind the error -------------------------------------------------------------
# A test often fails on a symptom: the project re-raised a NameError as its own error (the
# NameError its __cause__), pytest.warns or pytest.raises failed while the real error was
# propagating (its __context__), a test runner such as click's CliRunner caught the error into
# its result and the test fails on `assert result.exit_code == 0`. The first error of these
# kinds raised in the project's own code is the cause the fixers must see.

PROGRAM_ERRORS = (NameError, AttributeError, SyntaxError, ImportError, TypeError)
_FOREIGN = ("site-packages", "dist-packages")
MAX_CHAIN = 16


def _project_roots(node: Any) -> tuple[str, ...]:
    config = getattr(node, "config", None)
    found = [getattr(config, "rootpath", None), getattr(getattr(config, "invocation_params", None), "dir", None)]
    return tuple(dict.fromkeys(os.path.realpath(str(path)) + os.sep for path in found if path is not None))


def _in_project(path: str, roots: tuple[str, ...]) -> bool:
    real = os.path.realpath(path) if path and not path.startswith("<") else ""
    return bool(real) and real.startswith(roots) and not any(part in real.split(os.sep) for part in _FOREIGN)


def _raised_in_project(exc: BaseException, roots: tuple[str, ...]) -> bool:
    """Whether `exc` is a program error whose innermost frame (or, for a SyntaxError, whose file) is the project's."""
    if not isinstance(exc, PROGRAM_ERRORS):
        return False
    if isinstance(exc, SyntaxError) and exc.filename:
        return _in_project(exc.filename, roots)
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and _in_project(frames[-1].filename, roots)


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions it was raised from or during, outermost first. A context hidden
    by `raise ... from None` is followed too: pytest 9.2's raises(match=...) hides the error it
    did not match that way, and a project's own `from None` hides the bug just the same."""
    found: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(found) < MAX_CHAIN and all(current is not seen for seen in found):
        found.append(current)
        current = current.__cause__ or current.__context__
    return found


def _captured(exc: BaseException, roots: tuple[str, ...]) -> list[BaseException]:
    """Exceptions held by the project's frames the failure passed through: a test's local
    `result` whose `.exception` a test runner filled in (click's CliRunner), or an exception itself."""
    found: list[BaseException] = []
    tb = exc.__traceback__
    while tb is not None and len(found) < MAX_CHAIN:
        if _in_project(tb.tb_frame.f_code.co_filename, roots):
            for value in list(tb.tb_frame.f_locals.values()):
                held = value if isinstance(value, BaseException) else getattr_quiet(value, "exception")
                if isinstance(held, BaseException) and held is not exc:
                    found.append(held)
        tb = tb.tb_next
    return found


def getattr_quiet(value: Any, name: str) -> Any:
    """`value.name` without running a property's code (the code under test owns it)."""
    try:
        return object.__getattribute__(value, "__dict__").get(name) if not isinstance(value, type) else None
    except (AttributeError, TypeError):
        return None


def _hidden_cause(exc: BaseException, roots: tuple[str, ...]) -> BaseException:
    """The first program error raised in the project's code behind `exc`; `exc` when there is none
    or when `exc` is one itself."""
    if _raised_in_project(exc, roots):
        return exc
    chain = _chain(exc)
    held = [inner for outer in chain for caught in _captured(outer, roots) for inner in reversed(_chain(caught))]
    # The chain's first raised error first, then what the project's frames held, each innermost first.
    return next((behind for behind in [*reversed(chain[1:]), *held] if _raised_in_project(behind, roots)), exc)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    outcome: str = report.outcome
    if hasattr(report, "wasxfail"):
        outcome = "xpassed" if report.passed else "xfailed"
    # pytest 9 reports each unittest subTest (and `subtests` fixture block) under its test's
    # id: one that failed fails the test; the test's own report follows.
    when = "subtest" if type(report).__name__ == "SubtestReport" else report.when
    if (when == "call" or outcome != "passed") and not (when == "subtest" and outcome != "failed"):
        _emit({"event": "result", "id": report.nodeid, "when": when, "outcome": outcome})
        if report.nodeid in _FIRST and outcome != "passed":
            # A test this candidate had to fix still fails: the rest cannot save it.
            _SESSION.shouldstop = f"suture: {report.nodeid} still {outcome}"


_SESSION: Any = None


def pytest_sessionstart(session: pytest.Session) -> None:
    global _SESSION
    _SESSION = session
    # Whether pytest will end with its summary line ('1 failed in 0.1s'): suture wants to see it then.
    terminal = session.config.pluginmanager.get_plugin("terminalreporter")
    summary = terminal is not None and getattr(session.config.option, "verbose", 0) >= -1
    _emit({"event": "started", "summary": summary})


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> Any:
    yield  # every other plugin's and conftest.py's have run: the status is the one pytest returns
    _emit({"event": "finished", "exitstatus": int(session.exitstatus)})
