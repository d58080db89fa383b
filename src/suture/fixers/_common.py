"""What the deterministic fixers share: where a failure points, Python's lines and tokens, and
turning an edited file into a `Candidate`."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass

from suture import diffs
from suture.fixers import _fstrings
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path


@dataclass(frozen=True)
class Target:
    """The line a failure points at, in a file a fixer may edit, with that file's base text."""

    path: str
    line: int  # 1-based, always inside the file
    column: int | None  # 1-based, when the tool reported one
    text: str


def target(failure: Failure, source: Source) -> Target | None:
    """Where `failure` raised, or None when no fixer should touch it.

    None for: no repo-local frame, a test file (tests are read-only), a file that is
    absent, binary or not valid UTF-8 at the base commit (`Source.read` gives None: its
    diff would not apply; a literal U+FFFD is valid text), and a line number past the end
    (the log and the commit disagree).
    """
    frame = failure.location
    if frame is None or is_test_path(frame.path):
        return None
    text = source.read(frame.path)
    if text is None:
        return None
    if not 1 <= frame.line <= len(lines(text)):
        return None
    return Target(frame.path, frame.line, frame.column, text)


def lines(text: str) -> list[str]:
    """`text` split where Python splits source lines ('\\n' only, unlike str.splitlines,
    which also splits on form feeds and other separators the interpreter does not count)."""
    return io.StringIO(text).readlines()


def tokens(text: str) -> Iterator[tokenize.TokenInfo]:
    """The tokens of `text`, stopping quietly at the first tokenizer error: a broken file
    still yields everything before the break, which is all a line-level fix needs."""
    try:
        yield from tokenize.generate_tokens(io.StringIO(text).readline)
    except (tokenize.TokenError, SyntaxError):
        return


def candidate(
    failure: Failure, *, origin: str, path: str, old: str, new: str, rationale: str, rank: int
) -> Candidate | None:
    """The candidate turning `old` into `new`, or None when nothing changed."""
    diff = diffs.unified(path, old, new)
    if not diff:
        return None
    return Candidate(origin=origin, diff=diff, rationale=rationale, fingerprint=failure.fingerprint, rank=rank)


def edit(failure: Failure, target: Target, new: str, *, origin: str, rationale: str, rank: int) -> Candidate | None:
    """The candidate turning the target's file into `new`, or None when nothing changed."""
    return candidate(failure, origin=origin, path=target.path, old=target.text, new=new, rationale=rationale, rank=rank)


@dataclass(frozen=True)
class Broken:
    """A target file that does not compile, and where this interpreter's compiler stops."""

    target: Target
    error: SyntaxError
    line: int  # 1-based
    column: int  # 0-based


def broken(failure: Failure, source: Source) -> Broken | None:
    """The target and what compiling it raises, for a fixer of files that do not parse; None
    when there is no target, or the file compiles here (the log is about another version of
    it), or the compiler cannot say where it stopped."""
    found = target(failure, source)
    error = compile_error(found.text, found.path) if found else None
    if found is None or error is None or error.lineno is None or error.offset is None:
        return None
    # a line at column 0 can come with offset 0 (an expected indented block, on Python 3.11)
    return Broken(found, error, error.lineno, max(error.offset - 1, 0))


def unique(candidates: Iterable[Candidate | None]) -> list[Candidate]:
    """The candidates without the Nones and without repeats of the same diff, in order."""
    seen: set[str] = set()
    kept = []
    for found in candidates:
        if found is not None and found.diff not in seen:
            seen.add(found.diff)
            kept.append(found)
    return kept


def article(word: str) -> str:
    """'an int', 'a NoneType': for rationales that read as sentences."""
    return f"an {word}" if word and word[0].lower() in "aeiou" else f"a {word}"


def compile_error(text: str, path: str) -> SyntaxError | None:
    """What compiling `text` raises, or None if it compiles. Compiling runs nothing; it is how
    a fixer checks that an edit parses for the interpreter suture runs on."""
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return exc
    except (ValueError, RecursionError) as exc:  # null bytes; nesting deeper than the compiler's
        return SyntaxError(str(exc))
    return None


def distance(a: str, b: str) -> int:
    """Edits (insert, delete, substitute, swap two neighbours) turning `a` into `b`: a swap is
    one typo (`aera`), not two."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other))
            if i > 1 and j > 1 and char == b[j - 2] and a[i - 2] == other:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def closest(word: str, choices: Iterable[str]) -> str | None:
    """The one choice `word` is most likely a typo of, or None when no choice is close enough or
    two are equally close.

    Conservative on purpose, since no interpreter vouches for the guess: one edit for names
    of up to six characters, two for longer ones, nothing for names shorter than three (`x`
    is one edit from every other one-letter name). A difference of case alone counts as one
    edit.
    """
    if len(word) < 3:
        return None
    allowed = 1 if len(word) <= 6 else 2
    scored: dict[int, list[str]] = {}
    for choice in set(choices):
        if choice == word:
            continue
        cost = 1 if choice.lower() == word.lower() else distance(word, choice)
        if cost <= allowed:
            scored.setdefault(cost, []).append(choice)
    if not scored:
        return None
    best = scored[min(scored)]
    return best[0] if len(best) == 1 else None


def ranked(word: str, choices: Iterable[str], *, weight: Mapping[str, int] | None = None) -> list[str]:
    """Every choice `word` may be a typo of, likeliest first: within `closest`'s cutoff, and for
    a word of two letters a three-letter choice it lost one letter of (`ln`, `len`); fewer edits
    first, then the choice `weight` counts most (its uses in the file, say), then by name."""
    kept = set(choices) - {word}
    if len(word) == 2:
        costs = {c: 1 for c in kept if len(c) == 3 and distance(word, c) == 1}
    else:
        costs = {c: 1 if c.lower() == word.lower() else distance(word, c) for c in kept if closest(word, [c]) == c}
    counts = weight or {}
    return sorted(costs, key=lambda c: (costs[c], -counts.get(c, 0), c))


def nearest(word: str, choices: Iterable[str]) -> list[str]:
    """Every choice as close to `word` as the closest, within `closest`'s cutoff, sorted."""
    tied = [choice for choice in set(choices) if closest(word, [choice]) == choice]
    costs = {c: (1 if c.lower() == word.lower() else distance(word, c)) for c in tied}
    return sorted(c for c in tied if costs[c] == min(costs.values()))


