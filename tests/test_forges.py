"""Publishing on GitHub, GitLab and Gitea: loopback servers backed by real bare repositories,
driven through the real client libraries (PyGithub, python-gitlab, httpx)."""

from __future__ import annotations

import difflib
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import gitlab
import httpx
import pytest
from forge_servers import Fault, ForgeServer, Repo, serve
from github import Auth, Github
from helpers import git, make_repo

from suture.errors import ForgeError
from suture.publish.forges import pr
from suture.publish.forges.base import Forge
from suture.publish.forges.gitea import GiteaForge
from suture.publish.forges.github import GitHubForge
from suture.publish.forges.gitlab import GitLabForge
from suture.publish.forges.gitpush import basic
from suture.publish.forges.publish import Publisher, PullRequestRules
from suture.publish.forges.ratelimit import Retrying
from suture.records import Proposal

TOKEN = "ghp_" + "Zq7fakeTOKENforTESTSonly0123456789ab"
SLUG = "acme/calc"
BROKEN = 'def add(a, b):\n    result = a + b\n    return "The result is: " + result\n'
FIXED = 'def add(a, b):\n    result = a + b\n    return f"The result is: {result}"\n'
KINDS = ["github", "gitlab", "gitea"]


def client(server: ForgeServer, *, timeout: float = 1.0) -> Forge:
    """A forge over the real client library, without the throttles a production client keeps."""
    if server.kind == "github":
        gh = Github(
            base_url=f"{server.url}/api/v3",
            auth=Auth.Token(TOKEN),
            timeout=max(1, round(timeout)),
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=None,
        )
        return GitHubForge(gh, SLUG, TOKEN)
    if server.kind == "gitlab":
        return GitLabForge(gitlab.Gitlab(server.url, private_token=TOKEN, timeout=timeout), SLUG, TOKEN)
    headers = {"Authorization": f"token {TOKEN}"}
    return GiteaForge(httpx.Client(base_url=f"{server.url}/api/v1", headers=headers, timeout=timeout), SLUG, TOKEN)


def proposal(
    repo: Path, fingerprint: str = "abc123", body: str = "### Root cause\n```\nTypeError: x\n```\n"
) -> Proposal:
    diff = "".join(
        difflib.unified_diff(
            BROKEN.splitlines(keepends=True), FIXED.splitlines(keepends=True), "a/calc.py", "b/calc.py"
        )
    )
    return Proposal(
        branch=f"suture/{fingerprint}",
        commit_message=f"Fix TypeError in calc.py\n\nSuture-Fingerprint: {fingerprint}\nHealed-by: suture\n",
        title="Fix TypeError in calc.py",
        body=body,
        fingerprint=fingerprint,
        patch=f"diff --git a/calc.py b/calc.py\n{diff}",
        base_sha=git(repo, "rev-parse", "HEAD").strip(),
    )


@pytest.fixture
def local_repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "work", {"calc.py": BROKEN}, "initial")


@pytest.fixture(params=KINDS)
def server(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve(request.param, tmp_path / "forge", TOKEN)


def remote(server: ForgeServer, repo: Repo, branch: str) -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--verify", "-q", f"refs/heads/{branch}"], cwd=repo.bare, text=True, capture_output=True
    )
    return done.stdout.strip() or None


@pytest.mark.parametrize("default", ["main", "master", "trunk"])
def test_the_default_branch_comes_from_the_api_and_is_never_pushed(
    server: ForgeServer, tmp_path: Path, default: str
) -> None:
    work = make_repo(tmp_path / "w", {"calc.py": BROKEN}, "initial")
    git(work, "branch", "-m", default)
    hosted = server.add_repo(SLUG, work, default_branch=default)
    before = remote(server, hosted, default)

    published = Publisher(client(server), PullRequestRules(labels=("suture", "bot")))(work, proposal(work))

    assert published.extra["action"] == "created"
    assert [p.base for p in hosted.pulls] == [default]
    assert remote(server, hosted, default) == before
    sha = remote(server, hosted, "suture/abc123")
    assert sha == published.commit
    assert FIXED in git(hosted.bare, "show", f"{sha}:calc.py")
    assert hosted.pulls[0].labels == ["suture", "bot"]
    assert hosted.pulls[0].body.rstrip().splitlines()[-1] == "Suture-Fingerprint: abc123"
    assert server.git_auth_ok > 0 and server.leaks == []


