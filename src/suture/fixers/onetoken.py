"""SyntaxError that one token more, one fewer or one different would mend, whatever the message.

    unmatched ')'                   raise Bad f"…")         ->  raise Bad(f"…")      (a lost opener)
    invalid syntax                  chain((item,, rest)     ->  chain((item,), rest)
    invalid syntax                  def f(a, b=True:        ->  def f(a, b=True):
    invalid syntax                  return a + * 2          ->  return a * 2          (a stray token)

The message rarely says which token went missing, so this tries them all, near where the
compiler stopped: on that line and the one before, every single-token insertion (brackets,
comma, colon, dot, `=`, a quote) at each token boundary (and inside a name glued to a
string, where a string prefix begins: `Badf"…"`), every deletion and every substitution of
an operator. Each edit is parsed first in the enclosing function (cheap), then compiled as
the whole file; those that compile are ranked by how familiar they leave the code: the
pairs of neighbouring tokens they create that the file already uses elsewhere, less a
penalty for a name the edit leaves used only once (`Badf(…)`). At most `_LIMIT` are offered
(verification is the judge), after the fixers that read their message.
"""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import math
import re
import time
import tokenize
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

# One lexeme at a time, as Python's tokenizer splits them (an unterminated string runs to the
# end of its line; the edits that close it are what is wanted).
_LEXEME = re.compile(
    r"""
    (?P<space>[ \t\f]+|\\\r?\n|\r?\n)
    |(?P<comment>\#[^\r\n]*)
    |(?P<string>(?i:rb|br|fr|rf|[rbuf])?(?:'''[\s\S]*?(?:'''|$)|\"\"\"[\s\S]*?(?:\"\"\"|$)
        |'(?:[^'\\\r\n]|\\.)*'?|"(?:[^"\\\r\n]|\\.)*"?))
    |(?P<number>\d[\w.]*|\.\d\w*)
    |(?P<name>\w+)
    |(?P<op>\*\*=|//=|>>=|<<=|\.\.\.|->|:=|[=!<>]=|\*\*|//|<<|>>|[-+*/%&|^@]=|\S)
    """,
    re.VERBOSE,
)
_PREFIXES = ("f", "r", "b", "u", "rb", "br", "fr", "rf")
# What a one-token slip most often drops or garbles: brackets and the punctuation between operands.
_INSERTED = ("(", ")", "[", "]", "{", "}", ",", ":", ".", "=", '"', "'")
_GLUED = ("(", ",")  # what may go inside a name glued to a string
_SPLIT = ("(", ".", ",", "[")  # ... and between two names glued together
_KEYWORDS = frozenset(keyword.kwlist)
_BUILTINS = frozenset(dir(builtins))
_LIMIT = 5  # candidates offered
_SHOWN = 40  # characters of a token a rationale quotes
_COMPILES = 60  # whole-file compiles at most
_SECONDS = 3.0  # and the time all edits of one failure may take
_KIND_COST = {"insert": 0.0, "delete": 0.3, "replace": 1.0}


@dataclass(frozen=True)
class _Token:
    kind: str  # name, number, string, op
    start: int  # offsets in the text lexed
    end: int
    text: str

    @property
    def shown(self) -> str:
        """The token as a rationale quotes it: a long string cut (the text is the repository's)."""
        return self.text if len(self.text) <= _SHOWN else self.text[: _SHOWN - 1] + "…"

    @property
    def shape(self) -> str:
        """What the token counts as between neighbours: operators and keywords as themselves."""
        if self.kind == "name":
            return self.text if keyword.iskeyword(self.text) else "NAME"
        return self.text if self.kind == "op" else self.kind.upper()


@dataclass(frozen=True)
class _Edit:
    kind: str  # insert, delete, replace
    start: int  # the span of the window's text replaced
    end: int
    text: str  # what replaces it
    why: str


