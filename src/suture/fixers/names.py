"""NameError the interpreter did not resolve: a project name used without its import, or a
typo it gave no suggestion for (a CI log from pytest on Python 3.10 or 3.11 drops it).

    name 'slugify' is not defined      slugify is a function of pkg/text.py: from pkg.text import slugify
    name 'totl' is not defined         `total` is a local of the enclosing function: rename

The import goes to the project's own import block (after the standard library's and the
third parties'), joining an existing `from pkg.text import ...`; relative when the file
already imports its siblings relatively. The typo takes the closest name in scope (the
enclosing functions' parameters and locals, the module's globals, the builtins) within
`_common.closest`'s conservative cutoff, and is renamed on the reported line only.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re
from collections import Counter

import libcst as cst

from suture.fixers import _common, _project
from suture.fixers.did_you_mean import rename_on_line
from suture.fixers.missing_import import Import, with_import
from suture.records import Candidate, Failure
from suture.run.source import Source

_TIED = 3  # renames offered when several names are as close
_UNDEFINED = re.compile(r"name '(?P<name>\w+)' is not defined(?P<hint>\. .*)?", re.DOTALL)
_Comprehension = ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp
_Scope = ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef | _Comprehension


class NamesFixer:
    name = "names"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        found = _UNDEFINED.fullmatch(failure.message.strip()) if failure.error_type == "NameError" else None
        if found is None:
            return []
        target = _common.target(failure, source)
        if target is None:
            return []
        name = found["name"]
        imported = self._import(failure, source, target, name)
        # The interpreter's own suggestion beats ours: the did-you-mean fixer takes it.
        renamed = [] if "Did you mean" in (found["hint"] or "") else self.typos(failure, target, name)
        if imported is not None:
            renamed = [dataclasses.replace(candidate, rank=max(candidate.rank, 1)) for candidate in renamed]
        return _common.unique([imported, *renamed])

    def _import(self, failure: Failure, source: Source, target: _common.Target, name: str) -> Candidate | None:
        here = _project.module_name(target.path)
        module = _home(source, name, here)
        if module is None or module == here:
            return None
        try:
            tree = cst.parse_module(target.text)
        except (cst.ParserSyntaxError, RecursionError):
            return None
        spec = _relative(tree, module, target.path) or module
        new = with_import(tree, Import(spec, name), first_party=_project.roots(source))
        if new is None:
            return None
        return _common.edit(
            failure,
            target,
            new.code,
            origin=self.name,
            rationale=f"`{name}` is defined in the project's {module}; add `from {spec} import {name}`",
            rank=0,
        )

    def typos(self, failure: Failure, target: _common.Target, wrong: str) -> list[Candidate]:
        """Renames to the names in scope `wrong` may be a typo of: the one closest (rank 0), or,
        when several are as close, up to `_TIED` of them, the most used in the file first (rank 1)."""
        try:
            tree = ast.parse(target.text, target.path)
        except (SyntaxError, ValueError, RecursionError):
            return []
        used = Counter(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))
        choices = _common.ranked(wrong, in_scope(tree, target.line), weight=used)
        cost = {_common.distance(wrong.lower(), choice.lower()) for choice in choices[:2]}
        tied = len(choices) > 1 and len(cost) == 1
        found = []
        for right in choices[: _TIED if tied else 1]:
            new = rename_on_line(target, wrong, right, attribute=False)
            why = (
                f"`{wrong}` is not defined and `{right}` is the closest name in scope; rename it on line {target.line}"
            )
            if new is not None:
                found.append(_common.edit(failure, target, new, origin=self.name, rationale=why, rank=int(tied)))
        return _common.unique(found)


def _home(source: Source, name: str, here: str | None) -> str | None:
    """The one project module that defines `name`, preferring the current file's own
    package; None when there is none or the choice is ambiguous."""
    found = [module for module in _project.defining(source, name) if module != here]
    if len(found) > 1 and here is not None:
        root = here.partition(".")[0]
        found = [module for module in found if module.partition(".")[0] == root]
    return found[0] if len(found) == 1 else None


def _relative(tree: cst.Module, module: str, path: str) -> str | None:
    """`.sibling` for a module of the current file's own package, if this file already
    imports that way; else None (absolute)."""
    here = _project.module_name(path)
    if here is None:
        return None
    package = here if path.endswith("__init__.py") else here.rpartition(".")[0]
    if not package or not module.startswith(package + "."):
        return None
    relative = any(
        isinstance(node, cst.ImportFrom) and node.relative
        for statement in tree.body
        if isinstance(statement, cst.SimpleStatementLine)
        for node in statement.body
    )
    return "." + module[len(package) + 1 :] if relative else None


# --- the names in scope at a line ---------------------------------------------------------


def in_scope(tree: ast.Module, line: int) -> set[str]:
    """The names code on `line` can see: builtins, the module's globals, the parameters and
    locals of each enclosing function (a class body's names only directly in that body)."""
    names = {name for name in dir(builtins) if not name.startswith("_")}
    names |= _bound(tree.body)
    chain = _enclosing(tree, line)
    for depth, scope in enumerate(chain):
        innermost = depth == len(chain) - 1
        if isinstance(scope, ast.ClassDef) and not innermost:
            continue  # methods do not see the class body's names
        names |= _scope_names(scope)
    return names


def _enclosing(node: ast.AST, line: int) -> list[_Scope]:
    """The scopes around `line`, outermost first."""
    for child in ast.iter_child_nodes(node):
        start = getattr(child, "lineno", None)
        end = getattr(child, "end_lineno", None)
        if start is None or end is None or not start <= line <= end:
            continue
        inner = _enclosing(child, line)
        if isinstance(child, _Scope):
            return [child, *inner]
        if inner:
            return inner
    return []


def _scope_names(scope: _Scope) -> set[str]:
    if isinstance(scope, _Comprehension):
        return {name for generator in scope.generators for name in _stores(generator.target)}
    if isinstance(scope, ast.ClassDef):
        return _bound(scope.body)
    args = scope.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
    names = {arg.arg for arg in every}
    if isinstance(scope, ast.Lambda):
        return names
    return names | _bound(scope.body)


def _bound(body: list[ast.stmt]) -> set[str]:
    """Names a block of statements binds in its own scope (not in nested functions or classes,
    whose own names are bound here but whose bodies are not looked into)."""
    found: set[str] = set()
    pending: list[ast.AST] = list(body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
            continue
        if isinstance(node, ast.Lambda | _Comprehension):
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            found.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            found.update(_project.bound_by_import(node))
        elif isinstance(node, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and node.name:
            found.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            found.update(node.names)
        pending.extend(ast.iter_child_nodes(node))
    return found


def _stores(target: ast.AST) -> set[str]:
    return {node.id for node in ast.walk(target) if isinstance(node, ast.Name)}
