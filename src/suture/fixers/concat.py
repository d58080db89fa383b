"""TypeError from `+` between a str and something else.

    can only concatenate str (not "int") to str          "total: " + n,  s += 3
    unsupported operand type(s) for +: 'int' and 'str'   n + " items"
    unsupported operand type(s) for +=: 'int' and 'str'  n += " items"

Rank 0 turns a `+` chain with a string literal in it into an f-string; rank 1 wraps the
operand that is not a str in `str(...)`. The interpreter reports the line where the
expression starts, so every `+` starting on that line gets candidates and verification
picks the one that was failing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.run.source import Source

_STR_ON_LEFT = re.compile(r'can only concatenate str \(not "(?P<other>[\w.]+)"\) to str')
_OPERANDS = re.compile(r"unsupported operand type\(s\) for (?P<op>\+=?): '(?P<left>[\w.]+)' and '(?P<right>[\w.]+)'")
_STRINGS = (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)
# Longest operand quoted in a rationale; a longer one is called by its side instead.
_QUOTABLE = 30


@dataclass(frozen=True)
class _Mismatch:
    """What the message says: which side of the `+` is the str, and the other side's type."""

    other: str  # e.g. "int"
    str_on_left: bool
    augmented: bool | None  # `+=`; None when the message reads the same for `+` and `+=`


class ConcatFixer:
    name = "concat"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        mismatch = _mismatch(failure)
        if mismatch is None:
            return []
        target = _common.target(failure, source)
        if target is None:
            return []
        try:
            wrapper = MetadataWrapper(cst.parse_module(target.text))
        except (cst.ParserSyntaxError, RecursionError):
            return []  # the file does not parse, so this TypeError came from elsewhere
        found = _PlusFinder(target.line)
        wrapper.visit(found)
        edits = [
            *(_as_fstring(wrapper.module, top, mismatch) for top in _chain_tops(found.binops)),
            *(_wrap_binop(node, mismatch) for node in found.binops),
            *(_wrap_augassign(node, mismatch) for node in found.augassigns),
        ]
        # A file using syntax newer than this interpreter cannot be checked by compiling it.
        checkable = _common.compile_error(target.text, target.path) is None
        return _common.unique(
            self._candidate(failure, target, wrapper.module, edit, checkable=checkable) for edit in edits
        )

    def _candidate(
        self,
        failure: Failure,
        target: _common.Target,
        module: cst.Module,
        edit: _Edit | None,
        *,
        checkable: bool,
    ) -> Candidate | None:
        if edit is None:
            return None
        new = module.deep_replace(edit.old, edit.new)
        assert isinstance(new, cst.Module)  # replacing an expression keeps a module a module
        if checkable and _common.compile_error(new.code, target.path) is not None:
            return None  # e.g. an f-string this interpreter cannot parse
        return _common.candidate(
            failure,
            origin=self.name,
            path=target.path,
            old=target.text,
            new=new.code,
            rationale=edit.rationale,
            rank=edit.rank,
        )


@dataclass(frozen=True)
class _Edit:
    old: cst.CSTNode
    new: cst.CSTNode
    rationale: str
    rank: int


def _mismatch(failure: Failure) -> _Mismatch | None:
    if failure.error_type != "TypeError":
        return None
    message = failure.message.strip()
    if found := _STR_ON_LEFT.fullmatch(message):
        return _Mismatch(found["other"], str_on_left=True, augmented=None)
    found = _OPERANDS.fullmatch(message)
    if found is None or (found["left"] == "str") == (found["right"] == "str"):
        return None
    str_on_left = found["left"] == "str"
    other = found["right"] if str_on_left else found["left"]
    return _Mismatch(other, str_on_left=str_on_left, augmented=found["op"] == "+=")


class _PlusFinder(cst.CSTVisitor):
    """The `+` and `+=` that start on one line (where the interpreter points)."""

    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(self, line: int) -> None:
        super().__init__()
        self.line = line
        self.binops: list[cst.BinaryOperation] = []
        self.augassigns: list[cst.AugAssign] = []

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add) and self._starts_on_line(node):
            self.binops.append(node)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if isinstance(node.operator, cst.AddAssign) and self._starts_on_line(node):
            self.augassigns.append(node)

    def _starts_on_line(self, node: cst.CSTNode) -> bool:
        return self.get_metadata(PositionProvider, node).start.line == self.line


def _chain_tops(binops: Sequence[cst.BinaryOperation]) -> Iterator[cst.BinaryOperation]:
    """The outermost node of each `a + b + c` chain (Python nests them to the left)."""
    inner = {id(node.left) for node in binops if _is_chain_link(node.left)}
    return (node for node in binops if id(node) not in inner)


def _is_chain_link(node: cst.BaseExpression) -> bool:
    """Whether `node`, as the left operand of a `+`, continues the chain (no parentheses)."""
    return _is_plus(node) and not node.lpar


def _is_plus(node: cst.BaseExpression) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add)


def _parts(node: cst.BaseExpression) -> list[cst.BaseExpression]:
    """The operands of a `+` chain as the f-string will see them.

    Everything before the first string literal stays one operand: in `a + b + " items"`
    the `a + b` is an addition of numbers, not part of the text.
    """
    if not isinstance(node, cst.BinaryOperation) or not _is_plus(node):
        return [node]
    left = _parts(node.left) if _is_chain_link(node.left) else [node.left]
    if not _has_string(left) and not isinstance(node.right, _STRINGS):
        return [node]
    return [*left, node.right]


def _has_string(parts: Sequence[cst.BaseExpression]) -> bool:
    return any(isinstance(part, _STRINGS) for part in parts)


