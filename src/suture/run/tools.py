"""The tools a check runs: one record each, in one table, and which tool a command runs.

    TOOLS: {name: Tool}                  the built-in tools, in the order a log is sniffed for them
    register(tool)                       one more (a plugin's, a test's)
    tool_of(command) -> Tool | None      'python -m pytest -q' -> pytest, 'uv run ruff check .' -> ruff
    name_of(command) -> str              the name a failure of `command` carries, known tool or not
    named(word) -> Tool | None           the tool a program word starts: '/usr/bin/black', 'py.test'

A tool's record says how a command line starts it (its name or an alias, as a program or
after `python -m`), which module reads its output (`suture.diagnose.parsers.<tool>`, loaded
when first needed: see that package), what kind of check it is, whether it fixes files and
how (the lint fixer runs its fixing mode), and whether it is quick enough to run first.

Adding a tool is one parser module (its `parse` and its `SIGN`) and one line in `TOOLS`.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

Kind = Literal["tests", "lint", "format", "types", "install"]
STATIC: frozenset[Kind] = frozenset({"lint", "format", "types"})  # findings in the source, not a run of it
# Words after which a command names packages, not programs it runs: `pip install ruff`, `uv add black`.
INSTALLERS = frozenset({"install", "add", "download", "wheel", "sync"})
OPERATORS = frozenset({"&&", "||", ";", ";;", "|", "&", "(", ")", ">", ">>", "<", "<<", "|&", "&>"})


@dataclass(frozen=True)
class Fixing:
    """A tool's fixing mode: its check command with `add` after the `subcommand` and the `drop` flags left out."""

    subcommand: str = ""  # the word after the tool that selects the mode ('check', 'format'); '' for any
    add: tuple[str, ...] = ()
    drop: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tool:
    name: str  # as a failure names it (`Failure.tool`), and as a command line starts it
    kind: Kind
    parser: str = ""  # the module that reads its output (`parse`, `SIGN`); '' when none does
    aliases: tuple[str, ...] = ()  # other names that start it ('py.test')
    fixing: tuple[Fixing, ...] = ()  # its fixing modes, tried in order
    fixed_by: tuple[str, ...] = ()  # with no fixing mode: the tools that fix what it reports
    hooks: tuple[str, ...] = ()  # its pre-commit hooks' repositories: their `rev` pins its version
    quick: bool = False  # reads the source and nothing else, in seconds: its check runs first
    settings: bool = True  # reads a [tool.<name>] table of pyproject.toml: fixes may not change it

    @property
    def static(self) -> bool:
        """A linter's, formatter's or type checker's: its findings are lint/format failures."""
        return self.kind in STATIC

    @property
    def fixes(self) -> bool:
        """The lint fixer answers its failing checks: it has a fixing mode, or others fix its findings."""
        return bool(self.fixing or self.fixed_by)

    def starts(self, word: str) -> bool:
        return word in (self.name, *self.aliases)


_PARSERS = "suture.diagnose.parsers."
_FORMAT_FLAGS = ("--check", "--check-only", "--diff", "-c")  # black's and isort's check-only flags

TOOLS: dict[str, Tool] = {
    "pytest": Tool("pytest", "tests", _PARSERS + "pytest", aliases=("py.test",)),
    "unittest": Tool("unittest", "tests", _PARSERS + "unittest", settings=False),
    "ruff": Tool(
        "ruff",
        "lint",
        _PARSERS + "ruff",
        fixing=(
            Fixing("check", add=("--fix",), drop=("--no-fix", "--diff", "--exit-zero")),
            Fixing("format", drop=("--check", "--diff")),
        ),
        hooks=("ruff-pre-commit",),
        quick=True,
    ),
    "black": Tool(
        "black",
        "format",
        _PARSERS + "black",
        fixing=(Fixing(drop=_FORMAT_FLAGS),),
        hooks=("black", "black-pre-commit-mirror"),
        quick=True,
    ),
    "isort": Tool(
        "isort", "format", _PARSERS + "isort", fixing=(Fixing(drop=_FORMAT_FLAGS),), hooks=("isort",), quick=True
    ),
    "flake8": Tool("flake8", "lint", _PARSERS + "flake8", fixed_by=("autopep8", "ruff"), hooks=("flake8",), quick=True),
    "pylint": Tool("pylint", "lint"),
    "mypy": Tool("mypy", "types", _PARSERS + "mypy"),
    "pyright": Tool("pyright", "types"),
    "pip": Tool("pip", "install", _PARSERS + "pip", settings=False),
}


def register(tool: Tool) -> None:
    """Add `tool` to the table (or replace the one of its name): a plugin's, a test's."""
    TOOLS[tool.name] = tool


def named(word: str) -> Tool | None:
    """The tool a program word starts: its name or an alias, as a path or with `.exe`."""
    name = os.path.basename(word).removesuffix(".exe")
    return next((tool for tool in TOOLS.values() if tool.starts(name)), None)


def tool_of(command: str) -> Tool | None:
    """The tool `command` runs: the first it starts that installs nothing, else the installer.

    `pip install -e . && pytest` runs pytest (the install is its set-up); `pip install ruff`
    runs pip, not ruff: the words after an installer's `install` name packages.
    """
    found = [tool for _, tool in started(words_of(command))]
    return next((tool for tool in found if tool.kind != "install"), found[0] if found else None)


def started(words: Sequence[str]) -> list[tuple[int, Tool]]:
    """Each known tool `words` start, with the index of the word that names it (`python -m X`: X's)."""
    found: list[tuple[int, Tool]] = []
    packages = False  # inside an installer's list of packages, up to the end of its command
    for index, word in enumerate(words):
        if word in OPERATORS:
            packages = False
        elif word in INSTALLERS:
            packages = True
        elif not packages:
            module = index > 0 and words[index - 1] == "-m"
            tool = named(word.split(".")[0] if module else word)
            if tool is not None:
                found.append((index, tool))
    return found


def name_of(command: str) -> str:
    """What a failure of `command` calls its tool: a known tool's name, else the module it runs
    (`python -m nox` -> nox), else its program (`make test` -> make); 'unknown' for an empty one."""
    tool = tool_of(command)
    if tool is not None:
        return tool.name
    words = words_of(command)
    module = next((after for before, after in pairwise(words) if before == "-m"), None)
    if module is not None:
        return module.split(".")[0]
    return os.path.basename(words[0]) if words else "unknown"


def words_of(command: str) -> list[str]:
    """A command's words as a shell splits them, with its operators (`&&`, `|`, `;`) as words of
    their own; with unbalanced quotes, still the words it shows."""
    words = shell_words(command)
    return command.split() if words is None else words


def shell_words(command: str) -> list[str] | None:
    """A command's words as a shell splits them, operators as words of their own; None where the
    shell could not split it (unbalanced quotes)."""
    try:
        lexer = shlex.shlex(command, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        return list(lexer)
    except ValueError:
        return None


def settings() -> tuple[str, ...]:
    """The tools that read a [tool.<name>] table of pyproject.toml."""
    return tuple(tool.name for tool in TOOLS.values() if tool.settings)