def test_an_open_pull_request_is_updated_in_place(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    first = Publisher(client(server))(local_repo, proposal(local_repo, body="first body\n"))
    second = Publisher(client(server))(local_repo, proposal(local_repo, body="second body\n"))

    assert (first.extra["action"], second.extra["action"]) == ("created", "updated")
    assert len(hosted.pulls) == 1 and "second body" in hosted.pulls[0].body
    assert remote(server, hosted, "suture/abc123") == second.commit


def test_a_pull_request_closed_without_merging_is_not_recreated(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server))(local_repo, proposal(local_repo))
    hosted.pulls[0].state = "closed"

    again = Publisher(client(server))(local_repo, proposal(local_repo))

    assert again.extra["action"] == "declined" and "closed without merging" in again.extra["reason"]
    assert len(hosted.pulls) == 1
    assert remote(server, hosted, "suture/abc123") is None  # the dead branch was deleted


def test_ten_runs_with_one_fingerprint_make_one_pull_request(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    actions = [Publisher(client(server))(local_repo, proposal(local_repo)).extra["action"] for _ in range(10)]
    assert actions == ["created"] + ["updated"] * 9
    assert len(hosted.pulls) == 1


def test_a_crash_between_push_and_create_converges(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server), push_only=True)(local_repo, proposal(local_repo))  # the run that "crashed"
    assert hosted.pulls == [] and remote(server, hosted, "suture/abc123")

    Publisher(client(server))(local_repo, proposal(local_repo))
    Publisher(client(server))(local_repo, proposal(local_repo))

    assert len(hosted.pulls) == 1
    heads = git(hosted.bare, "for-each-ref", "--format=%(refname)", "refs/heads/suture/")
    assert heads.split() == ["refs/heads/suture/abc123"]


def test_a_timeout_after_the_create_call_makes_no_duplicate(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    create = {"github": r"/pulls$", "gitlab": r"/merge_requests$", "gitea": r"/pulls$"}[server.kind]
    server.faults.append(Fault("POST", create, delay=2.5))  # handled, but answered after the client gave up
    waits: list[float] = []

    published = Publisher(client(server), retrying=Retrying(sleep=waits.append))(local_repo, proposal(local_repo))

    assert published.extra["action"] == "created"
    assert len(hosted.pulls) == 1
    assert [m for m, p in server.mutating() if re.search(create, p)] == ["POST"]  # never sent twice


@pytest.mark.parametrize("status", [429, 403])
def test_rate_limits_are_waited_out_until_the_reset(server: ForgeServer, local_repo: Path, status: int) -> None:
    if server.kind == "gitlab" and status == 403:
        pytest.skip("GitLab signals rate limits with 429 only")
    hosted = server.add_repo(SLUG, local_repo)
    headers = (
        {"Retry-After": "1"}
        if status == 429
        else {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 2)}
    )
    lists = {"github": r"/pulls$", "gitlab": r"/merge_requests$", "gitea": r"/pulls$"}[server.kind]
    server.faults.append(Fault("GET", lists, status=status, headers=headers))
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    start = time.monotonic()
    published = Publisher(client(server), retrying=Retrying(sleep=sleep))(local_repo, proposal(local_repo))

    assert published.extra["action"] == "created" and len(hosted.pulls) == 1
    assert time.monotonic() - start >= 1.0  # the reset was honoured, by suture or by python-gitlab
    if server.kind != "gitlab":
        assert len(waits) == 1 and 0.5 <= waits[0] <= 2.5


def test_a_reset_too_far_away_fails_the_run_instead_of_hanging(server: ForgeServer, local_repo: Path) -> None:
    if server.kind == "gitlab":
        pytest.skip("python-gitlab waits out 429s itself")
    server.add_repo(SLUG, local_repo)
    server.faults.append(Fault("GET", r"/pulls$", status=429, headers={"Retry-After": "3600"}))
    with pytest.raises(ForgeError, match="run again later"):
        Publisher(client(server), retrying=Retrying(sleep=lambda _: None))(local_repo, proposal(local_repo))


def test_caps_on_open_and_new_pull_requests(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    marker = pr.marker
    for n in range(2):
        server.new_pull(hosted, f"suture/other{n}", "main", "t", marker(f"other{n}")).state = "closed"
    capped = Publisher(client(server))(local_repo, proposal(local_repo))
    assert capped.extra["action"] == "capped" and "last hour" in capped.extra["reason"]
    assert remote(server, hosted, "suture/abc123") is None  # nothing pushed either

    for pull in hosted.pulls:
        pull.created -= timedelta(hours=2)
    allowed = Publisher(client(server), PullRequestRules(max_open=3))(local_repo, proposal(local_repo))
    assert allowed.extra["action"] == "created"

    for n in range(3):
        old = server.new_pull(hosted, f"suture/open{n}", "main", "t", marker(f"open{n}"))
        old.created = datetime.now(UTC) - timedelta(days=1)
    full = Publisher(client(server), PullRequestRules(max_open=3))(
        local_repo, proposal(local_repo, fingerprint="def456")
    )
    assert full.extra["action"] == "capped" and "open" in full.extra["reason"]


def test_a_protected_branch_is_never_pushed(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server), push_only=True)(local_repo, proposal(local_repo))
    before = remote(server, hosted, "suture/abc123")
    hosted.protected.add("suture/abc123")
    with pytest.raises(ForgeError, match="protected"):
        Publisher(client(server))(local_repo, proposal(local_repo, body="changed\n"))
    assert remote(server, hosted, "suture/abc123") == before


