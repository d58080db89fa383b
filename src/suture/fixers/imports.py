"""ImportError and ModuleNotFoundError for names and modules the project can account for.

    cannot import name 'slugfy' from 'pkg.text' (...)   a typo: the closest name pkg.text has
    cannot import name 'slugify' from 'pkg.text' (...)  it moved: pkg.strings defines it now
    cannot import name 'key' from partially initialized module 'pkg' (...)
                                                        `from . import key` in pkg/__init__.py: pkg/keys.py
    No module named 'pkg.txt'                           a project module renamed or moved
    No module named 'colections'                        a misspelt standard-library module

The import is fixed where it is (with the file's other uses of the name or module), and,
for a name the project's module lacks, the definition may be what changed: when the
import is in a test, which suture never edits, the module's own close name is renamed
(with its importers) or the moved name is re-exported from where the test expects it.
A third-party module that is not installed is the dependencies fixer's.
"""

from __future__ import annotations

import ast
import re
import sys
import tokenize

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from suture.fixers import _common, _project
from suture.fixers.attributes import module_attributes, rename_module_attribute
from suture.fixers.dependencies import distribution
from suture.fixers.missing_import import Import, with_import
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

# A package importing from itself (`from . import key` in its __init__) is "partially initialized".
_CANNOT = re.compile(
    r"cannot import name '(?P<name>\w+)' from (?:partially initialized module )?'(?P<module>[\w.]+)' "
    r"(?:\(most likely due to a circular import\) )?\((?P<file>.*)\)"
    r"(?:\. Did you mean: '(?P<right>\w+)'\?)?"
)
_NO_MODULE = re.compile(r"No module named '(?P<module>[\w.]+)'")
_NO_ATTRIBUTE = re.compile(r"module '(?P<module>[\w.]+)' has no attribute '(?P<name>\w+)'(?:\. Did you mean: '\w+'\?)?")
# Modules nobody means to import by accident (see missing_import).
_NOT_MEANT = frozenset({"this", "antigravity", "test", "idlelib", "turtledemo"})


