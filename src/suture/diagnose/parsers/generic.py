"""The fallback parser: compiler-style `path:line[:col]: message` diagnostics of any tool.

    parse(text, root=..., check=...) -> [Failure]

gcc, clang, javac, go, tsc --pretty false, shellcheck -f gcc, and many more write errors
as `path:line[:col]: [error:] message`; rustc and ruff put the message on a header line
and the position on the next, `--> path:line:col`. Lines whose severity is `warning` or
`note` are not failures; when only such lines are present, nothing is found. The tool is
named after the check command's program (`generic` without one).
"""

from __future__ import annotations

import os
import re
import shlex

from suture.diagnose.parsers.common import ARROW, POSITION, diagnostic, integer, strip_ansi
from suture.records import Failure

_SEVERITY = re.compile(
    r"^(?:(?P<severity>fatal error|error|warning|note|info|hint)(?:\[(?P<code>[\w-]+)\])?:\s*)?(?P<message>.*)$",
    re.IGNORECASE,
)
_HEADER = re.compile(r"^(?P<severity>error|warning)(?:\[(?P<code>[\w-]+)\])?: (?P<message>.+)$")
_MINOR = frozenset({"warning", "note", "info", "hint"})


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    tool = _program(check) or "generic"
    lines = strip_ansi(text).splitlines()
    found = []
    for index, line in enumerate(lines):
        position = POSITION.match(line)
        arrow = ARROW.match(line)
        if position and _is_path(position["path"]):
            severity = _SEVERITY.match(position["rest"])
            if not severity or (severity["severity"] or "").lower() in _MINOR:
                continue
            code = severity["code"] or (severity["severity"] or "error").lower()
            message, where = severity["message"], position
        elif arrow and index and (header := _HEADER.match(lines[index - 1])) and header["severity"] == "error":
            code, message, where = header["code"] or "error", header["message"], arrow
        else:
            continue
        found.append(
            diagnostic(
                tool=tool,
                kind="error",
                check=check,
                code=code,
                message=message,
                path=where["path"],
                line=int(where["line"]),
                column=integer(where["column"]),
                excerpt="\n".join(lines[max(0, index - (1 if where is arrow else 0)) : index + 4]),
                root=root,
            )
        )
    return found


def _is_path(text: str) -> bool:
    # A file has a folder or an extension: `src/a.c`, `Cart.java`; not `ERROR` or `Step`.
    return "/" in text or "\\" in text or "." in text.strip(".")


def _program(check: str) -> str:
    try:
        words = shlex.split(check)
    except ValueError:
        words = check.split()
    return os.path.basename(words[0]) if words else ""
