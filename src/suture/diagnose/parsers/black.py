"""black's output (`black --check [--diff]`) as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

- `would reformat path`: kind "format", one Failure per file; with `--diff`, the file's
  unified diff (printed above the line) is its excerpt: it is the fix;
- `error: cannot format path: Cannot parse: 1:10: ...` (older black) or `error: cannot parse:
  path:1:10` (newer, with the source below): kind "lint", error type "SyntaxError".
"""

from __future__ import annotations

import re

from suture.diagnose.parsers.common import diagnostic, integer, strip_ansi
from suture.records import Failure

TOOL = "black"
SIGN = re.compile(r"^would reformat |^error: cannot (?:format|parse)|^Oh no! ", re.MULTILINE)  # its failing output
_WOULD_REFORMAT = re.compile(r"^would reformat (?P<path>.+?)\s*$")
_CANNOT_PARSE = re.compile(
    r"^error: cannot (?:format (?P<path1>.+?): Cannot parse(?: for target version [\w.]+)?: "
    r"(?P<line1>\d+):(?P<column1>\d+):|parse: (?P<path2>.+?):(?P<line2>\d+):(?P<column2>\d+))\s*(?P<source>.*)$"
)
_DIFF_HEADER = re.compile(r"^--- (?P<path>.+?)\t")


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    lines = strip_ansi(text).splitlines()
    diffs = _diffs(lines)
    found = []
    for index, line in enumerate(lines):
        if match := _WOULD_REFORMAT.match(line):
            path = match["path"]
            found.append(
                _failure("format", "format", "would reformat", path, 1, None, diffs.get(path, line), root, check)
            )
        elif match := _CANNOT_PARSE.match(line):
            path = match["path1"] or match["path2"]
            number, column = match["line1"] or match["line2"], match["column1"] or match["column2"]
            excerpt = "\n".join(lines[index : index + 4])
            found.append(
                _failure(
                    "lint", "SyntaxError", "cannot parse", path, int(number), integer(column), excerpt, root, check
                )
            )
    return found


def _diffs(lines: list[str]) -> dict[str, str]:
    """With `--diff`: each file's diff, by path."""
    diffs: dict[str, str] = {}
    path, body = "", list[str]()
    for line in [*lines, "--- \t"]:
        header = _DIFF_HEADER.match(line)
        if header or (path and (line.startswith("would reformat ") or line[:1] not in " +-@")):
            if path:
                diffs[path] = "\n".join(body)
            path, body = (header["path"], [line]) if header else ("", [])
        elif path:
            body.append(line)
    return diffs


def _failure(
    kind: str, code: str, message: str, path: str, line: int, column: int | None, excerpt: str, root: str, check: str
) -> Failure:
    return diagnostic(
        tool=TOOL,
        kind=kind,
        check=check,
        code=code,
        message=message,
        path=path,
        line=line,
        column=column,
        excerpt=excerpt,
        root=root,
    )
