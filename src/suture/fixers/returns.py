"""None where a value was expected, because a function of the project forgot to return it.

    'NoneType' object is not subscriptable        load()["key"]
    'NoneType' object is not callable             make_handler()(event)
    'NoneType' object is not iterable             for row in rows(): ...   (and unpacking)
    object of type 'NoneType' has no len()        len(parse(text))
    'NoneType' object has no attribute 'x'        build().x
    unsupported operand type(s) for +: 'NoneType' and 'int'
    expected string or bytes-like object, got 'NoneType'   re.sub(p, r, name()), any TypeError naming NoneType
    assert 'product' == None                      pytest's report of a comparison with None

The calls on the reported line and on the lines of the frames around it (a None passed on
as an argument, `humanize(underscore(word))`, fails inside the callee, a frame further in),
and the calls that assigned the names those lines use, lead to the project's functions (and
from one that returns another's result, `return parse(text)`, to that one; `shape.area()` to
the one class whose `area` returns nothing); one that never returns a value (no
`return <value>`, no `yield`) gets one: the object its last statement changes in place
(`merged.update(data)` -> `return merged`, `self.items.append(x)` -> `return self`), else
that statement when it is an expression or an assignment to a local, else the last local it
assigned. The reported line may be in a test; the function never is.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

import libcst as cst

from suture.fixers import _common, _project
from suture.fixers.calls import Definition, find_definition, parsed
from suture.records import Candidate, Failure
from suture.run.source import Source

_NONE = re.compile(
    r"'NoneType' object (?:is not (?:subscriptable|callable|iterable)|has no attribute '\w+')"
    r"|object of type 'NoneType' has no len\(\)"
    r"|cannot unpack non-iterable NoneType object"
    r"|unsupported operand type\(s\) for \S+: '(?:NoneType' and '\w+|\w+' and 'NoneType)'"
)
# Any other TypeError a None causes names the type (`got 'NoneType'`, `not "NoneType"`, `NoneType found`).
_NONE_NAMED = re.compile(r"\bNoneType\b")
# pytest's assertion report when one side of a comparison is None: `assert 'x' == None`, `assert None == 3`.
_NONE_COMPARED = re.compile(r"assert (?:None (?:==|!=) .+|.+ (?:==|!=) None)")  # the first line
FRAMES = 3  # frames out from the one that raised whose lines are searched for the call that gave None
# Methods of the built-in containers that change them in place and return None.
_MUTATORS = frozenset(
    {"append", "extend", "insert", "remove", "sort", "reverse", "clear", "update", "add", "discard"}
    | {"appendleft", "extendleft", "rotate", "difference_update", "intersection_update"}
)
FOLLOW = 3  # calls deep, from a function returning another's result to the one returning None
# Expression statements that are clearly not the function's result.
_NOT_RESULTS = frozenset({"print", "logging", "logger", "log", "warnings"})


class ReturnsFixer:
    name = "returns"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if not failure.frames or not _about_none(failure):
            return []
        seen: set[tuple[str, int]] = set()
        found = []
        frames = failure.frames[::-1][:FRAMES]  # innermost first
        suspects = (definition for frame in frames for definition in _suspects(source, frame.path, frame.line))
        for definition in suspects:
            if (definition.path, definition.node.lineno) in seen or returns_a_value(definition.node):
                continue
            seen.add((definition.path, definition.node.lineno))
            found += [self._candidate(failure, definition, *edit) for edit in _returning(definition)]
        return _common.unique(found)

    def _candidate(
        self, failure: Failure, definition: Definition, new: str | None, why: str, rank: int
    ) -> Candidate | None:
        return _common.candidate(
            failure,
            origin=self.name,
            path=definition.path,
            old=definition.text,
            new=new or definition.text,
            rationale=f"`{definition.node.name}()` {why}, so its callers get None; return it",
            rank=rank,
        )


def _about_none(failure: Failure) -> bool:
    """Whether the failure says a value was None where something else was wanted."""
    message = failure.message.strip()
    if failure.error_type == "AttributeError":
        return bool(_NONE.fullmatch(message))
    if failure.error_type == "TypeError":
        return bool(_NONE.fullmatch(message) or _NONE_NAMED.search(message))
    first = message.splitlines()[0] if message else ""
    return failure.error_type == "AssertionError" and bool(_NONE_COMPARED.fullmatch(first))


# --- which functions ----------------------------------------------------------------------


def _suspects(source: Source, path: str, line: int) -> Iterator[Definition]:
    """The project functions whose result the reported line uses: called on it, or called to
    assign a name it reads (in the same function, before it)."""
    tree = _project.tree(source, path)
    if tree is None:
        return
    scope = _innermost(tree, line)
    on_line = [node for node in ast.walk(scope) if getattr(node, "lineno", None) == line]
    read = {node.id for node in on_line if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    calls = [node for node in on_line if isinstance(node, ast.Call)]
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and node.lineno < line:
            calls += [node.value] if read & _targets(node) else []
    for call in calls:
        definition = _resolve(source, tree, path, scope, call.func)
        if definition is not None:
            yield definition
            yield from _decorators(source, definition)
            yield from _returned_calls(source, definition, depth=FOLLOW)


def _returned_calls(source: Source, definition: Definition, *, depth: int) -> Iterator[Definition]:
    """The project functions whose result `definition` returns as its own (`return parse(text)`),
    and theirs, `depth` calls deep: the None may come from further down."""
    if depth < 1:
        return
    tree = _project.tree(source, definition.path)
    if tree is None:
        return
    for node in ast.walk(definition.node):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Call):
            found = _resolve(source, tree, definition.path, definition.node, node.value.func)
            if found is not None and found.node is not definition.node:
                yield found
                yield from _returned_calls(source, found, depth=depth - 1)


def _decorators(source: Source, definition: Definition) -> Iterator[Definition]:
    """The project decorators of a function: one that forgets `return wrapper` turns the
    function into None."""
    for decorator in definition.node.decorator_list:
        if isinstance(decorator, ast.Name) and (found := find_definition(source, decorator.id, definition.path)):
            yield found


def _innermost(tree: ast.Module, line: int) -> ast.AST:
    """The innermost function around `line`, or the module."""
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return max(around, key=lambda node: node.lineno, default=tree)


def _targets(node: ast.Assign) -> set[str]:
    return {target.id for target in node.targets if isinstance(target, ast.Name)}


def _resolve(source: Source, tree: ast.Module, path: str, scope: ast.AST, func: ast.expr) -> Definition | None:
    """The project definition `func` calls: `f`, `self.f`, `module.f`, or `obj.f` when exactly
    one project class has a method `f`."""
    if isinstance(func, ast.Name):
        return find_definition(source, func.id, path)
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value
    if isinstance(owner, ast.Name) and owner.id == "self":
        cls = _enclosing_class(tree, scope)
        return find_definition(source, f"{cls}.{func.attr}", path) if cls else None
    if isinstance(owner, ast.Name) and (module := _imported_module(source, tree, path, owner.id)):
        return find_definition(source, func.attr, module)
    owners = [cls for cls in _all_classes(source) if any(_is_method(node, func.attr) for node in cls.body)]
    if len(owners) > 1:  # Rect.area and Circle.area: the one that returns nothing is the suspect
        owners = [cls for cls in owners if not any(returns_a_value(n) for n in _methods(cls, func.attr))]
    return find_definition(source, f"{owners[0].name}.{func.attr}", path) if len(owners) == 1 else None


def _enclosing_class(tree: ast.Module, scope: ast.AST) -> str | None:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and scope in node.body:
            return node.name
    return None


def _imported_module(source: Source, tree: ast.Module, path: str, name: str) -> str | None:
    """The path of the project module the file binds to `name` (`import pkg.mod as name`,
    `from pkg import name`)."""
    modules = _project.modules(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == name or (alias.asname is None and alias.name == name):
                    return modules.get(alias.name)
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                if (alias.asname or alias.name) == name:
                    return modules.get(f"{_project.absolute(node, path)}.{alias.name}")
    return None


def _all_classes(source: Source) -> Iterator[ast.ClassDef]:
    for path in _project.modules(source).values():
        tree = _project.tree(source, path)
        yield from (node for node in (tree.body if tree else []) if isinstance(node, ast.ClassDef))


def _methods(cls: ast.ClassDef, name: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    return [node for node in cls.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name]


def _is_method(node: ast.stmt, name: str) -> bool:
    return isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name


def returns_a_value(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the function (not the functions nested in it) returns a value or yields."""
    pending: list[ast.AST] = list(node.body)
    while pending:
        child = pending.pop()
        if isinstance(child, ast.Return) and child.value is not None:
            return True
        if isinstance(child, ast.Yield | ast.YieldFrom):
            return True
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            pending.extend(ast.iter_child_nodes(child))
    return False


