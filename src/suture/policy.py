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


# CI configuration and lockfiles: a fix that changes what CI runs, or which versions it
# installs, could turn the build green without fixing anything.
CI_CONFIG = (
    ".github/*",
    ".gitlab-ci.yml",
    ".gitlab/*",
    ".semaphore/*",
    ".circleci/*",
    ".buildkite/*",
    ".woodpecker/*",
    ".woodpecker.yml",
    ".drone.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "Jenkinsfile",
    ".pre-commit-config.yaml",
)
LOCKFILES = ("*.lock", "package-lock.json", "pnpm-lock.yaml", "requirements*.lock")


def protected(path: str) -> str:
    """What `path` is when no fix may change it ('the test file', 'the CI configuration file',
    'the lockfile'), else ''."""
    if is_test_path(path):
        return "the test file"
    if any(fnmatch(path, pattern) for pattern in CI_CONFIG):
        return "the CI configuration file"
    if any(fnmatch(PurePosixPath(path).name, pattern) for pattern in LOCKFILES):
        return "the lockfile"
    return ""


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if any(part + "/" in PROTECTED_DIRS for part in parts[:-1]):
        return True
    return any(fnmatch(parts[-1], pattern) for pattern in PROTECTED_FILES) if parts else False


def findings(candidate: Candidate) -> tuple[str, ...]:
    """Reasons to reject `candidate` before running anything; empty when it may be tried."""
    found = [f"touches {kind} {path}" for path in candidate.paths if (kind := protected(path))]
    if not candidate.diff.strip():
        found.append("the diff is empty")
    return tuple(found)
