"""Fingerprints: a short stable name for a failure, the same on every run that shows it.

A fingerprint names the `suture/<fingerprint>` branch and keeps one pull request per
failure, so it must not move when the failure does not: reruns of the same commit print
new memory addresses, durations, temp dirs and timestamps, and unrelated commits move line
numbers. It must move when the failure does: another error type, another file, other tests.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence

LENGTH = 12  # hex characters: 48 bits, plenty for the failures of one repository

# An absolute path starts here, not inside another path (`/repo/tmp/x` is no temp dir);
# macOS puts its temp dirs under /private.
_ROOTED = r"(?<![\w./-])(?:/private)?"

# What changes from run to run inside an otherwise identical message, most specific first,
# each with the placeholder that stands for it.
_VOLATILE: tuple[tuple[re.Pattern[str], str], ...] = (
    # pytest's tmp_path: /tmp/pytest-of-<user>/pytest-<n>/<test name><k>; n grows every run.
    (re.compile(_ROOTED + r"/tmp/pytest-of-[^/\s'\"]+/pytest-(?:\d+|current)/[^/\s'\"]+"), "<tmp>"),
    # Other temp dirs: the name under the temp root is random (tempfile.mkdtemp and friends).
    (re.compile(_ROOTED + r"(?:/var)?/tmp/[^/\s'\"]+"), "<tmp>"),
    (re.compile(_ROOTED + r"/var/folders/[^/\s'\"]+/[^/\s'\"]+/[TC]/[^/\s'\"]+"), "<tmp>"),
    (re.compile(r"[A-Za-z]:\\Users\\[^\\\s'\"]+\\AppData\\Local\\Temp\\[^\\\s'\"]+"), "<tmp>"),
    # ISO 8601 timestamps, with or without fraction and zone.
    (
        re.compile(r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?\b"),
        "<time>",
    ),
    # Memory addresses (`<Foo object at 0x7f3e15233590>`); short hex literals are data.
    (re.compile(r"\b0x[0-9a-fA-F]{6,}\b"), "0x<addr>"),
    # Object ids as Python prints them (`id=140234...`, `Mock id='140234...'`).
    (re.compile(r"\bid[=:]\s*'?\d{6,}'?"), "id=<id>"),
    # Durations: `1.23s`, `250ms`, `in 0.5 seconds`.
    (
        re.compile(
            r"\b\d+(?:\.\d+)?\s?(?:ms|us|µs|ns|s|secs?|seconds?|mins?|minutes?)\b",
            re.IGNORECASE,
        ),
        "<duration>",
    ),
)
_SPACES = re.compile(r"\s+")
_LINE_SUFFIX = re.compile(r"(?::\d+)+$")  # `src/m.py:12` or `src/m.py:12:5`


def normalise_message(message: str) -> str:
    """The message with what changes between runs replaced by placeholders."""
    for pattern, placeholder in _VOLATILE:
        message = pattern.sub(placeholder, message)
    return _SPACES.sub(" ", message).strip()


def normalise_location(location: str) -> str:
    """A repo-relative POSIX path without line or column: lines move with unrelated commits."""
    location = _LINE_SUFFIX.sub("", location.strip().replace("\\", "/"))
    while location.startswith("./"):
        location = location[2:]
    return location


def failure_fingerprint(*, tool: str, error_type: str, message: str, location: str, test_ids: Sequence[str]) -> str:
    """12 hex characters naming one failure, stable across reruns and unrelated commits.

    `location` is the repo-relative path of the frame that raised (a line number, if given,
    is dropped); `test_ids` are the failing tests' node ids, in any order, parameters kept.
    """
    material = [
        tool,
        error_type,
        normalise_message(message),
        normalise_location(location),
        sorted(test_ids),
    ]
    return _digest(json.dumps(material, ensure_ascii=False))


def combine(fingerprints: Iterable[str]) -> str:
    """One fingerprint for a set of fingerprints, whatever their order (or repetitions)."""
    return _digest("\n".join(sorted(set(fingerprints))))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:LENGTH]
