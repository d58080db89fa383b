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
from collections import Counter
from collections.abc import Collection, Iterator, Sequence
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
_LIMIT = 5  # candidates offered
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
        target, row = broken.target, broken.line
        lines = _common.lines(target.text)
        first = max(1, row - 1)
        head, window, tail = "".join(lines[: first - 1]), "".join(lines[first - 1 : row]), "".join(lines[row:])
        region = _Region.around(lines, first, row, broken.error)
        known = _Familiar(target.text)
        deadline = time.monotonic() + _SECONDS
        scored: list[tuple[float, int, str, str]] = []
        compiles = 0
        seen: set[tuple[str, ...]] = set()  # the same tokens spaced another way are the same edit
        for order, edit in enumerate(_edits(window, first, known.names)):
            if time.monotonic() > deadline or compiles >= _COMPILES:
                break
            new_window = window[: edit.start] + edit.text + window[edit.end :]
            spelt = tuple(token.text for token in _lex(new_window))
            if spelt in seen or not region.parses(new_window):
                continue
            seen.add(spelt)
            compiles += 1
            new = head + new_window + tail
            if _common.compile_error(new, target.path) is None:
                score = known.score(window, new_window, new) - _KIND_COST[edit.kind]
                scored.append((-score, order, new, edit.why))
        scored.sort()
        return _common.unique(
            _common.edit(failure, target, new, origin=self.name, rationale=why, rank=1)
            for _, _, new, why in scored[:_LIMIT]
        )


def _lex(text: str) -> list[_Token]:
    """The tokens of `text` (no spaces or comments)."""
    return [
        _Token(match.lastgroup or "op", match.start(), match.end(), match.group())
        for match in _LEXEME.finditer(text)
        if match.lastgroup not in ("space", "comment")
    ]


def _edits(window: str, first: int, names: Collection[str]) -> Iterator[_Edit]:
    """Every one-token edit of `window` (whose first line is `first`), from the last token
    back: the compiler stops at or after the slip, so the tokens nearest its stop come first.
    A name glued to its neighbour (`lenself`, `Badf"…"`) is split where `names` say it may be."""
    found = _lex(window)
    for index in range(len(found) - 1, -1, -1):
        token = found[index]
        where = f"line {_row(window, token.start, first)}"
        after = found[index + 1].start if index + 1 < len(found) else len(window.rstrip())
        callee = (token.kind == "name" and not keyword.iskeyword(token.text)) or token.text in (")", "]")
        yield from _insertions(window, token.end, after, where, f"after `{token.text}`", callee=callee)
        if index == 0:
            yield from _insertions(window, token.start, token.start, where, f"before `{token.text}`", callee=False)
        if token.kind == "name":
            yield from _split(token, names, where)
        if token.kind == "name" and index + 1 < len(found) and found[index + 1].start == token.end:
            yield from _glued(token, found[index + 1], where)
        yield _deletion(window, token, where)
        if token.kind == "op":
            for text in _INSERTED:
                if text != token.text:
                    why = f"the `{token.text}` on {where} should be `{text}`"
                    yield _Edit("replace", token.start, token.end, text, why)


# Where an inserted token sits in the gap between two tokens, as PEP 8 spaces it: closers and
# separators against the token before, openers and quotes against the one after, `=` between.
_LEFT = frozenset({")", "]", "}", ",", ":"})


def _insertions(window: str, left: int, right: int, where: str, place: str, *, callee: bool) -> Iterator[_Edit]:
    """Each token of `_INSERTED` into the gap `window[left:right]` between two tokens (a
    bracket after a `callee`, a name or a closer, opens a call or subscript: against it)."""
    gap = window[left:right]
    spaced = "\n" not in gap and len(gap) >= 2
    for text in _INSERTED:
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
    return _Edit("delete", start, end, "", f"the `{token.text}` on {where} is one too many; remove it")


