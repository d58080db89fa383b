"""SyntaxError the parser explains with a missing comma or an `=` meant as `==`.

    invalid syntax. Perhaps you forgot a comma?                      [1, 2 3]     ->  [1, 2, 3]
    invalid syntax. Maybe you meant '==' or ':=' instead of '='?     if x = 1:    ->  if x == 1:
    cannot assign to attribute here. Maybe you meant '==' instead of '='?
    expression cannot contain assignment, perhaps you meant "=="?

The file does not parse, so this works on tokens: the parser's own error range (from
compiling the file here) says where, a comma goes between two neighbouring operands in
it, and an `=` in it becomes `==` (or `:=`). Each edit is compiled; only those that get
past the reported error are proposed.
"""

from __future__ import annotations

import itertools
import keyword
import re
import tokenize
from collections.abc import Iterator

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_COMMA = re.compile(r"(?:f-string: )?invalid syntax\. Perhaps you forgot a comma\?")
_EQUALS = re.compile(
    r"invalid syntax\. Maybe you meant '==' or ':=' instead of '='\?"
    r"|cannot assign to [\w ]+ here\. Maybe you meant '==' instead of '='\?"
    r'|expression cannot contain assignment, perhaps you meant "=="\?'
)
# Tokens that can end an operand (`2`, `x`, `"s"`, `f()`) and start the next one.
_ENDS = frozenset(")]}")
_STARTS = frozenset("([{-+~")
_VALUES = frozenset({"True", "False", "None"})

Span = tuple[tuple[int, int], tuple[int, int]]  # (line, column) from, to


class PunctuationFixer:
    name = "punctuation"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        comma, equals = _COMMA.fullmatch(message), _EQUALS.fullmatch(message)
        if failure.error_type != "SyntaxError" or not (comma or equals):
            return []
        broken = _common.broken(failure, source)
        if broken is None:
            return []
        target, error = broken.target, broken.error
        span = _span(target, error)
        tokens = [token for token in _common.tokens(target.text) if token.type not in (tokenize.NL, tokenize.COMMENT)]
        repairs = _commas(target, tokens, span) if comma else _equals(target, tokens, span)
        return _common.repaired(failure, target, repairs, origin=self.name)


def _span(target: _common.Target, error: SyntaxError) -> Span:
    """What the parser marks: this interpreter's range when it reports the same line, else
    the rest of the reported line from its caret."""
    if error.lineno == target.line and error.offset and error.end_lineno and error.end_offset:
        return (error.lineno, error.offset - 1), (error.end_lineno, max(error.end_offset - 1, error.offset))
    return (target.line, (target.column or 1) - 1), (target.line, 1 << 30)


def _inside(token: tokenize.TokenInfo, span: Span) -> bool:
    return span[0] <= token.start and token.end <= span[1]


def _commas(target: _common.Target, tokens: list[tokenize.TokenInfo], span: Span) -> Iterator[_common.Repair]:
    """A comma between each two neighbouring operands in the span, left to right."""
    lines = _common.lines(target.text)
    for left, right in itertools.pairwise(tokens):
        if _inside(left, span) and _inside(right, span) and _ends_operand(left) and _starts_operand(right):
            row, column = left.end
            edited = [*lines]
            edited[row - 1] = edited[row - 1][:column] + "," + edited[row - 1][column:]
            why = f"`{left.string}` and `{right.string}` on line {row} need a comma between them; add it"
            yield _common.Repair("".join(edited), why, right.start[0])


def _ends_operand(token: tokenize.TokenInfo) -> bool:
    if token.type == tokenize.NAME:
        return not keyword.iskeyword(token.string) or token.string in _VALUES
    return token.type in (tokenize.NUMBER, tokenize.STRING) or token.string in _ENDS


def _starts_operand(token: tokenize.TokenInfo) -> bool:
    if token.type == tokenize.NAME:
        return not keyword.iskeyword(token.string) or token.string in _VALUES | {"lambda", "not", "await"}
    return token.type in (tokenize.NUMBER, tokenize.STRING) or token.string in _STARTS


def _equals(target: _common.Target, tokens: list[tokenize.TokenInfo], span: Span) -> Iterator[_common.Repair]:
    """The first `=` from the span's start as `==`, then as `:=` after a plain name. (The
    span of "cannot assign to attribute here" ends before the `=`.)"""
    lines = _common.lines(target.text)
    line_end = (span[1][0], 1 << 30)
    for index, token in enumerate(tokens):
        if token.string != "=" or not (span[0] <= token.start and token.end <= line_end):
            continue
        after_name = index > 0 and tokens[index - 1].type == tokenize.NAME
        for operator in ("==", ":=") if after_name else ("==",):
            row, column = token.start
            edited = [*lines]
            edited[row - 1] = edited[row - 1][:column] + operator + edited[row - 1][column + 1 :]
            why = f"the `=` on line {row} compares, so it is `{operator}`"
            yield _common.Repair("".join(edited), why, row)
        return
