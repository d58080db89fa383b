"""SyntaxError inside a string literal: unterminated strings and invalid f-strings.

    unterminated string literal (detected at line 3)                print('hi)   ->  print('hi')
    unterminated triple-quoted string literal (detected at line 9)  a docstring left open
    f-string: empty expression not allowed                          f'{} items'  ->  f'{{}} items'
    f-string: single '}' is not allowed                             f'a } b'     ->  f'a }} b'
    f-string: expecting '}'                                         f'{x'        ->  f'{x}'
    f-string: unmatched '['                                         f'{d['k']}'  ->  f'{d["k"]}'

(Python 3.12 words some of these differently; both are recognised.) The file does not
parse, so this works on lines: an open string is closed at the end of its line, before
the brackets that end the line, or before an operator inside it (`" * pad`, a quote and a
space lost from `" " * pad`); a triple-quoted one at the end of one of the lines
after it. An f-string's stray braces are doubled, an unclosed one closed, and the
f-string's own quote reused inside its braces (valid only from Python 3.12) is swapped for
the other quote. Each edit is compiled; only those that get past the reported error are
proposed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_UNTERMINATED = re.compile(r"unterminated (?:f-)?string literal \(detected at line \d+\)")
_TRIPLE = re.compile(r"unterminated triple-quoted (?:f-)?string literal \(detected at line \d+\)")
_FSTRING = re.compile(r"f-string: .*")
_PREFIX = re.compile(r"(?i)(?:rb|br|fr|rf|[rbuf])?(?P<quote>'''|\"\"\"|'|\")")
# An f-string's start on a line: its prefix and quote (single-line f-strings only).
_FSTART = re.compile(r"(?i)(?<![\w'\"])(?:rf|fr|f)(?P<quote>['\"])")
# An operator between spaces inside an open string: where code may have gone on after it.
_OPERATOR = re.compile(r"\s(?=(?P<op>[-+*/%@|&^]|//|\*\*|[<>=!]=|[<>]|and|or|if|else|in|not in|is|for)\s)")
# Lines after an open triple-quoted string where it may close, and candidates kept.
_REACH = 40


class StringsFixer:
    name = "strings"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        kinds = (_UNTERMINATED, _TRIPLE, _FSTRING)
        if failure.error_type != "SyntaxError" or not any(kind.fullmatch(message) for kind in kinds):
            return []
        broken = _common.broken(failure, source)
        if broken is None:
            return []
        target, error = broken.target, broken.error
        lines = _common.lines(target.text)
        if _UNTERMINATED.fullmatch(error.msg):
            repairs = _terminate(lines, broken.line, broken.column)
        elif _TRIPLE.fullmatch(error.msg):
            repairs = _terminate_triple(lines, broken.line, broken.column)
        elif error.msg.startswith("f-string"):
            repairs = _fstrings(lines, broken.line)
        else:
            return []
        return _common.repaired(failure, target, repairs, origin=self.name)


def _terminate(lines: list[str], row: int, column: int) -> Iterator[_common.Repair]:
    """The string's quote at the end of its line, or before the closing brackets, commas and
    colons that end the line (`print('hi)`)."""
    text = lines[row - 1]
    opened = _PREFIX.match(text, column)
    if opened is None:
        return
    quote = opened["quote"]
    body = text.rstrip("\r\n").rstrip()
    end = len(body)
    ends = [end]
    while end > opened.end() and body[end - 1] in ")]}:,;":
        end -= 1
        ends.append(end)
    for place in ends:
        edited = [*lines]
        edited[row - 1] = text[:place] + quote + text[place:]
        yield _common.Repair("".join(edited), f"the string opened on line {row} is never closed; close it", row)
    # The quote lost with a space before an operator (`" " * pad` -> `" * pad`): close it there.
    for operator in _OPERATOR.finditer(body, opened.end()):
        place = operator.start() + 1
        edited = [*lines]
        edited[row - 1] = text[:place] + quote + " " + text[place:]
        why = f"the string opened on line {row} is never closed; close it before the `{operator['op']}`"
        yield _common.Repair("".join(edited), why, row)


def _terminate_triple(lines: list[str], row: int, column: int) -> Iterator[_common.Repair]:
    """The triple quote at the end of the opening line's text, or of one of the next lines."""
    opened = _PREFIX.match(lines[row - 1], column)
    if opened is None or len(opened["quote"]) != 3:
        return
    for line in range(row, min(row + _REACH, len(lines)) + 1):
        text = lines[line - 1]
        if line > row and not text.strip():
            continue
        end = len(text.rstrip("\r\n").rstrip())
        edited = [*lines]
        edited[line - 1] = text[:end] + opened["quote"] + text[end:]
        why = f"the triple-quoted string opened on line {row} is never closed; close it on line {line}"
        yield _common.Repair("".join(edited), why, line)


