"""`run_checks`: the project's checks on HEAD (or a ref) in the sandbox, as `suture diagnose` runs
them (`loop.heal.prepare`, `capture/run.py`, `diagnose/build.py`).

The base's runs are kept in the session by commit and commands: `verify_patch` on the same
commit compares its candidate against them instead of running the base again.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from suture.capture.run import capture
from suture.diagnose import baseline
from suture.diagnose.build import diagnose
from suture.loop.heal import prepare
from suture.mcp.arguments import text
from suture.mcp.base import Arguments, Result, Session, ToolError, say
from suture.publish.compose import describe
from suture.records import Build, CheckRun, Diagnosis, to_dict
from suture.run import git
from suture.run.sandbox import Sandbox

REF = {"type": "string", "description": "The commit to check (a branch, tag or sha; default HEAD).", "maxLength": 256}
SCHEMA = {"type": "object", "properties": {"ref": REF}, "additionalProperties": False}


@dataclass(frozen=True)
class Base:
    """The base's check runs in the sandbox, and what they show."""

    build: Build
    diagnosis: Diagnosis | None  # None when every check passes
    sandbox: Sandbox
    cached: bool  # the runs were made by an earlier call


def commit(session: Session, ref: str) -> str:
    """The sha `ref` names (HEAD when empty); a structured error when it names no commit."""
    if not ref:
        return git.head_sha(session.repo)
    found = None if ref.startswith("-") else git.ref_sha(session.repo, ref)
    if found is None:
        raise ToolError("invalid-arguments", f"ref {ref!r} is not a commit of the repository", argument="ref")
    return found


def base(session: Session, sha: str) -> Base:
    """The checks' runs on `sha`, made once per commit and commands, with the trusted rules and the
    parent's findings (as a heal has them before it verifies a candidate)."""
    settings = session.settings()
    _, commands, box = prepare(session.repo, sha, settings, say, _quiet)
    key = (sha, commands)
    with session.lock:
        found = session.builds.get(key)
    cached = found is not None
    if found is not None:
        say(f"the checks on {sha[:12]} ran earlier in this session: their runs are reused")
    else:
        say(f"running the checks on {sha[:12]} in {box.name}")
        found = capture(session.repo, sha, commands, sandbox=box, timeout=settings.timeout, progress=say)
        if found.failed_checks:
            found = dataclasses.replace(
                found, baseline=baseline.on_parent(found, sandbox=box, timeout=settings.timeout, progress=say)
            )
        with session.lock:
            session.builds[key] = found
    build = dataclasses.replace(found, rules=settings.policy)
    diagnosis = diagnose(build, redactor=session.redactor) if build.failed_checks else None
    return Base(build, diagnosis, box, cached)


def _quiet(message: str) -> None:
    """Warnings go nowhere: stdout is the protocol's, and a client sees the result."""


def run_checks(session: Session, arguments: Arguments) -> Result:
    sha = commit(session, text(arguments, "ref"))
    ran = base(session, sha)
    build, diagnosis = ran.build, ran.diagnosis
    data: dict[str, Any] = {
        "sha": sha,
        "sandbox": ran.sandbox.name,
        "passed": not build.failed_checks,
        "checks": [check_json(check) for check in build.checks],
        "diagnosis": {**to_dict(diagnosis), "class": diagnosis.classification} if diagnosis else None,
        "cached": ran.cached,
    }
    session.record("run_checks", {"sha": sha, "passed": data["passed"], "fingerprint": _fingerprint(diagnosis)})
    lines = [f"{sha[:12]} in {ran.sandbox.name}: " + ("every check passes" if data["passed"] else "failing")]
    lines += [f"- {check.command}: {describe(check)}" for check in build.checks]
    if diagnosis:
        lines.append(f"class {diagnosis.classification}, fingerprint {diagnosis.fingerprint}")
        lines += [f"- {f.error_type or f.kind}: {f.message} ({', '.join(f.test_ids[:3])})" for f in diagnosis.failures]
    return Result(data, "\n".join(lines))


def check_json(check: CheckRun) -> dict[str, Any]:
    verdict = "timed out" if check.timed_out else "pass" if check.passed else "fail"
    failing = [test.test_id for test in check.tests if test.outcome in ("failed", "error")]
    return {
        "command": check.command,
        "verdict": verdict,
        "exit_code": check.exit_code,
        "seconds": round(check.seconds, 3),
        "summary": describe(check),
        "failing_tests": failing,
        "collection_errors": list(check.collection_errors),
    }


def _fingerprint(diagnosis: Diagnosis | None) -> str | None:
    return diagnosis.fingerprint if diagnosis else None
