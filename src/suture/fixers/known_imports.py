"""NameError for a name whose import the project itself shows: its other modules import it, it
is the project's own package or module, or the standard library exports it.

    name 't' is not defined             the sibling modules write `import typing as t`: the same here
    name 'curry' is not defined         ... `from toolz.functoolz import curry`
    name 'toolz' is not defined         the project's own top-level package: `import toolz`
    name 'HTMLParser' is not defined    the standard library's html.parser exports it

The project's own way of importing a name comes first (its most common form, relative when the
module imported from is in the same package and the file written there imports relatively),
then the standard library's homes of the name (from a generated table; the fixed table of
the missing-import fixer keeps the obvious ones). The import goes where isort would put it.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePosixPath

import libcst as cst

from suture.fixers import _common, _project, _stdlib_names
from suture.fixers.missing_import import Import, undefined_name, with_import
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

_LIMIT = 3


class KnownImportsFixer:
    name = "known-import"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        name = undefined_name(failure)
        target = _common.target(failure, source) if name else None
        if name is None or target is None:
            return []
        try:
            module = cst.parse_module(target.text)
        except (cst.ParserSyntaxError, RecursionError):
            return []
        found = [*_as_siblings(source, target.path, name), *_own(source, target.path, name), *_stdlib(name)]
        roots = _project.roots(source)
        candidates = (
            _common.edit(failure, target, new.code, origin=self.name, rationale=f"{why}; add `{imp.code}`", rank=rank)
            for imp, rank, why in found
            if (new := with_import(module, imp, first_party=roots)) is not None
        )
        return _common.unique(candidates)[:_LIMIT]


def _as_siblings(source: Source, path: str, name: str) -> Iterator[tuple[Import, int, str]]:
    """The imports of `name` the project's other files write, the most common first (a file of
    the same package counts twice)."""
    here = PurePosixPath(path).parent
    counted: Counter[Import] = Counter()
    for other in _python_files(source):
        parsed = _project.tree(source, other)
        for node in ast.walk(parsed) if parsed else ():
            if isinstance(node, ast.Import | ast.ImportFrom):
                for imp in _binding(node, other, path, name):
                    counted[imp] += 2 if PurePosixPath(other).parent == here else 1
    styled: Counter[Import] = Counter()
    for imp, count in counted.items():
        styled[_styled(source, imp, path)] += count
    for rank, (imp, count) in enumerate(styled.most_common()):
        yield imp, min(rank, 1), f"`{name}` is not defined; the project's other modules import it ({count}x)"


def _styled(source: Source, imp: Import, path: str) -> Import:
    """`imp` as the file `path` writes the project's imports: absolute where it imports its own
    package absolutely (`from humanize.i18n import ...`), relative where it imports relatively."""
    parsed = _project.tree(source, path)
    if parsed is None or not imp.module.startswith("."):
        return imp
    froms = [node for node in ast.walk(parsed) if isinstance(node, ast.ImportFrom)]
    roots = _project.roots(source)
    if any(node.level for node in froms) or not any((node.module or "").partition(".")[0] in roots for node in froms):
        return imp
    level = len(imp.module) - len(imp.module.lstrip("."))
    node = ast.ImportFrom(module=imp.module.lstrip(".") or None, names=[], level=level)
    return Import(_project.absolute(node, path), imp.name, imp.alias)


def _python_files(source: Source) -> list[str]:
    """The project's modules, then its tests (whose imports show the project's names from outside)."""
    modules = list(_project.modules(source).values())
    return modules + [p for p in source.paths() if p.endswith(".py") and is_test_path(p)]


def _binding(node: ast.Import | ast.ImportFrom, path: str, target: str, name: str) -> Iterator[Import]:
    """The import in `node` (of the file `path`) that binds `name`, as the file `target` would write it."""
    for alias in node.names:
        bound = alias.asname or (alias.name.partition(".")[0] if isinstance(node, ast.Import) else alias.name)
        if bound != name or alias.name == "*":
            continue
        if isinstance(node, ast.Import):
            yield Import(alias.name, alias=alias.asname)
        elif not node.level:
            yield Import(node.module or "", alias.name, alias.asname)
        elif not is_test_path(path):
            yield Import(_relative_to(node, path, target), alias.name, alias.asname)


def _relative_to(node: ast.ImportFrom, path: str, target: str) -> str:
    """A relative import's module as `target` names it: the same dots from the same folder, else absolute."""
    if PurePosixPath(path).parent == PurePosixPath(target).parent:
        return "." * node.level + (node.module or "")
    return _project.absolute(node, path)


def _own(source: Source, path: str, name: str) -> Iterator[tuple[Import, int, str]]:
    """The project's top-level package `name`, or its package's module `name`."""
    here = _project.module_name(path) or ""
    if name in _project.roots(source):
        yield Import(name), 0, f"`{name}` is the project's own package"
    package = here.partition(".")[0]
    if f"{package}.{name}" in _project.modules(source) and package != here:
        yield Import(package, name), 1, f"`{name}` is a module of the project's package {package}"


def _stdlib(name: str) -> Iterator[tuple[Import, int, str]]:
    """The standard library's homes of `name`; none for a module's own name (`time` is `import
    time`, the missing-import fixer's, more likely than `from time import time`)."""
    if name in sys.stdlib_module_names:
        return
    for module in _stdlib_names.homes(name):
        yield Import(module, name), 1, f"the standard library's {module} exports `{name}`"
