"""SyntaxError for a character Python does not accept in code: what a word processor, a
chat window or a web page put there.

    invalid character '“' (U+201C)              “text”  ->  "text"
    invalid character '—' (U+2014)              a — b   ->  a - b
    invalid character '（' (U+FF08)             full-width punctuation -> its ASCII form
    invalid non-printable character U+00A0      a no-break space -> a space; U+200B -> nothing

The compiler only complains about characters outside string literals, so each one it
reports is replaced (a curly quote with its partner on the same line), and the file is
compiled again until it reports no more of them. The edit is compiled; it is proposed
only when it gets past the reported error.
"""

# ruff: noqa: RUF001, RUF002
# (This module is about the very characters those rules warn of.)

from __future__ import annotations

import re
import unicodedata

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_INVALID = re.compile(r"invalid (?:non-printable )?character (?:'.' \()?U\+(?P<code>[0-9A-F]{4,6})\)?")
_DOUBLE_QUOTES = "“”„‟«»″"
_SINGLE_QUOTES = "‘’‚‛′"
_REPLACEMENTS = {
    **dict.fromkeys(_DOUBLE_QUOTES, '"'),
    **dict.fromkeys(_SINGLE_QUOTES, "'"),
    **dict.fromkeys("‐‑‒–—―−", "-"),  # dashes and the minus sign
    "×": "*",
    "÷": "/",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "…": "...",
    **dict.fromkeys("\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000", " "),
    **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff", ""),
}
# One file rarely holds more pasted characters than this; the loop stops there.
_ROUNDS = 200


class CharactersFixer:
    name = "characters"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "SyntaxError" or not _INVALID.fullmatch(failure.message.strip()):
            return []
        target = _common.target(failure, source)
        if target is None or _common.compile_error(target.text, target.path) is None:
            return []
        lines = _common.lines(target.text)
        replaced: dict[str, str] = {}
        for _ in range(_ROUNDS):
            error = _common.compile_error("".join(lines), target.path)
            found = _INVALID.fullmatch(error.msg) if error and error.lineno and error.offset else None
            if error is None or found is None or error.lineno is None or error.offset is None:
                break
            char = chr(int(found["code"], 16))
            new = _replace(lines, error.lineno, error.offset - 1, char)
            if new is None:
                break
            replaced[char] = new
        if not replaced:
            return []
        listed = ", ".join(f"{_name(old)} with {_name(new)}" for old, new in replaced.items())
        repair = _common.Repair("".join(lines), f"replace {listed}, which Python does not read as code", target.line)
        return _common.repaired(failure, target, [repair], origin=self.name)


def _replace(lines: list[str], row: int, column: int, char: str) -> str | None:
    """Replace `char` at (row, column) in place, and a curly quote's partner after it on the
    line; what it was replaced with, or None when it is not there or has no stand-in."""
    text = lines[row - 1]
    new = _stand_in(char)
    if text[column : column + 1] != char or new is None:
        return None
    if char in _DOUBLE_QUOTES + _SINGLE_QUOTES:
        family = _DOUBLE_QUOTES if char in _DOUBLE_QUOTES else _SINGLE_QUOTES
        partner = next((i for i in range(column + 1, len(text)) if text[i] in family), None)
        if partner is not None:
            text = text[:partner] + new + text[partner + 1 :]
    lines[row - 1] = text[:column] + new + text[column + 1 :]
    return new


def _stand_in(char: str) -> str | None:
    """What `char` means in code: from the table, its compatibility form (full-width `（` is
    `(`), nothing for a control character; None when there is no such thing."""
    if char in _REPLACEMENTS:
        return _REPLACEMENTS[char]
    normal = unicodedata.normalize("NFKC", char)
    if normal != char and normal.isascii():
        return normal
    return "" if unicodedata.category(char) == "Cc" else None


def _name(text: str) -> str:
    if not text:
        return "nothing"
    return " ".join(f"U+{ord(char):04X}" if not char.isprintable() or char.isspace() else f"'{char}'" for char in text)
