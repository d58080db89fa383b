"""flake8's output (`path:line:col: CODE message`, with or without `--show-source`) as Failures.

    parse(text, root=..., check=...) -> [Failure]

One Failure per diagnostic; the source and caret lines `--show-source` prints below one
are its excerpt. ruff's concise format has the same shape (`ruff.parse` reads it with
`diagnostics` below).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from suture.diagnose.parsers.common import POSITION, diagnostic, integer, strip_ansi
from suture.records import Failure

TOOL = "flake8"
SIGN = re.compile(r"^\S+?:\d+:\d+: [A-Z]{1,3}\d{2,4} ", re.MULTILINE)  # what its failing output shows
# `F401 'os' imported but unused`; ruff also writes `invalid-syntax: ...` and `F401 [*] ...`.
_CODED = re.compile(r"^(?P<code>[A-Z]{1,4}\d{1,4}|[a-z]+(?:-[a-z]+)+|SyntaxError)(?::)? (?:\[\*\] )?(?P<message>.*)$")


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    return list(diagnostics(text, tool=TOOL, root=root, check=check))


def diagnostics(text: str, *, tool: str, root: str, check: str) -> Iterator[Failure]:
    """`path:line:col: CODE message` lines, each with the lines below it that are not one."""
    lines = strip_ansi(text).splitlines()
    found = [
        (i, m, c) for i, line in enumerate(lines) if (m := POSITION.match(line)) and (c := _CODED.match(m["rest"]))
    ]
    for number, (index, position, coded) in enumerate(found):
        end = found[number + 1][0] if number + 1 < len(found) else len(lines)
        below: list[str] = []
        for line in lines[index + 1 : end]:
            if not line.strip() or (not line.startswith((" ", "\t", "^")) and below == [] and _is_summary(line)):
                break
            below.append(line)
        yield diagnostic(
            tool=tool,
            kind="lint",
            check=check,
            code=coded["code"],
            message=coded["message"],
            path=position["path"],
            line=int(position["line"]),
            column=integer(position["column"]),
            excerpt="\n".join([lines[index], *below[:6]]),
            root=root,
        )


def _is_summary(line: str) -> bool:
    return line.startswith(("Found ", "[*] ", "No fixes available", "All checks passed"))
