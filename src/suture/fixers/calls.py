"""TypeError from a call that does not match its function's signature.

    area() missing 1 required positional argument: 'height'
    area() takes 2 positional arguments but 3 were given
    Box.area() takes 1 positional argument but 2 were given      (a method without self)
    area() got an unexpected keyword argument 'widht'
    len() takes exactly one argument (0 given)                   (a builtin's: what other calls pass)

Either side may be the one that changed, so both get candidates and verification decides.
At the call (unless it is in a test, which suture never edits): pass a missing argument
the caller has a variable for, pass extra arguments by the keyword-only names the function
has (or drop them), rename a keyword to the closest parameter (also of a standard-library function, or of the
standard-library class a project class inherits its `__init__` from). At the definition, when it
is in the project: drop a parameter the body never uses, add `self` to a method, add the
parameters the body uses but nothing defines, rename a parameter to the keyword callers
use. The function is found by the name in the message: in the calling file, where that
file imports it from, or the one project module that defines it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from suture.fixers import _arguments, _common, _project
from suture.fixers._library import stdlib_parameters
from suture.fixers.names import in_scope
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

_QUALNAME = r"(?P<function>[\w.]+)\(\)"
_MISSING = re.compile(
    _QUALNAME
    + r" missing \d+ required (?P<kind>positional|keyword-only) arguments?: (?P<names>'\w+'(?:,? (?:and )?'\w+')*)"
)
_TOO_MANY = re.compile(
    _QUALNAME + r" takes (?:from \d+ to )?(?P<takes>\d+) positional arguments? but (?P<given>\d+)"
    r"(?: positional arguments? \(and \d+ keyword-only arguments?\))? (?:was|were) given"
)
_UNEXPECTED = re.compile(_QUALNAME + r" got an unexpected keyword argument '(?P<keyword>\w+)'")
# A builtin's own wording: `len()` left with nothing to measure, `isinstance(Hook)` one short.
_NONE_GIVEN = re.compile(_QUALNAME + r" takes exactly one argument \(0 given\)")
_EXPECTED = re.compile(
    r"(?P<function>\w+)(?:\(\))? expected (?:at least )?(?P<takes>\d+) arguments?, got (?P<given>\d+)"
)
_Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class _Mismatch:
    """What the message says about the call and the function's signature."""

    function: str  # the qualified name: `area`, `Box.area`
    missing: tuple[str, ...] = ()  # parameters the call did not pass
    keyword_only: bool = False  # ... and they are keyword-only
    extra: int = 0  # positional arguments past the ones the function takes
    keyword: str = ""  # a keyword the function has no parameter for
    given: int = -1  # how many arguments the call passed, where a builtin's message says (else -1)

    @property
    def callee(self) -> str:
        """The name the call uses: `Box(...)` for `Box.__init__`, `area(...)`/`x.area(...)` else."""
        parts = self.function.split(".")
        return parts[-2] if parts[-1] == "__init__" and len(parts) > 1 else parts[-1]


@dataclass(frozen=True)
class Definition:
    """A function or method of the project, in a file a fixer may edit."""

    path: str
    text: str  # the file's text at the base commit
    node: ast.FunctionDef | ast.AsyncFunctionDef
    method: bool


@dataclass(frozen=True)
class _Edit:
    path: str
    old: str
    new: str
    rationale: str
    rank: int


class CallsFixer:
    name = "calls"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        mismatch = _mismatch(failure)
        frame = failure.location
        if mismatch is None or frame is None:
            return []
        caller = source.read(frame.path)
        if caller is None:
            return []
        definition = find_definition(source, mismatch.function, frame.path)
        if definition and not _fits(definition, mismatch):
            definition = None  # another function of the name (`re.compile` beside the project's `compile`)
        in_test = is_test_path(frame.path)
        at_call = [] if in_test else list(_at_call(source, frame.path, caller, frame.line, mismatch, definition))
        # A definition-side edit is the only fix for a call in a test, else a second opinion.
        later = 1 if at_call else 0
        at_definition = list(_at_definition(definition, mismatch, later)) if definition else []
        edits = sorted(at_call + at_definition, key=lambda edit: edit.rank)
        return _common.unique(
            _common.candidate(
                failure, origin=self.name, path=e.path, old=e.old, new=e.new, rationale=e.rationale, rank=e.rank
            )
            for e in edits
        )