class OneTokenFixer:
    name = "one-token"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "SyntaxError":
            return []
        broken = _common.broken(failure, source)
        if broken is None:
            return []
        target = broken.target
        lines = _common.lines(target.text)
        window = _Window.at(lines, broken.line, broken.column, broken.error)
        known = _Familiar(target.text)
        deadline = time.monotonic() + _SECONDS
        region = _Region.around(lines, window, broken.error)
        scored = _repairs(window, region, known, target.path, deadline)
        if not scored and region.partial:  # the region may have cut a statement: the whole file
            scored = _repairs(window, _Region.whole(lines, window), known, target.path, deadline)
        return _common.unique(
            _common.edit(failure, target, new, origin=self.name, rationale=why, rank=1)
            for _, _, new, why in scored[:_LIMIT]
        )


@dataclass(frozen=True)
class _Window:
    """The lines edited: the one the compiler stopped on and the one before; for a bracket never
    closed, also the rest of its statement, where only its closer is tried."""

    lines: Sequence[str]
    first: int  # 1-based
    row: int  # the last line every edit is tried on
    last: int  # the last line a closer is tried on
    closer: str  # the closer tried on the lines after `row` ('' when none)
    column: int  # 0-based, on `row`: where the compiler stopped

    @classmethod
    def at(cls, lines: Sequence[str], row: int, column: int, error: SyntaxError) -> _Window:
        found = _NEVER_CLOSED.fullmatch(error.msg)
        last = row
        if found:
            indent = _indent(lines[row - 1])
            while last < min(row + _REACH, len(lines)) and (
                not lines[last].strip() or _indent(lines[last]) > indent or lines[last].lstrip()[:1] in ")]}"
            ):
                last += 1
        closer = _CLOSERS[found["opener"]] if found else ""
        return cls(lines, _first(lines, row), row, last, closer, column)

    @property
    def text(self) -> str:
        return "".join(self.lines[self.first - 1 : self.last])

    @property
    def caret(self) -> int:
        """Where the compiler stopped, in `text`."""
        return len("".join(self.lines[self.first - 1 : self.row - 1])) + self.column

    @property
    def split(self) -> int:
        """Where the lines only a closer is tried on start, in `text`."""
        return len("".join(self.lines[self.first - 1 : self.row]))

    def edited(self, window: str) -> str:
        return "".join(self.lines[: self.first - 1]) + window + "".join(self.lines[self.last :])


def _first(lines: Sequence[str], row: int) -> int:
    """The line before `row`, unless it ends a string begun further up (a docstring's closing
    quotes would open one here), or is the header of the block `row` is in (`elif x:`: had it
    a slip, the compiler would have stopped there): then `row`."""
    before = max(1, row - 1)
    header = lines[before - 1].split("#")[0].rstrip()
    if before < row and header.endswith(":") and _indent(lines[row - 1]) > _indent(lines[before - 1]):
        return row
    for token in _common.tokens("".join(lines[:row])):
        if token.start[0] >= before:
            break
        if token.type == tokenize.STRING and token.end[0] >= before:
            return row
    return before


_NEVER_CLOSED = re.compile(r"'(?P<opener>[(\[{])' was never closed")
_CLOSERS = {"(": ")", "[": "]", "{": "}"}
_REACH = 15  # lines of a statement after an unclosed bracket


def _repairs(
    window: _Window, region: _Region, known: _Familiar, path: str, deadline: float
) -> list[tuple[float, int, str, str]]:
    """(-score, order, the file edited, why) for each edit that compiles, best first."""
    text = window.text
    scored = []
    compiles = 0
    seen: set[str] = set()  # the same tokens spaced another way are the same edit
    for order, edit in enumerate(_edits(window, known)):
        if time.monotonic() > deadline or compiles >= _COMPILES:
            break
        new_window = text[: edit.start] + edit.text + text[edit.end :]
        spelt = "".join(new_window.split())
        if spelt in seen or not region.parses(new_window):
            continue
        seen.add(spelt)
        compiles += 1
        new = window.edited(new_window)
        if _common.compile_error(new, path) is None:
            score = known.score(text, new_window, new) - _KIND_COST[edit.kind]
            scored.append((-score, order, new, edit.why))
    return sorted(scored)


def _lex(text: str) -> list[_Token]:
    """The tokens of `text` (no spaces or comments)."""
    return [
        _Token(match.lastgroup or "op", match.start(), match.end(), match.group())
        for match in _LEXEME.finditer(text)
        if match.lastgroup not in ("space", "comment")
    ]


