"""What a call that left out an argument could pass, from what the caller has.

A call missing a parameter's value rarely lacks the value itself: the caller holds it under
the same name, under a name like it (`ts_int` for `ts`, `rowalign` for `row_alignment`), or
another call of the same function in the file passes it there; and the variable that held
the lost argument is often left unused. Each value comes with a rank: 0 for the parameter's
own name or what the same call passes elsewhere, 1 for a similar name, 2 for an unused one.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass

import libcst as cst

from suture.fixers import _common

_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Value:
    code: str  # the expression to pass
    rank: int
    why: str


@dataclass(frozen=True)
class Caller:
    """Where the call is: the file's tree, the line, the names in scope there, and the other
    calls of the same function in the file."""

    tree: ast.Module
    line: int
    scope: Collection[str]
    others: Sequence[cst.Call]


def values(parameter: str, position: int | None, caller: Caller, passed: Collection[str]) -> list[Value]:
    """What to pass for `parameter` (at `position` among the positional ones, or by keyword when
    None), best first; never a name the call already passes."""
    found: dict[str, Value] = {}
    for value in _candidates(parameter, position, caller):
        if value.code not in passed and value.code not in found:
            found[value.code] = value
    return sorted(found.values(), key=lambda value: value.rank)


def _candidates(parameter: str, position: int | None, caller: Caller) -> Iterator[Value]:
    if parameter in caller.scope:
        yield Value(parameter, 0, f"the caller's own `{parameter}`")
    for code in _elsewhere(parameter, position, caller):
        # a variable passed there says more than a constant
        yield Value(code, 0 if _names(code) else 2, f"`{code}`, as the same call elsewhere in the file passes it")
    local = _local_names(caller.tree, caller.line)
    for name in sorted(local, key=lambda name: _common.distance(name, parameter)):
        if similar(parameter, name):
            yield Value(name, 1, f"`{name}`, the caller's name like `{parameter}`")
    for name in sorted(unused(caller.tree, caller.line)):
        yield Value(name, 2, f"`{name}`, which the caller sets and never uses")


def similar(parameter: str, name: str) -> bool:
    """Whether `name` reads as the same thing as `parameter`: one holds the other (`ts_int`,
    `ts`), an abbreviation (`rowalign`, `row_alignment`), or a typo's distance."""
    short, long = sorted((parameter.lower().strip("_"), name.lower().strip("_")), key=len)
    if len(short) < 2 or short == long:
        return short == long
    if long.startswith(short + "_") or long.endswith("_" + short):
        return True
    if len(short) >= 3 and short.replace("_", "") in long.replace("_", ""):
        return True
    return _abbreviates(short.replace("_", ""), long) or _common.closest(parameter, [name]) == name


def _abbreviates(short: str, long: str) -> bool:
    """`short` is `long` with letters left out, keeping its first letter and the start of each
    word it keeps: `rowalign` of `row_alignment`, `tmpl` of `template`."""
    if len(short) < 3 or short[0] != long[0]:
        return False
    letters = iter(long.replace("_", ""))
    return all(char in letters for char in short)


def _elsewhere(parameter: str, position: int | None, caller: Caller) -> Iterator[str]:
    """The expressions other calls of the function pass for `parameter`, when every name in
    them is in scope here."""
    for call in caller.others:
        positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
        named = [arg for arg in call.args if arg.keyword is not None and arg.keyword.value == parameter]
        if not named and position is not None and position < len(positional):
            named = [positional[position]]
        if not named:
            continue
        arg = named[0]
        code = cst.Module([]).code_for_node(arg.value)
        if _names(code) <= set(caller.scope):
            yield code


def _names(code: str) -> set[str]:
    try:
        parsed = ast.parse(code, mode="eval")
    except SyntaxError:
        return {code}
    return {node.id for node in ast.walk(parsed) if isinstance(node, ast.Name)}


def _function(tree: ast.Module, line: int) -> _Function | None:
    """The innermost function around `line`."""
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, _Function) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return max(around, key=lambda node: node.lineno, default=None)


def parameters(tree: ast.Module, line: int) -> list[str]:
    """The parameters of the function around `line`, in order (`self` and `cls` left out)."""
    function = _function(tree, line)
    if function is None:
        return []
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
    return [arg.arg for arg in every if arg.arg not in ("self", "cls")]


def _local_names(tree: ast.Module, line: int) -> set[str]:
    """The parameters and the names the function around `line` binds."""
    function = _function(tree, line)
    if function is None:
        return set()
    stored = {node.id for node in ast.walk(function) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
    return set(parameters(tree, line)) | stored


def unused(tree: ast.Module, line: int) -> set[str]:
    """The names the function around `line` binds (parameters too) and never reads: where a
    dropped argument's value is left."""
    function = _function(tree, line)
    if function is None:
        return set()
    read = {node.id for node in ast.walk(function) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}
    return {name for name in _local_names(tree, line) - read if name not in ("self", "cls", "_")}
