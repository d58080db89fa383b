"""The replacement fields of an f-string, for fixers that work on tokens.

Up to Python 3.11 the tokenizer gives a whole f-string as one STRING token, so a name used
inside `f"{nme} of area"` is no NAME token; this finds the expressions of the fields (not
the literal text, the `!r` conversions or the format specs around them, though the fields
nested in a spec, `{x:{width}}`, are fields too) with where each starts in the token.
"""

from __future__ import annotations

_QUOTES = ('"""', "'''", '"', "'")


def fields(literal: str) -> list[tuple[int, str]]:
    """The expression of every replacement field of `literal`, a STRING token's text (prefix
    and quotes included), each with its offset in `literal`, in order; [] for a string
    that is no f-string."""
    prefix = len(literal) - len(literal.lstrip("bBfFrRuU"))
    if "f" not in literal[:prefix].lower():
        return []
    quote = next((q for q in _QUOTES if literal.startswith(q, prefix) and literal.endswith(q)), None)
    if quote is None or len(literal) < prefix + 2 * len(quote):
        return []
    start = prefix + len(quote)
    found: list[tuple[int, str]] = []
    _text(literal[start : len(literal) - len(quote)], 0, found, raw="r" in literal[:prefix].lower(), spec=False)
    return [(start + offset, expression) for offset, expression in found]


def _text(body: str, index: int, found: list[tuple[int, str]], *, raw: bool, spec: bool) -> int:
    """Scan literal text (a format spec when `spec`) from `index`, recording the fields in it;
    returns where it stops: the end of `body`, or for a spec the `}` closing its field."""
    while index < len(body):
        char = body[index]
        if char == "\\" and not raw:
            # `\N{EM DASH}` names a character: its braces open no field
            named = body.startswith("N{", index + 1) and "}" in body[index:]
            index = body.index("}", index) + 1 if named else index + 2
        elif char in "{}" and not spec and body.startswith(char, index + 1):
            index += 2  # `{{` and `}}` are literal braces
        elif char == "{":
            index = _field(body, index + 1, found, raw=raw)
        elif char == "}" and spec:
            return index
        else:
            index += 1
    return index


def _field(body: str, index: int, found: list[tuple[int, str]], *, raw: bool) -> int:
    """Record the field whose expression starts at `index` (just after its `{`) and the fields
    nested in its format spec; returns the index just after its closing `}`."""
    start, depth, quote = index, 0, ""
    while index < len(body):
        char = body[index]
        if quote:  # no backslash may appear in a field before Python 3.12
            closed = body.startswith(quote, index)
            index += len(quote) if closed else 1
            quote = "" if closed else quote
            continue
        if char in "'\"":
            quote = char * 3 if body.startswith(char * 3, index) else char
            index += len(quote)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}" and depth:
            depth -= 1
        elif depth == 0 and (char in "}:" or (char == "!" and not body.startswith("=", index + 1))):
            break
        index += 1
    found.append((start, body[start:index]))
    if body.startswith("!", index):  # a conversion: !r, !s or !a
        index += 2
    if body.startswith(":", index):
        index = _text(body, index + 1, found, raw=raw, spec=True)
    return index + 1
