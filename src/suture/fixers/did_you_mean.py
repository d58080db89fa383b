"""Take the interpreter's own suggestion for a misspelt name or attribute.

    NameError:      name 'reslt' is not defined. Did you mean: 'result'?
    AttributeError: module 'math' has no attribute 'sqr'. Did you mean: 'sqrt'?
    AttributeError: 'Foo' object has no attribute 'bar'. Did you mean: 'baz'?
    AttributeError: 'Cache' object has no attribute '_Cache__dat'. Did you mean: '_Cache__data'?

The last is a private name (`self.__dat` in the source) as Python mangles it: the source
spells it unmangled, so that is what is renamed.

Only the reported line changes, and only tokens: a name inside a string or a comment
stays as it is. Without a "Did you mean" there is nothing certain to do here.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_NAME = re.compile(r"name '(?P<wrong>\w+)' is not defined\. Did you mean: '(?P<right>[\w.]+)'\?")
_ATTRIBUTE = re.compile(r".* has no attribute '(?P<wrong>\w+)'\. Did you mean: '(?P<right>\w+)'\?", re.DOTALL)
_MANGLED = re.compile(r"(?P<owner>_[A-Za-z0-9]\w*?)(?P<private>__\w+)")


@dataclass(frozen=True)
class _Suggestion:
    wrong: str
    right: str  # for a NameError maybe dotted: Python 3.12 suggests 'self.value'
    attribute: bool


class DidYouMeanFixer:
    name = "did-you-mean"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        suggestion = _suggestion(failure)
        if suggestion is None:
            return []
        target = _common.target(failure, source)
        if target is None:
            return []
        new = rename_on_line(target, suggestion.wrong, suggestion.right, attribute=suggestion.attribute)
        if new is None:
            return []
        kind = "attribute" if suggestion.attribute else "name"
        found = _common.candidate(
            failure,
            origin=self.name,
            path=target.path,
            old=target.text,
            new=new,
            rationale=f"Python suggests `{suggestion.right}` for the unknown {kind} "
            f"`{suggestion.wrong}`; rename it on line {target.line}",
            rank=0,
        )
        parameter = (
            None
            if suggestion.attribute
            else parameter_renamed(failure, source, target, suggestion.right, suggestion.wrong)
        )
        return _common.unique([found, parameter])


def _suggestion(failure: Failure) -> _Suggestion | None:
    patterns = {"NameError": _NAME, "AttributeError": _ATTRIBUTE}
    pattern = patterns.get(failure.error_type)
    found = pattern.fullmatch(failure.message.strip()) if pattern else None
    if found is None or found["wrong"] == found["right"]:
        return None
    wrong, right, attribute = found["wrong"], found["right"], failure.error_type == "AttributeError"
    return _Suggestion(*(_demangled(wrong, right) if attribute else (wrong, right)), attribute)


def _demangled(wrong: str, right: str) -> tuple[str, str]:
    """`_Cache__dat`, `_Cache__data` as the source spells them: `__dat`, `__data` (both private
    names of the same class); any other pair as it is."""
    mangled = _MANGLED.fullmatch(wrong)
    if mangled is None or not right.startswith(mangled["owner"] + "__") or mangled["private"].endswith("__"):
        return wrong, right
    return mangled["private"], right.removeprefix(mangled["owner"])


def rename_on_line(target: _common.Target, wrong: str, right: str, *, attribute: bool) -> str | None:
    """The file with `wrong` renamed to `right` on the target line (as an attribute, after a
    ".", or as a plain name that is no keyword in a call: `f(reslt=reslt)` keeps the
    parameter's name), or None when the line does not use it that way."""
    new = _common.rename(target.text, wrong, right, attribute=attribute, only={target.line})
    return None if new == target.text else new


def parameter_renamed(
    failure: Failure, source: Source, target: _common.Target, parameter: str, used: str
) -> Candidate | None:
    """The other way round (rank 1): the enclosing function's parameter `parameter` renamed to
    `used`, the name its body reads, in the signature and every use; only when a caller in
    the project passes `used=` (`def price(curency):` whose body reads `currency`, called as
    `price(5, currency="USD")`), which says the signature is what was misspelt. None else."""
    try:
        tree = ast.parse(target.text, target.path)
    except (SyntaxError, ValueError, RecursionError):
        return None
    around = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.lineno <= target.line <= (node.end_lineno or node.lineno)
    ]
    function = max(around, key=lambda node: node.lineno, default=None)  # the innermost
    if function is None or parameter not in _parameters(function) or not _passed(source, function.name, used):
        return None
    lines = range(function.lineno, (function.end_lineno or function.lineno) + 1)
    new = _common.rename(target.text, parameter, used, attribute=False, only=set(lines))
    return _common.edit(
        failure,
        target,
        new,
        origin=DidYouMeanFixer.name,
        rationale=f"`{function.name}()` reads `{used}` but its parameter is `{parameter}`, and callers pass "
        f"`{used}=`; rename the parameter",
        rank=1,
    )


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    args = function.args
    return {
        arg.arg for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, *filter(None, [args.vararg, args.kwarg])]
    }


def _passed(source: Source, function: str, keyword: str) -> bool:
    """Whether a Python file of the project (tests too) calls `function(..., keyword=...)`."""
    spelt = re.compile(rf"\b{re.escape(keyword)}\s*=")
    for path in source.paths():
        text = source.read(path) if path.endswith(".py") else None
        try:
            tree = ast.parse(text, path) if text and spelt.search(text) else None
        except (SyntaxError, ValueError, RecursionError):
            continue
        for node in ast.walk(tree) if tree else ():
            if (
                isinstance(node, ast.Call)
                and _called(node) == function
                and any(k.arg == keyword for k in node.keywords)
            ):
                return True
    return False


def _called(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