def _mismatch(failure: Failure) -> _Mismatch | None:
    if failure.error_type != "TypeError":
        return None
    message = failure.message.strip()
    if found := _MISSING.fullmatch(message):
        names = tuple(re.findall(r"'(\w+)'", found["names"]))
        return _Mismatch(found["function"], missing=names, keyword_only=found["kind"] == "keyword-only")
    if found := _TOO_MANY.fullmatch(message):
        extra = int(found["given"]) - int(found["takes"])
        return _Mismatch(found["function"], extra=extra) if extra > 0 else None
    if found := _UNEXPECTED.fullmatch(message):
        return _Mismatch(found["function"], keyword=found["keyword"])
    if found := _NONE_GIVEN.fullmatch(message):
        return _Mismatch(found["function"], missing=("",), given=0)  # unnamed: what other calls pass
    if (found := _EXPECTED.fullmatch(message)) and int(found["takes"]) == int(found["given"]) + 1:
        return _Mismatch(found["function"], missing=("",), given=int(found["given"]))
    return None


def _fits(definition: Definition, mismatch: _Mismatch) -> bool:
    """Whether the interpreter's message can be about `definition`: the parameters it names are its."""
    named = {name for name in mismatch.missing if name}
    return named <= set(_parameters(definition.node))


# --- finding the function -----------------------------------------------------------------


def find_definition(source: Source, function: str, caller: str) -> Definition | None:
    """The project's definition of `function` (a plain or a `Class.method` name), or None
    when it is not the project's, is nested in another function, or is ambiguous."""
    parts = function.split(".")
    if len(parts) == 2:
        classes = _project.classes(source, parts[0], prefer=caller)
        methods = [node for path, cls in classes for node in _functions(cls.body, parts[1])]
        if len(classes) == 1 and len(methods) == 1:
            return _make(source, classes[0][0], methods[0], method=True)
        return None
    if len(parts) != 1:
        return None
    for path, name in _homes(source, function, caller):
        parsed = _project.tree(source, path)
        found = _functions(parsed.body, name) if parsed else []
        if len(found) == 1:
            return _make(source, path, found[0], method=False)
    return None


def _homes(source: Source, name: str, caller: str) -> Iterator[tuple[str, str]]:
    """Where a function called `name` from `caller` may be defined, as (path, its own name):
    the calling file, the module it imports the name from, the one module defining it."""
    yield caller, name
    parsed = _project.tree(source, caller)
    modules = _project.modules(source)
    for node in ast.walk(parsed) if parsed else ():
        if isinstance(node, ast.ImportFrom):
            for alias in node.names:
                path = modules.get(_project.absolute(node, caller))
                if (alias.asname or alias.name) == name and path:
                    yield path, alias.name
    defining = _project.defining(source, name)
    if len(defining) == 1:
        yield modules[defining[0]], name


def _functions(body: Sequence[ast.stmt], name: str) -> list[_Function]:
    return [node for node in body if isinstance(node, _Function) and node.name == name]


def _make(source: Source, path: str, node: _Function, *, method: bool) -> Definition | None:
    text = source.read(path)
    if text is None or is_test_path(path):
        return None
    return Definition(path, text, node, method)


def _parameters(node: _Function) -> list[str]:
    args = node.args
    return [arg.arg for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs]]


# --- edits at the call --------------------------------------------------------------------


