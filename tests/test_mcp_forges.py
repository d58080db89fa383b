"""`suture mcp` against the outside world: `propose` opening and updating a pull request on a
loopback GitHub (never the default branch), and `ci_logs`/`ci_failure` reading the failed jobs
of a GitLab CI pipeline and a Semaphore pipeline from loopback CI APIs when the server runs in
that CI. The `mcp` SDK's own client drives `python -m suture mcp` over stdio, as in
tests/test_mcp_server.py."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from forge_servers import SERVERS, CiJob, ForgeServer, Repo, SemaphoreServer, serve
from helpers import git

pytest.importorskip("mcp")
from mcp import ClientSession
from test_mcp_server import DATA, EDITS, GOOD, call, classic, error_of, served

TOKEN = "ghp_" + "ForgeMcpTOKEN0for1tests2only3456789"
SLUG = "acme/calc"
CI_VARIABLES = ("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE", "RUNNER_")


def outside_ci(**extra: str) -> dict[str, str]:
    """The test's environment without any CI's variables (blanked: `served` starts from os.environ), and `extra`."""
    blank = {k: "" for k in os.environ if k.startswith(CI_VARIABLES) or k in ("CI", "GITLAB_CI")}
    return {**blank, **extra}


@pytest.fixture
def github(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("github", tmp_path / "forge", TOKEN)


def on_github(github: ForgeServer, tmp_path: Path) -> tuple[Path, Repo]:
    """The classic project, hosted on the loopback GitHub as its `origin`."""
    repo = classic(tmp_path)
    hosted = github.add_repo(SLUG, repo)
    git(repo, "remote", "add", "origin", github.clone_url(hosted))
    return repo, hosted


def test_propose_opens_then_updates_one_pull_request_and_never_touches_the_default_branch(
    github: ForgeServer, tmp_path: Path
) -> None:
    repo, hosted = on_github(github, tmp_path)
    main_before = git(hosted.bare, "rev-parse", "refs/heads/main").strip()
    options = ("--forge", "github", "--forge-url", github.url, "--label", "ci")

    async def scenario(client: ClientSession) -> Any:
        first = await call(client, "verify_patch", {"patch": GOOD})
        opened = await call(client, "propose", {"id": first[1]["id"]})
        second = await call(client, "verify_patch", {"edits": EDITS})  # the same fix again: the same branch
        updated = await call(client, "propose", {"id": second[1]["id"]})
        return first, opened, updated

    env = outside_ci(GITHUB_TOKEN=TOKEN)
    first, opened, updated = served(repo, scenario, errlog=tmp_path / "err.log", env=env, options=options)

    is_error, verdict, text = first
    assert not is_error and verdict["accepted"] is True, text
    branch = f"suture/{verdict['fingerprint']}"
    is_error, published, text = opened
    assert not is_error, text
    assert published["forge"] == "github" and published["branch"] == branch
    assert published["extra"]["action"] == "created" and published["location"].startswith(github.url)
    is_error, again, text = updated
    assert not is_error, text
    assert again["extra"]["action"] == "updated" and again["branch"] == branch
    [pull] = hosted.pulls  # one pull request for the fingerprint, opened once and updated
    assert pull.head == branch and pull.base == "main" and pull.labels == ["ci"]
    assert "| check | before | after |" in pull.body and pull.body.endswith(
        f"Suture-Fingerprint: {verdict['fingerprint']}"
    )
    # The fix is on suture/<fingerprint> of the forge; its default branch is as it was.
    assert git(hosted.bare, "rev-parse", "refs/heads/main").strip() == main_before
    assert git(hosted.bare, "rev-parse", f"refs/heads/{branch}^").strip() == main_before
    assert 'f"The result is: {result}"' in git(hosted.bare, "show", f"{branch}:calc.py")
    assert "Healed-by: suture" in git(hosted.bare, "log", "-1", "--format=%B", branch)
    # The token went to the forge only: never into an answer, a resource or the server's log.
    assert TOKEN not in json.dumps([first, opened, updated]) + (tmp_path / "err.log").read_text()
    assert github.leaks == []


def test_propose_to_a_forge_without_a_token_is_a_structured_error_and_pushes_nothing(
    github: ForgeServer, tmp_path: Path
) -> None:
    repo, hosted = on_github(github, tmp_path)

    async def scenario(client: ClientSession) -> Any:
        accepted = await call(client, "verify_patch", {"patch": GOOD})
        return await call(client, "propose", {"id": accepted[1]["id"]})

    options = ("--forge", "github", "--forge-url", github.url)
    refused = error_of(served(repo, scenario, errlog=tmp_path / "err.log", env=outside_ci(), options=options))
    assert refused["code"] == "usage" and "GITHUB_TOKEN" in refused["message"]
    assert hosted.pulls == [] and github.mutating() == []


FAILED_TEST = 'FAILED tests/test_calc.py::test_add - TypeError: can only concatenate str (not "int") to str'


def failed_pipeline(secret: str) -> list[CiJob]:
    raw = [f"step {n}" for n in range(1, 250)] + [f"+ curl -H 'Authorization: token {secret}' https://example.com"]
    raw += [*(DATA / "pytest" / "assertion.txt").read_text().splitlines(), FAILED_TEST]
    return [
        CiJob(11, "lint", "success", b"All checks passed!\n"),
        CiJob(12, "test", "failure", "\n".join(raw).encode() + b"\n"),
    ]


def in_gitlab(server: ForgeServer, repo: Path, *, by_url: bool) -> tuple[dict[str, str], str]:
    """The server's environment in GitLab CI's failed pipeline, or outside CI with a pipeline's URL."""
    hosted = server.add_repo(SLUG, repo)
    hosted.runs[5] = failed_pipeline(TOKEN)
    if by_url:  # the server knows its GitLab (CI_SERVER_URL) and holds a token; the client names the pipeline
        return outside_ci(CI_SERVER_URL=server.url, GITLAB_TOKEN=TOKEN), f"{server.url}/{SLUG}/-/pipelines/5"
    project = {"CI_PROJECT_ID": str(hosted.id), "CI_PROJECT_PATH": SLUG, "CI_PIPELINE_ID": "5"}
    env = {"GITLAB_CI": "true", "CI_SERVER_URL": server.url, "CI_COMMIT_BRANCH": "main", "GITLAB_TOKEN": TOKEN}
    return outside_ci(**env, **project), ""


