"""NameError for a standard-library name used without its import: add the import.

    name 'os' is not defined                 ->  import os
    name 'Path' is not defined               ->  from pathlib import Path
    name 'os' is not defined. Did you forget to import 'os'?   (Python 3.12+)

The import goes where isort or ruff would put it: after the docstring and `__future__`
imports, in the standard-library block, in alphabetical order; a name whose module is
already imported from joins that statement. Everything else stays byte-identical.
"""

from __future__ import annotations

import re
import sys
import tokenize
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeAlias

import libcst as cst

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_Statement: TypeAlias = cst.SimpleStatementLine | cst.BaseCompoundStatement  # what a body holds
_UNDEFINED = re.compile(r"name '(?P<name>\w+)' is not defined(?P<hint>\. .*)?", re.DOTALL)

# Names the standard library exports and that nearly always mean that one thing. Names
# that several modules share (sleep, join, path, ...) are left to the LLM fixer.
_FROM_IMPORTS = {
    "Path": "pathlib",
    "PurePath": "pathlib",
    "dataclass": "dataclasses",
    "field": "dataclasses",
    "defaultdict": "collections",
    "OrderedDict": "collections",
    "Counter": "collections",
    "namedtuple": "collections",
    "deque": "collections",
    "datetime": "datetime",
    "date": "datetime",
    "timedelta": "datetime",
    "Any": "typing",
    "Optional": "typing",
    "Union": "typing",
    "List": "typing",
    "Dict": "typing",
    "Tuple": "typing",
    "Callable": "typing",
    "Iterable": "typing",
    "Iterator": "typing",
    "TYPE_CHECKING": "typing",
    "partial": "functools",
    "wraps": "functools",
    "lru_cache": "functools",
    "reduce": "functools",
    "Enum": "enum",
    "ABC": "abc",
    "abstractmethod": "abc",
    "contextmanager": "contextlib",
    "Decimal": "decimal",
    "Fraction": "fractions",
}
# Modules nobody means to import by accident: they print, open a browser, or are
# CPython's own test suite and tools.
_NOT_MEANT = frozenset({"this", "antigravity", "test", "idlelib", "turtledemo"})


@dataclass(frozen=True)
class Import:
    module: str
    name: str | None = None  # None: `import module`
    alias: str | None = None  # `as alias`

    @property
    def bound(self) -> str:
        """The name the import defines."""
        return self.alias or self.name or self.module.partition(".")[0]

    @property
    def code(self) -> str:
        code = f"from {self.module} import {self.name}" if self.name else f"import {self.module}"
        return f"{code} as {self.alias}" if self.alias else code


class MissingImportFixer:
    name = "missing-import"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        name = undefined_name(failure)
        if name is None:
            return []
        target = _common.target(failure, source)
        if target is None:
            return []
        try:
            module = cst.parse_module(target.text)
        except (cst.ParserSyntaxError, RecursionError):
            return []
        return _common.unique(
            self._candidate(failure, target, module, imp, rank) for imp, rank in _imports_for(name, failure, target)
        )

    def _candidate(
        self,
        failure: Failure,
        target: _common.Target,
        module: cst.Module,
        imp: Import,
        rank: int,
    ) -> Candidate | None:
        new = with_import(module, imp)
        if new is None:
            return None
        return _common.candidate(
            failure,
            origin=self.name,
            path=target.path,
            old=target.text,
            new=new.code,
            rationale=_rationale(imp),
            rank=rank,
        )


def undefined_name(failure: Failure) -> str | None:
    """The name a NameError says is not defined, or None for any other failure."""
    if failure.error_type != "NameError":
        return None
    found = _UNDEFINED.fullmatch(failure.message.strip())
    return found["name"] if found else None


def _imports_for(name: str, failure: Failure, target: _common.Target) -> list[tuple[Import, int]]:
    """The imports that could define `name`, with their rank."""
    found = []
    if name in _FROM_IMPORTS:
        found.append((Import(_FROM_IMPORTS[name], name), 0))
    if _is_stdlib(name):
        # `code + 1` with `code` undefined is a missing variable, not `import code`: a name
        # used as `name.attr` (or the interpreter's own hint) is what makes a module likely.
        likely = "forget to import" in failure.message or _used_as_module(target, name)
        found.append((Import(name), 0 if likely else 1))
    return found


def _is_stdlib(name: str) -> bool:
    return name in sys.stdlib_module_names and not name.startswith("_") and name not in _NOT_MEANT


def _used_as_module(target: _common.Target, name: str) -> bool:
    previous: tokenize.TokenInfo | None = None
    for token in _common.tokens(target.text):
        if token.start[0] > target.line:
            break
        is_attribute = token.string == "." and previous is not None and previous.string == name
        if is_attribute and token.start[0] == target.line:
            return True
        previous = token
    return False