def _at_call(
    source: Source, path: str, text: str, line: int, mismatch: _Mismatch, definition: Definition | None
) -> Iterator[_Edit]:
    parsed = _parse(text, path)
    if parsed is None:
        return
    wrapper, tree = parsed
    finder = _CallFinder(line, mismatch.callee)
    wrapper.visit(finder)
    module = wrapper.module
    caller = _arguments.Caller(tree, line, in_scope(tree, line), finder.elsewhere)
    # A call passing its keywords on (`json.dumps(x, indnt=2)` fails in `JSONEncoder.__init__`,
    # a subclass's call in its base's `__init__`): the call on the line that passes the keyword.
    passing = [call for call in finder.around if mismatch.keyword and mismatch.keyword in _keywords(call)]
    for call in finder.calls or passing[:1]:
        parameters: Collection[str]
        if definition is not None:
            parameters = _parameters(definition.node)
        else:  # a standard-library function, or a project class whose __init__ is one's
            parameters = _outside(source, path, tree, call, mismatch) if mismatch.keyword else frozenset()
        for new, rationale, rank in _call_edits(call, mismatch, definition, caller, parameters):
            edited = module.deep_replace(call, new)
            assert isinstance(edited, cst.Module)  # replacing a call keeps a module a module
            yield _Edit(path, text, edited.code, rationale, rank)


@lru_cache(maxsize=8)
def _parse(text: str, path: str) -> tuple[MetadataWrapper, ast.Module] | None:
    """The file as libcst (with positions) and as ast, once per text: a heal with many failures
    asks about the same file again and again."""
    try:
        return MetadataWrapper(cst.parse_module(text)), ast.parse(text, path)
    except (cst.ParserSyntaxError, SyntaxError, ValueError, RecursionError):
        return None


class _CallFinder(cst.CSTVisitor):
    """The calls of `callee(...)` or `x.callee(...)` around one line."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, callee: str) -> None:
        super().__init__()
        self.line = line
        self.callee = callee
        self.calls: list[cst.Call] = []
        self.around: list[cst.Call] = []  # every call around the line
        self.elsewhere: list[cst.Call] = []  # the calls of `callee` away from the line

    def visit_Call(self, node: cst.Call) -> None:
        where = self.get_metadata(PositionProvider, node)
        func = node.func
        name = func.value if isinstance(func, cst.Name) else func.attr.value if isinstance(func, cst.Attribute) else ""
        if not where.start.line <= self.line <= where.end.line:
            if name == self.callee:
                self.elsewhere.append(node)
            return
        self.around.append(node)
        if name == self.callee:
            self.calls.append(node)


def _call_edits(
    call: cst.Call,
    mismatch: _Mismatch,
    definition: Definition | None,
    caller: _arguments.Caller,
    parameters: Collection[str],
) -> Iterator[tuple[cst.Call, str, int]]:
    """(the call changed, why, rank) for each way the call could match the function."""
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    if mismatch.missing:
        yield from _missing(call, mismatch, definition, caller)
    if mismatch.extra and len(positional) == len(call.args) >= mismatch.extra:
        keep, extra = call.args[: -mismatch.extra], call.args[-mismatch.extra :]
        free = [name for name in _keyword_only(definition) if name not in _keywords(call)][: len(extra)]
        if len(free) == len(extra):
            named = [
                arg.with_changes(keyword=cst.Name(name), equal=_EQUAL) for arg, name in zip(extra, free, strict=True)
            ]
            yield _with_args(call, [*keep, *named]), f"{_listed(free)} can only be passed by keyword; name them", 0
        yield _with_args(call, keep), f"the call passes {mismatch.extra} positional argument(s) too many; drop them", 1
    right = _common.closest(mismatch.keyword, parameters) if mismatch.keyword else None
    if right is not None:
        renamed = [_renamed_keyword(arg, mismatch.keyword, right) for arg in call.args]
        yield _with_args(call, renamed), f"`{mismatch.keyword}` is no parameter; rename it to the closest, `{right}`", 0


def _missing(
    call: cst.Call, mismatch: _Mismatch, definition: Definition | None, caller: _arguments.Caller
) -> Iterator[tuple[cst.Call, str, int]]:
    """The call passing what it lacks. One positional argument missing may have been any of
    them (the interpreter names the last parameter, the others shifted left): a value for
    each place, the end first; the likeliest ones only (those within one rank of the best)."""
    if mismatch.given >= 0 and len(call.args) != mismatch.given:
        return  # a builtin's message counts the arguments: not this call
    positional = [arg for arg in call.args if arg.keyword is None and not arg.star]
    by_keyword = mismatch.keyword_only or len(positional) < len(call.args)
    passed = {_CODE.code_for_node(arg.value) for arg in call.args}
    names = _positional_names(definition)
    if mismatch.given >= 0 and not by_keyword:  # a builtin's unnamed argument: at each place, by what others pass
        names = [""] * (len(positional) + 1)
    found: list[tuple[int, list[cst.Arg], str]] = []
    if len(mismatch.missing) == 1 and not by_keyword and len(names) > len(positional):
        for index in range(len(positional), -1, -1):
            for value in _arguments.values(names[index], index, caller, passed)[:_VALUES]:
                args = [*call.args[:index], _arg(value.code, keyword=None), *call.args[index:]]
                what = f"`{names[index]}`" if names[index] else "its argument"
                why = f"the call does not pass {what}; pass {value.why}"
                found.append((value.rank + (index < len(positional)), args, why))
    else:
        start = len(positional)
        chosen = [
            _arguments.values(name, None if by_keyword else start + i, caller, passed)[:1]
            for i, name in enumerate(mismatch.missing)
        ]
        if all(chosen):
            added = [
                _arg(v[0].code, keyword=n if by_keyword else None)
                for n, v in zip(mismatch.missing, chosen, strict=True)
            ]
            what = _listed(mismatch.missing) if all(mismatch.missing) else "its argument"
            why = f"the call does not pass {what}; pass " + ", ".join(v[0].why for v in chosen)
            found.append((max(v[0].rank for v in chosen), [*call.args, *added], why))
    found.sort(key=lambda item: item[0])
    best = found[0][0] if found else 0
    for rank, args, why in [item for item in found if item[0] <= best + 1][:_VALUES]:
        yield _with_args(call, args), why, rank


_CODE = cst.Module([])  # renders a node as code
_VALUES = 3  # values offered for one missing argument


def _positional_names(definition: Definition | None) -> list[str]:
    """The parameters a call fills by position, `self` left out of a method's."""
    if definition is None:
        return []
    node = definition.node
    names = [arg.arg for arg in [*node.args.posonlyargs, *node.args.args]]
    static = any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)
    return names[1:] if definition.method and not static else names