# --- the edits ----------------------------------------------------------------------------


def _returning(definition: Definition) -> Iterator[tuple[str | None, str, int]]:
    """(the file changed, why, rank): the last statement returned, else the last local."""
    body = definition.node.body
    last = body[-1]
    changed = _mutated(last.value) if isinstance(last, ast.Expr) else None
    if changed is not None:  # merged.update(data), self.items.append(item): the object is the result
        yield _edit(definition, changed), f"changes `{changed}` but never returns it", 0
        return
    if isinstance(last, ast.Expr) and not _is_docstring(last) and not _is_noise(last.value):
        yield _edit(definition, "expression"), "ends with an expression it does not return", 0
        return
    if isinstance(last, ast.Assign | ast.AnnAssign | ast.AugAssign):
        names = _targets(last) if isinstance(last, ast.Assign) else _stored(last.target)
        if len(names) == 1:
            (name,) = names
            yield _edit(definition, name), f"computes `{name}` but never returns it", 0
            return
    if isinstance(last, ast.FunctionDef | ast.AsyncFunctionDef):  # a decorator or factory
        yield _edit(definition, last.name), f"defines `{last.name}` but never returns it", 0
        return
    local = _last_assigned(definition.node)
    if local is not None:
        yield _edit(definition, local), f"computes `{local}` but never returns it", 1


