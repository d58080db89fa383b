"""A CI run's URL as an agent gives it (`mcp/runurl.py`): the provider and the variables that name
the run, and the token's host fixed by the server's own environment, never by the URL."""

from __future__ import annotations

import pytest

from suture.mcp.base import ToolError
from suture.mcp.runurl import run_of

ENTERPRISE = {"GITHUB_SERVER_URL": "https://git.corp.example", "GITHUB_API_URL": "https://git.corp.example/api/v3"}


@pytest.mark.parametrize(
    ("url", "environ", "provider", "expected", "job"),
    [
        (
            "https://github.com/acme/calc/actions/runs/77",
            {},
            "github-actions",
            {"GITHUB_REPOSITORY": "acme/calc", "GITHUB_RUN_ID": "77", "GITHUB_API_URL": "https://api.github.com"},
            "",
        ),
        (
            "https://github.com/acme/calc/actions/runs/77/job/12",
            {},
            "github-actions",
            {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77"},
            "12",
        ),
        (
            "https://git.corp.example/acme/calc/actions/runs/5/",
            ENTERPRISE,
            "github-actions",
            {"GITHUB_API_URL": "https://git.corp.example/api/v3", "GITHUB_SERVER_URL": "https://git.corp.example"},
            "",
        ),
        (
            "https://gitlab.com/group/sub/calc/-/pipelines/5",
            {},
            "gitlab-ci",
            {"CI_SERVER_URL": "https://gitlab.com", "CI_PROJECT_PATH": "group/sub/calc", "CI_PIPELINE_ID": "5"},
            "",
        ),
        (
            "https://acme.semaphoreci.com/workflows/wf-1?pipeline_id=ppl-2",
            {"SEMAPHORE_ORGANIZATION_URL": "https://acme.semaphoreci.com/"},
            "semaphore",
            {"SEMAPHORE_PIPELINE_ID": "ppl-2", "SEMAPHORE_WORKFLOW_ID": "wf-1", "SEMAPHORE_PIPELINE_PROMOTION": ""},
            "",
        ),
        (
            "https://gitlab.com/group/calc/-/jobs/12",
            {},
            "gitlab-ci",
            {"CI_PROJECT_PATH": "group/calc", "CI_PIPELINE_ID": "0"},  # a job's log is read by its id alone
            "12",
        ),
        (
            "https://acme.semaphoreci.com/jobs/0a1b-2c3d",
            {"SEMAPHORE_ORGANIZATION_URL": "https://acme.semaphoreci.com"},
            "semaphore",
            {"SEMAPHORE_ORGANIZATION_URL": "https://acme.semaphoreci.com"},
            "0a1b-2c3d",
        ),
    ],
    ids=["github", "github-job", "github-enterprise", "gitlab", "semaphore", "gitlab-job", "semaphore-job"],
)
def test_a_run_s_url_names_its_provider_and_run(
    url: str, environ: dict[str, str], provider: str, expected: dict[str, str], job: str
) -> None:
    run = run_of(url, environ)
    assert run.provider == provider and run.job == job
    assert {key: run.env[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("url", "environ", "said"),
    [
        # Another host than the one the server's environment names: refused, whatever the path.
        ("https://evil.example/acme/calc/actions/runs/77", {}, "runs on https://github.com only"),
        ("https://evil.example/acme/calc/actions/runs/77", ENTERPRISE, "runs on https://git.corp.example only"),
        ("https://github.com.evil.example/acme/calc/actions/runs/77", {}, "runs on https://github.com only"),
        ("https://user@github.com/acme/calc/actions/runs/77", {}, "runs on https://github.com only"),
        ("http://github.com/acme/calc/actions/runs/77", {}, "runs on https://github.com only"),
        ("https://evil.example/group/calc/-/pipelines/5", {"CI_SERVER_URL": "https://gitlab.corp"}, "gitlab.corp"),
        ("https://evil.example/workflows/wf?pipeline_id=p", {}, "no SEMAPHORE_ORGANIZATION_URL"),
        ("https://evil.example/group/calc/-/jobs/12", {}, "runs on https://gitlab.com only"),
        ("https://evil.example/jobs/abc", {"SEMAPHORE_ORGANIZATION_URL": "https://a.semaphoreci.com"}, "a.semaphoreci"),
        # Not a run's URL at all.
        ("https://github.com/acme/calc/pull/3", {}, "must be a CI run's URL"),
        ("file:///etc/passwd", {}, "must be a CI run's URL"),
        ("github.com/acme/calc/actions/runs/77", {}, "must be a CI run's URL"),
        ("https://acme.semaphoreci.com/workflows/wf-1", {}, "must be a CI run's URL"),
    ],
)
def test_a_url_the_server_does_not_trust_is_refused(url: str, environ: dict[str, str], said: str) -> None:
    with pytest.raises(ToolError) as refused:
        run_of(url, environ)
    assert refused.value.code == "invalid-arguments" and refused.value.detail == {"argument": "url"}
    assert said in str(refused.value)