def _outside(source: Source, path: str, tree: ast.Module, call: cst.Call, mismatch: _Mismatch) -> frozenset[str]:
    """The parameters of a callee that is not the project's function: a standard-library one
    (`hmac.new`), or the standard-library base of a project class without an `__init__`."""
    dotted = _dotted(call.func)
    found = stdlib_parameters(tree, dotted)
    if found or not mismatch.function.endswith(".__init__") or not dotted:
        return found
    classes = _project.classes(source, dotted.rpartition(".")[2], prefer=path)
    if len(classes) != 1 or _functions(classes[0][1].body, "__init__"):
        return frozenset()
    home, cls = classes[0]
    parsed = _project.tree(source, home)
    if parsed is None:
        return frozenset()
    return next(filter(None, (stdlib_parameters(parsed, ast.unparse(base)) for base in cls.bases)), frozenset())


def _dotted(expression: cst.BaseExpression) -> str:
    """`a.b.c` for a chain of names and attributes; "" for anything else."""
    if isinstance(expression, cst.Name):
        return expression.value
    if isinstance(expression, cst.Attribute) and (outer := _dotted(expression.value)):
        return f"{outer}.{expression.attr.value}"
    return ""


# `f(name=value)`, as PEP 8 writes a keyword argument.
_EQUAL = cst.AssignEqual(whitespace_before=cst.SimpleWhitespace(""), whitespace_after=cst.SimpleWhitespace(""))