def _glued(name: _Token, string: _Token, where: str) -> Iterator[_Edit]:
    """A name running into the string after it, split where a string prefix could begin:
    `Badf"…"` was `Bad(f"…"` with the bracket lost."""
    if string.kind != "string":
        return
    for prefix in _PREFIXES:
        if name.text.lower().endswith(prefix) and len(name.text) > len(prefix):
            at = name.end - len(prefix)
            for text in _GLUED:
                why = f"a `{text}` is missing on {where} between `{name.text[: -len(prefix)]}` and its string; add it"
                yield _Edit("insert", at, at, text, why)


def _split(name: _Token, names: Collection[str], where: str) -> Iterator[_Edit]:
    """A name that two names of the file make up, split by the token lost between them:
    `lenself.items)` was `len(self.items)`."""
    if name.text in names:
        return
    for cut in range(1, len(name.text)):
        left, right = name.text[:cut], name.text[cut:]
        if left in names and right in names and right.isidentifier():
            for text in _SPLIT:
                why = f"a `{text}` is missing on {where} between `{left}` and `{right}`; add it"
                yield _Edit("insert", name.start + cut, name.start + cut, text, why)


def _row(text: str, offset: int, first: int) -> int:
    return first + text.count("\n", 0, offset)


class _Region:
    """The statement around the window, parsed alone to weed out edits before a whole-file
    compile: the enclosing function or class (or, at the top level, the whole file), kept
    only if the unedited region fails where the whole file does."""

    def __init__(self, before: str, after: str, wrap: bool) -> None:
        self.before, self.after, self.wrap = before, after, wrap

    @classmethod
    def around(cls, lines: Sequence[str], first: int, last: int, error: SyntaxError) -> _Region:
        window = "".join(lines[first - 1 : last])
        for start in _headers(lines, first):
            end = _block_end(lines, start, last)
            indent = _indent(lines[start - 1])
            region = cls("".join(lines[start - 1 : first - 1]), "".join(lines[last:end]), indent > 0)
            if region.fails_like(window, error, line=error.lineno or 0, offset=start - 1):
                return region
        return cls("".join(lines[: first - 1]), "".join(lines[last:]), False)

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


def _headers(lines: Sequence[str], first: int) -> Iterator[int]:
    """The lines of the `def`s and `class`es that may enclose line `first`, innermost first."""
    below = _indent(lines[first - 1]) if lines[first - 1].strip() else 1 << 30
    for number in range(first, 0, -1):
        line = lines[number - 1]
        if _HEADER.match(line) and (_indent(line) < below or number == first):
            below = _indent(line)
            yield number
            if below == 0:
                return


def _block_end(lines: Sequence[str], start: int, last: int) -> int:
    """The line (0-based index) where the block opened at `start` ends: the first line after
    `last` indented no deeper than its header that starts a statement."""
    indent = _indent(lines[start - 1])
    for index in range(last, len(lines)):
        text = lines[index]
        if text.strip() and not text.lstrip().startswith(("#", ")", "]", "}")) and _indent(text) <= indent:
            return index
    return len(lines)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" \t"))


class _Familiar:
    """How familiar an edit leaves the code: the file's own pairs of neighbouring tokens."""

    def __init__(self, text: str) -> None:
        lexed = _lex(text)
        self.pairs = Counter(_pairs(lexed))
        counted = Counter(t.text for t in lexed if t.kind == "name")
        # names used more than once (a glued one is used once), keywords and builtins
        self.names = {name for name, count in counted.items() if count > 1} | set(dir(builtins)) | _KEYWORDS

    def score(self, old_window: str, new_window: str, new_text: str) -> float:
        old, new = _lex(old_window), _lex(new_window)
        created = Counter(_pairs(new)) - Counter(_pairs(old))
        score = sum(math.log1p(self.pairs[pair]) - (1.0 if not self.pairs[pair] else 0.0) for pair in created)
        # a name the edit makes (or leaves) that the file uses nowhere else: `Badf(...)`
        names = {t.text for t in new if t.kind == "name" and not keyword.iskeyword(t.text)}
        suspects = (names - {t.text for t in old}) | (_glued_names(old) & names)
        lonely = [name for name in suspects if _once(name, new_text)]
        return score - 2.0 * len(lonely)


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
