"""The forge flags, `suture publish`, `suture propose`, CI detection and `suture init`, through the real CLI
against loopback forges backed by real bare repositories."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from forge_servers import ForgeServer, serve
from helpers import git, make_repo
from projects import CLASSIC, PYTEST

TOKEN = "glpat-" + "Fake0TOKEN1for2CLI3tests4only"
SLUG = "acme/calc"
CI_VARIABLES = ("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE", "RUNNER_")


def suture(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(CI_VARIABLES) and k not in ("CI", "GITLAB_CI")}
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=240,
        env={**clean, **(env or {})},
    )


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, object]:
    assert done.stdout.strip(), done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def no_token(done: subprocess.CompletedProcess[str], server: ForgeServer) -> None:
    assert TOKEN not in done.stdout and TOKEN not in done.stderr
    assert server.leaks == []


@pytest.fixture
def github(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("github", tmp_path / "forge", TOKEN)


def test_heal_opens_a_pull_request_on_github_with_the_slug_from_origin(github: ForgeServer, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    hosted = github.add_repo(SLUG, repo)
    git(repo, "remote", "add", "origin", github.clone_url(hosted))
    args = ("heal", "--json", "--test-cmd", PYTEST, "--forge", "github", "--forge-url", github.url, "--label", "ci")

    done = suture(repo, *args, env={"GITHUB_TOKEN": TOKEN})

    assert done.returncode == 0, done.stderr
    result = last_json(done)
    published = result["published"]
    assert isinstance(published, dict) and published["extra"]["action"] == "created"
    assert len(hosted.pulls) == 1 and hosted.pulls[0].labels == ["ci"]
    pull = hosted.pulls[0]
    assert pull.base == "main" and pull.head == result["branch"]
    assert "| check | before | after |" in pull.body and pull.body.endswith(
        f"Suture-Fingerprint: {result['fingerprint']}"
    )
    assert "git fetch origin suture/" in pull.body
    no_token(done, github)

    again = suture(repo, *args, env={"GITHUB_TOKEN": TOKEN})
    assert again.returncode == 0 and last_json(again)["published"]["extra"]["action"] == "updated"  # type: ignore[index]
    assert len(hosted.pulls) == 1


def test_a_refused_token_is_a_usage_error_that_names_the_variable_not_the_token(
    github: ForgeServer, tmp_path: Path
) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    github.add_repo(SLUG, repo)
    wrong = "ghp_" + "Wrong0token1that2must3never4show5"
    done = suture(
        repo,
        *("heal", "--test-cmd", PYTEST, "--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG),
        env={"MY_TOKEN": wrong, "GITHUB_TOKEN": TOKEN},
    )
    # MY_TOKEN is not named: GITHUB_TOKEN is used and works. Now name the wrong one.
    assert done.returncode == 0, done.stderr
    refused = suture(
        repo,
        *("heal", "--test-cmd", PYTEST, "--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG),
        *("--token-env", "MY_TOKEN"),
        env={"MY_TOKEN": wrong},
    )
    assert refused.returncode == 2, refused.stderr
    assert "token was refused" in refused.stderr
    assert wrong not in refused.stdout + refused.stderr


def test_a_missing_token_says_which_variable_to_set(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "heal", "--forge", "gitea", "--forge-url", "http://127.0.0.1:9", "--repo-slug", SLUG)
    assert done.returncode == 2
    assert "GITEA_TOKEN" in done.stderr


def test_out_then_publish_splits_verification_from_the_token(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    proposal = tmp_path / "proposal.json"
    healed = suture(repo, "heal", "--json", "--test-cmd", PYTEST, "--out", str(proposal))  # no token anywhere
    assert healed.returncode == 0, healed.stderr
    assert json.loads(proposal.read_text())["proposal"]["branch"].startswith("suture/")
    assert git(repo, "branch", "--list", "suture/*") == ""  # the verify job made no branch

    for kind in ("gitlab", "gitea"):
        gen = serve(kind, tmp_path / kind, TOKEN)
        server = next(gen)
        try:
            hosted = server.add_repo(SLUG, repo)
            env = {"GITLAB_TOKEN" if kind == "gitlab" else "GITEA_TOKEN": TOKEN}
            done = suture(
                repo, "publish", str(proposal), "--forge", kind, "--forge-url", server.url, "--repo-slug", SLUG, env=env
            )
            assert done.returncode == 0, done.stderr
            assert "created:" in done.stdout
            assert len(hosted.pulls) == 1
            no_token(done, server)
        finally:
            server.close()


def test_publish_refuses_a_patch_that_touches_tests(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    record = {
        "version": 1,
        "run_url": "",
        "proposal": {
            "branch": "suture/abc",
            "commit_message": "x",
            "title": "x",
            "body": "x",
            "fingerprint": "abc",
            "patch": "--- a/tests/test_calc.py\n+++ b/tests/test_calc.py\n@@ -1 +1 @@\n-a\n+b\n",
            "base_sha": git(repo, "rev-parse", "HEAD").strip(),
        },
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps(record))
    done = suture(repo, "publish", str(path), "--forge", "gitea", "--forge-url", "http://127.0.0.1:9")
    assert done.returncode == 2 and "policy" in done.stderr


def test_push_only_then_propose_from_a_clone_of_the_branch(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    gen = serve("gitea", tmp_path / "forge", TOKEN)
    server = next(gen)
    try:
        hosted = server.add_repo(SLUG, repo)
        flags = ("--forge", "gitea", "--forge-url", server.url, "--repo-slug", SLUG)
        env = {"GITEA_TOKEN": TOKEN}
        pushed = suture(repo, "heal", "--json", "--test-cmd", PYTEST, "--push-only", *flags, env=env)
        assert pushed.returncode == 0, pushed.stderr
        branch = str(last_json(pushed)["branch"])
        assert hosted.pulls == [] and hosted.branch_exists(branch)

        clone = tmp_path / "ci-checkout"
        subprocess.run(["git", "clone", "-q", "--branch", branch, str(hosted.bare), str(clone)], check=True)
        # CI on the branch passed: the propose step runs there, with nothing but the checkout.
        done = suture(clone, "propose", "--json", *flags, env=env)
        assert done.returncode == 0, done.stderr
        assert last_json(done)["extra"]["action"] == "created"  # type: ignore[index]
        assert len(hosted.pulls) == 1 and hosted.pulls[0].title.startswith("Fix TypeError")
        no_token(done, server)

        elsewhere = suture(repo, "propose", *flags, env=env)  # on main: nothing to propose, no call
        assert elsewhere.returncode == 0 and "not a suture branch" in elsewhere.stdout
    finally:
        server.close()


def github_event(tmp_path: Path, name: str, payload: dict[str, object], ref: str) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": name,
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": SLUG,
        "GITHUB_REF": ref,
        "GITHUB_REF_NAME": ref.removeprefix("refs/heads/"),
        "GITHUB_RUN_ID": "42",
        "GITHUB_TOKEN": TOKEN,
    }


def test_a_fork_pull_request_makes_no_forge_call(github: ForgeServer, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    hosted = github.add_repo(SLUG, repo)
    head = {"ref": "patch-1", "sha": "0" * 40, "repo": {"full_name": "mallory/calc"}}
    env = github_event(tmp_path, "pull_request", {"pull_request": {"head": head}}, "refs/pull/7/merge")
    done = suture(repo, "heal", "--json", "--test-cmd", PYTEST, "--forge", "github", "--forge-url", github.url, env=env)
    assert done.returncode == 0, done.stderr
    assert last_json(done)["status"] == "fixed" and "publishes nothing" in done.stderr
    assert github.calls == [] and hosted.pulls == []


@pytest.mark.parametrize("ci", ["gitlab-ci", "semaphore"])
def test_a_fork_merge_or_pull_request_in_gitlab_or_semaphore_publishes_nothing(tmp_path: Path, ci: str) -> None:
    kind = "gitlab" if ci == "gitlab-ci" else "github"  # Semaphore builds a GitHub repository here
    generator = serve(kind, tmp_path / "forge", TOKEN)
    server = next(generator)
    try:
        repo = make_repo(tmp_path / "repo", CLASSIC)
        hosted = server.add_repo(SLUG, repo)
        variables = {
            "gitlab-ci": {
                "GITLAB_CI": "true",
                "CI_PROJECT_ID": "1",
                "CI_PROJECT_PATH": SLUG,
                "CI_MERGE_REQUEST_PROJECT_ID": "1",
                "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99",  # the merge request comes from a fork
                "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME": "patch-1",
                "CI_SERVER_URL": server.url,
            },
            "semaphore": {
                "SEMAPHORE": "true",
                "SEMAPHORE_GIT_PROVIDER": "github",
                "SEMAPHORE_GIT_REPO_SLUG": SLUG,
                "SEMAPHORE_GIT_REF_TYPE": "pull-request",
                "SEMAPHORE_GIT_PR_SLUG": "mallory/calc",
                "SEMAPHORE_GIT_PR_BRANCH": "patch-1",
            },
        }[ci]
        env = {**variables, "GITLAB_TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN}
        flags = ("--forge", kind, "--forge-url", server.url, "--repo-slug", SLUG)
        done = suture(repo, "heal", "--json", "--test-cmd", PYTEST, *flags, env=env)
        assert done.returncode == 0, done.stderr
        assert last_json(done)["status"] == "fixed" and "publishes nothing" in done.stderr
        proposal = tmp_path / "proposal.json"
        assert suture(repo, "heal", "--test-cmd", PYTEST, "--out", str(proposal)).returncode == 0
        for command in (("publish", str(proposal)), ("sweep",), ("propose", "--branch", "suture/x")):
            again = suture(repo, *command, *flags, env=env)
            assert again.returncode == 0 and "nothing" in again.stdout, again.stderr
        assert server.mutating() == [] and server.calls == [] and hosted.pulls == []
        no_token(done, server)
    finally:
        server.close()


@pytest.mark.parametrize(
    "variables",
    [
        {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/suture/x"},
        {"GITLAB_CI": "true", "CI_COMMIT_BRANCH": "suture/x", "CI_PROJECT_PATH": SLUG},
        {"SEMAPHORE": "true", "SEMAPHORE_GIT_BRANCH": "suture/x", "SEMAPHORE_GIT_REF_TYPE": "branch"},
    ],
    ids=["github-actions", "gitlab-ci", "semaphore"],
)
def test_a_run_on_a_suture_branch_does_nothing_at_all(
    github: ForgeServer, tmp_path: Path, variables: dict[str, str]
) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    github.add_repo(SLUG, repo)
    env = {**variables, "GITHUB_REF_NAME": "suture/x", "GITHUB_TOKEN": TOKEN, "GITLAB_TOKEN": TOKEN}
    flags = ("--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG)
    done = suture(repo, "heal", "--json", "--test-cmd", PYTEST, *flags, env=env)
    assert done.returncode == 0, done.stderr
    assert last_json(done)["status"] == "nothing-to-do"
    assert github.calls == []


def test_workflow_run_context_links_the_failing_run(tmp_path: Path) -> None:
    from suture import ci

    run = {
        "head_branch": "feature",
        "head_sha": "a" * 40,
        "html_url": "https://github.com/acme/calc/actions/runs/9",
        "head_repository": {"full_name": SLUG},
    }
    env = github_event(tmp_path, "workflow_run", {"workflow_run": run}, "refs/heads/main")
    found = ci.detect(env)
    assert found is not None and (found.branch, found.fork, found.url) == ("feature", False, run["html_url"])
    forked = github_event(
        tmp_path, "workflow_run", {"workflow_run": {**run, "head_repository": None}}, "refs/heads/main"
    )
    assert ci.detect(forked).fork  # type: ignore[union-attr]


@pytest.mark.parametrize("flow", ["direct", "ci"])
def test_init_github_writes_a_least_privilege_workflow(tmp_path: Path, flow: str) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "init", "github", "--flow", flow)
    assert done.returncode == 0, done.stderr
    path = repo / ".github/workflows/suture.yml"
    workflow = yaml.safe_load(path.read_text())
    assert workflow["permissions"] == {}
    jobs = workflow["jobs"]
    assert jobs["heal"]["permissions"] == {"contents": "read"}
    assert "!startsWith(github.event.workflow_run.head_branch, 'suture/')" in jobs["heal"]["if"]
    assert "head_repository.full_name == github.repository" in jobs["heal"]["if"]
    assert jobs["publish"]["permissions"] == {"contents": "write", "pull-requests": "write"}
    publish = " ".join(step.get("run", "") for step in jobs["publish"]["steps"])
    assert "suture publish" in publish and ("--push-only" in publish) == (flow == "ci")
    assert ("propose" in jobs) == (flow == "ci")
    if flow == "ci":  # propose checks the commit's patch against its parent: both must be fetched
        [checkout] = [step for step in jobs["propose"]["steps"] if "checkout" in step.get("uses", "")]
        assert checkout["with"]["fetch-depth"] == 2
    assert "GITHUB_TOKEN" not in json.dumps(jobs["heal"])  # the verifying job holds no token
    # The failed jobs' logs are read by a job of their own: actions: read, and no repository code.
    logs = jobs["logs"]
    assert logs["permissions"] == {"actions": "read"}
    assert logs["if"] == jobs["heal"]["if"] and jobs["heal"]["needs"] == "logs"
    assert not any("checkout" in step.get("uses", "") for step in logs["steps"])
    assert any(step.get("run") == "suture logs --out suture-failure.log" for step in logs["steps"])
    heal = " ".join(step.get("run", "") for step in jobs["heal"]["steps"])
    assert 'suture heal --log "$RUNNER_TEMP/suture-failure.log" --out suture-proposal.json' in heal
    assert set(jobs) == ({"logs", "heal", "publish", "propose"} if flow == "ci" else {"logs", "heal", "publish"})
    again = suture(repo, "init", "github")
    assert again.returncode == 2 and "--force" in again.stderr
    _validate(path, "vendor.github-workflows")
    if shutil.which("zizmor") is None:
        pytest.skip("zizmor is not installed (pip install 'suture[test]'): the workflow's security is unaudited")
    audit = subprocess.run(["zizmor", "--offline", str(path)], capture_output=True, text=True)
    assert audit.returncode == 0, audit.stdout + audit.stderr


@pytest.mark.parametrize("flow", ["direct", "ci"])
def test_init_gitlab_heals_on_failure_and_proposes_on_suture_branches(tmp_path: Path, flow: str) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    assert suture(repo, "init", "gitlab", "--flow", flow).returncode == 0
    path = repo / ".gitlab/suture.gitlab-ci.yml"
    config = yaml.safe_load(path.read_text())
    # `when: on_failure` sits in the rule: GitLab refuses `when`, `only` or `except` beside `rules` in a job.
    assert config["suture-heal"]["rules"] == [
        {"if": "$CI_COMMIT_BRANCH && $CI_COMMIT_BRANCH !~ /^suture\\//", "when": "on_failure"}
    ]
    for job in config.values():
        assert not {"when", "only", "except"} & set(job), job
    script = config["suture-heal"]["script"]
    # heal verifies without the tokens; publish, after it, holds one.
    heal_line = "env -u GITLAB_TOKEN -u CI_JOB_TOKEN suture heal --log suture-failure.log --out suture-proposal.json"
    assert script.index("suture logs --out suture-failure.log") < next(
        i for i, line in enumerate(script) if line.startswith(heal_line)
    )
    assert any(line.startswith("if [ -f suture-proposal.json ]; then suture publish") for line in script)
    assert any(("--push-only" in line) == (flow == "ci") for line in script if "suture publish" in line)
    if flow == "ci":
        assert config["suture-propose"]["rules"] == [{"if": "$CI_COMMIT_BRANCH =~ /^suture\\//", "when": "on_success"}]
        assert "suture propose --forge gitlab" in config["suture-propose"]["script"]
    else:
        assert "suture-propose" not in config
    _validate(path, "vendor.gitlab-ci")


def test_init_semaphore_writes_the_two_promotions(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    done = suture(repo, "init", "semaphore", "--forge", "gitlab")
    assert done.returncode == 0, done.stderr
    promotions = yaml.safe_load((repo / ".semaphore/suture-promotions.yml").read_text())["promotions"]
    conditions = {p["pipeline_file"]: p["auto_promote"]["when"] for p in promotions}
    assert conditions == {
        "suture-heal.yml": "result = 'failed' AND branch !~ '^suture/'",
        "suture-propose.yml": "result = 'passed' AND branch =~ '^suture/'",
    }
    heal = yaml.safe_load((repo / ".semaphore/suture-heal.yml").read_text())
    commands = heal["blocks"][0]["task"]["jobs"][0]["commands"]
    heal_line = (
        "env -u GITLAB_TOKEN -u SEMAPHORE_API_TOKEN suture heal --log suture-failure.log"
        " --out suture-proposal.json || [ $? -eq 1 ]"
    )
    publish_line = (
        "if [ -f suture-proposal.json ]; then suture publish suture-proposal.json --forge gitlab --push-only; fi"
    )
    logs_line = "suture logs --out suture-failure.log"
    assert commands.index(logs_line) < commands.index(heal_line) < commands.index(publish_line)
    assert "python -m pip install 'suture[gitlab,semaphore]' && python -m pip install -e ." in commands
    assert heal["blocks"][0]["task"]["secrets"] == [{"name": "suture"}]
    text = (repo / ".semaphore/suture-heal.yml").read_text()
    assert "GITLAB_TOKEN" in text and "SEMAPHORE_API_TOKEN" in text  # what the secret must hold
    propose = yaml.safe_load((repo / ".semaphore/suture-propose.yml").read_text())
    assert "suture propose --forge gitlab" in propose["blocks"][0]["task"]["jobs"][0]["commands"]


def _validate(path: Path, schema: str) -> None:
    """The CI's own schema, vendored in check-jsonschema (offline); skipped, saying so, where it is not installed."""
    if shutil.which("check-jsonschema") is None:
        pytest.skip(f"check-jsonschema is not installed (pip install 'suture[test]'): {schema} is unchecked")
    done = subprocess.run(["check-jsonschema", "--builtin-schema", schema, str(path)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_forge_that_fails_a_call_exits_3_with_its_answer_and_no_crash_log(
    github: ForgeServer, tmp_path: Path
) -> None:
    from forge_servers import Fault
    from test_forges import BROKEN, proposal

    from suture.records import to_dict

    repo = make_repo(tmp_path / "repo", {"calc.py": BROKEN})
    github.add_repo(SLUG, repo)
    path = tmp_path / "proposal.json"
    path.write_text(json.dumps({"version": 1, "run_url": "", "proposal": to_dict(proposal(repo))}))
    github.faults.append(Fault("GET", r"/pulls$", status=404, times=5))
    cache = tmp_path / "cache"
    flags = ("--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG)
    done = suture(repo, "publish", str(path), *flags, env={"GITHUB_TOKEN": TOKEN, "XDG_CACHE_HOME": str(cache)})
    assert done.returncode == 3, done.stderr
    assert "suture: error: GitHub: list pull requests from suture/abc123: 404" in done.stderr
    assert "unexpected error" not in done.stderr and not (cache / "suture").exists()
    assert TOKEN not in done.stdout + done.stderr