def _edits(window: _Window, known: _Familiar) -> Iterator[_Edit]:
    """Every one-token edit of the window, the tokens nearest the compiler's stop first. A name glued to its neighbour
    (`lenself`, `Badf"…"`) is split where the file's names say; past `window.row`, only the
    unclosed bracket's closer is tried."""
    text = window.text
    found = _lex(text)
    for index in _from_caret(found, window.caret):
        token = found[index]
        where = f"line {_row(text, token.start, window.first)}"
        after = found[index + 1].start if index + 1 < len(found) else len(text.rstrip())
        if token.start >= window.split:
            yield from _insertions(text, token.end, after, where, f"after `{token.shown}`", only=window.closer)
            continue
        callee = (token.kind == "name" and not keyword.iskeyword(token.text)) or token.text in (")", "]")
        yield from _insertions(text, token.end, after, where, f"after `{token.shown}`", callee=callee)
        if index == 0:
            yield from _insertions(text, token.start, token.start, where, f"before `{token.shown}`")
        if token.kind == "name":
            yield from _split(token, known, where)
        if token.kind == "name" and index + 1 < len(found) and found[index + 1].start == token.end:
            yield from _glued(token, found[index + 1], where)
        yield _deletion(text, token, where)
        if token.kind == "op":
            for replacement in _INSERTED:
                if replacement != token.text:
                    why = f"the `{token.shown}` on {where} should be `{replacement}`"
                    yield _Edit("replace", token.start, token.end, replacement, why)


def _from_caret(tokens: Sequence[_Token], caret: int) -> list[int]:
    """The tokens' indexes, nearest the compiler's stop first (a slip is at it or before it,
    so on a tie the one before), then outwards."""
    at = next((index for index, token in enumerate(tokens) if token.end > caret), len(tokens) - 1)
    return sorted(range(len(tokens)), key=lambda index: (abs(index - at) * 2 + (index > at), index))


# Where an inserted token sits in the gap between two tokens, as PEP 8 spaces it: closers and
# separators against the token before, openers and quotes against the one after, `=` between.
_LEFT = frozenset({")", "]", "}", ",", ":"})


def _insertions(
    window: str, left: int, right: int, where: str, place: str, *, callee: bool = False, only: str = ""
) -> Iterator[_Edit]:
    """Each token of `_INSERTED` into the gap `window[left:right]` between two tokens (a
    bracket after a `callee`, a name or a closer, opens a call or subscript: against it)."""
    gap = window[left:right]
    spaced = "\n" not in gap and len(gap) >= 2
    for text in (only,) if only else _INSERTED:
        why = f"a `{text}` is missing on {where}, {place}; add it"
        leftwards = text in _LEFT or (callee and text in ("(", "["))
        places = [(left, left), (right, right)] if leftwards else [(right, right), (left, left)]
        if spaced:
            places.insert(1 if leftwards else 0, (left, right))
        if text == "." and "\n" not in gap:
            places.insert(0, (left, right))  # `os path`: a dot joins its neighbours
        for start, end in dict.fromkeys(places):
            spaced_text = text if end == start or text == "." else f" {text} "
            yield _Edit("insert", start, end, spaced_text, why)


def _deletion(window: str, token: _Token, where: str) -> _Edit:
    """The token removed, with the space before it when spaces stood on both sides (`a + * 2`)."""
    start, end = token.start, token.end
    if window[start - 1 : start] == " " and window[end : end + 1] in (" ", ""):
        start -= 1
    return _Edit("delete", start, end, "", f"the `{token.shown}` on {where} is one too many; remove it")


def _glued(name: _Token, string: _Token, where: str) -> Iterator[_Edit]:
    """A name running into the string after it, split where a string prefix could begin:
    `Badf"…"` was `Bad(f"…"` with the bracket lost."""
    if string.kind != "string":
        return
    for prefix in _PREFIXES:
        if name.text.lower().endswith(prefix) and len(name.text) > len(prefix):
            at, head = name.end - len(prefix), name.text[: -len(prefix)][:_SHOWN]
            for text in _GLUED:
                why = f"a `{text}` is missing on {where} between `{head}` and its string; add it"
                yield _Edit("insert", at, at, text, why)


