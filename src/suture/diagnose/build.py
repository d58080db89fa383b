"""Distil and triage: turn a `Build`'s failing checks into a `Diagnosis`.

The best evidence comes first: for pytest runs, the exceptions suture's plugin
recorded (exact ids, the interpreter's own message with its "Did you mean"); else
pytest's JUnit XML; else pytest's console output; else, for any other check, the
command and the tail of its output.

The failures are then grouped by root cause and classified by `triage`, and everything
the diagnosis carries as text (messages, excerpts) is redacted (`redact.Redactor`: token
shapes, secret-looking assignments, the values of the secret-named environment variables
the caller hands over) and stripped of zero-width and bidi characters. Test ids and paths
are kept as they are: verification reruns the tests by id, and they come from the
repository's code, not from what a run printed.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterable
from pathlib import PurePosixPath

from suture.capture import report
from suture.diagnose import triage
from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.logtext import normalise, strip_invisible
from suture.diagnose.parsers import pytest as pytest_parser
from suture.diagnose.parsers import traceback as traceback_parser
from suture.records import Build, CheckRun, Diagnosis, Failure, Frame
from suture.redact import Redactor
from suture.run import tools

EXCERPT_CHARS = 4000


def diagnose(build: Build, *, redactor: Redactor | None = None) -> Diagnosis:
    """The build's failures, grouped by root cause, classified and redacted."""
    redactor = redactor or Redactor()
    found = (f for check in build.failed_checks for f in failures_of(check))
    return triage.triage(redacted(f, redactor) for f in found)


def redacted(failure: Failure, redactor: Redactor) -> Failure:
    """`failure` with its printed text redacted and its invisible characters stripped."""
    return dataclasses.replace(
        failure,
        message=strip_invisible(redactor.redact(failure.message)),
        detail=strip_invisible(redactor.redact(failure.detail)),
        # Each line as a person reads it: colours, redraws and invisible characters gone.
        excerpt=redactor.redact("\n".join(map(normalise, failure.excerpt.split("\n")))),
    )


def failures_of(check: CheckRun) -> list[Failure]:
    if check.timed_out:
        return [_whole_check(check, kind="timeout", message=f"timed out after {check.seconds:.0f}s")]
    found = from_report(check)
    if not found and check.junit:
        try:
            found = pytest_parser.parse_junit(check.junit, root=check.root, check=check.command)[1]
        except ValueError:
            found = []
    if not found and _is_pytest(check.command):
        found = pytest_parser.parse_output(check.output, root=check.root, check=check.command)
        # pytest itself may fail before any test: a plugin it loads imports the project, broken
        # (anyio's plugin imports trio, which imports idna): a plain traceback, nothing of pytest's.
        found = found or traceback_parser.parse(check.output, root=check.root, check=check.command)
    return found or [_whole_check(check, kind="check-failed", message=f"exited with code {check.exit_code}")]


def from_report(check: CheckRun) -> list[Failure]:
    """Failures from the exceptions suture's pytest plugin saw.

    When a failing test's code logged an exception raised in the repository (a web
    app's 500), that exception is the cause and the test's own error the symptom.
    """
    logged: dict[str, report.Raised] = {}
    found = []
    for event in report.events(check.report):
        if not isinstance(event, report.Raised):
            continue
        if event.logged and local_frames(event.frames, root=check.root):
            logged[event.test_id] = event
        elif not event.logged:
            found.append(_from_event(check, logged.get(event.test_id, event), event.test_id, event.when))
    return found


def _from_event(check: CheckRun, event: report.Raised, node_id: str, when: str) -> Failure:
    error_type, message = _split_line(event.line, event.type)
    frames = local_frames(event.frames, root=check.root)
    kind = {"collect": "collection-error", "call": "test-failure"}.get(when, "test-error")
    found = _failure(
        check,
        kind=kind,
        error_type=error_type,
        message=message,
        test_ids=() if kind == "collection-error" else (node_id,),
        frames=frames,
        excerpt=_excerpt_for(check.output, node_id, message),
        location=frames[-1].path if frames else node_id.split("::")[0],
    )
    # What raised outside the repository stays known: an installed package's frame is where an
    # upstream breakage shows (diagnose/upstream.py), and its whole message may name the fix.
    return dataclasses.replace(
        found,
        outside=outside_frames(event.frames, root=check.root),
        detail=event.text if "\n" in event.text else "",
        owner=next((o for o in (event.owner, _category(event)) if re.fullmatch(r"[A-Za-z_][\w.]{0,199}", o)), ""),
    )