def test_propose_opens_the_pull_request_from_the_commit_alone(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    pushed = Publisher(client(server), push_only=True)(local_repo, proposal(local_repo, body="evidence table\n"))
    assert pushed.extra["action"] == "pushed" and hosted.pulls == []

    # A fresh clone of the pushed branch, as a CI job on suture/abc123 has it.
    clone = local_repo.parent / "ci"
    subprocess.run(["git", "clone", "-q", "--branch", "suture/abc123", str(hosted.bare), str(clone)], check=True)
    opened = Publisher(client(server)).propose(clone, git(clone, "rev-parse", "HEAD").strip())

    assert opened.extra["action"] == "created"
    assert hosted.pulls[0].title.endswith("Fix TypeError in calc.py")
    assert "evidence table" in hosted.pulls[0].body
    assert pr.has_marker(hosted.pulls[0].body, "abc123")


def test_propose_rechecks_the_policy_of_what_the_branch_holds(server: ForgeServer, local_repo: Path) -> None:
    """CI passed on the branch, but a commit with suture's trailers that edits a test is refused all the same."""
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server), push_only=True)(local_repo, proposal(local_repo))
    clone = local_repo.parent / "ci"
    subprocess.run(["git", "clone", "-q", "--branch", "suture/abc123", str(hosted.bare), str(clone)], check=True)
    (clone / "tests").mkdir(exist_ok=True)
    (clone / "tests" / "test_calc.py").write_text("def test_anything():\n    assert True\n")
    git(clone, "add", "-A")
    git(clone, "commit", "-q", "--amend", "--no-edit")  # the trailers stay: it still looks like suture's

    with pytest.raises(ForgeError, match=r"refusing to publish suture/abc123: the patch breaks the policy: .*tests/"):
        Publisher(client(server)).propose(clone, git(clone, "rev-parse", "HEAD").strip())
    assert hosted.pulls == []


def test_propose_in_a_clone_without_the_parent_says_what_to_fetch(server: ForgeServer, local_repo: Path) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server), push_only=True)(local_repo, proposal(local_repo))
    clone = local_repo.parent / "shallow"
    url = f"file://{hosted.bare}"
    subprocess.run(["git", "clone", "-q", "--depth", "1", "--branch", "suture/abc123", url, str(clone)], check=True)

    with pytest.raises(ForgeError, match=r"is not in this clone.*fetch-depth: 2"):
        Publisher(client(server)).propose(clone, git(clone, "rev-parse", "HEAD").strip())
    assert hosted.pulls == []


def test_a_refused_push_names_no_token(server: ForgeServer, local_repo: Path) -> None:
    server.add_repo(SLUG, local_repo)
    forge = client(server)
    wrong = "glpat-" + "WRONGtokenXYZ0123456789"
    forge._authorization = pr_basic(wrong)  # type: ignore[attr-defined]
    with pytest.raises(ForgeError) as caught:
        Publisher(forge)(local_repo, proposal(local_repo))
    text = str(caught.value) + repr(caught.value) + str(caught.value.__cause__ or "")
    assert wrong not in text and TOKEN not in text
    assert "git push" in text
    assert server.leaks == []


def pr_basic(token: str) -> str:
    return basic("oauth2", token)


def test_a_draft_pull_request_when_configured_and_it_stays_one_when_updated(
    server: ForgeServer, local_repo: Path
) -> None:
    hosted = server.add_repo(SLUG, local_repo)
    Publisher(client(server), PullRequestRules(draft=True))(local_repo, proposal(local_repo))
    updated = Publisher(client(server), PullRequestRules(draft=True))(local_repo, proposal(local_repo, body="second\n"))
    assert updated.extra["action"] == "updated"
    (pull,) = hosted.pulls
    marks = {"github": "", "gitlab": "Draft: ", "gitea": "WIP: "}  # GitHub has a flag, the others a title prefix
    assert pull.title == marks[server.kind] + "Fix TypeError in calc.py"
    assert pull.draft == (server.kind != "gitea")  # the loopback Gitea knows drafts by their title only
    plain = Publisher(client(server))(local_repo, proposal(local_repo, fingerprint="ready"))
    assert plain.extra["action"] == "created" and not hosted.pulls[-1].title.startswith(("Draft: ", "WIP: "))