def _split(name: _Token, known: _Familiar, where: str) -> Iterator[_Edit]:
    """A name used only here, that ends in a name the file knows (or a number), split by the
    token lost before that: `lenself.items)` was `len(self.items)`, `val5:7]` was `val[5:7]`;
    the longest known end first."""
    if known.uses[name.text] > 1:
        return
    for cut in range(1, len(name.text)):
        left, right = name.text[:cut], name.text[cut:]
        if left.isidentifier() and (right.isdigit() or (right.isidentifier() and known.known(right))):
            for text in _SPLIT:
                why = f"a `{text}` is missing on {where} between `{left[:_SHOWN]}` and `{right[:_SHOWN]}`; add it"
                yield _Edit("insert", name.start + cut, name.start + cut, text, why)


def _row(text: str, offset: int, first: int) -> int:
    return first + text.count("\n", 0, offset)


class _Region:
    """The statement around the window, parsed alone to weed out edits before a whole-file
    compile: the enclosing function or class (or, at the top level, the whole file), kept
    only if the unedited region fails where the whole file does."""

    def __init__(self, before: str, after: str, wrap: bool, *, partial: bool = True) -> None:
        self.before, self.after, self.wrap, self.partial = before, after, wrap, partial

    @classmethod
    def around(cls, lines: Sequence[str], window: _Window, error: SyntaxError) -> _Region:
        first, last = window.first, window.last
        for header in _headers(lines, first, last):
            end = _block_end(lines, header, last)
            start = min(header, first)
            before = _OPENS.sub(_opened, lines[start - 1], count=1) + "".join(lines[start : first - 1])
            region = cls(before if start < first else "", "".join(lines[last:end]), _indent(lines[header - 1]) > 0)
            if region.fails_like(window.text, error, line=error.lineno or 0, offset=start - 1):
                return region
        start, end = _top_level(lines, first, last)
        region = cls("".join(lines[start - 1 : first - 1]), "".join(lines[last:end]), False)
        if region.fails_like(window.text, error, line=error.lineno or 0, offset=start - 1):
            return region
        return cls.whole(lines, window)

    @classmethod
    def whole(cls, lines: Sequence[str], window: _Window) -> _Region:
        return cls("".join(lines[: window.first - 1]), "".join(lines[window.last :]), False, partial=False)

    def text(self, window: str) -> str:
        body = self.before + window + self.after
        return "if 1:\n" + body if self.wrap else body

    def parses(self, window: str) -> bool:
        return _parse_error(self.text(window)) is None

    def fails_like(self, window: str, error: SyntaxError, *, line: int, offset: int) -> bool:
        found = _parse_error(self.text(window))
        shift = offset - (1 if self.wrap else 0)
        return found is not None and found.msg == error.msg and (found.lineno or 0) + shift == line


