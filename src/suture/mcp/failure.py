"""`ci_failure` and `ci_logs`: why the CI failed, from a saved log in the repository, the CI run
the server runs in, or a GitHub Actions run's URL.

The logs are fetched as `suture logs` fetches them (the provider's `logs` of `ci/registry.py`,
written by `ci/logs.py`, redacted line by line on the way to disk) and read as `suture
diagnose --log` reads them (`diagnose/fromlog.py`). Nothing here runs repository code.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from suture import ci
from suture.ci import logs as joblogs
from suture.ci import registry
from suture.ci.logs import Job, JobLogs
from suture.diagnose import ahead, fromlog
from suture.errors import UsageError
from suture.mcp import runurl
from suture.mcp.arguments import inside, number, text
from suture.mcp.base import Arguments, Result, Session, ToolError
from suture.run import git
from suture.run.source import Source
from suture.untrusted import one_line

LOG = {"type": "string", "description": "A saved CI log, relative to the repository's root.", "maxLength": 4096}
URL = {
    "type": "string",
    "description": "A CI run's URL: a GitHub Actions run or job (https://github.com/OWNER/REPO/actions/runs/ID"
    "[/job/ID]), a GitLab CI pipeline (https://gitlab.com/GROUP/PROJECT/-/pipelines/ID) or a Semaphore pipeline "
    "(https://ORG.semaphoreci.com/workflows/ID?pipeline_id=ID), on the CI server the server's environment names; "
    "default: the CI run the server runs in.",
    "maxLength": 2048,
}
FAILURE_SCHEMA = {"type": "object", "properties": {"log": LOG, "url": URL}, "additionalProperties": False}
PAGE = 200  # raw lines returned at most by one ci_logs call
LOGS_SCHEMA = {
    "type": "object",
    "properties": {
        "url": URL,
        "job": {"type": "string", "description": "A job's id or name: page through its raw log.", "maxLength": 512},
        "offset": {"type": "integer", "minimum": 1, "description": "The first raw line (1-based; default 1)."},
        "limit": {"type": "integer", "minimum": 1, "maximum": PAGE, "description": f"Raw lines (default {PAGE})."},
    },
    "additionalProperties": False,
}


def ci_failure(session: Session, arguments: Arguments) -> Result:
    """The failure in a log, as `suture diagnose --log --json` gives it: class, root-cause groups,
    the excerpt with line numbers, the fingerprint, and the deprecations its warnings announce."""
    log = text(arguments, "log")
    if log:
        path = inside(session.repo, log, argument="log")
        logged = fromlog.read(path, name=log, redactor=session.redactor, paths=_paths(session.repo))
    else:
        downloaded = _downloaded(session, text(arguments, "url"))
        if not downloaded:
            raise ToolError("no-failed-job", "the run has no failed job: there is no failure to explain")
        path = session.scratch / f"{_key(str(downloaded))}.log"
        path.write_bytes(b"".join(job.read_bytes() for _, job in downloaded))
        logged = fromlog.read(path, name="the failed jobs' logs", redactor=session.redactor, paths=_paths(session.repo))
    tail = session.redactor.redact(ahead.Tail(path).text())  # pytest's warnings summary is at the end
    found = ahead.deprecations(tail, owner=ahead.local_owner(session.environ), installed_log=tail)
    data = {**logged.to_json(), "deprecations": [item.to_dict() for item in found], "source": logged.name}
    return Result(data, _rendered(logged, found))


def ci_logs(session: Session, arguments: Arguments) -> Result:
    """The failed jobs of a run as distilled excerpts; with `job`, a page of that job's raw lines."""
    url = text(arguments, "url")
    downloaded = _downloaded(session, url)
    wanted = text(arguments, "job")
    if wanted:
        return _page(downloaded, wanted, number(arguments, "offset", 1), number(arguments, "limit", PAGE))
    jobs = [_excerpt(session, job, path) for job, path in downloaded]
    one = bool(url) and bool(runurl.run_of(url, session.environ).job)
    lines = ["the job the URL names" if one else f"{len(jobs)} failed job(s)"]
    for job in jobs:
        lines += ["", f"== {job['name']} (id {job['id']}): {job['total_lines']} lines, class {job['class']}"]
        lines.append(str(job["numbered"]))
    return Result({"jobs": jobs}, "\n".join(lines))


def _excerpt(session: Session, job: Job, path: Path) -> dict[str, object]:
    try:
        logged = fromlog.read(path, name=job.name, redactor=session.redactor, paths=_paths(session.repo))
    except UsageError as exc:  # an empty log, say: the job is listed, with why there is nothing to show
        return {"id": job.id, "name": job.name, "url": job.url, "class": "unknown", "problem": str(exc),
                "excerpt": "", "lines": [], "numbered": "", "total_lines": 0, "truncated": False}  # fmt: skip
    found = logged.to_json()
    keep = ("class", "fingerprint", "excerpt", "lines", "total_lines", "truncated")
    return {"id": job.id, "name": job.name, "url": job.url, **{k: found[k] for k in keep},
            "numbered": logged.excerpt.numbered()}  # fmt: skip


