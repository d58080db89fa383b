"""Take the interpreter's own suggestion for a misspelt name or attribute.

    NameError:      name 'reslt' is not defined. Did you mean: 'result'?
    AttributeError: module 'math' has no attribute 'sqr'. Did you mean: 'sqrt'?
    AttributeError: 'Foo' object has no attribute 'bar'. Did you mean: 'baz'?

Only the reported line changes, and only tokens: a name inside a string or a comment
stays as it is. Without a "Did you mean" there is nothing certain to do here.
"""

from __future__ import annotations

import re
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
        return _common.unique([found])


def _suggestion(failure: Failure) -> _Suggestion | None:
    patterns = {"NameError": _NAME, "AttributeError": _ATTRIBUTE}
    pattern = patterns.get(failure.error_type)
    found = pattern.fullmatch(failure.message.strip()) if pattern else None
    if found is None or found["wrong"] == found["right"]:
        return None
    return _Suggestion(found["wrong"], found["right"], failure.error_type == "AttributeError")


def rename_on_line(target: _common.Target, wrong: str, right: str, *, attribute: bool) -> str | None:
    """The file with `wrong` renamed to `right` on the target line (as an attribute, after a
    ".", or as a plain name that is no keyword in a call: `f(reslt=reslt)` keeps the
    parameter's name), or None when the line does not use it that way."""
    new = _common.rename(target.text, wrong, right, attribute=attribute, only={target.line})
    return None if new == target.text else new