def _as_fstring(module: cst.Module, top: cst.BinaryOperation, mismatch: _Mismatch) -> _Edit | None:
    parts = _parts(top)
    quote = _first_quote(parts)
    if quote is None:
        return None
    pieces = [_fstring_piece(module, part, quote) for part in parts]
    if any(piece is None for piece in pieces):
        return None
    try:
        fstring = cst.parse_expression(f"f{quote}{''.join(p or '' for p in pieces)}{quote}")
    except cst.ParserSyntaxError:
        return None
    expressions = [part for part in parts if not isinstance(part, _STRINGS)]
    subject = _quoted(module, expressions[0]) if len(expressions) == 1 else "one of the operands"
    kind = _common.article(mismatch.other)
    return _Edit(
        old=top,
        new=fstring.with_changes(lpar=top.lpar, rpar=top.rpar),
        rationale=f"{subject} is {kind}; build the string with an f-string",
        rank=0,
    )


def _first_quote(parts: Sequence[cst.BaseExpression]) -> str | None:
    """The quote of the chain's first string literal: the f-string keeps the author's style."""
    for part in parts:
        if isinstance(part, cst.SimpleString | cst.FormattedString):
            quote = part.quote if isinstance(part, cst.SimpleString) else part.end
            return quote if quote in ('"', "'") else None
        if isinstance(part, _STRINGS):
            return None
    return None


def _fstring_piece(module: cst.Module, part: cst.BaseExpression, quote: str) -> str | None:
    """`part` as a piece of an f-string body in `quote`, or None if it cannot be one."""
    if isinstance(part, cst.SimpleString):
        return _literal_piece(part, quote)
    if isinstance(part, cst.FormattedString):
        # Pasted as is: its braces are already placeholders; a different quote or prefix
        # (rf, triple quotes) is not worth re-encoding.
        same = part.start.lower() == "f" + quote and part.end == quote
        return module.code_for_node(part)[len(part.start) : -len(part.end)] if same else None
    if isinstance(part, cst.ConcatenatedString):
        return None
    return _placeholder(module.code_for_node(part), quote)


def _literal_piece(literal: cst.SimpleString, quote: str) -> str | None:
    # Raw, bytes and triple-quoted literals would need re-encoding; `\N{...}` has braces
    # that must not be doubled. Those keep the str() candidate only.
    if literal.prefix.lower() not in ("", "u") or literal.quote not in ('"', "'"):
        return None
    body = literal.raw_value
    if "\\N{" in body:
        return None
    if literal.quote != quote:
        body = _requote(body, quote)
    return body.replace("{", "{{").replace("}", "}}")


def _requote(body: str, quote: str) -> str:
    """A string body written for the other quote, escaped for `quote`."""
    out = []
    escaped = False
    for char in body:
        if char == quote and not escaped:
            out.append("\\")
        out.append(char)
        escaped = char == "\\" and not escaped
    return "".join(out)


def _placeholder(code: str, quote: str) -> str | None:
    # Python 3.11 allows no backslash, comment or line break inside the braces, nor the
    # f-string's own quote; such an operand keeps the str() candidate only.
    if any(bad in code for bad in ("\\", "#", "\n", quote)):
        return None
    # `{{` would read as an escaped brace, so a dict or set display needs a space.
    return f"{{ {code} }}" if code.startswith("{") else f"{{{code}}}"


def _wrap_binop(node: cst.BinaryOperation, mismatch: _Mismatch) -> _Edit | None:
    if mismatch.augmented:
        return None
    side = "left" if not mismatch.str_on_left else "right"
    operand = node.left if side == "left" else node.right
    if not _wrappable(operand):
        return None
    wrapped = node.with_changes(**{side: _str_call(operand)})
    return _Edit(node, wrapped, _wrap_rationale(operand, side, mismatch), rank=1)


def _wrap_augassign(node: cst.AugAssign, mismatch: _Mismatch) -> _Edit | None:
    if mismatch.augmented is False:
        return None
    if mismatch.str_on_left:  # s += 3
        if not _wrappable(node.value):
            return None
        wrapped = node.with_changes(value=_str_call(node.value))
        return _Edit(node, wrapped, _wrap_rationale(node.value, "right", mismatch), rank=1)
    # n += " items": the name now holds text, so rebind it to the joined string.
    if not isinstance(node.target, cst.Name | cst.Attribute):
        return None
    rebound = cst.Assign(
        targets=[cst.AssignTarget(node.target)],
        value=cst.BinaryOperation(_str_call(node.target), cst.Add(), node.value),
    )
    return _Edit(node, rebound, _wrap_rationale(node.target, "left", mismatch), rank=1)


def _wrappable(operand: cst.BaseExpression) -> bool:
    """Whether str() around `operand` could help: not a string, nor a chain that makes one."""
    if _has_string(_parts(operand)):
        return False
    is_str_call = isinstance(operand, cst.Call) and isinstance(operand.func, cst.Name) and operand.func.value == "str"
    return not is_str_call


def _str_call(operand: cst.BaseExpression) -> cst.Call:
    # str((a + b)) reads badly, but a tuple's parentheses are part of the tuple.
    if not isinstance(operand, cst.Tuple):
        operand = operand.with_changes(lpar=[], rpar=[])
    return cst.Call(func=cst.Name("str"), args=[cst.Arg(operand)])


def _wrap_rationale(operand: cst.BaseExpression, side: str, mismatch: _Mismatch) -> str:
    subject = _quoted(cst.Module([]), operand, fallback=f"the {side} operand of `+`")
    return f"{subject} is {_common.article(mismatch.other)}; convert it with str() first"


def _quoted(module: cst.Module, node: cst.CSTNode, *, fallback: str = "the operand") -> str:
    code = module.code_for_node(node)
    return f"`{code}`" if len(code) <= _QUOTABLE and "\n" not in code else fallback
