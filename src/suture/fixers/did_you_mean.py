"""Take the interpreter's own suggestion for a misspelt name or attribute.

    NameError:      name 'reslt' is not defined. Did you mean: 'result'?
    AttributeError: module 'math' has no attribute 'sqr'. Did you mean: 'sqrt'?
    AttributeError: 'Foo' object has no attribute 'bar'. Did you mean: 'baz'?

Only the reported line changes, and only tokens: a name inside a string or a comment
stays as it is. Without a "Did you mean" there is nothing certain to do here.
"""

from __future__ import annotations

import re
import tokenize
from dataclasses import dataclass

from suture.fixers import _common
from suture.records import Candidate, Failure
from suture.source import Source

_NAME = re.compile(r"name '(?P<wrong>\w+)' is not defined\. Did you mean: '(?P<right>[\w.]+)'\?")
_ATTRIBUTE = re.compile(r".* has no attribute '(?P<wrong>\w+)'\. Did you mean: '(?P<right>\w+)'\?", re.DOTALL)


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
        lines = _common.lines(target.text)
        columns = _occurrences(target, suggestion)
        if not columns:
            return []
        lines[target.line - 1] = _rename(lines[target.line - 1], columns, suggestion)
        kind = "attribute" if suggestion.attribute else "name"
        found = _common.candidate(
            failure,
            origin=self.name,
            path=target.path,
            old=target.text,
            new="".join(lines),
            rationale=f"Python suggests `{suggestion.right}` for the unknown {kind} "
            f"`{suggestion.wrong}`; rename it on line {target.line}",
            rank=0,
        )
        return _common.unique([found])


def _suggestion(failure: Failure) -> _Suggestion | None:
    patterns = {"NameError": _NAME, "AttributeError": _ATTRIBUTE}
    pattern = patterns.get(failure.error_type)
    found = pattern.fullmatch(failure.message.strip()) if pattern else None
    if found is None or found["wrong"] == found["right"]:
        return None
    return _Suggestion(found["wrong"], found["right"], failure.error_type == "AttributeError")


def _occurrences(target: _common.Target, suggestion: _Suggestion) -> list[int]:
    """Columns of the NAME tokens to rename on the target line.

    An attribute is a name right after a "."; a plain name is one that is not (`obj.reslt`
    is another object's attribute) and is no keyword in a call (`f(reslt=reslt)` keeps
    the parameter's name).
    """
    significant = _significant_tokens(target)
    columns = []
    for index, token in enumerate(significant):
        if token.type != tokenize.NAME or token.string != suggestion.wrong:
            continue
        if token.start[0] != target.line:
            continue
        before = significant[index - 1].string if index else ""
        after = significant[index + 1].string if index + 1 < len(significant) else ""
        if (before == ".") != suggestion.attribute:
            continue
        if before in ("(", ",") and after == "=":
            continue
        columns.append(token.start[1])
    return columns


def _significant_tokens(target: _common.Target) -> list[tokenize.TokenInfo]:
    """The tokens up to the target line and one past it, without comments and line breaks
    inside brackets (so `obj.` and `attr` on two lines still read as neighbours)."""
    found = []
    for token in _common.tokens(target.text):
        if token.type in (tokenize.NL, tokenize.COMMENT):
            continue
        found.append(token)
        if token.start[0] > target.line:
            break
    return found


def _rename(line: str, columns: list[int], suggestion: _Suggestion) -> str:
    width = len(suggestion.wrong)
    for column in reversed(columns):  # right to left, so earlier columns stay valid
        line = line[:column] + suggestion.right + line[column + width :]
    return line
