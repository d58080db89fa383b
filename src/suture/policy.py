"""What a candidate may touch. Tests are read-only: a fix never weakens the checks."""

from __future__ import annotations

from fnmatch import fnmatch
from pathlib import PurePosixPath

from suture.records import Candidate

# Paths a fix may not change (repo-relative, POSIX). A directory pattern ends in '/'.
PROTECTED_DIRS = ("tests/", "test/", "testing/")
PROTECTED_FILES = (
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "pytest.ini",
    "tox.ini",
    "noxfile.py",
    ".coveragerc",
)


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if any(part + "/" in PROTECTED_DIRS for part in parts[:-1]):
        return True
    return any(fnmatch(parts[-1], pattern) for pattern in PROTECTED_FILES) if parts else False


def findings(candidate: Candidate) -> tuple[str, ...]:
    """Reasons to reject `candidate` before running anything; empty when it may be tried."""
    found = [f"touches the test file {path}" for path in candidate.paths if is_test_path(path)]
    if not candidate.diff.strip():
        found.append("the diff is empty")
    return tuple(found)
