"""AttributeError on a module or class whose attributes can be known without running it.

    module 'pkg.geometry' has no attribute 'are'            a project module (its source)
    'Box' object has no attribute 'aera'                    a class of the project
    type object 'Box' has no attribute 'SIZ'                 ... used through the class
    module 'math' has no attribute 'sqr'                    a standard-library module
    'list' object has no attribute 'apend'                  a builtin type

Two kinds of candidate. At the use: the closest attribute, when the interpreter gave no
suggestion (a CI log from Python 3.10 or 3.11 drops it; the did-you-mean fixer takes the
ones it gave). At the definition, for a project module or class: the attribute the code
asks for probably was the name, and the definition's close name is the typo; renaming the
definition (and its uses) is the only fix when the use is in a test, which suture never
edits, and a second guess otherwise.
"""

from __future__ import annotations

import ast
import builtins
import dataclasses
import re
from collections import Counter
from dataclasses import dataclass

from suture.fixers import _common, _project
from suture.fixers._library import stdlib_module
from suture.fixers.did_you_mean import rename_on_line
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

_MISSING = re.compile(
    r"(?:module '(?P<module>[\w.]+)'|'(?P<instance>[\w.]+)' object|type object '(?P<type>[\w.]+)')"
    r" has no attribute '(?P<wrong>\w+)'(?:\. Did you mean: '(?P<right>\w+)'\?)?"
)
# How many base classes deep the attributes of a project class are looked for.
_DEPTH = 5
_TIED = 3  # renames offered at the use when several attributes are as close


@dataclass(frozen=True)
class _Owner:
    """What lacks the attribute, as far as the project's source tells."""

    known: frozenset[str]  # every attribute it has: for the closest match at the use
    own: frozenset[str]  # the attributes its own definition names: candidates for a renamed one
    edits_for: _Renamer | None  # renames an own attribute in the definition; None for stdlib/builtins


class _Renamer:
    """Renames one of a project module's or class's own attributes, with its uses."""

    def __init__(self, source: Source, path: str, cls: ast.ClassDef | None) -> None:
        self.source = source
        self.path = path
        self.cls = cls

    def __call__(self, old: str, new: str) -> dict[str, tuple[str, str]]:
        if self.cls is None:
            return rename_module_attribute(self.source, self.path, old, new)
        text = self.source.read(self.path) or ""
        # The definitions in the class body keep their place; every `.old` in the file follows.
        heads = {node.lineno for node in self.cls.body if _names(node) & {old}}
        renamed = _common.rename(text, old, new, attribute=False, only=heads)
        return {self.path: (text, _common.rename(renamed, old, new, attribute=True))}


_MANGLED = re.compile(r"_[A-Za-z0-9]\w*?(?P<private>__\w+)")  # `_Hook__name_`: `__name_` in class Hook
_DUNDERS = frozenset(name for name in {*dir(type), *dir(object)} if name.startswith("__"))


def _spelt(wrong: str) -> str:
    """The attribute as the source spells it: a private name in a class body is mangled in the
    message (`self.__class__.__name_` reports `_Hook__name_`)."""
    mangled = _MANGLED.fullmatch(wrong)
    return mangled["private"] if mangled and not mangled["private"].endswith("__") else wrong


