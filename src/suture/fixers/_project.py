"""The project's own modules, for the fixers that resolve names across files: which file
is which importable module, and what each module defines at its top level.

Everything is read from the base commit with `ast`; nothing is imported or run. Test
files are left out: a fix never imports from a test, and tests are not edited anyway.
"""

from __future__ import annotations

import ast
import keyword
from functools import lru_cache
from pathlib import PurePosixPath

from suture.run.source import Source
from suture.verify.policy import is_test_path

# Parsed files kept across the failures of one heal (a Source is one commit).
_CACHED = 2048


def module_name(path: str) -> str | None:
    """The dotted name `path` is imported by: 'src/pkg/util.py' -> 'pkg.util', 'pkg/__init__.py'
    -> 'pkg', 'tool.py' -> 'tool'; None for a file no import statement could name."""
    posix = PurePosixPath(path)
    if posix.suffix != ".py":
        return None
    parts = list(posix.with_suffix("").parts)
    if len(parts) > 2 and parts[0] == "build" and parts[1].startswith("lib"):
        return None  # setuptools' copy of the package (build/lib/pkg/...): not what is imported
    if len(parts) > 1 and parts[0] == "src":  # the src layout: the package is under src/
        parts = parts[1:]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    if not parts or not all(part.isidentifier() and not keyword.iskeyword(part) for part in parts):
        return None
    return ".".join(parts)


@lru_cache(maxsize=64)
def modules(source: Source) -> dict[str, str]:
    """Every module of the project that is not a test: dotted name -> repo-relative path."""
    found: dict[str, str] = {}
    for path in source.paths():
        name = module_name(path)
        if name is not None and not is_test_path(path):
            found.setdefault(name, path)
    return found


def roots(source: Source) -> frozenset[str]:
    """The project's top-level import names: where isort's first-party section starts."""
    return frozenset(name.partition(".")[0] for name in modules(source))


@lru_cache(maxsize=_CACHED)
def tree(source: Source, path: str) -> ast.Module | None:
    """The syntax tree of `path` at the base commit, or None when absent or unparsable."""
    text = source.read(path)
    if text is None:
        return None
    try:
        return ast.parse(text, path)
    except (SyntaxError, ValueError, RecursionError):
        return None


def definitions(module: ast.Module) -> set[str]:
    """Names a module defines itself at top level: functions, classes, assignments (also
    under a top-level `if` or `try`), not the names it imports."""
    found: set[str] = set()
    for node in _top_level(module.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            found.update(name for target in targets for name in _stored(target))
    return found


def attributes(module: ast.Module) -> set[str]:
    """Every name `module.<name>` could resolve to: its definitions and its imports."""
    found = definitions(module)
    for node in _top_level(module.body):
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.update(bound_by_import(node))
    return found


def bound_by_import(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [
        alias.asname or alias.name.partition(".")[0] if isinstance(node, ast.Import) else alias.asname or alias.name
        for alias in node.names
        if alias.name != "*"
    ]


def defining(source: Source, name: str) -> list[str]:
    """The project modules (dotted names, sorted) that define `name` at top level."""
    found = []
    for module, path in modules(source).items():
        parsed = tree(source, path)
        if parsed is not None and name in definitions(parsed):
            found.append(module)
    return sorted(found)


def _top_level(body: list[ast.stmt]) -> list[ast.stmt]:
    """The statements of a module body, looking into `if`/`try`/`with` blocks but not into
    functions or classes (their names are not the module's)."""
    found: list[ast.stmt] = []
    for node in body:
        found.append(node)
        if isinstance(node, ast.If | ast.While | ast.For | ast.With):
            found.extend(_top_level(node.body + getattr(node, "orelse", [])))
        elif isinstance(node, ast.Try):
            handlers = [stmt for handler in node.handlers for stmt in handler.body]
            found.extend(_top_level(node.body + handlers + node.orelse + node.finalbody))
    return found


def _stored(target: ast.expr) -> list[str]:
    if isinstance(target, ast.Name):
        return [target.id]
    if isinstance(target, ast.Tuple | ast.List):
        return [name for element in target.elts for name in _stored(element)]
    if isinstance(target, ast.Starred):
        return _stored(target.value)
    return []


def classes(source: Source, name: str, *, prefer: str | None = None) -> list[tuple[str, ast.ClassDef]]:
    """The top-level classes called `name`: the one in the file `prefer` if it has one, else
    every project module's (the caller decides what several mean)."""
    if prefer is not None and (here := _named_classes(source, prefer, name)):
        return [(prefer, here[0])]
    return [(path, node) for path in modules(source).values() for node in _named_classes(source, path, name)]


def _named_classes(source: Source, path: str, name: str) -> list[ast.ClassDef]:
    """The class `name` defined at the top of `path` (the last definition is the one in force)."""
    parsed = tree(source, path)
    found = [node for node in (parsed.body if parsed else []) if isinstance(node, ast.ClassDef) and node.name == name]
    return found[-1:]


def members(cls: ast.ClassDef) -> set[str]:
    """What the class body defines (methods, class attributes) and what its methods assign to
    `self.<name>`."""
    found = definitions(ast.Module(body=cls.body, type_ignores=[]))
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and _is_self(node.value):
            found.add(node.attr)
    return found


def absolute(node: ast.ImportFrom, path: str) -> str:
    """The module a `from ... import` in the file `path` names, relative levels resolved."""
    if not node.level:
        return node.module or ""
    here = module_name(path) or ""
    package = here if path.endswith("__init__.py") else here.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return ".".join(part for part in (package, node.module) if part)


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"
