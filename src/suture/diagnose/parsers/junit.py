"""JUnit XML of any language's test runner as `Failure` records.

    parse(xml, root=..., check=...) -> [Failure]
    is_junit(text) -> bool

JUnit XML has no standard, only a common shape: `testsuites` > `testsuite` (nested or not)
> `testcase` (`classname`, `name`, `file`), holding a `failure` or an `error` (`type`,
`message`, the stack as text) or a `skipped`. Java's surefire, node's test runner, Go's
go-junit-report, Jest, PHPUnit and pytest all write it. One Failure per failing testcase:
the test id is `classname.name` (as JUnit's runners name a test); the error type is the
exception named in the text when there is one (a Python traceback, a JavaScript or Java
stack), else the `type` attribute; the frames are the repository's files named in the stack.

For pytest's own reports, `pytest.parse_junit` gives pytest node ids; this reader is for
the rest.
"""

from __future__ import annotations

import re
from xml.etree import ElementTree

from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.parsers.common import cap
from suture.diagnose.parsers.pytest import read_traceback, repo_path
from suture.records import Failure, Frame

TOOL = "junit"
_START = re.compile(r"^\ufeff?\s*(?:<\?xml[^>]*\?>\s*)?(?:<!--.*?-->\s*)*<testsuites?\b", re.DOTALL)
# `at fn (/repo/src/a.js:5:32)`, `at /repo/src/a.js:5:32`, `at com.x.Cart.total(Cart.java:12)`
_JS_FRAME = re.compile(
    r"^\s*at (?:(?P<func>[^\s(]+(?: \[as \w+\])?) \()?(?P<path>[^\s()]+?):(?P<line>\d+)(?::(?P<column>\d+))?\)?$"
)
_EXCEPTION = re.compile(
    r"^\s*(?:cause: )?(?P<type>(?:[\w$]+\.)*[A-Z][\w$]*(?:Error|Exception|Failure|Failed))(?: \[[\w]+\])?: "
    r"(?P<message>.+)$"
)


def is_junit(text: str) -> bool:
    """Whether `text` is a JUnit XML report (not a log that mentions one)."""
    return bool(_START.match(text[:4096]))


def parse(xml: str, *, root: str, check: str) -> list[Failure]:
    """The failing testcases of a JUnit XML report; ValueError when it is not one."""
    try:
        element = ElementTree.fromstring(xml.lstrip("\ufeff"))
    except ElementTree.ParseError as exc:
        raise ValueError(f"not valid JUnit XML: {exc}") from exc
    if element.tag not in ("testsuites", "testsuite"):
        raise ValueError(f"not valid JUnit XML: the root element is <{element.tag}>")
    found = []
    for case in element.iter("testcase"):
        for problem in (child for child in case if child.tag in ("failure", "error")):
            found.append(_failure(case, problem, root=root, check=check))
    return found


def _failure(case: ElementTree.Element, problem: ElementTree.Element, *, root: str, check: str) -> Failure:
    classname, name = case.get("classname", ""), case.get("name", "")
    test_id = f"{classname}.{name}" if classname and name else classname or name
    text = problem.text or ""
    error_type, message, frames = _what(text, problem, root)
    kind = "test-failure" if problem.tag == "failure" else "test-error"
    return Failure(
        tool=TOOL,
        kind=kind,
        check=check,
        error_type=error_type,
        message=message,
        test_ids=(test_id,),
        frames=frames,
        excerpt=cap(text.strip() or problem.get("message", "")),
        fingerprint=failure_fingerprint(
            tool=TOOL,
            error_type=error_type or kind,
            message=message,
            location=frames[-1].path if frames else "",
            test_ids=(test_id,),
        ),
    )


def _what(text: str, problem: ElementTree.Element, root: str) -> tuple[str, str, tuple[Frame, ...]]:
    """(error type, message, repo frames) from a failure's text and attributes."""
    attribute = (problem.get("message") or "").strip().splitlines()
    if "Traceback (most recent call last)" in text or re.search(r"^E   ", text, re.MULTILINE):
        traceback = read_traceback(text, root=root)
        if traceback.error_type:
            return traceback.error_type, traceback.message, traceback.frames
    exceptions = [m for line in text.splitlines() if (m := _EXCEPTION.match(line))]
    # The innermost cause (node's `cause:`, Java's `Caused by:`) is the real error: the last one.
    error_type = exceptions[-1]["type"] if exceptions else problem.get("type", "")
    message = exceptions[-1]["message"].strip() if exceptions else (attribute[0] if attribute else "")
    return error_type, message, _stack_frames(text, root)


def _stack_frames(text: str, root: str) -> tuple[Frame, ...]:
    """The repository's frames of a JavaScript-style stack, outermost first."""
    frames = []
    for line in text.splitlines():
        match = _JS_FRAME.match(line)
        if not match or ":" in match["path"].lstrip("/").split("/", 1)[0][2:]:
            continue  # node:internal/..., file:///... are not the repository's
        path = repo_path(match["path"], root) if match["path"].startswith("/") else None
        if path:
            column = match["column"]
            frames.append(Frame(path, int(match["line"]), match["func"] or "", int(column) if column else None))
    # A stack lists the innermost frame first; Failure frames go outermost first.
    return tuple(reversed(frames))