class ImportsFixer:
    name = "imports"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        message = failure.message.strip()
        if failure.error_type == "ImportError" and (found := _CANNOT.fullmatch(message)):
            return _common.unique(self._cannot_import(failure, source, found))
        if failure.error_type == "ModuleNotFoundError" and (found := _NO_MODULE.fullmatch(message)):
            return _common.unique(self._no_module(failure, source, found["module"]))
        if failure.error_type == "AttributeError" and (found := _NO_ATTRIBUTE.fullmatch(message)):
            return _common.unique([self._lost_import(failure, source, found["module"], found["name"])])
        return []

    def _lost_import(self, failure: Failure, source: Source, module: str, name: str) -> Candidate | None:
        """`module 'pkg.text' has no attribute 'smart_truncate'`, defined in one other project module:
        the project module lost its import of it (`from pkg.text import *` re-exports it, its
        `__all__` names it, or another module reads it there)."""
        path = _project.modules(source).get(module)
        home = _home(source, name, module)
        if path is None or home is None:
            return None
        why = f"`{name}` is read from {module}, which no longer imports it from {home}; import it there"
        return self._re_export(failure, source, path, name, home, rationale=why, rank=1)

    # --- cannot import name -------------------------------------------------------------

    def _cannot_import(self, failure: Failure, source: Source, found: re.Match[str]) -> list[Candidate | None]:
        name, module = found["name"], found["module"]
        path = _project.modules(source).get(module)
        typo = found["right"] or _common.closest(name, module_attributes(source, module) - {name})
        home = _home(source, name, module)
        target = _common.target(failure, source)
        in_test = failure.location is not None and is_test_path(failure.location.path)
        return [
            self._renamed_import(failure, target, module, name, typo) if target and typo else None,
            self._moved_import(failure, source, target, module, name, home) if target and home else None,
            self._renamed_definition(failure, source, path, name, rank=0 if in_test else 1) if path else None,
            self._re_export(failure, source, path, name, home) if path and home and in_test else None,
        ]

    def _renamed_import(
        self, failure: Failure, target: _common.Target, module: str, name: str, right: str
    ) -> Candidate | None:
        statement = _import_from(target, module)
        if statement is None:
            return None
        aliased = all(alias.asname for alias in statement.names if alias.name == name)
        lines = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        # Without `as`, the file uses the name itself: its uses follow the import (not a
        # parameter or a local of the same name in some function: `key` in a cache's methods).
        uses = None if aliased else _module_level_uses(target.text, name)
        only = set(lines) if aliased else None if uses is None else set(lines) | uses
        new = _common.rename(target.text, name, right, attribute=False, only=only)
        return _common.edit(
            failure,
            target,
            new,
            origin=self.name,
            rationale=f"{module} has no `{name}`; import its closest name, `{right}`",
            rank=0,
        )

    def _moved_import(
        self, failure: Failure, source: Source, target: _common.Target, module: str, name: str, home: str
    ) -> Candidate | None:
        new = _import_from_elsewhere(target, module, name, home, _project.roots(source))
        return _common.edit(
            failure,
            target,
            new or target.text,
            origin=self.name,
            rationale=f"`{name}` is no longer in {module} but in {home}; import it from there",
            rank=0,
        )

    def _renamed_definition(
        self, failure: Failure, source: Source, path: str, name: str, *, rank: int
    ) -> Candidate | None:
        parsed = _project.tree(source, path)
        typo = _common.closest(name, _project.definitions(parsed)) if parsed else None
        if typo is None:
            return None
        return _common.candidate_over(
            failure,
            origin=self.name,
            edits=rename_module_attribute(source, path, typo, name),
            rationale=f"the import asks for `{name}`, which {path} calls `{typo}`; rename the definition",
            rank=rank,
        )

    def _re_export(
        self, failure: Failure, source: Source, path: str, name: str, home: str, *, rationale: str = "", rank: int = 0
    ) -> Candidate | None:
        text = source.read(path)
        try:
            tree = cst.parse_module(text or "")
        except (cst.ParserSyntaxError, RecursionError):
            return None
        new = with_import(tree, Import(home, name), first_party=_project.roots(source))
        if text is None or new is None:
            return None
        return _common.candidate(
            failure,
            origin=self.name,
            path=path,
            old=text,
            new=new.code,
            rationale=rationale or f"`{name}` moved to {home}, but a test imports it from {path}; import it there too",
            rank=rank,
        )

    # --- no module named ----------------------------------------------------------------

    def _no_module(self, failure: Failure, source: Source, missing: str) -> list[Candidate | None]:
        target = _common.target(failure, source)
        if target is None:
            return []
        right = _project_module(source, missing) or _stdlib_module(missing, _project.roots(source))
        if right is None:
            return []
        new = _rename_module(target, missing, right)
        kind = "standard-library module" if right.partition(".")[0] in sys.stdlib_module_names else "module"
        return [
            _common.edit(
                failure,
                target,
                new,
                origin=self.name,
                rationale=f"there is no module {missing}; the {kind} {right} is the closest, import that",
                rank=0,
            )
        ]


def _home(source: Source, name: str, module: str) -> str | None:
    """The one other project module that defines `name`, or None."""
    found = [other for other in _project.defining(source, name) if other != module]
    return found[0] if len(found) == 1 else None


def _import_from(target: _common.Target, module: str) -> ast.ImportFrom | None:
    """The `from <module> import ...` statement that covers the reported line."""
    try:
        tree = ast.parse(target.text, target.path)
    except (SyntaxError, ValueError, RecursionError):
        return None
    for node in ast.walk(tree):
        covers = isinstance(node, ast.ImportFrom) and node.lineno <= target.line <= (node.end_lineno or node.lineno)
        if covers and isinstance(node, ast.ImportFrom) and _project.absolute(node, target.path) == module:
            return node
    return None