def _rationale(imp: Import) -> str:
    if imp.name is None:
        return f"`{imp.module}` is a standard-library module that is not imported; add `{imp.code}`"
    return f"`{imp.name}` comes from the standard library's {imp.module}; add `{imp.code}`"


# --- where the import goes -------------------------------------------------------------


def with_import(module: cst.Module, imp: Import, *, first_party: frozenset[str] = frozenset()) -> cst.Module | None:
    """`module` with `imp` added, or None if the name is already imported at the top.

    `first_party` names the project's own top-level packages: an import of one of them goes
    to the project's block, after the standard library's and third parties'.
    """
    body = list(module.body)
    if imp.bound in _top_level_bindings(body):
        return None
    if imp.name is not None and imp.alias is None and not _single_line(body):
        for index, statement in enumerate(body):
            extended = _extend(statement, imp.module, imp.name)
            if extended is not None:
                body[index] = extended
                return module.with_changes(body=body)
    new = cst.parse_statement(imp.code + "\n")
    _insert(body, new, imp, first_party)
    if body[0] is new and len(body) > 1 and module.header and all(line.comment is None for line in module.header):
        # the blank lines a deleted first import left at the top go below the new one
        kept = [line for line in body[1].leading_lines if line.comment is not None]
        body[1] = body[1].with_changes(leading_lines=(*module.header, *kept))
        return module.with_changes(body=body, header=())
    return module.with_changes(body=body)


def _insert(body: list[_Statement], new: _Statement, imp: Import, first_party: frozenset[str]) -> None:
    start = _preamble_end(body)
    groups = _import_groups(body, start)
    section = _section(imp.module, first_party)
    same = [group for group in groups if any(section in _sections(body[i], first_party) for i in group)]
    if not same:
        # No block of this section yet: the standard library's opens the imports, the
        # project's closes them.
        at = groups[0][0] if groups else start
        if section == "first-party" and groups:
            at = groups[-1][-1] + 1
        _put_block(body, at, new)
        return
    before, index = _place_in_group(body, same[0] if section == "stdlib" else same[-1], imp)
    if before:  # the block's leading blank lines and comments stay at the block's head
        new = new.with_changes(leading_lines=body[index].leading_lines)
        body[index] = body[index].with_changes(leading_lines=())
    body.insert(index, new)


def _single_line(body: Sequence[_Statement]) -> bool:
    """Whether the file imports one name a line (isort's force_single_line): two `from m import x`
    statements of one module. A new name then gets a line of its own, not a place in another's."""
    modules = [
        _module_name(node)
        for statement in body
        for node in _import_nodes(statement)
        if isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar) and len(node.names) == 1
    ]
    return len(modules) != len(set(modules))


def _put_block(body: list[_Statement], index: int, new: _Statement) -> None:
    """Insert `new` at `index` as a block of its own: blank lines around it, none at the top."""
    blank = cst.EmptyLine()
    if index > 0:
        new = new.with_changes(leading_lines=(blank,))
    if index < len(body):
        following = body[index]
        if not any(line.comment is None for line in following.leading_lines):
            lines = (blank, *following.leading_lines)
            body[index] = following.with_changes(leading_lines=lines)
        elif all(line.comment is None for line in following.leading_lines):
            # A run of blank lines where an import was deleted: after the new block, as many as
            # isort and ruff put after imports (two before a def or class, else one), not more.
            wanted = 2 if isinstance(following, (cst.FunctionDef, cst.ClassDef)) else 1
            body[index] = following.with_changes(leading_lines=following.leading_lines[:wanted])
    body.insert(index, new)


def _preamble_end(body: Sequence[_Statement]) -> int:
    """Index of the first statement after the module docstring and `__future__` imports."""
    index = 1 if body and _is_docstring(body[0]) else 0
    while index < len(body) and any(_is_future(i) for i in _import_nodes(body[index])):
        index += 1
    return index


def _is_docstring(statement: _Statement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, cst.SimpleString | cst.ConcatenatedString)
    )


def _is_future(node: cst.Import | cst.ImportFrom) -> bool:
    return isinstance(node, cst.ImportFrom) and _module_name(node) == "__future__"


def _import_nodes(statement: _Statement) -> list[cst.Import | cst.ImportFrom]:
    """The imports of a line made only of imports (`import a; import b`), else []."""
    if not isinstance(statement, cst.SimpleStatementLine):
        return []
    nodes = [node for node in statement.body if isinstance(node, cst.Import | cst.ImportFrom)]
    return nodes if len(nodes) == len(statement.body) else []


