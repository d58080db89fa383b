"""TypeError from a `%`-format given fewer values than its string asks for.

    not enough arguments for format string        "%s of %s" % (part,)   ->  "%s of %s" % (part, whole)

The value left out is usually still in the function, set and now never read: it goes back
into the tuple, at each place the tuple could have lost it (the end first). A lone value
becomes a tuple of two.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from suture.fixers import _arguments, _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_MESSAGE = "not enough arguments for format string"
# One conversion of printf-style formatting; `*` widths take a value of their own.
_CONVERSION = re.compile(r"%(?P<key>\([^)]*\))?[-#0 +]*(?P<width>\*|\d+)?(?:\.(?P<precision>\*|\d+))?[hlL]?(?P<type>.)")
_LIMIT = 4


class FormatFixer:
    name = "format-args"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "TypeError" or failure.message.strip() != _MESSAGE:
            return []
        target = _common.target(failure, source)
        try:
            tree = ast.parse(target.text, target.path) if target else None
        except (SyntaxError, ValueError, RecursionError):
            return []
        if target is None or tree is None:
            return []
        found = (
            _common.edit(failure, target, new, origin=self.name, rationale=why, rank=rank)
            for node in _formats(tree, target.line)
            for name, rank in _values(tree, target.line, node)
            for new, why in _edits(target.text, node, name)
        )
        return _common.unique(found)[:_LIMIT]


def _values(tree: ast.Module, line: int, node: ast.BinOp) -> list[tuple[str, int]]:
    """The names that may be the value left out, with their rank: what the function sets and
    never reads (certain when it is one), else its parameters the format does not use."""
    unused = sorted(_arguments.unused(tree, line))
    if unused:
        return [(name, 0 if len(unused) == 1 else 1) for name in unused]
    given = {child.id for child in ast.walk(node.right) if isinstance(child, ast.Name)}
    return [(name, 2) for name in _arguments.parameters(tree, line) if name not in given]


def _formats(tree: ast.Module, line: int) -> Iterator[ast.BinOp]:
    """The `"..." % values` on `line` that take one value more than they are given."""
    for node in ast.walk(tree):
        if not (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)):
            continue
        if not (node.lineno <= line <= (node.end_lineno or node.lineno)):
            continue
        if isinstance(node.left, ast.Constant) and isinstance(node.left.value, str):
            wanted = _wanted(node.left.value)
            given = len(node.right.elts) if isinstance(node.right, ast.Tuple) else 1
            if wanted is not None and wanted == given + 1:
                yield node


def _wanted(text: str) -> int | None:
    """How many values the format string takes; None for one that takes a mapping."""
    count = 0
    for match in _CONVERSION.finditer(text):
        if match["type"] == "%":
            continue
        if match["key"]:
            return None
        count += 1 + (match["width"] == "*") + (match["precision"] == "*")
    return count


def _edits(text: str, node: ast.BinOp, name: str) -> Iterator[tuple[str, str]]:
    """The file with `name` put back among the format's values, at each place (the end first)."""
    right = node.right
    if not isinstance(right, ast.Tuple):
        code = _segment(text, right)
        if code is not None:
            yield (
                _replaced(text, right, f"({code}, {name})"),
                f"the format takes two values; pass `{name}` after `{code}`",
            )
            yield (
                _replaced(text, right, f"({name}, {code})"),
                f"the format takes two values; pass `{name}` before `{code}`",
            )
        return
    elements = right.elts
    if elements:
        why = f"the format takes one value more; pass `{name}` last"
        yield _inserted(text, elements[-1], after=True, code=f", {name}"), why
    for index in range(len(elements) - 1, -1, -1):
        why = f"the format takes one value more; pass `{name}` as value {index + 1}"
        yield _inserted(text, elements[index], after=False, code=f"{name}, "), why


def _offset(text: str, line: int, column: int) -> int:
    """The character offset of ast's (line, UTF-8 byte column) in `text`."""
    lines = _common.lines(text)
    start = sum(len(each) for each in lines[: line - 1])
    return start + len(lines[line - 1].encode()[:column].decode(errors="replace"))


def _span(text: str, node: ast.expr) -> tuple[int, int]:
    end_line, end_column = node.end_lineno or node.lineno, node.end_col_offset or 0
    return _offset(text, node.lineno, node.col_offset), _offset(text, end_line, end_column)


def _segment(text: str, node: ast.expr) -> str | None:
    start, end = _span(text, node)
    code = text[start:end]
    return code if "\n" not in code else None


def _replaced(text: str, node: ast.expr, code: str) -> str:
    start, end = _span(text, node)
    return text[:start] + code + text[end:]


def _inserted(text: str, node: ast.expr, *, after: bool, code: str) -> str:
    start, end = _span(text, node)
    at = end if after else start
    return text[:at] + code + text[at:]
