"""SyntaxError: expected ':' -- put the missing colon after a block's header.

The file does not parse, so this works on lines and tokens. The colon goes where the
caret points, or at the end of the header (which may span lines: the interpreter reports
the line of its closing bracket), before any trailing comment. Each edit is compiled:
one that parses ranks 0, one that fails only further down the file ranks 1 (the file
may hold more than one mistake), one that still fails on the same line is dropped.
"""

from __future__ import annotations

import tokenize
from collections.abc import Iterator

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_MESSAGE = "expected ':'"
# Tokens that carry no code: the colon goes after the last token that does.
_LAYOUT = frozenset({tokenize.NL, tokenize.NEWLINE, tokenize.COMMENT, tokenize.INDENT, tokenize.DEDENT})

Point = tuple[int, int]  # (1-based line, 0-based column) where the colon goes


class SyntaxFixer:
    name = "syntax"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "SyntaxError" or failure.message.strip() != _MESSAGE:
            return []
        target = _common.target(failure, source)
        if target is None:
            return []
        error = _common.compile_error(target.text, target.path)
        if error is None:
            return []  # it compiles here: the log is about another version of the file
        lines = _common.lines(target.text)
        tokens = _tokens_to(target.text, target.line)
        found = []
        for point in dict.fromkeys(_points(target, error, lines, tokens)):
            edited = _insert_colon(lines, point)
            # An error inside the header means the colon went to the wrong place.
            rank = _rank(edited, target.path, after=max(point[0], _last_line(tokens)))
            if rank is not None:
                found.append((rank, point, edited))
        found.sort(key=lambda item: item[0])  # stable: points keep their order within a rank
        return _common.unique(self._candidate(failure, target, point, edited, rank) for rank, point, edited in found)

    def _candidate(
        self, failure: Failure, target: _common.Target, point: Point, edited: str, rank: int
    ) -> Candidate | None:
        return _common.candidate(
            failure,
            origin=self.name,
            path=target.path,
            old=target.text,
            new=edited,
            rationale=f"the block header on line {point[0]} lacks its ':'; add it",
            rank=rank,
        )


def _points(
    target: _common.Target,
    error: SyntaxError,
    lines: list[str],
    tokens: list[tokenize.TokenInfo],
) -> Iterator[Point]:
    """Where the colon may go, most precise first: the reported caret, this interpreter's
    caret, the end of the header, the end of the reported line."""
    if target.column is not None:
        yield from _at_caret(lines, target.line, target.column)
    if error.msg == _MESSAGE and error.lineno is not None and error.offset is not None:
        yield from _at_caret(lines, error.lineno, error.offset)
    yield from _header_end(tokens, target.line)
    yield from _line_end(tokens, target.line)


def _at_caret(lines: list[str], line: int, column: int) -> Iterator[Point]:
    """The caret's place, moved left over blanks: `else print(x)` points at `print`, but the
    colon belongs right after `else`. (A caret in a comment gives an edit that still fails
    on this line, which the compile check drops.)"""
    if not 1 <= line <= len(lines):
        return
    text = lines[line - 1].rstrip("\r\n")
    index = column - 1
    if not 0 <= index <= len(text):
        return
    while index > 0 and text[index - 1] in " \t":
        index -= 1
    if index > 0:
        yield line, index


def _tokens_to(text: str, line: int) -> list[tokenize.TokenInfo]:
    """The file's tokens up to the first logical line break at or after `line`."""
    found = []
    for token in _common.tokens(text):
        found.append(token)
        if token.type == tokenize.NEWLINE and token.start[0] >= line:
            break
    return found


def _last_line(tokens: list[tokenize.TokenInfo]) -> int:
    """The line the header ends on (0 when the tokenizer stopped before its end)."""
    return tokens[-1].start[0] if tokens and tokens[-1].type == tokenize.NEWLINE else 0


def _header_end(tokens: list[tokenize.TokenInfo], line: int) -> Iterator[Point]:
    """After the last code token of the logical line that holds `line`."""
    if not tokens or tokens[-1].type != tokenize.NEWLINE or tokens[-1].start[0] < line:
        return  # the tokenizer stopped early (an unclosed bracket, say)
    code = [token for token in tokens[:-1] if token.type not in _LAYOUT]
    if code:
        yield code[-1].end


def _line_end(tokens: list[tokenize.TokenInfo], line: int) -> Iterator[Point]:
    """After the last code token that ends on `line` itself."""
    code = [token for token in tokens if token.type not in _LAYOUT and token.end[0] == line]
    if code:
        yield code[-1].end


def _insert_colon(lines: list[str], point: Point) -> str:
    line, column = point
    edited = list(lines)
    edited[line - 1] = edited[line - 1][:column] + ":" + edited[line - 1][column:]
    return "".join(edited)


def _rank(text: str, path: str, *, after: int) -> int | None:
    """0 if `text` compiles, 1 if it fails only below line `after`, else None."""
    error = _common.compile_error(text, path)
    if error is None:
        return 0
    if error.lineno is not None and error.lineno > after:
        return 1
    return None
