"""Parsers: one module per tool, each turning that tool's output into `Failure` records.

    parse(text, root=..., check=...) -> [Failure]   any check's output, or any CI log

A parser module has a `parse(text, *, root, check)` (`Parser`) and a `SIGN`, the pattern its
tool's failing output shows; the tool registry (`suture.run.tools`) names each tool's module,
loaded when first needed. `parse` picks by the tool the check command runs (`python -m pytest`,
`ruff check .`); when the command names none it knows (a whole CI log, `make test`, `tox`), by
what the text looks like, running each parser whose sign it shows. Uncaught Python tracebacks
are read outside a test runner's report only, and the generic `path:line: message` reader only
when nothing else found a failure. JUnit XML, tracebacks and the generic reader are formats,
not tools: they are `READERS` here.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Mapping
from types import ModuleType
from typing import Protocol, cast

from suture.diagnose.parsers import generic, junit, traceback
from suture.records import Failure
from suture.run import tools


class Parser(Protocol):
    def __call__(self, text: str, *, root: str, check: str) -> list[Failure]:
        """The failures in `text`: `root` is where the tool ran, `check` the command."""
        ...


def _junit(text: str, *, root: str, check: str) -> list[Failure]:
    try:
        return junit.parse(text, root=root, check=check)
    except ValueError:
        return []  # not a report after all: a log that starts like one


# The readers of what no one tool prints.
READERS: dict[str, Parser] = {"junit": _junit, "traceback": traceback.parse, "generic": generic.parse}


def parser(name: str) -> Parser | None:
    """The parser of the tool called `name` (the registry's), or of a format (`READERS`)."""
    tool = tools.TOOLS.get(name)
    if tool is None:
        return READERS.get(name)
    return cast(Parser, _module(tool).parse) if tool.parser else None


def _module(tool: tools.Tool) -> ModuleType:
    return importlib.import_module(tool.parser)


def signs() -> dict[str, re.Pattern[str]]:
    """What each tool's failing output shows (a traceback's last), in the registry's order."""
    found = {tool.name: getattr(_module(tool), "SIGN", None) for tool in tools.TOOLS.values() if tool.parser}
    return {**{name: sign for name, sign in found.items() if sign is not None}, "traceback": traceback.SIGN}


class _Parsers(Mapping[str, Parser]):
    """Every parser by name, tools' and formats', as the registry holds them now."""

    def __getitem__(self, name: str) -> Parser:
        found = parser(name)
        if found is None:
            raise KeyError(name)
        return found

    def __iter__(self) -> Iterator[str]:
        yield from (tool.name for tool in tools.TOOLS.values() if tool.parser)
        yield from READERS

    def __len__(self) -> int:
        return sum(1 for _ in self)


PARSERS: Mapping[str, Parser] = _Parsers()


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    """The failures in a check's output or a CI log, by the parsers that fit it."""
    if junit.is_junit(text):
        return _junit(text, root=root, check=check)
    read = parser(tool_of(check))
    if read is not None and (found := read(text, root=root, check=check)):
        return found
    return sniff(text, root=root, check=check)


def sniff(text: str, *, root: str, check: str) -> list[Failure]:
    """The failures in text of unknown origin: every parser whose tool's signs it shows."""
    shown = [name for name, sign in signs().items() if sign.search(text)]
    if "ruff" in shown and "flake8" in shown:
        shown.remove("flake8")  # ruff's concise format has flake8's shape, and its summary
    # A test runner's report holds tracebacks of its own: they are read as its failures.
    runner = any((tool := tools.TOOLS.get(name)) is not None and tool.kind == "tests" for name in shown)
    found: list[Failure] = []
    for name in shown:
        if name == "traceback" and runner:
            continue
        found.extend(PARSERS[name](text, root=root, check=check))
    return found or generic.parse(text, root=root, check=check)


def tool_of(check: str) -> str:
    """The tool a check command runs, by the registry: `python -m pytest -q` -> `pytest`; '' for none it knows."""
    tool = tools.tool_of(check)
    return tool.name if tool is not None else ""
