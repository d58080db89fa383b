"""SyntaxError from brackets that do not pair up.

    '(' was never closed                                                   f(a, b      ->  f(a, b)
    closing parenthesis ']' does not match opening parenthesis '('        f(a, b]     ->  f(a, b)
    closing parenthesis ')' does not match opening parenthesis '[' on line 3              f([a, b)    ->  f([a, b])
    unmatched ')'                                                          f(a))       ->  f(a)

The file does not parse, so this works on lines: an unclosed bracket is closed at the end
of its own line or of one of the lines after it (up to where the next statement starts);
a wrong closer is replaced, or the inner bracket it skipped is closed before it; a closer
with no opener goes. Each edit is compiled; only those that get past the reported error
are proposed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_UNCLOSED = re.compile(r"'(?P<opener>[(\[{])' was never closed")
_MISMATCH = re.compile(
    r"closing parenthesis '(?P<closer>[)\]}])' does not match opening parenthesis '(?P<opener>[(\[{])'(?: on line \d+)?"
)
_UNMATCHED = re.compile(r"unmatched '(?P<closer>[)\]}])'")
_PAIRS = {"(": ")", "[": "]", "{": "}"}
# Lines after an unclosed bracket where its closer may go.
_REACH = 30


class BracketsFixer:
    name = "brackets"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        if failure.error_type != "SyntaxError" or not any(
            pattern.fullmatch(message) for pattern in (_UNCLOSED, _MISMATCH, _UNMATCHED)
        ):
            return []
        broken = _common.broken(failure, source)
        if broken is None:
            return []
        target, error = broken.target, broken.error
        lines = _common.lines(target.text)
        at = (broken.line, broken.column)  # this interpreter's caret: the bracket it means
        if found := _UNCLOSED.fullmatch(error.msg):
            repairs = _close(lines, at, _PAIRS[found["opener"]])
        elif found := _MISMATCH.fullmatch(error.msg):
            repairs = _rematch(lines, at, found["closer"], _PAIRS[found["opener"]])
        elif found := _UNMATCHED.fullmatch(error.msg):
            repairs = _drop(lines, at, found["closer"])
        else:
            return []
        return _common.repaired(failure, target, repairs, origin=self.name)


def _close(lines: list[str], at: tuple[int, int], closer: str) -> Iterator[_common.Repair]:
    """The closer at the end of the opener's line, or of a later line of the same statement."""
    row, column = at
    if lines[row - 1][column : column + 1] not in _PAIRS:
        return
    indent = _indent(lines[row - 1])
    for line in range(row, min(row + _REACH, len(lines)) + 1):
        text = lines[line - 1]
        if line > row and text.strip() and _indent(text) <= indent and not text.lstrip().startswith(tuple(")]}")):
            return  # the next statement starts here: the bracket closes before it
        if not text.strip() or text.lstrip().startswith("#"):
            continue
        end = _code_end(text)
        edited = [*lines]
        edited[line - 1] = text[:end] + closer + text[end:]
        why = f"the `{lines[row - 1][column]}` opened on line {row} is never closed; close it on line {line}"
        yield _common.Repair("".join(edited), why, line)


def _rematch(lines: list[str], at: tuple[int, int], wrong: str, right: str) -> Iterator[_common.Repair]:
    row, column = at
    text = lines[row - 1]
    if text[column : column + 1] != wrong:
        return
    replaced = [*lines]
    replaced[row - 1] = text[:column] + right + text[column + 1 :]
    yield _common.Repair("".join(replaced), f"`{wrong}` on line {row} closes a `{right}`; write `{right}`", row)
    inserted = [*lines]
    inserted[row - 1] = text[:column] + _opener_of(wrong, right, text[:column]) + text[column:]
    yield _common.Repair(
        "".join(inserted), f"the bracket before `{wrong}` on line {row} is never closed; close it", row
    )


def _opener_of(wrong: str, right: str, before: str) -> str:
    """The closer the bracket inside needs: `f([a, b)` lacks the `]` of the `[`."""
    for char in reversed(before):
        if char in _PAIRS:
            return _PAIRS[char]
    return right


def _drop(lines: list[str], at: tuple[int, int], closer: str) -> Iterator[_common.Repair]:
    row, column = at
    text = lines[row - 1]
    if text[column : column + 1] == closer:
        edited = [*lines]
        edited[row - 1] = text[:column] + text[column + 1 :]
        yield _common.Repair("".join(edited), f"the `{closer}` on line {row} closes nothing; remove it", row)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


def _code_end(line: str) -> int:
    """Where a line's code ends: before a trailing comment (outside strings) and the line break."""
    quote = ""
    end = len(line.rstrip("\r\n"))
    for column, char in enumerate(line[:end]):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            end = column
            break
    return len(line[:end].rstrip())