class AttributesFixer:
    name = "attributes"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        found = _MISSING.fullmatch(failure.message.strip()) if failure.error_type == "AttributeError" else None
        frame = failure.location
        if found is None or frame is None:
            return []
        wrong, suggested = _spelt(found["wrong"]), found["right"]
        spelt = _spelt_at(failure, source, wrong)
        # Spelt in an outer frame, raised inside: a `__getattr__` handed the name on to another
        # object (a Duration's to its timedelta), whose type says nothing of the one at the use.
        delegated = spelt is not None and spelt is not failure
        failure = spelt if spelt is not None else failure
        owner = None if delegated else _owner(source, found, frame.path)
        if owner is not None and wrong != found["wrong"]:  # `__name_` in a class: a dunder of every object
            owner = dataclasses.replace(owner, known=owner.known | _DUNDERS)
        if owner is None:
            # What it is, the source cannot say (a third party's object, a dynamic one): the
            # attributes the project uses, when the interpreter had no suggestion either.
            used = {} if suggested else _used_attributes(source, frame.path)
            return _common.unique(
                self._at_use(failure, source, wrong, right, rank=1)
                for right in _common.ranked(wrong, used, weight=used)[:_TIED]
            )
        if suggested:
            # The interpreter's pick (the did-you-mean fixer's) may be one of several as close:
            # `json.dums` gets 'dump', and `dumps` is as near. The others come after it.
            others = [r for r in _common.nearest(wrong, owner.known) if r != suggested]
            at_use = [self._at_use(failure, source, wrong, right, rank=1) for right in others]
        else:
            choices = _common.ranked(wrong, owner.known)
            tied = len(_common.nearest(wrong, owner.known)) > 1 or not _common.closest(wrong, owner.known)
            at_use = [
                self._at_use(failure, source, wrong, right, rank=1 if tied or index else 0)
                for index, right in enumerate(choices[:_TIED])
            ]
        at_definition = self._at_definition(failure, owner, wrong, rank=0 if is_test_path(frame.path) else 1)
        return _common.unique([*at_use, at_definition])

    def _at_use(
        self, failure: Failure, source: Source, wrong: str, right: str | None, *, rank: int
    ) -> Candidate | None:
        target = _common.target(failure, source)
        if target is None or right is None:
            return None
        new = rename_on_line(target, wrong, right, attribute=True)
        if new is None:
            return None
        return _common.edit(
            failure,
            target,
            new,
            origin=self.name,
            rationale=f"there is no attribute `{wrong}`; rename it on line {target.line} to the closest, `{right}`",
            rank=rank,
        )

    def _at_definition(self, failure: Failure, owner: _Owner, wanted: str, *, rank: int) -> Candidate | None:
        typo = _common.closest(wanted, owner.own)
        if owner.edits_for is None or typo is None or wanted in owner.known:
            return None
        return _common.candidate_over(
            failure,
            origin=self.name,
            edits=owner.edits_for(typo, wanted),
            rationale=f"the code asks for `{wanted}`, which the definition calls `{typo}`; rename the definition",
            rank=rank,
        )


def _owner(source: Source, found: re.Match[str], where: str) -> _Owner | None:
    if found["module"]:
        return _module(source, found["module"])
    return _class(source, found["instance"] or found["type"], where)


def module_attributes(source: Source, module: str) -> frozenset[str]:
    """Every attribute of `module` known without running the project: a project module's names
    and submodules, a standard-library module's attributes; else none."""
    owner = _module(source, module)
    return owner.known if owner else frozenset()


def _module(source: Source, module: str) -> _Owner | None:
    path = _project.modules(source).get(module)
    parsed = _project.tree(source, path) if path else None
    if path is not None and parsed is not None:
        prefix = module + "."
        submodules = {name[len(prefix) :] for name in _project.modules(source) if name.startswith(prefix)}
        known = _project.attributes(parsed) | {name for name in submodules if "." not in name}
        return _Owner(frozenset(known), frozenset(_project.definitions(parsed)), _Renamer(source, path, None))
    # The standard library of the interpreter suture runs on, never the project's code.
    imported = stdlib_module(module)
    return _Owner(frozenset(dir(imported)), frozenset(), None) if imported is not None else None


