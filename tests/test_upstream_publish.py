"""An upstream heal's proposal: labelled as upstream's in its title, and keyed by the release, so one
repository gets one branch and one proposal however many jobs the release broke (each job's failure
has a fingerprint of its own)."""

from __future__ import annotations

from pathlib import Path

import pytest
from forge_servers import serve
from helpers import make_repo
from sandbox_helpers import bubblewrap_problem
from test_forges import BROKEN, SLUG, TOKEN, client, proposal
from test_upstream_heal import PASSWORD, heal, index, project, user_env
from upstream_index import Index

from suture.publish.forges.publish import Publisher, PullRequestRules

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


def test_on_a_forge_two_jobs_of_one_release_update_one_pull_request_labelled_upstream(
    tmp_path: Path,
) -> None:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN})
    for server in serve("github", tmp_path / "forge", TOKEN):
        hosted = server.add_repo(SLUG, work)
        publisher = Publisher(client(server), PullRequestRules(labels=("suture",)))
        first = publisher(work, proposal(work, fingerprint="upstream-fakedist-2_0", body="job 1\n"))
        second = publisher(work, proposal(work, fingerprint="upstream-fakedist-2_0", body="job 2\n"))
        other = publisher(work, proposal(work, fingerprint="abc123"))
        assert (first.extra["action"], second.extra["action"]) == ("created", "updated")
        assert [pull.head for pull in hosted.pulls] == ["suture/upstream-fakedist-2_0", "suture/abc123"]
        assert [pull.labels for pull in hosted.pulls] == [["suture", "upstream"], ["suture"]]
        assert other.extra["action"] == "created"