def _category(event: report.Raised) -> str:
    """The module of a warning's class, when the interpreter's line names it (`pydantic.warnings.
    PydanticDeprecatedSince20: ...`): the package that deprecated what the project called, whichever
    helper issued it (typing_extensions' @deprecated)."""
    found = re.match(rf"(?P<module>[A-Za-z_][\w.]*)\.{re.escape(event.type)}:", event.line) if event.type else None
    return found["module"] if found and ("Warning" in event.type or "Deprecat" in event.type) else ""


def _split_line(line: str, type_name: str) -> tuple[str, str]:
    """'NameError: name ...' -> ('NameError', 'name ...'); qualified names keep their module."""
    head, sep, rest = line.partition(": ")
    if sep and (head == type_name or head.endswith("." + type_name)):
        return type_name if "." not in head or head.startswith("builtins.") else head, rest
    return type_name, line if line != type_name else ""


def local_frames(raw: Iterable[report.Frame], *, root: str) -> tuple[Frame, ...]:
    """The frames of the plugin's report that lie in the repository, their paths relative to it."""
    frames = []
    for frame in raw:
        path = repo_relative(frame.path, root)
        if path is not None:
            frames.append(Frame(path=path, line=frame.line, function=frame.function, column=frame.column))
    return tuple(frames)


def outside_frames(raw: Iterable[report.Frame], *, root: str) -> tuple[Frame, ...]:
    """The frames after the last one in the repository, with their absolute paths: what the
    project's code called that raised (an installed package, the standard library)."""
    frames = list(raw)
    local = [index for index, frame in enumerate(frames) if repo_relative(frame.path, root) is not None]
    after = frames[local[-1] + 1 :] if local else frames
    return tuple(Frame(path=f.path, line=f.line, function=f.function) for f in after if os.path.isabs(f.path))


_FOREIGN = {"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox"}


def repo_relative(path: str, root: str) -> str | None:
    """`path` relative to the repository root, or None if it lies outside (stdlib, packages)."""
    if not path or path.startswith("<"):
        return None
    if os.path.isabs(path):
        if not root:
            return None
        try:
            path = os.path.relpath(os.path.realpath(path), os.path.realpath(root))
        except ValueError:
            return None
    posix = PurePosixPath(path.replace(os.sep, "/"))
    if posix.parts[:1] == ("..",) or _FOREIGN.intersection(posix.parts):
        return None
    return posix.as_posix()


def _excerpt_for(output: str, node_id: str, message: str) -> str:
    """The part of the console output about this failure: its section, bounded."""
    name = node_id.split("::")[-1]
    sections = re.split(r"\n(?=_{3,} .* _{3,}\n)", output)
    for section in sections:
        header = section.lstrip("\n").split("\n", 1)[0]
        if (name and name in header) or (message and message in section and "_" * 3 in header):
            return section.strip()[-EXCERPT_CHARS:]
    return output.strip()[-EXCERPT_CHARS:]


def _whole_check(check: CheckRun, *, kind: str, message: str) -> Failure:
    return _failure(
        check,
        kind=kind,
        error_type="",
        message=message,
        test_ids=(),
        frames=(),
        excerpt=check.output.strip()[-EXCERPT_CHARS:],
        location="",
    )


def _failure(
    check: CheckRun,
    *,
    kind: str,
    error_type: str,
    message: str,
    test_ids: tuple[str, ...],
    frames: tuple[Frame, ...],
    excerpt: str,
    location: str,
) -> Failure:
    tool = tools.name_of(check.command)
    return Failure(
        tool=tool,
        kind=kind,
        check=check.command,
        error_type=error_type,
        message=message,
        test_ids=test_ids,
        frames=frames,
        excerpt=excerpt,
        fingerprint=failure_fingerprint(
            tool=tool,
            error_type=error_type or kind,
            message=message,
            location=location,
            test_ids=test_ids,
        ),
    )


def _is_pytest(command: str) -> bool:
    return tools.name_of(command) == "pytest"
