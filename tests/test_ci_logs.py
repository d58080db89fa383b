"""`suture logs`: the failed jobs' logs of the CI run, downloaded through each CI's API from loopback
servers (GitHub Actions through PyGithub and requests, GitLab through python-gitlab, Semaphore through httpx)."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from forge_servers import CiJob, ForgeServer, SemaphoreServer, serve
from helpers import make_repo

from suture.ci.logs import Job, write

TOKEN = "ghp_" + "LogsTOKENfor0TESTS1only2345678901"
SLUG = "acme/calc"
CI_VARIABLES = ("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE", "RUNNER_")
FAILED_TEST = b'FAILED tests/test_calc.py::test_add - TypeError: can only concatenate str (not "int") to str\n'
LINT_OK = b"All checks passed!\n"
TIMED_OUT = b"mypy: error: src/calc.py:3: Incompatible return value type\n"
FORGE_KEY = "glpat-" + "Qw3rTy8uIoP4aSdF6gHjK"
LEAKY = f"+ curl -H 'Authorization: token {TOKEN}' -H 'PRIVATE-TOKEN: {FORGE_KEY}'\n".encode()


def suture(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(CI_VARIABLES) and k not in ("CI", "GITLAB_CI")}
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, **env},
    )


@pytest.fixture
def github(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("github", tmp_path / "forge", TOKEN)


@pytest.fixture
def gitlab_server(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("gitlab", tmp_path / "forge", TOKEN)


@pytest.fixture
def semaphore(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("semaphore", tmp_path / "forge", TOKEN)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo", {"calc.py": "x = 1\n"})


def failed_run() -> list[CiJob]:
    return [
        CiJob(11, "lint", "success", LINT_OK),
        CiJob(12, "test", "failure", b"collected 3 items\n" + LEAKY + FAILED_TEST),
        CiJob(13, "types", "timed_out", TIMED_OUT, zipped=True),  # served as a zip archive
    ]


def actions_env(tmp_path: Path, server: ForgeServer, event: str, payload: dict[str, object]) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": event,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": SLUG,
        "GITHUB_REF": "refs/heads/main",
        "GITHUB_REF_NAME": "main",
        "GITHUB_RUN_ID": "900",  # suture's own run: in workflow_run mode the failed run is another
        "GITHUB_SERVER_URL": server.url,
        "GITHUB_API_URL": f"{server.url}/api/v3",
        "GITHUB_TOKEN": TOKEN,
    }


def workflow_run(run_id: int, owner: str = "acme") -> dict[str, object]:
    run = {"id": run_id, "head_branch": "feature", "head_sha": "a" * 40, "conclusion": "failure"}
    return {"workflow_run": {**run, "head_repository": {"full_name": f"{owner}/calc"}}}


def only_reads(server: ForgeServer) -> None:
    assert server.calls and server.mutating() == []


def test_github_workflow_run_mode_downloads_the_failed_jobs_logs(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    hosted = github.add_repo(SLUG, repo)
    hosted.runs[77] = failed_run()
    out = tmp_path / "failure.log"

    done = suture(repo, "logs", "--out", str(out), env=actions_env(tmp_path, github, "workflow_run", workflow_run(77)))

    assert done.returncode == 0, done.stderr
    text = out.read_bytes()
    assert FAILED_TEST in text and TIMED_OUT in text  # the timed-out job's log came as a zip and was unpacked
    assert LINT_OK not in text  # a job that passed is not the failure
    assert b"failed job 'test'" in text and b"failed job 'types'" in text
    assert "2 failed job(s) of run 77" in done.stderr
    # The logs endpoint redirected to a signed URL: fetched without the token, and never shown.
    assert len(github.blob_requests) == 2 and not any("Authorization" in h for h in github.blob_requests)
    assert "s1gnature" not in done.stdout + done.stderr + text.decode()
    # Secrets in the logs are redacted before the file is written (it may become an artifact).
    assert TOKEN.encode() not in text and FORGE_KEY.encode() not in text and b"Authorization: token" in text
    assert TOKEN not in done.stdout + done.stderr and github.leaks == []
    only_reads(github)
    assert not out.with_name("failure.log.part").exists()


def test_github_same_run_mode_reads_this_run_and_writes_to_stdout(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    hosted = github.add_repo(SLUG, repo)
    hosted.runs[900] = failed_run()
    done = suture(repo, "logs", env=actions_env(tmp_path, github, "push", {}))
    assert done.returncode == 0, done.stderr
    assert FAILED_TEST.decode() in done.stdout and LINT_OK.decode() not in done.stdout
    assert TOKEN not in done.stdout and FORGE_KEY not in done.stdout


def test_a_fork_run_is_read_but_nothing_is_changed(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    hosted = github.add_repo(SLUG, repo)
    hosted.runs[78] = failed_run()
    out = tmp_path / "failure.log"
    env = actions_env(tmp_path, github, "workflow_run", workflow_run(78, owner="mallory"))
    done = suture(repo, "logs", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    assert FAILED_TEST in out.read_bytes()
    only_reads(github)


def test_no_failed_job_writes_an_empty_log(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    hosted = github.add_repo(SLUG, repo)
    hosted.runs[79] = [CiJob(21, "lint", "success", LINT_OK)]
    out = tmp_path / "failure.log"
    done = suture(repo, "logs", "--out", str(out), env=actions_env(tmp_path, github, "workflow_run", workflow_run(79)))
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == b"" and "no failed job in run 79" in done.stderr


def test_expired_logs_fail_with_the_call_named(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    github.add_repo(SLUG, repo)  # the run is unknown to the API: a 404
    out = tmp_path / "failure.log"
    done = suture(repo, "logs", "--out", str(out), env=actions_env(tmp_path, github, "workflow_run", workflow_run(5)))
    assert done.returncode == 3, done.stderr
    assert "GitHub: read workflow run 5: 404" in done.stderr or "GitHub: list the jobs of run 5: 404" in done.stderr
    assert "unexpected error" not in done.stderr and not out.exists()


def test_gitlab_job_traces_of_the_failed_pipeline(gitlab_server: ForgeServer, repo: Path, tmp_path: Path) -> None:
    hosted = gitlab_server.add_repo(SLUG, repo)
    hosted.runs[5] = failed_run()
    out = tmp_path / "failure.log"
    env = {
        "GITLAB_CI": "true",
        "CI_SERVER_URL": gitlab_server.url,
        "CI_PROJECT_ID": str(hosted.id),
        "CI_PROJECT_PATH": SLUG,
        "CI_PIPELINE_ID": "5",
        "CI_COMMIT_BRANCH": "main",
        "GITLAB_TOKEN": TOKEN,
    }
    done = suture(repo, "logs", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    text = out.read_bytes()
    assert FAILED_TEST in text and LINT_OK not in text
    assert f"{gitlab_server.url}/{SLUG}/-/jobs/12".encode() in text  # the job's page, in its header
    assert ("GET", f"/api/v4/projects/{hosted.id}/jobs/12/trace") in gitlab_server.calls
    only_reads(gitlab_server)
    assert TOKEN not in done.stdout + done.stderr


def semaphore_env(server: ForgeServer, **extra: str) -> dict[str, str]:
    return {
        "SEMAPHORE": "true",
        "SEMAPHORE_ORGANIZATION_URL": server.url,
        "SEMAPHORE_GIT_BRANCH": "main",
        "SEMAPHORE_GIT_REF_TYPE": "branch",
        "SEMAPHORE_API_TOKEN": TOKEN,
        **extra,
    }


def test_semaphore_promoted_pipeline_reads_the_failed_initial_pipeline(
    semaphore: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    assert isinstance(semaphore, SemaphoreServer)
    semaphore.workflows["wf-1"] = "ppl-failed"
    semaphore.pipelines["ppl-failed"] = [("Test", job) for job in failed_run()]
    semaphore.pipelines["ppl-heal"] = [("suture heal", CiJob(31, "suture heal", "success"))]
    out = tmp_path / "failure.log"
    env = semaphore_env(
        semaphore, SEMAPHORE_WORKFLOW_ID="wf-1", SEMAPHORE_PIPELINE_ID="ppl-heal", SEMAPHORE_PIPELINE_PROMOTION="true"
    )
    done = suture(repo, "logs", "--out", str(out), env=env)
    assert done.returncode == 0, done.stderr
    text = out.read_bytes()
    assert FAILED_TEST in text and TIMED_OUT in text and LINT_OK not in text
    assert b"$ python -m pytest -q" in text and b"failed job 'Test / test'" in text
    assert ("GET", "/api/v1alpha/plumber-workflows/wf-1") in semaphore.calls
    only_reads(semaphore)


def test_semaphore_in_the_failed_pipeline_itself(semaphore: ForgeServer, repo: Path, tmp_path: Path) -> None:
    assert isinstance(semaphore, SemaphoreServer)
    semaphore.pipelines["ppl-1"] = [("Test", job) for job in failed_run()]
    done = suture(repo, "logs", env=semaphore_env(semaphore, SEMAPHORE_PIPELINE_ID="ppl-1"))
    assert done.returncode == 0, done.stderr
    assert FAILED_TEST.decode() in done.stdout
    assert not any("plumber-workflows" in path for _, path in semaphore.calls)


def test_a_refused_token_is_a_usage_error(semaphore: ForgeServer, repo: Path) -> None:
    wrong = "wrong-" + "semaphore-token-0123456789"
    env = {**semaphore_env(semaphore, SEMAPHORE_PIPELINE_ID="ppl-1"), "SEMAPHORE_API_TOKEN": wrong}
    done = suture(repo, "logs", env=env)
    assert done.returncode == 2 and "SEMAPHORE_API_TOKEN" in done.stderr
    assert wrong not in done.stdout + done.stderr


def test_a_missing_token_names_the_variable(repo: Path, tmp_path: Path) -> None:
    env = {"GITLAB_CI": "true", "CI_PROJECT_ID": "1", "CI_PIPELINE_ID": "5", "CI_COMMIT_BRANCH": "main"}
    done = suture(repo, "logs", env=env)
    assert done.returncode == 2 and "GITLAB_TOKEN" in done.stderr and "--token-env" in done.stderr


def test_outside_ci_is_a_usage_error(repo: Path) -> None:
    done = suture(repo, "logs", env={})
    assert done.returncode == 2 and "GitHub Actions, GitLab CI or Semaphore" in done.stderr


@pytest.mark.parametrize(
    "variables",
    [
        {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/suture/x"},
        {"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "suture/x", "CI_PROJECT_ID": "1", "CI_PIPELINE_ID": "5"},
        {"SEMAPHORE": "true", "SEMAPHORE_GIT_BRANCH": "suture/x", "SEMAPHORE_GIT_REF_TYPE": "branch"},
    ],
    ids=["github-actions", "gitlab-ci", "semaphore"],
)
def test_a_run_on_a_suture_branch_makes_no_call_at_all(
    github: ForgeServer, repo: Path, tmp_path: Path, variables: dict[str, str]
) -> None:
    hosted = github.add_repo(SLUG, repo)
    hosted.runs[1] = failed_run()
    urls = {
        "GITHUB_API_URL": f"{github.url}/api/v3",
        "CI_SERVER_URL": github.url,
        "SEMAPHORE_ORGANIZATION_URL": github.url,
        "SEMAPHORE_PIPELINE_ID": "1",
        "GITHUB_RUN_ID": "1",
        "GITHUB_REPOSITORY": SLUG,
    }
    env = {**variables, **urls, "GITHUB_REF_NAME": "suture/x", "GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN}
    out = tmp_path / "failure.log"
    done = suture(repo, "logs", "--out", str(out), env={**env, "SEMAPHORE_API_TOKEN": TOKEN})
    assert done.returncode == 0, done.stderr
    assert "nothing-to-do" in done.stderr and out.read_bytes() == b""
    assert github.calls == []


def test_github_rate_limits_are_waited_out_until_the_reset(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    from forge_servers import Fault

    hosted = github.add_repo(SLUG, repo)
    hosted.runs[77] = failed_run()
    reset = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()) + 2)}
    github.faults += [
        Fault("GET", r"/actions/runs/77/jobs$", status=403, headers=reset),
        Fault("GET", r"/actions/jobs/12/logs$", status=429, headers={"Retry-After": "1"}),
    ]
    out = tmp_path / "failure.log"
    start = time.monotonic()
    done = suture(repo, "logs", "--out", str(out), env=actions_env(tmp_path, github, "workflow_run", workflow_run(77)))
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - start >= 1.0
    assert FAILED_TEST in out.read_bytes() and out.read_bytes().count(b"failed job 'test'") == 1  # no duplicate
    assert [p for _, p in github.calls].count(f"/api/v3/repos/{SLUG}/actions/jobs/12/logs") == 2


def test_the_generated_github_flow_end_to_end_logs_then_heal_from_them_then_publish(
    github: ForgeServer, tmp_path: Path
) -> None:
    """The three jobs `suture init github` writes, as separate processes: logs (token), heal (no token), publish."""
    from projects import CLASSIC, PYTEST

    work = make_repo(tmp_path / "work", CLASSIC)
    hosted = github.add_repo(SLUG, work)
    runner = tmp_path / "runner"  # the failed workflow's checkout, where pytest really ran
    subprocess.run(["git", "clone", "-q", str(work), str(runner)], check=True)
    tested = subprocess.run([*PYTEST.split(), "-p", "no:cacheprovider"], cwd=runner, capture_output=True, timeout=120)
    assert tested.returncode == 1
    hosted.runs[77] = [CiJob(1, "lint", "success", LINT_OK), CiJob(2, "test", "failure", tested.stdout + tested.stderr)]
    env = actions_env(tmp_path, github, "workflow_run", workflow_run(77))
    log, proposal = tmp_path / "suture-failure.log", tmp_path / "suture-proposal.json"

    logs = suture(tmp_path, "logs", "--out", str(log), env=env)
    assert logs.returncode == 0, logs.stderr
    without_token = {k: v for k, v in env.items() if k != "GITHUB_TOKEN"}
    healed = suture(work, "heal", "--log", str(log), "--test-cmd", PYTEST, "--out", str(proposal), env=without_token)
    assert healed.returncode == 0, healed.stderr
    assert "reproducing 1 failing test(s)" in healed.stderr  # the heal started from the downloaded log
    flags = ("--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG)
    published = suture(work, "publish", str(proposal), *flags, env=env)
    assert published.returncode == 0, published.stderr

    (pull,) = hosted.pulls
    assert pull.head.startswith("suture/") and "TypeError" in pull.body
    assert f"Failing run: {github.url}/{SLUG}/actions/runs/900" in pull.body
    assert [m for m, _ in github.mutating()] == ["POST", "POST"]  # the pull request, its label: nothing else


class Chunked:
    """A log source that cuts its log into small pieces, as a network read does."""

    run = "run 1"

    def __init__(self, log: bytes, size: int) -> None:
        self.log, self.size = log, size

    def failed_jobs(self) -> list[Job]:
        return [Job("1", "test", "")]

    def chunks(self, job: Job) -> Iterator[bytes]:
        for start in range(0, len(self.log), self.size):
            yield self.log[start : start + self.size]


def test_a_secret_cut_across_chunks_is_redacted_and_a_line_with_no_end_stays_bounded() -> None:
    from suture.redact import Redactor

    endless = b"".join(b"%d=value " % n for n in range(3000))  # ~25 KB with no newline
    log = b"before\n" + LEAKY + "caf\u00e9 \u2013 ok\n".encode() + endless
    sink = io.BytesIO()
    jobs = write(Chunked(log, 7), sink, redact=Redactor({"GITHUB_TOKEN": TOKEN}).redact)  # 7 bytes: cuts everything
    text = sink.getvalue()
    assert jobs == [Job("1", "test", "")]
    assert TOKEN.encode() not in text and FORGE_KEY.encode() not in text
    assert "caf\u00e9 \u2013 ok\n".encode() in text  # multi-byte characters cut across chunks survive
    assert text.endswith(endless + b"\n")  # written, in pieces, whole