@dataclass(frozen=True)
class Repair:
    """One edit of a file that does not compile."""

    new: str  # the whole file after the edit
    rationale: str
    last_line: int  # the last line the edit touched: an error left at or above it is not fixed


def repaired(
    failure: Failure, target: Target, repairs: Iterable[Repair], *, origin: str, limit: int = 3
) -> list[Candidate]:
    """Candidates for the repairs that get the compiler past the reported error, best first:
    those that compile (rank 0); when none does, those that stop only further down (rank 1,
    the one the compiler gets furthest in first: the file holds another mistake); at most
    `limit` of them.

    Compiling is how a syntax fixer checks itself before verification spends a check run.
    """
    scored = []
    for order, repair in enumerate(repairs):
        error = compile_error(repair.new, target.path)
        after = max(repair.last_line, target.line)
        if error is not None and (error.lineno is None or error.lineno <= after):
            continue
        rank, reached = (0, 0) if error is None else (1, error.lineno or 0)
        scored.append((rank, -reached, order, repair))
    scored.sort(key=lambda item: item[:3])
    if scored and scored[0][0] == 0:  # an edit that leaves a later error then only moved it
        scored = [item for item in scored if item[0] == 0]
    found = (
        candidate(
            failure, origin=origin, path=target.path, old=target.text, new=r.new, rationale=r.rationale, rank=rank
        )
        for rank, _, _, r in scored
    )
    return unique(found)[:limit]


def rename(text: str, wrong: str, right: str, *, attribute: bool | None, only: Container[int] | None = None) -> str:
    """`text` with the NAME tokens `wrong` renamed to `right`, never inside strings or comments
    (but inside the replacement fields of an f-string: `f"{reslt:>4}"`).

    `attribute` True renames attributes (a name right after a "."), False plain names (but
    not a keyword in a call: `f(reslt=reslt)` keeps the parameter's name), None both;
    `only` limits the renaming to those 1-based lines. A file that stops tokenizing is
    renamed up to the break.
    """
    places = [place for place in _uses(text, wrong, attribute) if only is None or place[0] in only]
    edited = lines(text)
    for row, column in sorted(places, reverse=True):  # right to left, so earlier columns stay valid
        line = edited[row - 1]
        edited[row - 1] = line[:column] + right + line[column + len(wrong) :]
    return "".join(edited)


def _uses(text: str, wrong: str, attribute: bool | None) -> list[tuple[int, int]]:
    """Where `rename` would rename `wrong` in `text`: (1-based row, 0-based column) pairs."""
    significant = [token for token in tokens(text) if token.type not in (tokenize.NL, tokenize.COMMENT)]
    places: list[tuple[int, int]] = []
    signature: list[bool] = []  # per open bracket: whether it holds a def's parameters
    for index, token in enumerate(significant):
        if token.type == tokenize.OP and token.string in "([{":
            signature.append(token.string == "(" and index >= 2 and significant[index - 2].string == "def")
        elif token.type == tokenize.OP and token.string in ")]}" and signature:
            signature.pop()
        if token.type == tokenize.STRING:
            places.extend(_uses_in_fields(token, wrong, attribute))
        if token.type != tokenize.NAME or token.string != wrong:
            continue
        before = significant[index - 1].string if index else ""
        after = significant[index + 1].string if index + 1 < len(significant) else ""
        if attribute is not None and (before == ".") != attribute:
            continue
        if before in ("(", ",") and after == "=" and not (signature and signature[-1]):
            continue  # a keyword in a call, not a parameter with a default
        places.append(token.start)
    return places


def _uses_in_fields(token: tokenize.TokenInfo, wrong: str, attribute: bool | None) -> Iterator[tuple[int, int]]:
    """`_uses` inside the replacement fields of an f-string token (one STRING token up to
    Python 3.11), placed in the file."""
    for offset, expression in _fstrings.fields(token.string):
        # on one line (a newline for a space keeps every offset), the field's names are at row 1
        for _, column in _uses(expression.replace("\n", " "), wrong, attribute):
            at = offset + column
            newline = token.string.rfind("\n", 0, at)
            if newline < 0:
                yield token.start[0], token.start[1] + at
            else:
                yield token.start[0] + token.string.count("\n", 0, at), at - newline - 1


def candidate_over(
    failure: Failure, *, origin: str, edits: Mapping[str, tuple[str, str]], rationale: str, rank: int
) -> Candidate | None:
    """The candidate making every `path: (old, new)` edit at once (a definition renamed with its
    importers, say), or None when nothing changed."""
    diff = diffs.join([diffs.unified(path, old, new) for path, (old, new) in edits.items()])
    if not diff:
        return None
    return Candidate(origin=origin, diff=diff, rationale=rationale, fingerprint=failure.fingerprint, rank=rank)
