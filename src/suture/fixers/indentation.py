"""IndentationError and TabError: lines indented too far, not far enough, or with tabs
among spaces.

    unexpected indent                                      dedent the line (or its block) to its neighbour's
    expected an indented block after 'if' statement on line 3    indent the body (or give it a `pass`)
    unindent does not match any outer indentation level    dedent to one of the enclosing levels
    inconsistent use of tabs and spaces in indentation     tabs to spaces (the file's own width)

The file does not parse, so this works on lines. Each way to re-indent is compiled, the
reported line alone and the block it starts (the lines after it indented as far or
further, up to a blank line); only the edits that get past the reported error are
proposed.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_UNEXPECTED = "unexpected indent"
_EXPECTED = re.compile(r"expected an indented block after .* on line (?P<header>\d+)")
_UNINDENT = "unindent does not match any outer indentation level"
_TABS = "inconsistent use of tabs and spaces in indentation"


class IndentationFixer:
    name = "indentation"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        known = message in (_UNEXPECTED, _UNINDENT, _TABS) or _EXPECTED.fullmatch(message)
        if failure.error_type not in ("IndentationError", "TabError") or not known:
            return []
        broken = _common.broken(failure, source)
        if broken is None:
            return []
        target, error = broken.target, broken.error
        lines = _common.lines(target.text)
        row = broken.line
        if error.msg == _UNEXPECTED:
            repairs = _dedent(lines, row, _previous_indent(lines, row))
        elif found := _EXPECTED.fullmatch(error.msg):
            repairs = _indent_body(lines, row, int(found["header"]))
        elif error.msg == _UNINDENT:
            repairs = _realign(lines, row)
        elif error.msg == _TABS:
            repairs = _untab(lines, row)
        else:
            return []
        return _common.repaired(failure, target, repairs, origin=self.name)


def _dedent(lines: list[str], row: int, to: str | None) -> Iterator[_common.Repair]:
    if to is None:
        return
    for end in dict.fromkeys([row, _block_end(lines, row)]):
        why = f"line {row} is indented further than the code around it; dedent it"
        yield _common.Repair(
            _reindented(lines, row, end, to), why if end == row else why.replace("it;", "its block;"), end
        )


def _indent_body(lines: list[str], row: int, header: int) -> Iterator[_common.Repair]:
    """The line after the header (or its block) indented under it, as far as the body line that
    follows it (when one is indented under the header) or one level deeper than the header;
    or a `pass` body, first when the body looks deleted rather than unindented (a blank line,
    or another definition, follows the header)."""
    if not 1 <= header < row <= len(lines):
        return
    body = _leading(lines[header - 1]) + _unit(lines)
    why = f"the block opened on line {header} has no indented body"
    indented = [
        _common.Repair(
            _reindented(lines, row, end, level), f"{why}; indent line {row}" + (" on" if end > row else ""), end
        )
        for level in dict.fromkeys(filter(None, [_body_after(lines, row, header), body]))
        for end in dict.fromkeys([row, _block_end(lines, row)])
    ]
    passed = _common.Repair(
        "".join([*lines[:header], f"{body}pass\n", *lines[header:]]), f"{why}; give it `pass`", header + 1
    )
    deleted = row > header + 1 or lines[row - 1].lstrip().startswith(("def ", "class ", "async def ", "@"))
    yield from [passed, *indented] if deleted else [*indented, passed]


def _body_after(lines: list[str], row: int, header: int) -> str | None:
    """The indentation of the first line of code after `row` when it is indented under the
    header (the rest of the body, indented right), else None."""
    after = next((line for line in lines[row:] if _is_code(line)), "")
    leading, outer = _leading(after), _leading(lines[header - 1])
    return leading if len(leading.expandtabs()) > len(outer.expandtabs()) else None


def _realign(lines: list[str], row: int) -> Iterator[_common.Repair]:
    """The line (and its block) at each indentation the lines above it use, nearest first."""
    current = len(_leading(lines[row - 1]).expandtabs())
    levels = {_leading(line) for line in lines[: row - 1] if _is_code(line)}
    for level in sorted(levels, key=lambda level: (abs(len(level.expandtabs()) - current), len(level))):
        for end in dict.fromkeys([row, _block_end(lines, row)]):
            why = f"line {row} matches no enclosing indentation; align it with the block at {len(level)} columns"
            yield _common.Repair(_reindented(lines, row, end, level), why, end)


def _untab(lines: list[str], row: int) -> Iterator[_common.Repair]:
    """Tabs in the indentation as spaces: on the reported line, then in the whole file, each
    with the file's indentation width and with 8 (how a tab displays)."""
    for width in dict.fromkeys([len(_unit(lines).expandtabs(4)), 8]):
        one = [*lines]
        one[row - 1] = _leading(one[row - 1]).expandtabs(width) + one[row - 1].lstrip(" \t")
        yield _common.Repair("".join(one), f"line {row} mixes tabs and spaces; indent it with spaces", row)
        every = [_leading(line).expandtabs(width) + line.lstrip(" \t") if line.strip() else line for line in lines]
        yield _common.Repair("".join(every), "the file mixes tabs and spaces; indent with spaces throughout", row)


def _reindented(lines: list[str], start: int, end: int, to: str) -> str:
    """Lines `start`..`end` moved so that the first starts at `to`, the others keeping their
    place relative to it."""
    shift = len(to.expandtabs()) - len(_leading(lines[start - 1]).expandtabs())
    edited = [*lines]
    for index in range(start - 1, end):
        line = edited[index]
        if line.strip():
            width = max(len(_leading(line).expandtabs()) + shift, 0)
            edited[index] = (to if index == start - 1 else " " * width) + line.lstrip(" \t")
    return "".join(edited)


def _block_end(lines: list[str], row: int) -> int:
    """The last line of the block `row` starts: the lines after it indented as far or further,
    up to a blank line."""
    width = len(_leading(lines[row - 1]).expandtabs())
    end = row
    for index in range(row, len(lines)):
        line = lines[index]
        if not line.strip() or len(_leading(line).expandtabs()) < width:
            break
        end = index + 1
    return end


def _previous_indent(lines: list[str], row: int) -> str | None:
    """The indentation of the nearest line of code above `row`."""
    for line in reversed(lines[: row - 1]):
        if _is_code(line):
            return _leading(line)
    return ""


def _unit(lines: list[str]) -> str:
    """One level of the file's indentation: a tab, or its most common step in spaces (4)."""
    steps: Counter[str] = Counter()
    previous = ""
    for line in lines:
        if not _is_code(line):
            continue
        leading = _leading(line)
        if leading.startswith(previous) and len(leading) > len(previous):
            steps[leading[len(previous) :]] += 1
        previous = leading
    return steps.most_common(1)[0][0] if steps else "    "


def _leading(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _is_code(line: str) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith("#")
