"""Lint findings no tool fixes by itself (or fixes only as "unsafe"), mended by rule.

    E711  comparison to None              if x == None:      ->  if x is None:
    E712  comparison to True/False        if x == True:      ->  if x is True:
    E713  membership test                 if not x in y:     ->  if x not in y:
    E714  identity test                   if not x is y:     ->  if x is not y:
    E722  bare except                     except:            ->  except Exception:
    F841  local variable never used       result = f(x)      ->  f(x)

A failing `ruff check` or `flake8` check is read with the tool's own parser (from the check's
output, as the log shows it); every finding of these codes in a file suture may edit is
mended on its line, all at once (the check fails until each is). `except Exception` keeps
what a bare `except` catches but for the exits (KeyboardInterrupt, SystemExit): the
smallest change of meaning. The lint-tool fixer's run of the tool itself comes first.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections import Counter
from collections.abc import Callable

from suture.fixers import _common, _project
from suture.records import Candidate, Failure
from suture.run import tools
from suture.run.source import Source
from suture.verify.policy import is_test_path

_Mend = Callable[[str, str], str]  # (the line, the finding's message) -> the line mended


def _none(line: str, message: str) -> str:
    line = re.sub(r"\s*==\s*None\b", " is None", line, count=1)
    return re.sub(r"\s*!=\s*None\b", " is not None", line, count=1)


def _boolean(line: str, message: str) -> str:
    line = re.sub(r"\s*==\s*(True|False)\b", r" is \1", line, count=1)
    return re.sub(r"\s*!=\s*(True|False)\b", r" is not \1", line, count=1)


def _membership(line: str, message: str) -> str:
    return re.sub(r"\bnot\s+([\w.\[\]'\"()]+)\s+in\b", r"\1 not in", line, count=1)


def _identity(line: str, message: str) -> str:
    return re.sub(r"\bnot\s+([\w.\[\]'\"()]+)\s+is\b(?!\s+not\b)", r"\1 is not", line, count=1)


def _bare_except(line: str, message: str, caught: str = "Exception") -> str:
    return re.sub(r"\bexcept\s*:", f"except {caught}:", line, count=1)


def _unused(line: str, message: str) -> str:
    """`name = call(...)` keeps the call (its effect may matter) and drops the name."""
    found = re.search(r"`(\w+)`|'(\w+)'", message)
    name = found and (found[1] or found[2])
    if not name:
        return line
    return re.sub(rf"^(\s*){re.escape(name)}\s*=\s*(?=[\w.]+\()", r"\1", line, count=1)


_MENDS: dict[str, _Mend] = {
    "E711": _none,
    "E712": _boolean,
    "E713": _membership,
    "E714": _identity,
    "E722": _bare_except,  # with what it catches: see FindingsFixer
    "F841": _unused,
}
_LINTERS = ("ruff", "flake8")


class FindingsFixer:
    name = "lint-findings"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        tool = tools.tool_of(failure.check) if failure.kind == "check-failed" else None
        if tool is None or tool.name not in _LINTERS or not tool.parser:
            return []
        parse = importlib.import_module(tool.parser).parse
        findings = [
            f
            for f in parse(failure.excerpt, root="", check=failure.check)
            if f.error_type in _MENDS and f.location is not None and not is_test_path(f.location.path)
        ]
        # A bare `except` names what it catches: what the project's handlers catch most, then
        # `Exception` (which some rule sets flag as blind in turn: verification judges).
        bare = [f.location.path for f in findings if f.error_type == "E722" and f.location]
        choices = _caught(source, bare) if bare else ["Exception"]
        found = []
        for rank, caught in enumerate(choices[:_CHOICES]):
            edits, mended = _mended(source, findings, caught)
            if edits and not any(_common.compile_error(new, path) for path, (_, new) in edits.items()):
                why = "mended by rule, which the tool does not do by itself: " + ", ".join(mended)
                found.append(_common.candidate_over(failure, origin=self.name, edits=edits, rationale=why, rank=rank))
        return _common.unique(found)


_CHOICES = 3  # exceptions a bare `except` is offered


def _mended(source: Source, findings: list[Failure], caught: str) -> tuple[dict[str, tuple[str, str]], list[str]]:
    """Each file's (old, new) text with every finding mended on its line, and what was mended."""
    edits: dict[str, tuple[str, str]] = {}
    mended = []
    for finding in findings:
        frame = finding.location
        text = source.read(frame.path) if frame else None
        if frame is None or text is None or "\ufffd" in text:
            continue
        old, new = edits.get(frame.path, (text, text))
        lines = _common.lines(new)
        if not 1 <= frame.line <= len(lines):
            continue
        line = lines[frame.line - 1]
        if finding.error_type == "E722":
            lines[frame.line - 1] = _bare_except(line, finding.message, caught)
        else:
            lines[frame.line - 1] = _MENDS[finding.error_type](line, finding.message)
        if lines[frame.line - 1] != line:
            edits[frame.path] = (old, "".join(lines))
            mended.append(f"{finding.error_type} on {frame.path}:{frame.line}")
    return edits, mended


def _caught(source: Source, paths: list[str]) -> list[str]:
    """The exceptions the project's handlers name, those of the files in `paths` first, then the
    rest of the project's, most common first; `Exception` last."""
    here: Counter[str] = Counter()
    elsewhere: Counter[str] = Counter()
    for path in {*_project.modules(source).values(), *paths}:
        parsed = _project.tree(source, path)
        handlers = [n for n in ast.walk(parsed) if isinstance(n, ast.ExceptHandler)] if parsed else []
        names = [ast.unparse(h.type) for h in handlers if h.type is not None]
        (here if path in paths else elsewhere).update(name for name in names if name != "Exception")
    ordered = [name for name, _ in here.most_common()] + [name for name, _ in elsewhere.most_common()]
    return [*dict.fromkeys(ordered), "Exception"]
