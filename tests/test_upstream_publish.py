"""An upstream heal's proposal: labelled as upstream's in its title, and keyed by the release, so one
repository gets one branch and one proposal however many jobs the release broke (each job's failure
has a fingerprint of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import PASSWORD, heal, index, project, user_env
from upstream_index import Index

__all__ = ["index"]

OTHER = "def test_other():\n    import fakedist\n\n    assert fakedist.api() == 'api'\n"


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_two_jobs_broken_by_one_release_get_one_branch_and_one_proposal(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", extra={"tests/test_other.py": OTHER})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    first, stderr = heal(repo, venv, index, "--flaky-reruns", "0", test_cmd="python -m pytest -q tests/test_app.py")
    second, stderr2 = heal(repo, venv, index, "--flaky-reruns", "0", test_cmd="python -m pytest -q tests/test_other.py")
    assert first["status"] == second["status"] == "fixed", stderr + stderr2
    assert first["fingerprint"] != second["fingerprint"]  # two failures, two jobs
    assert first["branch"] == second["branch"] == "suture/upstream-fakedist-2_0"
    proposals = sorted((repo / ".git" / "suture" / "proposals").glob("*.md"))
    assert [path.name for path in proposals] == ["upstream-fakedist-2_0.md"]
    text = proposals[0].read_text()
    assert text.splitlines()[0] == "# suture: pin fakedist<2 (2.0 removed api)"
    assert "Upstream breakage: fakedist 2.0 (released 2026-06-01) removed `api`" in text
    assert PASSWORD not in text
