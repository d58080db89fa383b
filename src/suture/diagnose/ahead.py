"""Ahead of the break: the deprecation warnings of a green run, read as tomorrow's breakage.

    deprecations(text, owners=..., versions=...) -> list[Deprecation]    by distribution, then message

A passing run's output (pytest's warnings summary, the interpreter's `-W` lines in a CI log) says
which APIs the next release will remove, and often what replaces them: `'werkzeug.urls.url_quote'
is deprecated and will be removed in Werkzeug 2.4. Use 'urllib.parse.quote' instead.` Each warning
is put under the distribution it belongs to: the installed package its location is in
(`.../site-packages/werkzeug/urls.py:545`), else the package its category is defined in
(`pydantic.warnings.PydanticDeprecatedSince20`), else the first installed module its message names
(a warning issued with stacklevel=2 points at the project's own line). The version comes from the
environment's dist-info when one is here, else from pip's `Successfully installed` line in the log.
Everything read is the log's text: it is redacted and cleaned by the caller before it is shown.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, cast

from suture.diagnose import upstream
from suture.run import venv

# `path:line: Category: message` (pytest's summary indents it; a CI log may put a timestamp first).
_LINE = re.compile(
    r"(?P<path>[^\s:]+?\.py):(?P<line>\d+): "
    rf"(?P<category>(?:[A-Za-z_][\w]*\.)*{upstream.DEPRECATION}): "
    r"(?P<message>.{1,2000}?)[ \t\r]*$"
    r"(?:\n[ \t]+(?P<code>\S.{0,500}?)[ \t\r]*$)?",  # pytest shows the line of code the warning points at
    re.MULTILINE,
)
_SITE = re.compile(r"/(?:site|dist)-packages/(?P<module>[A-Za-z_]\w*)")
_DOTTED = re.compile(r"(?<![\w./])(?P<module>[A-Za-z_]\w*)\.[A-Za-z_]\w*")
# "removed in Werkzeug 2.1", "as of NumPy 1.25.0", "in Pydantic V2.0": a distribution by its name and a version.
_RELEASE = re.compile(r"\b(?P<name>[A-Za-z][\w.-]*[A-Za-z0-9]) [vV]?\d+\.\d+")
MAX_WARNINGS = 500  # distinct warnings kept from one log
TAIL = 4 * 1024 * 1024  # bytes of a log's end read for its warnings (pytest prints its summary last)


@dataclass(frozen=True)
class Deprecation:
    distribution: str  # '' when nothing says whose it is
    version: str  # the installed version ('' when unknown)
    category: str  # DeprecationWarning, pydantic.warnings.PydanticDeprecatedSince20, ...
    message: str
    replacement: str  # what the message names instead ('' when it names nothing)
    where: str  # the first `path:line` it was shown at
    count: int  # how many times the output shows it

    def to_dict(self) -> dict[str, object]:
        return {
            "distribution": self.distribution,
            "version": self.version,
            "category": self.category,
            "message": self.message,
            "replacement": self.replacement,
            "where": self.where,
            "count": self.count,
        }


def deprecations(
    text: str,
    *,
    owner: Callable[[str], tuple[str, str] | None] = lambda _: None,
    installed_log: str = "",
) -> list[Deprecation]:
    """The deprecation warnings `text` shows, each once, grouped by distribution.

    `owner(name)` is (distribution, version) for an installed top-level module or distribution
    name, when an environment is here to say; else a name pip's `Successfully installed` line in
    `installed_log` lists (or a site-packages directory's) stands for its distribution."""
    logged = upstream.installed_in_log(installed_log)
    seen: dict[tuple[str, str], list[str]] = {}  # (category, message) -> every `path:line` it was shown at
    code: dict[tuple[str, str], list[str]] = {}  # and the lines of code shown with it
    for match in _LINE.finditer(text):
        key = (match["category"], match["message"])
        if key in seen or len(seen) < MAX_WARNINGS:
            seen.setdefault(key, []).append(f"{match['path']}:{match['line']}")
            code.setdefault(key, []).extend([match["code"]] if match["code"] else [])
    found = [_attributed(*key, wheres, code[key], owner, logged) for key, wheres in seen.items()]
    return sorted(found, key=lambda d: (d.distribution == "", d.distribution.lower(), d.message))


def _attributed(
    category: str,
    message: str,
    wheres: list[str],
    code: list[str],
    owner: Callable[[str], tuple[str, str] | None],
    logged: Mapping[str, str],
) -> Deprecation:
    """Whose the warning is: the installed package a location is in, the package its category is
    defined in, a distribution the message names with a version, a module it names, the module the
    line of code it points at reaches the name through (`deprdist.api()`); '' when none."""
    sites = [found["module"] for found in map(_SITE.search, wheres) if found]
    candidates = [*sites, *([category.partition(".")[0]] if "." in category else [])]
    candidates += [m["name"] for m in _RELEASE.finditer(message)] + [m["module"] for m in _DOTTED.finditer(message)]
    api = upstream.gone_name(message, "")
    if api:  # `deprdist.api()` under "`api` is deprecated": the module the project reaches it through
        candidates += re.findall(rf"(?<![\w.])([A-Za-z_]\w*)\.{re.escape(api)}\b", "\n".join(code))
    distribution, version = "", ""
    for name in candidates:
        named = owner(name)
        if named is not None:
            distribution, version = named
            break
        if venv.normal(name) in logged or name in sites:
            distribution, version = name, logged.get(venv.normal(name), "")
            break
    gone = upstream.gone_name(message, candidates[0]) if candidates else ""
    instead, guessed = upstream.replacement_of(message, gone)
    return Deprecation(distribution, version, category, message, "" if guessed else instead, wheres[0], len(wheres))


def grouped(found: list[Deprecation]) -> dict[str, list[Deprecation]]:
    """`found` by distribution ('' last: the warnings nothing attributes)."""
    groups: dict[str, list[Deprecation]] = {}
    for item in found:
        groups.setdefault(item.distribution, []).append(item)
    return groups


class Tail:
    """A log as fromlog.read takes it, and its last TAIL bytes as text once read: a file's read
    again from its end, a stream's kept as it passes (stdin is read once)."""

    def __init__(self, log: Path | BinaryIO) -> None:
        self.path = log if isinstance(log, Path) else None
        self.kept = bytearray()
        self.stream: Path | BinaryIO = log if isinstance(log, Path) else cast(BinaryIO, _Tee(log, self.kept))

    def text(self) -> str:
        if self.path is None:
            return self.kept.decode("utf-8", errors="replace")
        try:
            with open(self.path, "rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - TAIL))
                return handle.read(TAIL).decode("utf-8", errors="replace")
        except OSError:
            return ""


class _Tee:
    def __init__(self, stream: BinaryIO, kept: bytearray) -> None:
        self.source, self.kept = stream, kept

    def read(self, size: int = -1) -> bytes:
        chunk = self.source.read(size)
        self.kept += chunk
        del self.kept[:-TAIL]
        return chunk


def local_owner(environ: Mapping[str, str]) -> Callable[[str], tuple[str, str] | None]:
    """(distribution, version) of an installed top-level module, read from the active virtualenv's
    dist-info (VIRTUAL_ENV; nothing of it runs); None for every module when there is none."""
    prefix = environ.get("VIRTUAL_ENV", "")
    found: dict[str, venv.Distribution] = {}
    for site in venv.site_packages(Path(prefix)) if prefix.startswith("/") else ():
        found.update(venv.installed(site))

    def owner(name: str) -> tuple[str, str] | None:
        """By a top-level module it installs, or by its own name (`NumPy` -> numpy)."""
        dist = venv.owner(found, name) or found.get(venv.normal(name))
        return (dist.name, dist.version) if dist is not None else None

    return owner