def in_semaphore(server: ForgeServer, repo: Path, *, by_url: bool) -> tuple[dict[str, str], str]:
    """The server's environment in Semaphore's failed pipeline, or outside CI with the pipeline's URL."""
    assert isinstance(server, SemaphoreServer)
    server.pipelines["ppl-1"] = [("Test", job) for job in failed_pipeline(TOKEN)]
    known = {"SEMAPHORE_ORGANIZATION_URL": server.url, "SEMAPHORE_API_TOKEN": TOKEN}
    if by_url:
        return outside_ci(**known), f"{server.url}/workflows/wf-1?pipeline_id=ppl-1"
    git_ref = {"SEMAPHORE_GIT_BRANCH": "main", "SEMAPHORE_GIT_REF_TYPE": "branch"}
    return outside_ci(SEMAPHORE="true", SEMAPHORE_PIPELINE_ID="ppl-1", **known, **git_ref), ""


@pytest.mark.parametrize("by_url", [False, True], ids=["in-ci", "by-url"])
@pytest.mark.parametrize("kind", ["gitlab", "semaphore"])
def test_ci_logs_and_ci_failure_of_gitlab_ci_and_semaphore(kind: str, by_url: bool, tmp_path: Path) -> None:
    repo = classic(tmp_path)
    server = SERVERS[kind](tmp_path / "ci", TOKEN)
    try:
        env, url = (in_gitlab if kind == "gitlab" else in_semaphore)(server, repo, by_url=by_url)
        run = {"url": url} if url else {}

        async def scenario(client: ClientSession) -> Any:
            jobs = await call(client, "ci_logs", run)
            name = jobs[1]["jobs"][0]["name"] if not jobs[0] else ""
            page = await call(client, "ci_logs", {**run, "job": name, "offset": 240, "limit": 20})
            rest = await call(client, "ci_logs", {**run, "job": name, "offset": page[1].get("next_offset") or 1})
            failure = await call(client, "ci_failure", run)
            unknown = await call(client, "ci_logs", {**run, "job": "lint"})  # it passed: not a failed job
            return jobs, page, rest, failure, unknown

        jobs, page, rest, failure, unknown = served(repo, scenario, errlog=tmp_path / "err.log", env=env)
    finally:
        server.close()

    is_error, data, text = jobs
    assert not is_error, text
    [job] = data["jobs"]  # the job that passed is not a failure
    assert job["class"] == "code" and job["id"] == "12" and job["name"].endswith("test")
    assert "TypeError" in job["excerpt"] and len(job["lines"]) < job["total_lines"]
    assert all(a < b for a, b in zip(job["lines"], job["lines"][1:], strict=False))  # numbered as in the raw log
    is_error, data, text = page
    assert not is_error, text
    numbers = [line["number"] for line in data["lines"]]
    assert numbers == list(range(240, 260)) and data["next_offset"] == 260
    assert any("Authorization: token" in line["text"] for line in data["lines"])  # the secret's line, redacted
    is_error, data, text = rest
    assert not is_error, text
    assert data["lines"][0]["number"] == 260 and data["lines"][-1]["number"] == data["total_lines"]
    assert data["next_offset"] is None and any(FAILED_TEST in line["text"] for line in data["lines"][-5:])
    is_error, data, text = failure
    assert not is_error, text
    assert data["class"] == "code" and data["failures"] and data["fingerprint"]
    assert error_of(unknown)["argument"] == "job"
    assert TOKEN not in json.dumps([jobs, page, rest, failure]) + (tmp_path / "err.log").read_text()
    assert server.calls and server.mutating() == []  # only reads