def _mutated(value: ast.expr) -> str | None:
    """`x` (a local or `self`) when `value` is a call of a method that changes `x` in place and
    returns None (`x.update(...)`, `x.items.append(...)`): what the function meant to return."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)) or value.func.attr not in _MUTATORS:
        return None
    root = value.func.value
    while isinstance(root, ast.Attribute):
        root = root.value
    return root.id if isinstance(root, ast.Name) and root.id not in _NOT_RESULTS else None


def _is_docstring(node: ast.Expr) -> bool:
    return isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


def _is_noise(value: ast.expr) -> bool:
    """A call for its effect, like print() or logger.info(), is not what the function computes."""
    func = value.func if isinstance(value, ast.Call) else None
    root = func
    while isinstance(root, ast.Attribute):
        root = root.value
    return isinstance(root, ast.Name) and root.id in _NOT_RESULTS


def _stored(target: ast.expr) -> set[str]:
    return {target.id} if isinstance(target, ast.Name) else set()


def _last_assigned(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """The local assigned last at the function's own top level."""
    names = [name for statement in node.body if isinstance(statement, ast.Assign) for name in _targets(statement)]
    return names[-1] if names else None


def _edit(definition: Definition, what: str) -> str | None:
    """The file with a `return` added at the function's end: its last statement, an expression,
    returned (`what` == "expression"), or `return <what>` after it."""
    found = parsed(definition)
    if found is None or not isinstance(found[1].body, cst.IndentedBlock):
        return None
    module, function = found
    body = list(function.body.body)
    last = body[-1]
    if what != "expression":
        body.append(cst.SimpleStatementLine([cst.Return(cst.Name(what))]))
    elif isinstance(last, cst.SimpleStatementLine) and isinstance(last.body[-1], cst.Expr):
        body[-1] = last.with_changes(body=[*last.body[:-1], cst.Return(last.body[-1].value)])
    else:
        return None
    edited = module.deep_replace(function, function.with_changes(body=function.body.with_changes(body=body)))
    return edited.code if isinstance(edited, cst.Module) else None
