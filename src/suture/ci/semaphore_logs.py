"""Semaphore job logs through its public API (`/api/v1alpha`) over httpx.

In a promoted pipeline (suture's heal pipeline, promoted when the build failed) the
failed jobs are in the workflow's initial pipeline; elsewhere in the current one. A
job's log is a list of events: the commands as they started and their output.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from suture.ci.logs import Job
from suture.errors import ForgeAuthError, ForgeError, ForgeUnavailable, RateLimited, UsageError
from suture.publish.forges.ratelimit import wait_from

TOKEN_HINT = "set a valid API token (default variable SEMAPHORE_API_TOKEN)"


def connect(env: Mapping[str, str], *, token: str, timeout: float) -> SemaphoreLogs:
    organisation = env.get("SEMAPHORE_ORGANIZATION_URL", "").rstrip("/")
    pipeline, workflow = env.get("SEMAPHORE_PIPELINE_ID", ""), env.get("SEMAPHORE_WORKFLOW_ID", "")
    if not organisation or not pipeline:
        needed = "SEMAPHORE_ORGANIZATION_URL, SEMAPHORE_PIPELINE_ID"
        raise UsageError(f"Semaphore did not say which pipeline this is ({needed})")
    client = httpx.Client(
        base_url=f"{organisation}/api/v1alpha",
        headers={"Authorization": f"Token {token}", "User-Agent": "SemaphoreCI v2.0 Client"},
        timeout=timeout,
    )
    promoted = env.get("SEMAPHORE_PIPELINE_PROMOTION") == "true"
    return SemaphoreLogs(client, pipeline, workflow if promoted else "")


class SemaphoreLogs:
    def __init__(self, client: httpx.Client, pipeline: str, workflow: str = "") -> None:
        self._client = client
        self._pipeline = pipeline
        self._workflow = workflow  # set in a promoted pipeline: read the workflow's initial pipeline

    def __repr__(self) -> str:
        return f"SemaphoreLogs({self._pipeline!r})"

    @property
    def run(self) -> str:
        return f"pipeline {self._pipeline}" + (f" (workflow {self._workflow})" if self._workflow else "")

    def _get(self, what: str, path: str, **params: str) -> Any:
        try:
            response = self._client.get(path, params=params)
        except httpx.TransportError as exc:
            raise ForgeUnavailable(f"Semaphore: {what}: {type(exc).__name__}") from None
        if response.is_success:
            return response.json()
        text = f"Semaphore: {what}: {response.status_code} {response.reason_phrase}"
        if response.status_code == 401:
            raise ForgeAuthError(f"{text}: the token was refused; {TOKEN_HINT}")
        if response.status_code == 429:
            raise RateLimited(text, wait_from(response.headers))
        raise (ForgeUnavailable if response.status_code >= 500 else ForgeError)(text)

    def _failed_pipeline(self) -> str:
        if not self._workflow:
            return self._pipeline
        data = self._get(f"read workflow {self._workflow}", f"/plumber-workflows/{self._workflow}")
        return str(data["workflow"]["initial_ppl_id"])

    def failed_jobs(self) -> list[Job]:
        pipeline = self._failed_pipeline()
        data = self._get(f"read pipeline {pipeline}", f"/pipelines/{pipeline}", detailed="true")
        found = []
        for block in data.get("blocks") or []:
            for job in block.get("jobs") or []:
                if str(job.get("result", "")).upper() == "FAILED":
                    found.append(Job(str(job["job_id"]), f"{block.get('name', '')} / {job.get('name', '')}", ""))
        return found

    def chunks(self, job: Job) -> Iterator[bytes]:
        data = self._get(f"read the log of job {job.name}", f"/logs/{job.id}")
        for event in data.get("events") or []:
            kind = event.get("event")
            if kind == "cmd_started":
                yield f"$ {event.get('directive', '')}\n".encode(errors="replace")
            elif kind == "cmd_output":
                yield str(event.get("output", "")).encode(errors="replace")
            elif kind == "cmd_finished" and event.get("exit_code"):
                yield f"(exit code {event['exit_code']})\n".encode()
