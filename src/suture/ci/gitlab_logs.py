"""GitLab CI job traces through python-gitlab.

suture's job runs in the failed pipeline itself (stage `.post`, `when: on_failure`):
the pipeline is CI_PIPELINE_ID of project CI_PROJECT_ID, on the server CI_SERVER_URL.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import gitlab

from suture.ci.logs import Job
from suture.errors import UsageError
from suture.publish.forges.gitlab import PUBLIC, translated

CHUNK = 1 << 16


def connect(env: Mapping[str, str], *, token: str, timeout: float) -> GitLabLogs:
    project = env.get("CI_PROJECT_ID") or env.get("CI_PROJECT_PATH", "")
    pipeline = env.get("CI_PIPELINE_ID", "")
    if not project or not pipeline.isdigit():
        raise UsageError("GitLab CI did not say which pipeline this is (CI_PROJECT_ID, CI_PIPELINE_ID)")
    server = env.get("CI_SERVER_URL") or PUBLIC
    client = gitlab.Gitlab(server, private_token=token, timeout=timeout, retry_transient_errors=False)
    return GitLabLogs(client, project, int(pipeline))


class GitLabLogs:
    def __init__(self, client: gitlab.Gitlab, project: str, pipeline: int) -> None:
        self._client = client
        self._project = client.projects.get(project, lazy=True)
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"GitLabLogs({self._project.get_id()!r}, {self._pipeline})"

    @property
    def run(self) -> str:
        return f"pipeline {self._pipeline}"

    def failed_jobs(self) -> list[Job]:
        with translated(f"list the failed jobs of pipeline {self._pipeline}"):
            pipeline = self._project.pipelines.get(self._pipeline, lazy=True)
            jobs: Any = pipeline.jobs.list(scope="failed", iterator=True)
            return [Job(str(job.id), str(job.name), str(getattr(job, "web_url", "") or "")) for job in jobs]

    def chunks(self, job: Job) -> Iterator[bytes]:
        with translated(f"read the trace of job {job.name}"):
            trace: Any = self._project.jobs.get(int(job.id), lazy=True).trace(iterator=True, chunk_size=CHUNK)
            yield from trace
