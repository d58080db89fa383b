"""The paths a diff names, read as git writes them.

git C-quotes a path that is not plain printable ASCII (`core.quotePath`, on by default):
`diff --git "a/tests/t\\303\\251st_calc.py" "b/tests/t\\303\\251st_calc.py"`, with octal
escapes for its UTF-8 bytes and `\\t`, `\\n`, `\\"`, `\\\\` for the rest. A reader that only
knows `--- a/<path>` misses such a file, and a rule about test files with it
(docs/security.md: "text that escapes its frame"). Listings suture asks git for use `-z`
and need none of this; a diff has no `-z`, so its headers are read here.
"""

from __future__ import annotations

import re

_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}
_OCTAL = re.compile(r"[0-7]{3}")
_HEADER = re.compile(
    r"^(?:diff --git (?P<pair>.+)|--- (?P<old>.+)|\+\+\+ (?P<new>.+)|(?:rename|copy) (?:from|to) (?P<moved>.+))$"
)


def unquote(field: str) -> str:
    """A path as git printed it: C-quoted (decoded, its bytes as UTF-8) or plain (as it is)."""
    if len(field) > 1 and field[0] == '"':
        path, _ = _quoted(field)
        if path is not None:
            return path
    return field


def _quoted(text: str) -> tuple[str | None, str]:
    """The C-quoted string at the start of `text` and what follows it; (None, text) if it is not one."""
    out = bytearray()
    at = 1
    while at < len(text):
        char = text[at]
        if char == '"':
            return out.decode("utf-8", errors="surrogateescape"), text[at + 1 :]
        if char != "\\":
            out += char.encode("utf-8", errors="surrogateescape")
            at += 1
            continue
        octal = _OCTAL.match(text, at + 1)
        if octal:
            out.append(int(octal[0], 8) & 0xFF)
            at += 4
        elif at + 1 < len(text) and text[at + 1] in _ESCAPES:
            out.append(_ESCAPES[text[at + 1]])
            at += 2
        else:
            return None, text
    return None, text


def header_path(field: str, prefix: str) -> str | None:
    """The path of a `---`/`+++` header's field (`a/x`, `"b/t\\303\\251st"`), without its `prefix`;
    None for /dev/null or a field without the prefix."""
    if field.startswith('"'):
        path, _ = _quoted(field)
    else:
        path = field.split("\t")[0]  # `diff -u` appends a tab and a date
    return path[len(prefix) :] if path is not None and path.startswith(prefix) else None


def pair(rest: str) -> tuple[str, ...]:
    """The two paths of `diff --git <rest>`, either of them quoted or not."""
    if rest.startswith('"'):
        first, after = _quoted(rest)
        second = unquote(after.strip()) if first is not None else None
        found = (first, second)
    else:
        quoted = rest.find(' "b/')
        match = re.fullmatch(r"(.+?) (b/.+)", rest) if quoted < 0 else None
        if quoted >= 0:
            found = (rest[:quoted], unquote(rest[quoted + 1 :]))
        else:
            found = (match[1], match[2]) if match else (None, None)
    return tuple(path[2:] for path, side in zip(found, ("a/", "b/"), strict=True) if path and path.startswith(side))


def touched(diff: str) -> tuple[str, ...]:
    """Every path the diff reads or writes: ---/+++ lines, `diff --git` headers, renames, copies."""
    found: list[str] = []
    for line in diff.splitlines():
        match = _HEADER.match(line.rstrip("\r"))
        if not match:
            continue
        if match["pair"]:
            found += pair(match["pair"])
        elif match["moved"]:
            found.append(unquote(match["moved"]))
        else:
            side = header_path(match["old"], "a/") if match["old"] else header_path(match["new"], "b/")
            found += [side] if side else []
    return tuple(dict.fromkeys(found))
