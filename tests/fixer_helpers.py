"""Real repositories, failures as the diagnose stage records them, and applying candidates,
for the fixer tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo

from suture.records import Candidate, Failure, Frame
from suture.source import Source


def commit(repo: Path, files: dict[str, str], binary: dict[str, bytes] | None = None) -> Source:
    """A git repository at `repo` whose one commit holds `files`, read through `Source`."""
    for path, content in (binary or {}).items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_bytes(content)
    make_repo(repo, files)
    return Source(repo, git(repo, "rev-parse", "HEAD").strip())


def failure(
    error_type: str,
    message: str,
    *,
    path: str = "pkg/mod.py",
    line: int = 4,
    column: int | None = None,
) -> Failure:
    """The Failure the diagnose stage builds from a pytest run that raised in `path`."""
    return Failure(
        tool="pytest",
        kind="test-failure",
        check="python -m pytest",
        error_type=error_type,
        message=message,
        test_ids=("tests/test_x.py::test_y",),
        frames=(Frame(path, line, column=column),),
        excerpt="",
        fingerprint="abc",
    )


def applied(repo: Path, candidate: Candidate, path: str = "pkg/mod.py") -> str:
    """The text of `path` once `candidate` is applied (as verification does) to a clean
    checkout of the base commit."""
    git(repo, "reset", "-q", "--hard")
    for args in (["apply", "--check"], ["apply"]):
        done = subprocess.run(["git", *args, "-"], cwd=repo, input=candidate.diff, capture_output=True, text=True)
        assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stderr}\n{candidate.diff}"
    return (repo / path).read_bytes().decode()


def python(repo: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run `code` with a real interpreter in `repo`, where `pkg` is importable."""
    return subprocess.run([sys.executable, "-c", code], cwd=repo, capture_output=True, text=True, check=False)


def pytest_passes(repo: Path) -> bool:
    """Whether a real pytest run of the project's own tests passes."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.returncode == 0