def _page(downloaded: Iterable[tuple[Job, Path]], wanted: str, offset: int, limit: int) -> Result:
    for job, path in downloaded:
        if wanted in (job.id, job.name):
            lines: list[dict[str, object]] = []
            total = 0
            with path.open(encoding="utf-8", errors="replace") as handle:
                for total, line in enumerate(handle, start=1):
                    if offset <= total < offset + limit:
                        lines.append({"number": total, "text": line.rstrip("\n")})
            after = offset + len(lines)
            data = {"job": {"id": job.id, "name": job.name, "url": job.url}, "offset": offset,
                    "total_lines": total, "lines": lines, "next_offset": after if after <= total else None}  # fmt: skip
            shown = "\n".join(f"{line['number']} | {line['text']}" for line in lines)
            return Result(data, f"{job.name}: lines {offset}-{after - 1} of {total}\n{shown}")
    names = ", ".join(f"{job.name} ({job.id})" for job, _ in downloaded) or "none"
    raise ToolError("invalid-arguments", f"no failed job {wanted!r} in the run (failed: {names})", argument="job")


def _paths(repo: Path) -> tuple[str, ...]:
    return Source(repo, git.head_sha(repo)).paths()


def _downloaded(session: Session, url: str) -> tuple[tuple[Job, Path], ...]:
    """The failed jobs of the run (or the one job a job URL names) and their redacted logs,
    downloaded once per server."""
    key = url or "the current run"
    with session.lock:
        if key in session.logs:
            return session.logs[key]
    source, only = _reader(session, url)
    folder = session.scratch / "logs" / _key(key)
    folder.mkdir(parents=True, exist_ok=True)
    found = []
    # Every provider reads a job's log by its id: the job a URL names is read whatever its outcome.
    for index, job in enumerate([Job(only, f"job {only}", url)] if only else source.failed_jobs()):
        path = folder / f"{index}.log"
        with path.open("wb") as sink:
            joblogs.write(_OneJob(source, job), sink, redact=session.redactor.redact)
        found.append((job, path))
    with session.lock:
        session.logs[key] = tuple(found)
    return tuple(found)


def _reader(session: Session, url: str) -> tuple[JobLogs, str]:
    """The provider's log reader of the run, and the one job a job URL names ('' for all)."""
    env: Mapping[str, str] = session.environ
    only = ""
    if url:
        named = runurl.run_of(url, env)
        env = {k: v for k, v in env.items() if k not in ("GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH")} | named.env
        provider, only = registry.lookup(named.provider), named.job
    else:
        run = ci.detect(env)
        if run is None:
            raise ToolError(
                "no-ci-run",
                "the server does not run in CI: give `log` (a saved log in the repository) or `url` "
                "(a run of GitHub Actions, GitLab CI or Semaphore)",
            )
        provider = registry.lookup(run.provider)
    token = env.get(provider.token_env, "").strip()
    if not token:
        raise ToolError("no-token", f"reading {provider.title} logs needs a token in {provider.token_env}")
    return provider.logs(env, token=token, timeout=joblogs.TIMEOUT), only


@dataclass(frozen=True)
class _OneJob:
    """One failed job of a run, as `ci/logs.py` writes a run's."""

    source: JobLogs
    job: Job

    @property
    def run(self) -> str:
        return self.source.run

    def failed_jobs(self) -> list[Job]:
        return [self.job]

    def chunks(self, job: Job) -> Iterable[bytes]:
        return self.source.chunks(job)


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _rendered(logged: fromlog.Logged, deprecations: Sequence[ahead.Deprecation] = ()) -> str:
    found = logged.diagnosis
    lines = [f"class: {found.classification}   fingerprint: {found.fingerprint}"]
    for failure in found.failures:
        where = failure.location
        headline = f"{failure.error_type}: {failure.message}" if failure.error_type else failure.message
        place = f"{where.path}:{where.line}" if where else failure.check or failure.tool
        lines.append(f"- {headline} at {place} ({len(failure.test_ids)} test(s))")
    excerpt = logged.excerpt
    cut = ", cut" if excerpt.truncated else ""
    lines += ["", f"{logged.name}: {len(excerpt.lines)} of {excerpt.total_lines} lines{cut}", excerpt.numbered()]
    if deprecations:
        lines += ["", f"deprecations ahead of the break ({len(deprecations)} in the log's warnings):"]
        lines += [f"- {one_line(f'{item.category}: {item.message}', 300)}" for item in deprecations[:10]]
    return "\n".join(lines)