def test_a_run_url_on_another_host_gets_no_token(github: ForgeServer, tmp_path: Path) -> None:
    # A client (a model steered by what it read) names a run on a server of its choosing: the
    # server's GitHub token must not go there. Only GitHub's own host, or the GITHUB_SERVER_URL
    # the server was started with, is read with it.
    repo, hosted = on_github(github, tmp_path)
    hosted.runs[7] = failed_pipeline("nothing")
    elsewhere = SERVERS["github"](tmp_path / "elsewhere", "other-" + "token-of-another-server")
    try:
        elsewhere.add_repo(SLUG, repo).runs[7] = failed_pipeline("nothing")

        async def scenario(client: ClientSession) -> Any:
            mine = await call(client, "ci_logs", {"url": f"{github.url}/{SLUG}/actions/runs/7"})
            theirs = await call(client, "ci_failure", {"url": f"{elsewhere.url}/{SLUG}/actions/runs/7"})
            return mine, theirs

        env = outside_ci(GITHUB_TOKEN=TOKEN, GITHUB_SERVER_URL=github.url)
        mine, theirs = served(repo, scenario, errlog=tmp_path / "err.log", env=env)
    finally:
        elsewhere.close()
    assert not mine[0] and mine[1]["jobs"], mine[2]
    refused = error_of(theirs)
    assert refused["code"] == "invalid-arguments" and refused["argument"] == "url"
    assert github.url in refused["message"] and TOKEN not in refused["message"]
    assert elsewhere.calls == []  # not a single request: the token never left for it


@pytest.mark.parametrize("kind", ["github", "gitlab", "semaphore"])
def test_a_job_s_url_reads_that_job_whatever_its_outcome(kind: str, tmp_path: Path) -> None:
    repo = classic(tmp_path)
    server = SERVERS[kind](tmp_path / "ci", TOKEN)
    try:
        jobs = failed_pipeline(TOKEN)
        if isinstance(server, SemaphoreServer):
            server.pipelines["ppl-1"] = [("Test", job) for job in jobs]
            env, base = outside_ci(SEMAPHORE_ORGANIZATION_URL=server.url, SEMAPHORE_API_TOKEN=TOKEN), server.url
        else:
            server.add_repo(SLUG, repo).runs[5] = jobs
            known = {"GITHUB_SERVER_URL": server.url, "GITHUB_TOKEN": TOKEN, "GITHUB_API_URL": ""}
            env = outside_ci(**(known if kind == "github" else {"CI_SERVER_URL": server.url, "GITLAB_TOKEN": TOKEN}))
            base = f"{server.url}/{SLUG}" + ("/actions/runs/5" if kind == "github" else "/-")
        job_url = {"github": "/job/{}", "gitlab": "/jobs/{}", "semaphore": "/jobs/{}"}[kind]

        async def scenario(client: ClientSession) -> Any:
            passed = await call(client, "ci_logs", {"url": base + job_url.format(11)})
            page = await call(client, "ci_logs", {"url": base + job_url.format(11), "job": "11"})
            failed = await call(client, "ci_failure", {"url": base + job_url.format(12)})
            return passed, page, failed

        passed, page, failed = served(repo, scenario, errlog=tmp_path / "err.log", env=env)
    finally:
        server.close()
    is_error, data, text = passed
    assert not is_error, text
    [job] = data["jobs"]  # the job the URL names, though it passed
    assert job["id"] == "11" and job["name"] == "job 11" and text.startswith("the job the URL names")
    assert not page[0] and any("All checks passed!" in line["text"] for line in page[1]["lines"]), page[2]
    is_error, data, text = failed
    assert not is_error, text
    assert data["class"] == "code" and "TypeError" in data["excerpt"]
    assert TOKEN not in json.dumps([passed, page, failed]) and server.mutating() == []
