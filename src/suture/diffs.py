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
    # Split on "\n" only: str.splitlines also splits on form feeds and other separators
    # that git treats as ordinary characters, which would corrupt the hunk.
    lines = text.split("\n")
    out = [line + "\n" for line in lines[:-1]]
    return [*out, lines[-1]] if lines[-1] else out


def join(diffs: list[str]) -> str:
    """Several per-file diffs as one patch."""
    return "".join(d for d in diffs if d)