def _import_groups(body: Sequence[_Statement], start: int) -> list[list[int]]:
    """Runs of top-level import lines; a blank line or a comment starts a new run."""
    groups: list[list[int]] = []
    for index in range(start, len(body)):
        statement = body[index]
        if not _import_nodes(statement):
            continue
        continues = bool(groups) and groups[-1][-1] == index - 1 and not statement.leading_lines
        if continues:
            groups[-1].append(index)
        else:
            groups.append([index])
    return groups


def _place_in_group(body: Sequence[_Statement], group: list[int], imp: Import) -> tuple[bool, int]:
    """(before, index): isort's order, `import x` lines first, then `from x import y`."""
    plain = imp.name is None
    same_kind = [i for i in group if isinstance(_import_nodes(body[i])[0], cst.Import) == plain]
    key = imp.module.lower()
    for index in same_kind:
        if _sort_key(body[index]) > key:
            return True, index
    if same_kind:
        return False, same_kind[-1] + 1
    return (True, group[0]) if plain else (False, group[-1] + 1)


def _sort_key(statement: _Statement) -> str:
    node = _import_nodes(statement)[0]
    if isinstance(node, cst.Import):
        return _dotted(node.names[0].name).lower()
    return _module_name(node).lower()


def _sections(statement: _Statement, first_party: frozenset[str]) -> set[str]:
    """isort's sections of the modules a line of imports names."""
    found = set()
    for node in _import_nodes(statement):
        if isinstance(node, cst.ImportFrom):
            found.add("first-party" if node.relative else _section(_module_name(node), first_party))
        else:
            found.update(_section(_dotted(alias.name), first_party) for alias in node.names)
    return found


def _section(module: str, first_party: frozenset[str]) -> str:
    root = module.partition(".")[0]
    # Relative (`.util`) is the project's, and so is a project module named like a stdlib one.
    if not root or root in first_party:
        return "first-party"
    return "stdlib" if root in sys.stdlib_module_names else "third-party"


def _top_level_bindings(body: Sequence[_Statement]) -> set[str]:
    bound = set()
    for statement in body:
        for node in _import_nodes(statement):
            if isinstance(node.names, cst.ImportStar):
                continue
            for alias in node.names:
                name = _dotted(alias.name)
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    bound.add(alias.asname.name.value)
                else:
                    bound.add(name if isinstance(node, cst.ImportFrom) else name.partition(".")[0])
    return bound


def _module_name(node: cst.ImportFrom) -> str:
    dots = "." * len(node.relative)
    return dots + (_dotted(node.module) if node.module is not None else "")


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


# --- joining an existing `from module import ...` -----------------------------------------


def _extend(statement: _Statement, module: str, name: str) -> _Statement | None:
    """`statement` importing `name` too, if it is a plain `from module import a, b`."""
    nodes = _import_nodes(statement)
    if len(nodes) != 1 or not isinstance(nodes[0], cst.ImportFrom):
        return None
    node = nodes[0]
    if _module_name(node) != module or isinstance(node.names, cst.ImportStar):
        return None
    assert isinstance(statement, cst.SimpleStatementLine)  # _import_nodes checked it
    names = _with_alias(list(node.names), name, node.lpar)
    return statement.with_changes(body=[node.with_changes(names=names)])


def _with_alias(names: list[cst.ImportAlias], name: str, lpar: cst.LeftParen | None) -> list[cst.ImportAlias]:
    """`names` with `name` at its sorted place, punctuated like its neighbours.

    Commas carry the layout (", " on one line, ",\\n    " in a parenthesised list), so
    the new alias borrows a comma from the list, and the one that was last gets one.
    """
    index = next(
        (i for i, alias in enumerate(names) if _name_key(_dotted(alias.name)) > _name_key(name)),
        len(names),
    )
    separator = _separator(names, lpar)
    new = cst.ImportAlias(name=cst.Name(name))
    if index < len(names):
        names.insert(index, new.with_changes(comma=separator))
        return names
    last = names[-1]
    names[-1] = last.with_changes(comma=separator)
    names.append(new.with_changes(comma=last.comma))
    return names


def _separator(names: Sequence[cst.ImportAlias], lpar: cst.LeftParen | None) -> cst.Comma:
    """A comma between two names as this import writes it.

    With one name there is no such comma yet: a parenthesised list spread over lines
    gets the line break and indent that follow its "(", a single line gets ", ".
    """
    between = [alias.comma for alias in names[:-1] if isinstance(alias.comma, cst.Comma)]
    if between:
        return between[0]
    if lpar is not None and isinstance(lpar.whitespace_after, cst.ParenthesizedWhitespace):
        return cst.Comma(whitespace_after=lpar.whitespace_after)
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _name_key(name: str) -> tuple[int, str]:
    """isort's order-by-type: CONSTANTS, then Classes, then functions, case-insensitively."""
    if name.isupper() and len(name) > 1:
        return 0, name.lower()
    return (1 if name[:1].isupper() else 2), name.lower()