def _class(source: Source, name: str, where: str) -> _Owner | None:
    if "." in name:  # 'datetime.timedelta' object: a standard-library class, never the project's code
        module, _, attribute = name.rpartition(".")
        kind = getattr(stdlib_module(module), attribute, None)
        return _Owner(frozenset(dir(kind)), frozenset(), None) if isinstance(kind, type) else None
    found = _project.classes(source, name, prefer=where)
    if len(found) == 1:
        path, cls = found[0]
        own = _project.members(cls)
        return _Owner(frozenset(own | _inherited(source, path, cls)), frozenset(own), _Renamer(source, path, cls))
    kind = getattr(builtins, name, None)
    if not found and isinstance(kind, type):
        return _Owner(frozenset(dir(kind)), frozenset(), None)
    return None  # not a class suture can read, or two classes of that name


def _inherited(source: Source, path: str, cls: ast.ClassDef, depth: int = 0) -> set[str]:
    """The attributes a class gets from its bases: project classes read, builtin ones listed;
    always `object`'s."""
    found = set(dir(object))
    for base in cls.bases:
        name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
        parents = _project.classes(source, name, prefer=path) if name and depth < _DEPTH else []
        if len(parents) == 1:
            parent_path, parent = parents[0]
            found |= _project.members(parent) | _inherited(source, parent_path, parent, depth + 1)
        elif isinstance(kind := getattr(builtins, name, None), type):
            found |= set(dir(kind))
    return found


def _spelt_at(failure: Failure, source: Source, wrong: str) -> Failure | None:
    """`failure` as far as its innermost frame whose line spells `.wrong` (itself when the
    innermost does), or None when no frame's line does."""
    spelling = re.compile(rf"\.\s*{re.escape(wrong)}\b")
    for index in range(len(failure.frames) - 1, -1, -1):
        frame = failure.frames[index]
        text = source.read(frame.path) if not is_test_path(frame.path) or index == len(failure.frames) - 1 else None
        lines = text.splitlines() if text else []
        if 0 < frame.line <= len(lines) and spelling.search(lines[frame.line - 1]):
            return (
                failure
                if index == len(failure.frames) - 1
                else dataclasses.replace(failure, frames=failure.frames[: index + 1])
            )
    return None


def _used_attributes(source: Source, path: str) -> dict[str, int]:
    """Every `.name` the project's modules (and the failing file) use or assign, with its count."""
    counted: Counter[str] = Counter()
    for other in {*_project.modules(source).values(), path}:
        parsed = _project.tree(source, other)
        if parsed is not None:
            counted.update(node.attr for node in ast.walk(parsed) if isinstance(node, ast.Attribute))
    return dict(counted)


def _names(node: ast.stmt) -> set[str]:
    return _project.definitions(ast.Module(body=[node], type_ignores=[]))


def rename_module_attribute(source: Source, path: str, old: str, new: str) -> dict[str, tuple[str, str]]:
    """Edits renaming `old`, defined at the top of the module `path`, to `new`: every plain use
    in that module, and the project files that import it by name (`from pkg.mod import old`)."""
    text = source.read(path) or ""
    edits = {path: (text, _common.rename(text, old, new, attribute=False))}
    module = _project.module_name(path)
    for other in _project.modules(source).values():
        imports = [node for node in _imports_from(source, other, module) if any(a.name == old for a in node.names)]
        if other == path or not imports:
            continue
        other_text = source.read(other) or ""
        aliased = all(alias.asname for node in imports for alias in node.names if alias.name == old)
        # `from m import old as x` renames only the import; without `as`, every use follows.
        only = {line for node in imports for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
        edits[other] = (
            other_text,
            _common.rename(other_text, old, new, attribute=False, only=only if aliased else None),
        )
    return edits


def _imports_from(source: Source, path: str, module: str | None) -> list[ast.ImportFrom]:
    """The `from <module> import ...` statements of the file `path`, relative ones resolved."""
    parsed = _project.tree(source, path)
    if parsed is None or module is None:
        return []
    return [
        node
        for node in ast.walk(parsed)
        if isinstance(node, ast.ImportFrom) and _project.absolute(node, path) == module
    ]
