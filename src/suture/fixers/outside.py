"""SyntaxError from a statement that left its block: dedented out of the function or loop it
ends (the file still parses; the compiler says where the statement may not be).

    'return' outside function          a function's last statement dedented to the module
    'break' outside loop               a loop's last statement dedented out of it
    'continue' not properly in loop
    'yield' outside function, 'await' outside function

The statement (with the lines of its own block or continuation, indented deeper) goes back to
an indentation the code just above it uses, the innermost first; each edit is compiled, and
only those that compile are proposed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_OUTSIDE = re.compile(r"'(?:return|yield|await|break|async with|async for)' outside (?:async )?(?:function|loop)")
_CONTINUE = "'continue' not properly in loop"
_LEVELS = 3  # indentations tried


class OutsideFixer:
    name = "outside-block"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        if failure.error_type != "SyntaxError" or not (_OUTSIDE.fullmatch(message) or message == _CONTINUE):
            return []
        broken = _common.broken(failure, source)
        if broken is None or not (_OUTSIDE.fullmatch(broken.error.msg) or broken.error.msg == _CONTINUE):
            return []
        lines = _common.lines(broken.target.text)
        return _common.repaired(failure, broken.target, _reindented(lines, broken.line), origin=self.name)


def _reindented(lines: list[str], row: int) -> Iterator[_common.Repair]:
    """The statement at `row` (and its deeper lines) moved to each deeper indentation above it."""
    indent = _width(lines[row - 1])
    end = row
    while end < len(lines) and (
        not lines[end].strip() or _width(lines[end]) > indent or lines[end].lstrip()[:1] in ")]}"
    ):
        end += 1
    while end > row and not lines[end - 1].strip():
        end -= 1
    for level in _levels(lines, row, indent):
        shift = level[indent:] if level.startswith(lines[row - 1][:indent]) else None
        if shift is None:
            continue
        edited = [*lines]
        edited[row - 1 : end] = [shift + line if line.strip() else line for line in lines[row - 1 : end]]
        why = f"the statement on line {row} left its block; indent it back ({len(level)} columns)"
        yield _common.Repair("".join(edited), why, end)


def _levels(lines: list[str], row: int, indent: int) -> list[str]:
    """The indentations deeper than `indent` that the code lines above `row` use, down to the
    block the statement left, the shallowest first (the block's body: a dedented statement was
    its last)."""
    found: list[str] = []
    for line in reversed(lines[: row - 1]):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        width = _width(line)
        if width <= indent:
            break
        level = line[:width]
        if level not in found:
            found.append(level)
    return sorted(found, key=len)[:_LEVELS]


def _width(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))
