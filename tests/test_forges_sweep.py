"""The stale-branch sweep: suture's branches whose pull requests were closed or merged are deleted,
on GitHub, GitLab and Gitea (loopback servers, real bare repositories, real client libraries);
nothing else ever is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from forge_servers import ForgeServer, Repo, serve
from helpers import git, make_repo
from test_forges import BROKEN, KINDS, SLUG, TOKEN, client, proposal

from suture.cli.publishing import Sweeping
from suture.publish.forges import pr
from suture.publish.forges.publish import Publisher, PullRequestRules
from suture.publish.forges.sweep import sweep

ROOMY = PullRequestRules(max_new_per_hour=10)  # the scene opens more pull requests than the hourly cap allows


@pytest.fixture(params=KINDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve(request.param, tmp_path / "forge", TOKEN)


def heads(hosted: Repo) -> list[str]:
    listing = git(hosted.bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
    return sorted(listing.split())


def scene(server: ForgeServer, work: Path) -> Repo:
    """suture/closed (PR closed), suture/merged (PR merged), suture/open (PR open), suture/waiting (pushed,
    no PR yet: CI runs on it), suture/foreign (a closed PR without suture's marker), and a human's branch
    `feature` whose PR was closed too."""
    hosted = server.add_repo(SLUG, work)
    for fingerprint in ("closed", "merged", "open"):
        Publisher(client(server), ROOMY)(work, proposal(work, fingerprint=fingerprint))
    Publisher(client(server), ROOMY, push_only=True)(work, proposal(work, fingerprint="waiting"))
    for branch in ("suture/foreign", "feature"):
        git(work, "push", "-q", str(hosted.bare), f"main:refs/heads/{branch}")
        server.new_pull(hosted, branch, "main", "a human's", "no marker here").state = "closed"
    by_head = {p.head: p for p in hosted.pulls}
    by_head["suture/closed"].state = "closed"
    by_head["suture/merged"].state = "merged"
    return hosted


EVERY = ["feature", "main", "suture/closed", "suture/foreign", "suture/merged", "suture/open", "suture/waiting"]


def test_sweep_deletes_only_suture_branches_whose_pull_requests_are_closed_or_merged(
    server: ForgeServer, tmp_path: Path
) -> None:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN})
    hosted = scene(server, work)
    assert heads(hosted) == EVERY
    said: list[str] = []

    deleted = sweep(work, client(server), progress=said.append)

    assert deleted == ["suture/closed", "suture/merged"]
    assert heads(hosted) == ["feature", "main", "suture/foreign", "suture/open", "suture/waiting"]
    assert any("suture/merged" in line and "merged" in line for line in said)
    assert server.leaks == [] and sweep(work, client(server)) == []  # a second sweep finds nothing to do


def test_a_protected_suture_branch_is_kept(server: ForgeServer, tmp_path: Path) -> None:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN})
    hosted = scene(server, work)
    hosted.protected.add("suture/closed")
    assert sweep(work, client(server)) == ["suture/merged"]
    assert "suture/closed" in heads(hosted)


def test_every_publication_sweeps(server: ForgeServer, tmp_path: Path) -> None:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN})
    hosted = scene(server, work)
    published = Sweeping(Publisher(client(server), ROOMY))(work, proposal(work, fingerprint="newone"))
    assert published.extra["action"] == "created"
    assert heads(hosted) == ["feature", "main", "suture/foreign", "suture/newone", "suture/open", "suture/waiting"]
    assert pr.has_marker(hosted.pulls[-1].body, "newone")


def test_suture_sweep_on_the_command_line(tmp_path: Path) -> None:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN})
    generator = serve("gitea", tmp_path / "forge", TOKEN)
    server = next(generator)
    try:
        hosted = scene(server, work)
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE"))}
        done = _sweep_cli(work, server, clean)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout.splitlines()[-1]) == {
            "status": "swept",
            "deleted": ["suture/closed", "suture/merged"],
        }
        assert "suture/open" in heads(hosted) and "feature" in heads(hosted)
        assert TOKEN not in done.stdout + done.stderr
    finally:
        server.close()


def _sweep_cli(work: Path, server: ForgeServer, clean: dict[str, str]) -> subprocess.CompletedProcess[str]:
    args = ["sweep", "--json", "--forge", "gitea", "--forge-url", server.url, "--repo-slug", SLUG]
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "GITEA_TOKEN": TOKEN},
    )
