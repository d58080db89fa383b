"""Well-known moves: how code written for an API a release removed is written for that release,
where the release's own message does not say it (or says it in prose). From the release notes;
The table is knownmoves.py; tests/test_upstream_moves.py keeps each row honest against wheels of the new API.

Two kinds of row. A *name* row is a name gone from a module and the dotted name that replaces it
(`markupsafe.soft_unicode` -> `markupsafe.soft_str`, `flask.escape` -> `markupsafe.escape`,
`numpy.float` -> `builtins.float`): fixers/upstream.py renames it as it renames what a message
names. A *shape* row is a call whose shape changes, a pattern and its template:

    {mod}   the module as the file imports it (`import pandas as pd` -> pd; added when missing)
    {api}   the row's `api` as the file reaches it: `yaml.load`, or `load` imported from yaml
    {a} {b} an operand: a name with attributes, calls and subscripts (no nested call) after it, a string
            or a number. Nothing larger: a shape moves only where what it moves is plain to see.

A shape whose words are generic (`.append(` is a list's as much as a DataFrame's) is `located`: it
is rewritten only on the lines the failure points at. The others are rewritten wherever a file
that imports the module uses them, never inside a string or a comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Callable, Container, Iterable

from suture.fixers import _common
from suture.knownmoves import Move

# An operand of a shape: a name with attributes, plain calls and subscripts after it, a string, a number.
OPERAND = r"(?:[A-Za-z_]\w*(?:\.\w+|\([^()\n]*\)|\[[^\[\]\n]*\])*|'[^'\\\n]*'|\"[^\"\\\n]*\"|\d[\w.]*)"
_PLACE = re.compile(r"\{(\w+)\}")


def aliases(text: str, module: str) -> list[str]:
    """How `text` reaches `module`: `import yaml` -> yaml, `import pandas as pd` -> pd."""
    found = re.findall(rf"^[ \t]*import {re.escape(module)}(?:[ \t]+as[ \t]+(\w+))?[ \t]*(?:#.*)?$", text, re.M)
    return [alias or module for alias in found]


def imported_names(text: str, module: str, name: str) -> list[str]:
    """The local names `name` has where `text` imports it from `module` (`from yaml import load as l`)."""
    found: list[str] = []
    for names in re.findall(rf"^[ \t]*from {re.escape(module)} import \(?([\w ,]+)\)?", text, re.M):
        for item in names.split(","):
            imported, _, local = " ".join(item.split()).partition(" as ")
            if imported == name:
                found.append(local or name)
    return found


def rewrite(move: Move, path: str, text: str, lines: Container[int]) -> str:
    """`text` with the shape row's pattern rewritten to its template (on `lines` only, if located)."""
    mods = aliases(text, move.module)
    names = imported_names(text, move.module, move.api) if move.api else []
    if not move.located and not mods and not names:
        return text  # the file does not import the module: its uses are something else's
    pattern = _pattern(move, mods, names)
    if pattern is None:
        return text
    quoted = _quoted(text)
    starts = _line_starts(text)
    edited, added = text, set(move.imports)
    for match in reversed(list(pattern.finditer(text))):
        row = _row(starts, match.start())
        if any(start <= match.start() < end for start, end in quoted) or (move.located and row not in lines):
            continue
        module = match.groupdict().get("mod") or (mods[0] if mods else move.module)
        if "{mod}" in move.new and not mods:
            added.add(move.module)
        groups = {key: value for key, value in match.groupdict().items() if value is not None}
        replaced = _filled(move.new, {**groups, "mod": module})
        edited = edited[: match.start()] + replaced + edited[match.end() :]
    if edited == text:
        return text
    edited = with_imports(edited, sorted(added))
    for name in names:  # `from importlib_resources import read_binary`, no longer used: the import goes
        edited = _without_imported(edited, move.module, name)
    return _without_import(edited, move.module) if move.gone_module else edited


def _filled(template: str, values: dict[str, str]) -> str:
    return _PLACE.sub(lambda place: values.get(place[1], place[0]), template)