def _module_level_uses(text: str, name: str) -> set[int] | None:
    """The lines that use the module-level `name` (from any scope that sees it), or None when
    the file does not parse."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(text))
    except (cst.ParserSyntaxError, RecursionError):
        return None
    scopes, positions = wrapper.resolve(ScopeProvider), wrapper.resolve(PositionProvider)
    scope = scopes.get(wrapper.module)
    if scope is None:
        return None
    return {
        positions[access.node].start.line
        for assignment in scope.assignments[name]
        for access in assignment.references
        if access.node in positions
    }


def _import_from_elsewhere(
    target: _common.Target, module: str, name: str, home: str, roots: frozenset[str]
) -> str | None:
    """The file importing `name` from `home` instead of `module`: the statement's module
    changes if `name` is all it imports, else `name` leaves it for an import of its own."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(target.text))
    except (cst.ParserSyntaxError, RecursionError):
        return None
    finder = _ImportFinder(target.line)
    wrapper.visit(finder)
    statement = finder.found
    if statement is None or isinstance(statement.names, cst.ImportStar):
        return None
    names = [alias for alias in statement.names if _alias_name(alias) == name]
    if len(names) != 1:
        return None
    tree = wrapper.module
    if len(statement.names) == 1:
        moved = tree.deep_replace(statement, statement.with_changes(module=cst.parse_expression(home), relative=[]))
        return moved.code if isinstance(moved, cst.Module) else None
    rest = [alias for alias in statement.names if alias is not names[0]]
    rest[-1] = rest[-1].with_changes(comma=statement.names[-1].comma)
    stripped = tree.deep_replace(statement, statement.with_changes(names=rest))
    assert isinstance(stripped, cst.Module)  # replacing a statement's names keeps a module a module
    added = with_import(stripped, Import(home, name), first_party=roots)
    return added.code if added is not None and names[0].asname is None else None


class _ImportFinder(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.found: cst.ImportFrom | None = None

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        where = self.get_metadata(PositionProvider, node)
        if where.start.line <= self.line <= where.end.line:
            self.found = node


def _alias_name(alias: cst.ImportAlias) -> str:
    return alias.name.value if isinstance(alias.name, cst.Name) else ""


def _project_module(source: Source, missing: str) -> str | None:
    """The project module `missing` most likely means: a close dotted name (renamed), else the
    one module with the same last part (moved to another package)."""
    modules = _project.modules(source)
    if missing.partition(".")[0] not in _project.roots(source):
        return None
    close = _common.closest(missing, modules)
    if close is not None:
        return close
    last = missing.rpartition(".")[2]
    same = [module for module in modules if module.rpartition(".")[2] == last and module != missing]
    return same[0] if len(same) == 1 else None


def _stdlib_module(missing: str, roots: frozenset[str]) -> str | None:
    """The standard-library module a misspelt top-level name means; None for a name that is an
    installable distribution's (`httpx` is not a typo of `http`) or the project's own."""
    root, dot, rest = missing.partition(".")
    if root in roots or distribution(root) is not None:
        return None
    names = {name for name in sys.stdlib_module_names if not name.startswith("_") and name not in _NOT_MEANT}
    right = _common.closest(root, names)
    return right + dot + rest if right else None


def _rename_module(target: _common.Target, missing: str, right: str) -> str:
    """The file with every mention of the dotted name `missing` (not as some other object's
    attribute) spelt `right`; a relative import's own last part on the reported line too."""
    old_parts, new_parts = missing.split("."), right.split(".")
    text = _replace_dotted(target.text, old_parts, ".".join(new_parts))
    if text == target.text and old_parts[:-1] == new_parts[:-1]:  # `from .txt import x` in pkg
        text = _common.rename(text, old_parts[-1], new_parts[-1], attribute=None, only={target.line})
    return text


def _replace_dotted(text: str, parts: list[str], new: str) -> str:
    significant = [token for token in _common.tokens(text) if token.type not in (tokenize.NL, tokenize.COMMENT)]
    wanted = [piece for part in parts for piece in (part, ".")][:-1]  # pkg . txt
    width = len(wanted)
    spans = []
    for index in range(len(significant) - width + 1):
        window = [token.string for token in significant[index : index + width]]
        after_dot = index > 0 and significant[index - 1].string == "."
        same_line = significant[index].start[0] == significant[index + width - 1].end[0]
        if window == wanted and not after_dot and same_line:
            spans.append((significant[index].start, significant[index + width - 1].end))
    lines = _common.lines(text)
    for (row, start), (_, end) in reversed(spans):
        lines[row - 1] = lines[row - 1][:start] + new + lines[row - 1][end:]
    return "".join(lines)
