"""Virtualenvs, learnt from their pyvenv.cfg: suture never runs a project's interpreter to ask.

An interpreter in a checkout is the repository's as soon as a commit can add it (a
`.venv/bin/python` that is a shell script, say): run on the host it would have every
secret. Its pyvenv.cfg is a file, read with a size cap, not through a link, and never
waited on (a FIFO or a device in its place reads as no virtualenv).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

LIMIT = 64 * 1024  # bytes of a pyvenv.cfg read: a real one holds a handful of lines


def config(venv: Path) -> dict[str, str] | None:
    """The keys of `venv`/pyvenv.cfg (lower-cased), or None when `venv` is not a virtualenv."""
    try:
        fd = os.open(venv / "pyvenv.cfg", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        text = os.read(fd, LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)
    pairs = (line.partition("=") for line in text.splitlines())
    return {key.strip().lower(): value.strip() for key, sep, value in pairs if sep and key.strip()}
