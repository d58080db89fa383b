"""ruff's output as `Failure` records: `ruff check` (full and concise) and `ruff format --check`.

    parse(text, root=..., check=...) -> [Failure]

- concise (`--output-format concise`, and the default before ruff 0.5):
  `src/a.py:1:8: F401 [*] `os` imported but unused`
- full (the default since): a header line, then the position on a `-->` line, then the code:
      F401 [*] `os` imported but unused
       --> src/a.py:1:8
- `ruff format --check`: `unformatted: File would be reformatted` over a `-->` line (recent
  ruff), or `Would reformat: src/a.py` (older); a file ruff cannot parse is reported as
  `invalid-syntax` (older: `error: Failed to parse src/a.py:1:11: ...`).

Lint diagnostics have kind "lint" and the rule code (or `invalid-syntax`) as error type;
files to reformat have kind "format".
"""

from __future__ import annotations

import re

from suture.diagnose.parsers.common import ARROW, diagnostic, integer, strip_ansi
from suture.diagnose.parsers.flake8 import diagnostics
from suture.records import Failure

TOOL = "ruff"
SIGN = re.compile(  # what its failing output shows, for a log whose command says nothing
    r"^(?:[A-Z]{1,4}\d{1,4} (?:\[\*\] )?|invalid-syntax: |unformatted: ).+\n\s*--> |^Would reformat: "
    r"|^Found \d+ errors?\.$|^\[\*\] \d+ fixable",
    re.MULTILINE,
)
_HEADER = re.compile(r"^(?P<code>[A-Z]{1,4}\d{1,4}|[a-z]+(?:-[a-z]+)*)(?::| (?:\[\*\] )?)\s*(?P<message>.+)$")
_WOULD_REFORMAT = re.compile(r"^Would reformat: (?P<path>.+?)\s*$")
_FAILED_TO_PARSE = re.compile(
    r"^error: Failed to parse (?P<path>[^\s:]+):(?P<line>\d+):(?P<column>\d+): (?P<message>.*)$"
)


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    lines = strip_ansi(text).splitlines()
    found = _full(lines, root=root, check=check) + _old_format(lines, root=root, check=check)
    if not found:
        found = list(diagnostics("\n".join(lines), tool=TOOL, root=root, check=check))
    return found


def _full(lines: list[str], *, root: str, check: str) -> list[Failure]:
    """Diagnostics of the full format: the header above each `-->` line."""
    found = []
    for index, line in enumerate(lines):
        arrow = ARROW.match(line)
        header = _HEADER.match(lines[index - 1]) if arrow and index else None
        if not (arrow and header):
            continue
        code, message = header["code"], header["message"]
        kind = "format" if code == "unformatted" else "lint"
        found.append(
            diagnostic(
                tool=TOOL,
                kind=kind,
                check=check,
                code="format" if kind == "format" else code,
                message=message,
                path=arrow["path"],
                line=int(arrow["line"]),
                column=integer(arrow["column"]),
                excerpt="\n".join(lines[index - 1 : _block_end(lines, index)]),
                root=root,
            )
        )
    return found


def _block_end(lines: list[str], index: int) -> int:
    end = index + 1
    while end < len(lines) and lines[end].strip():
        end += 1
    return end


def _old_format(lines: list[str], *, root: str, check: str) -> list[Failure]:
    """`ruff format --check` before the full format: one line per file."""
    found = []
    for line in lines:
        if match := _WOULD_REFORMAT.match(line):
            kind, code, message = "format", "format", "File would be reformatted"
            path, number, column = match["path"], "1", None
        elif match := _FAILED_TO_PARSE.match(line):
            kind, code, message = "lint", "invalid-syntax", match["message"]
            path, number, column = match["path"], match["line"], match["column"]
        else:
            continue
        found.append(
            diagnostic(
                tool=TOOL,
                kind=kind,
                check=check,
                code=code,
                message=message,
                path=path,
                line=int(number),
                column=integer(column),
                excerpt=line,
                root=root,
            )
        )
    return found
