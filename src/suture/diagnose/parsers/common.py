"""What the parsers of tools other than pytest share: one diagnostic as a `Failure`.

A linter's, formatter's or compiler's diagnostic names a file and a line, a rule code and a
message; it has no tests and no traceback. Its one frame is where it points, repo-relative
(see `pytest.repo_path`); its fingerprint leaves the line and column out, as for every
failure, so an unrelated edit above it does not rename it.
"""

from __future__ import annotations

import re

from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.parsers.pytest import repo_path
from suture.records import Failure, Frame

MAX_EXCERPT = 4_000  # characters: as the pytest parser's

# `path:12:5: rest` or `path:12: rest`; a path holds no spaces or colons (Windows drives aside)
# and is not a bare number (a time `12:00:00`).
POSITION = re.compile(
    r"^(?P<path>(?:[A-Za-z]:)?[^\s:]*[^\s:\d][^\s:]*):(?P<line>\d+)(?::(?P<column>\d+))?:\s*(?P<rest>.*)$"
)
ARROW = re.compile(r"^\s*-->\s*(?P<path>(?:[A-Za-z]:)?[^\s:]+):(?P<line>\d+)(?::(?P<column>\d+))?\s*$")


def diagnostic(
    *,
    tool: str,
    kind: str,
    check: str,
    code: str,
    message: str,
    path: str,
    line: int,
    column: int | None,
    excerpt: str,
    root: str,
) -> Failure:
    """A Failure for one diagnostic at `path:line[:column]`."""
    local = repo_path(path, root) if path else None
    frames = (Frame(local, line, "", column),) if local else ()
    return Failure(
        tool=tool,
        kind=kind,
        check=check,
        error_type=code,
        message=message,
        test_ids=(),
        frames=frames,
        excerpt=cap(excerpt),
        fingerprint=failure_fingerprint(
            tool=tool, error_type=code or kind, message=message, location=local or path, test_ids=()
        ),
    )


def cap(text: str, limit: int = MAX_EXCERPT) -> str:
    """At most `limit` characters of an excerpt: its start, and a marker."""
    text = text.strip("\n")
    if len(text) <= limit:
        return text
    marker = f"\n[... {len(text) - limit} characters cut ...]"
    return text[: limit - len(marker)] + marker


def integer(text: str | None) -> int | None:
    return int(text) if text else None


def strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", text)
