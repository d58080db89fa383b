"""mypy's output as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

`path:line[:col]: error: message  [code]`: one Failure per error (kind "type-error", the
error code as error type; "syntax" for a file mypy cannot parse). The notes that follow an
error (`note: ...` at the same place, or `--pretty`'s source and caret lines) belong to
its excerpt; `--pretty` also wraps a long message over the next lines, which are joined.
"""

from __future__ import annotations

import re

from suture.diagnose.parsers.common import POSITION, diagnostic, integer, strip_ansi
from suture.records import Failure

TOOL = "mypy"
SIGN = re.compile(  # what its failing output shows, for a log whose command says nothing
    r"^\S+?:\d+(?::\d+)?: error: .*\[[\w-]+\]$|^Found \d+ errors? in \d+ files? \(", re.MULTILINE
)
_SEVERITY = re.compile(r"^(?P<severity>error|note|warning): (?P<message>.*)$")
_CODE = re.compile(r"\s+\[(?P<code>[\w-]+)\]$")
_SUMMARY = re.compile(r"^(?:Found \d+ errors? in|Success: no issues)")


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    lines = strip_ansi(text).splitlines()
    found = []
    for index, line in enumerate(lines):
        position = POSITION.match(line)
        severity = _SEVERITY.match(position["rest"]) if position else None
        if not (position and severity and severity["severity"] == "error"):
            continue
        message, following = _message(severity["message"], lines, index + 1)
        code = _CODE.search(message)
        found.append(
            diagnostic(
                tool=TOOL,
                kind="type-error",
                check=check,
                code=code["code"] if code else "error",
                message=message[: code.start()] if code else message,
                path=position["path"],
                line=int(position["line"]),
                column=integer(position["column"]),
                excerpt="\n".join(lines[index : _excerpt_end(lines, following)]),
                root=root,
            )
        )
    return found


def _message(first: str, lines: list[str], index: int) -> tuple[str, int]:
    """The message, joined over the lines `--pretty` wrapped it on; and the index after it."""
    parts = [first]
    while not _CODE.search(parts[-1]) and index < len(lines) and _is_wrapped(lines[index]):
        parts.append(lines[index])
        index += 1
    return " ".join(parts), index


def _is_wrapped(line: str) -> bool:
    return bool(line) and not line.startswith(" ") and not POSITION.match(line) and not _SUMMARY.match(line)


def _excerpt_end(lines: list[str], index: int) -> int:
    """After the error: its source lines (`--pretty`) and its notes."""
    while index < len(lines):
        line = lines[index]
        position = POSITION.match(line)
        note = _SEVERITY.match(position["rest"]) if position else None
        if not (line.startswith(" ") or (note and note["severity"] == "note" and position and position["line"])):
            break
        index += 1
    return index
