"""What the deterministic fixers share: where a failure points, Python's lines and tokens, and
turning an edited file into a `Candidate`."""

from __future__ import annotations

import io
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from suture import diffs
from suture.policy import is_test_path
from suture.records import Candidate, Failure
from suture.source import Source


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
    absent or binary at the base commit, text that was not valid UTF-8 (its diff would
    not apply), and a line number past the end (the log and the commit disagree).
    """
    frame = failure.location
    if frame is None or is_test_path(frame.path):
        return None
    text = source.read(frame.path)
    if text is None or "\ufffd" in text:
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
