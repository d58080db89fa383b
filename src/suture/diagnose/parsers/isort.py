"""isort's output (`isort --check-only [--diff]`) as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

`ERROR: path Imports are incorrectly sorted and/or formatted.` per file: kind "format",
error type "unsorted-imports". With `--diff`, the file's diff (above the ERROR lines) is
its excerpt.
"""

from __future__ import annotations

import re

from suture.diagnose.parsers.common import diagnostic, strip_ansi
from suture.records import Failure

TOOL = "isort"
SIGN = re.compile(r"^ERROR: .+ Imports are incorrectly sorted", re.MULTILINE)  # what its failing output shows
_UNSORTED = re.compile(r"^ERROR: (?P<path>.+?) Imports are incorrectly sorted and/or formatted\.?\s*$")
_DIFF_HEADER = re.compile(r"^--- (?P<path>.+?):before\b")


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    lines = strip_ansi(text).splitlines()
    diffs = _diffs(lines)
    return [
        diagnostic(
            tool=TOOL,
            kind="format",
            check=check,
            code="unsorted-imports",
            message="Imports are incorrectly sorted and/or formatted",
            path=match["path"],
            line=1,
            column=None,
            excerpt=diffs.get(match["path"], match[0]),
            root=root,
        )
        for line in lines
        if (match := _UNSORTED.match(line))
    ]


def _diffs(lines: list[str]) -> dict[str, str]:
    diffs: dict[str, str] = {}
    path, body = "", list[str]()
    for line in [*lines, "--- :before"]:
        header = _DIFF_HEADER.match(line)
        if header or (path and line[:1] not in " +-@"):
            if path:
                diffs[path] = "\n".join(body)
            path, body = (header["path"], [line]) if header else ("", [])
        elif path:
            body.append(line)
    return diffs