def _arg(code: str, *, keyword: str | None) -> cst.Arg:
    value = cst.parse_expression(code)
    if keyword is None:
        return cst.Arg(value)
    return cst.Arg(value, keyword=cst.Name(keyword), equal=_EQUAL)


def _with_args(call: cst.Call, args: Sequence[cst.Arg]) -> cst.Call:
    """`call` with `args`; the last one takes the call's last comma (none, or the trailing one
    of a call spread over lines), the others get libcst's ", " where they had none, or, one
    argument a line, the break and indent that follow the "("."""
    if not args or not call.args:
        return call.with_changes(args=args)
    last = call.args[-1].comma
    spread = isinstance(last, cst.Comma) and isinstance(last.whitespace_after, cst.ParenthesizedWhitespace)
    if spread and isinstance(call.whitespace_before_args, cst.ParenthesizedWhitespace):
        between = cst.Comma(whitespace_after=call.whitespace_before_args)
        args = [arg.with_changes(comma=between) for arg in args]
    return call.with_changes(args=[*args[:-1], args[-1].with_changes(comma=last)])


def _keywords(call: cst.Call) -> set[str]:
    return {arg.keyword.value for arg in call.args if arg.keyword is not None}


def _keyword_only(definition: Definition | None) -> list[str]:
    return [arg.arg for arg in definition.node.args.kwonlyargs] if definition else []


def _renamed_keyword(arg: cst.Arg, wrong: str, right: str) -> cst.Arg:
    if arg.keyword is not None and arg.keyword.value == wrong:
        return arg.with_changes(keyword=cst.Name(right))
    return arg


# --- edits at the definition --------------------------------------------------------------


def _at_definition(definition: Definition, mismatch: _Mismatch, rank: int) -> Iterator[_Edit]:
    for new, rationale, own_rank in _definition_edits(definition, mismatch, rank):
        if new is not None:
            yield _Edit(definition.path, definition.text, new, rationale, own_rank)


def _definition_edits(definition: Definition, mismatch: _Mismatch, rank: int) -> Iterator[tuple[str | None, str, int]]:
    """(the file changed, why, rank) for each way the definition could match the call."""
    node = definition.node
    name = f"`{node.name}()`"
    unused = [param for param in mismatch.missing if param not in _loaded(node)]
    if mismatch.missing and len(unused) == len(mismatch.missing):
        yield _edit_parameters(definition, drop=unused), f"{name} never uses {_listed(unused)}; drop it", rank
    if mismatch.extra == 1 and definition.method and _lacks_self(node):
        yield _edit_parameters(definition, first="self"), f"{name} is a method without `self`; add it", 0
    free = _free(definition)
    if mismatch.extra and len(free) == mismatch.extra:
        why = f"{name} uses {_listed(free)} but has no such parameter; add it"
        yield _edit_parameters(definition, add=free), why, rank
    typo = _common.closest(mismatch.keyword, _parameters(node)) if mismatch.keyword else None
    if typo is not None:
        why = f"callers pass `{mismatch.keyword}`, which {name} calls `{typo}`; rename the parameter"
        yield _rename_parameter(definition, typo, mismatch.keyword), why, rank
    elif mismatch.keyword and mismatch.keyword in free:
        why = f"{name} uses `{mismatch.keyword}` but has no such parameter; add it"
        yield _edit_parameters(definition, add=[mismatch.keyword]), why, rank


def _listed(names: Sequence[str]) -> str:
    return ", ".join(f"`{name}`" for name in names)


def _loaded(node: _Function) -> set[str]:
    return {child.id for child in ast.walk(node) if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)}


def _lacks_self(node: _Function) -> bool:
    decorators = {d.id for d in node.decorator_list if isinstance(d, ast.Name)}
    first = [*node.args.posonlyargs, *node.args.args][:1]
    return not decorators & {"staticmethod", "classmethod"} and not (first and first[0].arg in ("self", "cls"))


