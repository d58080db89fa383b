"""unittest's console output (`python -m unittest [-v]`) as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

unittest prints each failing test as a section between lines of 70 `=` and `-`:

    ======================================================================
    ERROR: test_mean (tests.test_calc.TestTotal.test_mean)
    ----------------------------------------------------------------------
    Traceback (most recent call last):
      ...
    NameError: name 'reslt' is not defined

`FAIL` is a failed assertion, `ERROR` any other exception (in the test or in `setUp`). The
id in parentheses is the test's full dotted name since Python 3.11 and its class before
(the method name then comes first); a module that failed to import shows up as a test of
`unittest.loader._FailedTest` (or `ModuleImportFailure` before 3.5), which is a collection
error, as pytest calls it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.parsers.common import cap, strip_ansi
from suture.diagnose.parsers.pytest import read_traceback
from suture.records import Failure

TOOL = "unittest"
SIGN = re.compile(r"^(?:FAIL|ERROR): \S+ \([\w.]+\)$", re.MULTILINE)  # what its failing output shows
_RULE = re.compile(r"^(?:={70}|-{70})$")
_HEAD = re.compile(r"^(?P<word>FAIL|ERROR|UNEXPECTED SUCCESS): (?P<name>\S+)(?: \((?P<where>[^)]*)\))?")
_IMPORT_FAILURE = ("unittest.loader._FailedTest", "unittest.loader.ModuleImportFailure")
_SETUP = frozenset({"setUp", "tearDown", "setUpClass", "tearDownClass", "setUpModule", "tearDownModule"})


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    """The failing tests in unittest's output, in the order it printed them."""
    return [_failure(head, body, root=root, check=check) for head, body in _sections(strip_ansi(text).splitlines())]


def _sections(lines: list[str]) -> Iterator[tuple[re.Match[str], list[str]]]:
    """(the FAIL/ERROR line, the lines up to the next rule) of each section."""
    index = 0
    while index < len(lines):
        head = _HEAD.match(lines[index]) if index and _RULE.match(lines[index - 1]) else None
        index += 1
        if not head:
            continue
        if index < len(lines) and _RULE.match(lines[index]):
            index += 1
        start = index
        while index < len(lines) and not _RULE.match(lines[index]):
            index += 1
        yield head, lines[start:index]


def _failure(head: re.Match[str], body: list[str], *, root: str, check: str) -> Failure:
    name, where = head["name"], head["where"] or ""
    traceback = read_traceback("\n".join(body), root=root)
    if where.startswith(_IMPORT_FAILURE):
        kind, test_id = "collection-error", name
    else:
        test_id = where if where.endswith("." + name) else f"{where}.{name}" if where else name
        in_setup = traceback.frames and traceback.frames[-1].function in _SETUP
        kind = "test-error" if in_setup else "test-failure"
    message = traceback.message
    if head["word"] == "UNEXPECTED SUCCESS":
        message = "unexpected success"
    return Failure(
        tool=TOOL,
        kind=kind,
        check=check,
        error_type=traceback.error_type,
        message=message,
        test_ids=(test_id,),
        frames=traceback.frames,
        excerpt=cap("\n".join([head[0], *body])),
        fingerprint=failure_fingerprint(
            tool=TOOL,
            error_type=traceback.error_type or kind,
            message=message,
            location=traceback.frames[-1].path if traceback.frames else "",
            test_ids=(test_id,),
        ),
    )
