"""A failed assertion whose cause raised nothing: mistakes the code itself shows.

When a test's assertion fails, the mistake may never have raised: an error swallowed by
the project's own `except` (`uuid.UID(obj)` inside `try: ... except AttributeError:
return False`), or a value never returned (`key in self.__data` left as the last
statement of `__contains__`). Two such mistakes can be read from the code without
running it:

- in a function pytest's report names (`where False = strutils.is_uuid(...)`), an
  attribute a standard-library module does not have: renamed to the module's closest
  (`uuid.UID` -> `uuid.UUID`);
- in any module of the project, a function that returns nothing and ends in a comparison,
  a boolean or an arithmetic expression, whose value is thrown away: returned (rank 1: an
  expression statement can be meant, a thrown-away comparison hardly ever is).

Tests are never edited, nor are they searched; verification decides, as always.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from suture.fixers import _common, _project
from suture.fixers._library import qualified, stdlib_module
from suture.fixers.returns import returns_a_value
from suture.records import Candidate, Failure
from suture.run.source import Source

# pytest's assertion report: `+  where False = <function is_uuid at 0x...>(...)`,
# `+    where <function is_uuid at 0x...> = strutils.is_uuid`, `+  where 3 = obj.count()`.
_NAMED = re.compile(r"where .*?= (?:<function (?P<function>\w+) at 0x[0-9a-f]+>|(?:\w+\.)*(?P<called>\w+)\()")
_WHERE = re.compile(r"where <function (?P<function>\w+) at 0x[0-9a-f]+> = ")
_THROWN_AWAY = (ast.Compare, ast.BoolOp, ast.BinOp)
LIMIT = 3  # candidates of the module-wide search

_Function = ast.FunctionDef | ast.AsyncFunctionDef


class AssertionsFixer:
    name = "assertions"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type != "AssertionError":
            return []
        named = named_functions(failure.excerpt or failure.message)
        found: list[Candidate | None] = []
        for path, function in _definitions(source, named):
            found += _unknown_attributes(failure, source, path, function)
        found += list(_thrown_away(failure, source))[:LIMIT]
        return _common.unique(found)


def named_functions(report: str) -> set[str]:
    """The names of the functions pytest's assertion report shows being called."""
    names = set()
    for line in report.splitlines():
        for match in _NAMED.finditer(line):
            names.add(match["function"] or match["called"])
        names.update(match["function"] for match in _WHERE.finditer(line))
    return names


def _definitions(source: Source, names: set[str]) -> Iterator[tuple[str, _Function]]:
    """The project's functions and methods (outside tests) with one of `names`."""
    if not names:
        return
    for path in _project.modules(source).values():
        module = _project.tree(source, path)
        for node in ast.walk(module) if module else ():
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in names:
                yield path, node


def _unknown_attributes(failure: Failure, source: Source, path: str, function: _Function) -> list[Candidate | None]:
    """`module.attribute` in `function` where the standard-library module has no such attribute."""
    module = _project.tree(source, path)
    text = source.read(path)
    if module is None or text is None:
        return []
    found: list[Candidate | None] = []
    for node in ast.walk(function):
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)):
            continue
        owner = qualified(module, node.value.id)
        imported = stdlib_module(owner) if owner else None
        if imported is None:
            continue
        known = dir(imported)
        right = _common.closest(node.attr, known) if node.attr not in known else None
        if right is None:
            continue
        new = _common.rename(text, node.attr, right, attribute=True, only={node.lineno})
        found.append(
            _common.candidate(
                failure,
                origin=AssertionsFixer.name,
                path=path,
                old=text,
                new=new,
                rationale=f"`{function.name}()` uses `{node.value.id}.{node.attr}`, which {owner} does not have "
                f"(its error may be caught on the way); use the closest, `{right}`",
                rank=0,
            )
        )
    return found


def _thrown_away(failure: Failure, source: Source) -> Iterator[Candidate | None]:
    """`return` before the last statement of each function that returns nothing and ends in a
    comparison, a boolean or an arithmetic expression."""
    for path in _project.modules(source).values():  # the project's modules, never its tests
        module = _project.tree(source, path)
        text = source.read(path)
        if module is None or text is None:
            continue
        for node in ast.walk(module):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or returns_a_value(node):
                continue
            last = node.body[-1]
            if not (isinstance(last, ast.Expr) and isinstance(last.value, _THROWN_AWAY)):
                continue
            if last.end_lineno != last.lineno:
                continue  # one line, where `return ` goes in front
            lines = _common.lines(text)
            line = lines[last.lineno - 1]
            lines[last.lineno - 1] = line[: last.col_offset] + "return " + line[last.col_offset :]
            yield _common.candidate(
                failure,
                origin=AssertionsFixer.name,
                path=path,
                old=text,
                new="".join(lines),
                rationale=f"`{node.name}()` computes `{ast.unparse(last.value)}` last and throws it away; return it",
                rank=1,
            )