def _free(definition: Definition) -> list[str]:
    """Names the function's body reads that nothing defines (in order of first use): a
    parameter that was removed while the body still uses it."""
    try:
        tree = ast.parse(definition.text, definition.path)
    except (SyntaxError, ValueError, RecursionError):
        return []
    body = definition.node.body
    known = in_scope(tree, body[0].lineno) if body else set()
    reads = sorted(
        (
            child
            for child in ast.walk(definition.node)
            if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)
        ),
        key=lambda child: (child.lineno, child.col_offset),
    )
    return list(dict.fromkeys(child.id for child in reads if child.id not in known))


def _edit_parameters(
    definition: Definition, *, drop: Collection[str] = (), first: str = "", add: Sequence[str] = ()
) -> str | None:
    """The file with the function's parameters changed: `drop` removed, `first` put first, `add`
    appended after the positional ones (keyword-only when a default or `*args` is in the way)."""
    found = parsed(definition)
    if found is None:
        return None
    module, function = found
    params = function.params
    kept = [param for param in params.params if param.name.value not in drop]
    kwonly = [param for param in params.kwonly_params if param.name.value not in drop]
    kept = [cst.Param(cst.Name(first)), *kept] if first else kept
    new = [cst.Param(cst.Name(name)) for name in add]
    star = params.star_arg
    if new and (any(param.default is not None for param in kept) or isinstance(star, cst.Param)):
        kwonly += new
        star = cst.ParamStar() if isinstance(star, cst.MaybeSentinel) else star
    else:
        kept += new
    if isinstance(star, cst.ParamStar) and not kwonly:  # a bare `*` with nothing after it does not compile
        star = cst.MaybeSentinel.DEFAULT
    changed = _punctuated(params, params.with_changes(params=kept, kwonly_params=kwonly, star_arg=star))
    edited = module.deep_replace(function, function.with_changes(params=changed))
    return edited.code if isinstance(edited, cst.Module) else None


def _punctuated(old: cst.Parameters, new: cst.Parameters) -> cst.Parameters:
    """`new` with its last parameter ending as `old`'s did: no comma, or the trailing comma of
    a signature spread over lines (a parameter that was last and is not any more gets ", ")."""
    old_last, new_last = _last(old), _last(new)
    if old_last is None or new_last is None or new_last is old_last:
        return new
    comma = old_last.comma
    if new_last in new.kwonly_params:
        return new.with_changes(kwonly_params=[*new.kwonly_params[:-1], new_last.with_changes(comma=comma)])
    if new_last is new.star_arg:
        return new.with_changes(star_arg=new_last.with_changes(comma=comma))
    return new.with_changes(params=[*new.params[:-1], new_last.with_changes(comma=comma)])


def _last(params: cst.Parameters) -> cst.Param | None:
    """The signature's last parameter, unless it is `**kwargs` (which the edits never move)."""
    if params.star_kwarg is not None:
        return None
    if params.kwonly_params:
        return params.kwonly_params[-1]
    if isinstance(params.star_arg, cst.Param):
        return params.star_arg
    return params.params[-1] if params.params else None


def parsed(definition: Definition) -> tuple[cst.Module, cst.FunctionDef] | None:
    """The definition's file and its function as libcst nodes, for edits that keep the layout."""
    try:
        wrapper = MetadataWrapper(cst.parse_module(definition.text))
    except (cst.ParserSyntaxError, RecursionError):
        return None
    finder = _DefFinder(definition.node.lineno, definition.node.name)
    wrapper.visit(finder)
    return (wrapper.module, finder.found) if finder.found is not None else None


class _DefFinder(cst.CSTVisitor):
    """The `def <name>` on one line."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int, name: str) -> None:
        super().__init__()
        self.line = line
        self.name = name
        self.found: cst.FunctionDef | None = None

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.name.value == self.name and self.get_metadata(PositionProvider, node.name).start.line == self.line:
            self.found = node


def _rename_parameter(definition: Definition, old: str, new: str) -> str:
    """The parameter `old` renamed to `new` in the signature and every plain use in the body."""
    node = definition.node
    lines = set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    return _common.rename(definition.text, old, new, attribute=False, only=lines)