def _pattern(move: Move, mods: list[str], names: list[str]) -> re.Pattern[str] | None:
    out = [r"(?<![\w.])"]
    seen: set[str] = set()
    for part in re.split(r"(\{\w+\})", move.old):
        place = _PLACE.fullmatch(part)
        if place is None:
            literal = re.escape(part)
            literal = literal.replace(r"\(", r"\(\s*").replace(r"\)", r"\s*\)").replace(",\\ ", r",\s*")
            out.append(literal.replace("\\ ", r"\s*"))
        elif place[1] == "mod":
            if not mods:
                return None
            out.append(f"(?P<mod>{'|'.join(map(re.escape, mods))})")
        elif place[1] == "api":
            options = [f"{re.escape(mod)}\\.{move.api}" for mod in mods] + [re.escape(name) for name in names]
            if not options:
                return None
            out.append(f"(?P<api>{'|'.join(options)})(?!\\w)")
        elif place[1] in seen:
            out.append(f"(?P={place[1]})")
        else:
            seen.add(place[1])
            out.append(f"(?P<{place[1]}>{OPERAND})")
    return re.compile("".join(out))


def with_imports(text: str, modules: Iterable[str]) -> str:
    """`text` with `import module` for each module it does not import yet, before its first import."""
    missing = [m for m in modules if not re.search(rf"^import {re.escape(m)}[ \t]*(?:#.*)?$", text, re.M)]
    if not missing:
        return text
    block = "".join(f"import {module}\n" for module in missing)
    first = re.search(r"^(?:import|from) (?!__future__)", text, re.M)
    at = first.start() if first else 0
    return text[:at] + block + ("\n" if first is None and text else "") + text[at:]


def _without_import(text: str, module: str) -> str:
    """`text` without `import module` when nothing else in it names the module any more."""
    pattern = re.compile(rf"^[ \t]*import {re.escape(module)}[ \t]*(?:#.*)?\n", re.M)
    rest = pattern.sub("", text)
    used = any(t.type == tokenize.NAME and t.string == module for t in _common.tokens(rest))
    return text if used else rest


def _without_imported(text: str, module: str, local: str) -> str:
    """`text` without `local` in its `from module import ...` line when nothing else in it names it."""
    pattern = re.compile(
        rf"^(?P<indent>[ \t]*)from {re.escape(module)} import (?P<names>[\w ,]+?)[ \t]*(?:#.*)?$", re.M
    )
    match = next((m for m in pattern.finditer(text) if local in _locals(m["names"])), None)
    if match is None:
        return text
    rest = text[: match.start()] + text[match.end() :]
    if any(t.type == tokenize.NAME and t.string == local for t in _common.tokens(rest)):
        return text
    kept = [item.strip() for item in match["names"].split(",") if _locals(item) != [local] and item.strip()]
    if kept:
        return f"{text[: match.start()]}{match['indent']}from {module} import {', '.join(kept)}{text[match.end() :]}"
    return text[: match.start()] + text[match.end() :].removeprefix("\n")  # the whole line goes


def _locals(names: str) -> list[str]:
    """The local names a `from m import a, b as c` list binds: [a, c]."""
    found = []
    for item in names.split(","):
        imported, _, alias = " ".join(item.split()).partition(" as ")
        if imported:
            found.append(alias or imported)
    return found


def _quoted(text: str) -> list[tuple[int, int]]:
    """Where the strings and comments of `text` are: (start, end) offsets."""
    starts = _line_starts(text)
    return [
        (starts[t.start[0] - 1] + t.start[1], starts[t.end[0] - 1] + t.end[1])
        for t in _common.tokens(text)
        if t.type in (tokenize.STRING, tokenize.COMMENT)
    ]


def _line_starts(text: str) -> list[int]:
    starts, at = [], 0
    for line in io.StringIO(text).readlines():
        starts.append(at)
        at += len(line)
    return [*starts, at]


def _row(starts: list[int], offset: int) -> int:
    """The 1-based line of `offset`."""
    return next((row for row, start in enumerate(starts[1:], 1) if offset < start), len(starts))


Edit = Callable[[str, str], str]  # (path, text) -> the text migrated