def _fstrings(lines: list[str], row: int) -> Iterator[_common.Repair]:
    """Each single-line f-string on the line, mended each way it might need."""
    text = lines[row - 1]
    for start in _FSTART.finditer(text):
        quote = start["quote"]
        for mended, why in _mended(text, start.end(), quote):
            edited = [*lines]
            edited[row - 1] = mended
            yield _common.Repair("".join(edited), f"the f-string on line {row} {why}", row)


def _mended(text: str, body: int, quote: str) -> Iterator[tuple[str, str]]:
    """`text` with the f-string whose body starts at `body` changed: its own quote inside the
    braces swapped, a stray `}` doubled, an empty `{}` doubled, an open `{` closed."""
    scan = _scan(text, body, quote)
    other = "'" if quote == '"' else '"'
    if scan.inner:
        swapped = "".join(other if i in scan.inner else char for i, char in enumerate(text))
        yield swapped, f"uses its own quote {quote} inside its braces; use {other} there"
    if scan.stray:
        yield _doubled(text, scan.stray), "has a single `}`; double it to write one"
    if scan.empty:
        yield _doubled(text, scan.empty), "has an empty `{}`; double the braces to write them"
    # An open `{` ends where the string does, or, read the other way, at its first inner quote.
    for end, depth in filter(None, [scan.end, scan.first_inner]):
        if depth > 0:
            yield text[:end] + "}" * depth + text[end:], "leaves a `{` open; close it"


@dataclass
class _Scan:
    """What walking an f-string's body found (indices into the line)."""

    inner: list[int] = field(default_factory=list)  # the f-string's own quote inside braces
    stray: list[int] = field(default_factory=list)  # a `}` closing nothing
    empty: list[int] = field(default_factory=list)  # both braces of a `{}` or `{ }`
    end: tuple[int, int] | None = None  # the closing quote, and the braces open there
    first_inner: tuple[int, int] | None = None  # the first inner quote, and the braces open there


def _scan(text: str, index: int, quote: str) -> _Scan:
    scan = _Scan()
    depth = 0
    while index < len(text) and text[index] not in "\r\n":
        char, pair = text[index], text[index : index + 2]
        if depth == 0 and pair in ("{{", "}}"):
            index += 2  # an escaped brace
            continue
        if char == "{":
            depth += 1
            after = len(text) - len(text[index + 1 :].lstrip(" "))
            scan.empty += [index, after] if text[after : after + 1] == "}" else []
        elif char == "}":
            scan.stray += [] if depth else [index]
            depth = max(depth - 1, 0)
        elif char == quote and depth > 0:
            scan.inner.append(index)
            scan.first_inner = scan.first_inner or (index, depth)
        elif char == quote:
            scan.end = (index, depth)
            break
        index += 1
    return scan


def _doubled(text: str, places: list[int]) -> str:
    for place in sorted(places, reverse=True):
        text = text[:place] + text[place] + text[place:]
    return text
