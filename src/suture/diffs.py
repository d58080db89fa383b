"""Unified diffs that `git apply` accepts."""

from __future__ import annotations

import difflib


def unified(path: str, old: str, new: str) -> str:
    """The diff turning `old` into `new` for the file at repo-relative `path` ('' if equal)."""
    if old == new:
        return ""
    old_lines = _lines(old)
    new_lines = _lines(new)
    out = [f"diff --git a/{path} b/{path}\n"]
    for line in difflib.unified_diff(old_lines, new_lines, f"a/{path}", f"b/{path}", n=3):
        out.append(line)
        if not line.endswith("\n"):
            out.append("\n\\ No newline at end of file\n")
    return "".join(out)


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def join(diffs: list[str]) -> str:
    """Several per-file diffs as one patch."""
    return "".join(d for d in diffs if d)