def _parse_error(text: str) -> SyntaxError | None:
    try:
        compile(text, "<region>", "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError) as exc:
        return SyntaxError(str(exc))
    return None


_HEADER = re.compile(r"[ \t]*(?:async[ \t]+def|def|class)[ \t]")
# Compound statements that stand alone, and the clauses that continue one.
_COMPOUND = re.compile(r"[ \t]*(?:async[ \t]+)?(?:if|for|while|with|try|match)\b(?![ \t]*[=.(\[,:])")
# A clause that opens a block of its own, as the `if` it stands in for in a region.
_OPENS = re.compile(r"^([ \t]*)(?:elif\b|else(?=[ \t]*:))")


def _opened(found: re.Match[str]) -> str:
    return found[1] + ("if" if found[0].lstrip().startswith("elif") else "if 1")


_CLAUSE = re.compile(r"[ \t]*(?:elif|else|except|finally|case)\b")


def _headers(lines: Sequence[str], first: int, last: int) -> Iterator[int]:
    """The lines of the compound statements (`def`, `class`, `if`, `for`...) that may enclose
    lines `first`..`last`, innermost first: one in the window that no window line is indented
    less than, or one before it indented less than all of them."""
    window = [line for line in lines[first - 1 : last] if line.strip()]
    below = min((_indent(line) for line in window), default=1 << 30)
    for number in range(last, 0, -1):
        line = lines[number - 1]
        clause = number < first and _OPENS.match(line)  # `elif x:` stands alone as `if x:`
        header = _HEADER.match(line) or _COMPOUND.match(line) or clause
        if header and (_indent(line) < below or (number >= first and _indent(line) <= below)):
            below = _indent(line)
            yield number
            if below == 0:
                return


def _block_end(lines: Sequence[str], start: int, last: int) -> int:
    """The line (0-based index) where the block opened at `start` ends, at the latest: after
    `last`, the first code line indented less than its header, or the next `def`, `class` or
    decorator indented like it (a line of a docstring may be indented like a statement; one
    that starts with `def ` rarely is)."""
    indent = _indent(lines[start - 1])
    compound = bool(_COMPOUND.match(lines[start - 1]) or _OPENS.match(lines[start - 1]))
    tried = lines[start - 1].lstrip().startswith("try")  # a `try` needs its `except` or `finally`
    for index in range(last, len(lines)):
        text = lines[index]
        code = text.strip() and not text.lstrip().startswith("#")
        if code and _indent(text) < indent:
            return index
        if compound and code and _indent(text) == indent and not (tried and _CLAUSE.match(text)):
            return index  # the statement or clause after an `if`/`for`'s block (a `try`'s kept)
        if (_HEADER.match(text) or text.lstrip().startswith("@")) and _indent(text) <= indent:
            return index
    return len(lines)


def _top_level(lines: Sequence[str], first: int, last: int) -> tuple[int, int]:
    """The top-level statements around lines `first`..`last`: from the last line at or before
    `first` that starts at column 0, to (0-based, exclusive) the next such line after `last`."""

    def starts(line: str) -> bool:
        return bool(line.strip()) and _indent(line) == 0 and line[:1] not in ")]}#\"'"

    start = next((n for n in range(first, 0, -1) if starts(lines[n - 1])), 1)
    end = next((i for i in range(last, len(lines)) if starts(lines[i])), len(lines))
    return start, end


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


class _Familiar:
    """How familiar an edit leaves the code: a model of the file's own token pairs (the chance of
    each token after the one before, smoothed), compared before and after the edit."""

    def __init__(self, text: str) -> None:
        lexed = _lex(text)
        shapes = [token.shape for token in lexed]
        self.pairs = Counter(itertools.pairwise(shapes))
        self.before = Counter(shapes[:-1])
        self.kinds = len(set(shapes)) + 1
        self.uses = Counter(token.text for token in lexed if token.kind == "name")
        # what one token costs on average: an edit that adds a token is charged that, one that
        # drops one credited it, so that fewer tokens do not read as likelier by themselves
        self.mean = self._likelihood(lexed) / max(len(lexed) - 1, 1)

    def known(self, name: str) -> bool:
        """A name the file uses (besides `name` glued into another), a builtin or a keyword."""
        return self.uses[name] > 0 or name in _BUILTINS or name in _KEYWORDS

    def score(self, old_window: str, new_window: str, new_text: str) -> float:
        old, new = _lex(old_window), _lex(new_window)
        score = self._likelihood(new) - self._likelihood(old) - self.mean * (len(new) - len(old))
        # a name the edit makes (or leaves) that the file uses nowhere else: `Badf(...)`
        names = {t.text for t in new if t.kind == "name" and not keyword.iskeyword(t.text)}
        suspects = (names - {t.text for t in old}) | (_glued_names(old) & names)
        lonely = [name for name in suspects if _once(name, new_text)]
        return score - 2.0 * len(lonely)

    def _likelihood(self, tokens: Sequence[_Token]) -> float:
        return sum(
            math.log((self.pairs[pair] + 0.5) / (self.before[pair[0]] + 0.5 * self.kinds)) for pair in _pairs(tokens)
        )


def _pairs(tokens: Sequence[_Token]) -> Iterator[tuple[str, str]]:
    for left, right in itertools.pairwise(tokens):
        yield left.shape, right.shape


def _glued_names(tokens: Sequence[_Token]) -> set[str]:
    """Names that run straight into a string (`Badf"…"`): suspects, whether the edit kept them or not."""
    return {
        left.text
        for left, right in itertools.pairwise(tokens)
        if left.kind == "name" and right.kind == "string" and left.end == right.start
    }


def _once(name: str, text: str) -> bool:
    return len(re.findall(rf"(?<![\w.]){re.escape(name)}(?!\w)", text)) <= 1
