"""Parsers: one module per tool, each turning that tool's output into `Failure` records.

    parse(text, root=..., check=...) -> [Failure]   any check's output, or any CI log

Every parser has that signature (`Parser`). `parse` picks by the tool the check command
runs (`python -m pytest`, `ruff check .`); when the command names none it knows (a whole CI
log, `make test`, `tox`), by what the text looks like (`SIGNS`), running each parser whose
signs it shows. Uncaught Python tracebacks are read outside a test runner's report only,
and the generic `path:line: message` reader only when nothing else found a failure.
"""

from __future__ import annotations

import os
import re
import shlex
from typing import Protocol

from suture.diagnose.parsers import black, flake8, generic, isort, junit, mypy, pip, ruff, traceback, unittest
from suture.diagnose.parsers import pytest as pytest_parser
from suture.records import Failure


class Parser(Protocol):
    def __call__(self, text: str, *, root: str, check: str) -> list[Failure]:
        """The failures in `text`: `root` is where the tool ran, `check` the command."""
        ...


def _junit(text: str, *, root: str, check: str) -> list[Failure]:
    try:
        return junit.parse(text, root=root, check=check)
    except ValueError:
        return []  # not a report after all: a log that starts like one


PARSERS: dict[str, Parser] = {
    "pytest": pytest_parser.parse_output,
    "unittest": unittest.parse,
    "ruff": ruff.parse,
    "black": black.parse,
    "isort": isort.parse,
    "flake8": flake8.parse,
    "mypy": mypy.parse,
    "pip": pip.parse,
    "junit": _junit,
    "traceback": traceback.parse,
    "generic": generic.parse,
}

# What each tool's failing output shows, for a log whose command says nothing.
SIGNS: dict[str, re.Pattern[str]] = {
    "pytest": re.compile(
        r"^=+ (?:FAILURES|ERRORS|short test summary info) =+$|^(?:FAILED|ERROR) \S+\.py(?:::|\s|$)", re.MULTILINE
    ),
    "unittest": re.compile(r"^(?:FAIL|ERROR): \S+ \([\w.]+\)$", re.MULTILINE),
    "ruff": re.compile(
        r"^(?:[A-Z]{1,4}\d{1,4} (?:\[\*\] )?|invalid-syntax: |unformatted: ).+\n\s*--> |^Would reformat: "
        r"|^Found \d+ errors?\.$|^\[\*\] \d+ fixable",
        re.MULTILINE,
    ),
    "black": re.compile(r"^would reformat |^error: cannot (?:format|parse)|^Oh no! ", re.MULTILINE),
    "isort": re.compile(r"^ERROR: .+ Imports are incorrectly sorted", re.MULTILINE),
    "flake8": re.compile(r"^\S+?:\d+:\d+: [A-Z]{1,3}\d{2,4} ", re.MULTILINE),
    "mypy": re.compile(r"^\S+?:\d+(?::\d+)?: error: .*\[[\w-]+\]$|^Found \d+ errors? in \d+ files? \(", re.MULTILINE),
    "pip": re.compile(
        r"^ERROR: (?:Could not find a version|No matching distribution|Cannot install|ResolutionImpossible"
        r"|Failed building wheel|Could not install packages)",
        re.MULTILINE,
    ),
    "traceback": re.compile(r"Traceback \(most recent call last\):"),
}
_RUNNERS = frozenset({"pytest", "unittest"})  # their reports hold tracebacks of their own


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    """The failures in a check's output or a CI log, by the parsers that fit it."""
    if junit.is_junit(text):
        return _junit(text, root=root, check=check)
    tool = tool_of(check)
    if tool in PARSERS and (found := PARSERS[tool](text, root=root, check=check)):
        return found
    return sniff(text, root=root, check=check)


def sniff(text: str, *, root: str, check: str) -> list[Failure]:
    """The failures in text of unknown origin: every parser whose tool's signs it shows."""
    shown = [name for name, sign in SIGNS.items() if sign.search(text)]
    if "ruff" in shown and "flake8" in shown:
        shown.remove("flake8")  # ruff's concise format has flake8's shape, and its summary
    found: list[Failure] = []
    for name in shown:
        if name == "traceback" and _RUNNERS.intersection(shown):
            continue
        found.extend(PARSERS[name](text, root=root, check=check))
    return found or generic.parse(text, root=root, check=check)


def tool_of(check: str) -> str:
    """The parser for a check command: `python -m pytest -q` -> `pytest`, `ruff format .` -> `ruff`."""
    try:
        words = shlex.split(check)
    except ValueError:
        words = check.split()
    for index, word in enumerate(words):
        name = os.path.basename(word).removesuffix(".exe")
        if name == "-m" and index + 1 < len(words):
            name = words[index + 1].split(".")[0]
        if name in ("py.test", "pytest"):
            return "pytest"
        if name in PARSERS and name not in ("junit", "traceback", "generic"):
            return name
    return ""
