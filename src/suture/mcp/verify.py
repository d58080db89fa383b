"""`verify_patch`: a client's unified diff (or search/replace edits, turned into one against the
commit by `llm/edits.py`, the parser of the model's replies) verified exactly as suture verifies its own candidates
(`verify/trial.py`, `verify/policy.py`): policy, `git apply` in a disposable worktree, the test
files put back as on the base, every check in the sandbox; accepted when every check passes,
the tests that failed now pass and no test went missing. An accepted patch gets an id
(`store.py`) that `propose` takes.

Before any check runs the diff's paths are held inside the repository and the diff is
tried against the base in a private index: a hunk that does not apply is named.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import PurePosixPath
from typing import Any

from suture.diagnose.triage import triage
from suture.llm.edits import edit as edited
from suture.loop.heal import redacted
from suture.mcp import store
from suture.mcp.arguments import text
from suture.mcp.base import Arguments, Result, Session, ToolError, say
from suture.mcp.checks import REF, base, commit
from suture.publish import compose
from suture.records import Candidate, Verdict
from suture.run import git
from suture.run.source import Source
from suture.verify.policy import touched
from suture.verify.trial import verify

MAX_PATCH = 1_000_000
SCHEMA = {
    "type": "object",
    "properties": {
        "patch": {
            "type": "string",
            "description": "A unified diff against the commit (as `git diff` writes it: a/ and b/ paths).",
            "maxLength": MAX_PATCH,
        },
        "edits": {
            "type": "string",
            "description": "Instead of `patch`: search/replace edits, each a line naming the file, then "
            "<<<<<<< SEARCH, the exact lines to replace, =======, their replacement, >>>>>>> REPLACE "
            '(or JSON: [{"path", "search", "replace"}]).',
            "maxLength": MAX_PATCH,
        },
        "ref": REF,
    },
    "additionalProperties": False,
}
ORIGIN = "mcp"


def verify_patch(session: Session, arguments: Arguments) -> Result:
    sha = commit(session, text(arguments, "ref"))
    patch = _patch(session, sha, text(arguments, "patch"), text(arguments, "edits"))
    check_paths(patch)
    check_applies(session, sha, patch)
    start = time.monotonic()
    ran = base(session, sha)
    build, diagnosis = ran.build, ran.diagnosis
    fingerprint = diagnosis.fingerprint if diagnosis else ""
    candidate = Candidate(ORIGIN, patch, "A patch verified through `suture mcp`.", fingerprint)
    settings = session.settings()
    if diagnosis is None:  # nothing fails: verify() says so, as it does for suture's own candidates
        diagnosis = triage([])
    say(f"verifying the patch ({candidate.size} changed lines) in a fresh worktree")
    verdict = verify(build, diagnosis, candidate, sandbox=ran.sandbox, timeout=settings.timeout, progress=say)
    ident = None
    if verdict.passed:
        proposal = redacted(compose.propose(build, diagnosis, verdict), session.redactor)
        ident = store.save(session.store(), proposal)
    data = verdict_json(verdict, ident=ident, fingerprint=fingerprint)
    data["seconds"] = {"verification": verdict.seconds, "total": round(time.monotonic() - start, 3)}
    data["base_cached"] = ran.cached
    session.record("verify_patch", {"sha": sha, "accepted": verdict.passed, "reason": verdict.reason, "id": ident})
    return Result(data, rendered(verdict, ident))


def _patch(session: Session, sha: str, patch: str, edits: str) -> str:
    """The diff to verify: `patch`, or the diff `edits` make to the commit's files."""
    if bool(patch) == bool(edits):
        given = "not both" if patch else "is required"
        raise ToolError(
            "invalid-arguments",
            f"the argument 'patch' (a unified diff) or 'edits' (search/replace blocks) {given}",
            argument="patch",
        )
    if patch:
        return patch
    source = Source(session.repo, sha)
    made = edited(edits, source.read, paths=source.paths(), redactor=session.redactor)
    if made.problem:
        raise ToolError(
            "edits-do-not-apply", f"the edits cannot be applied to {sha[:12]}: {made.problem}", argument="edits"
        )
    say(f"the edits make a diff of {len(made.diff.splitlines())} lines")
    return made.diff


def verdict_json(verdict: Verdict, *, ident: str | None, fingerprint: str) -> dict[str, Any]:
    after = {check.command: check for check in verdict.after}
    return {
        "accepted": verdict.passed,
        "reason": verdict.reason,
        "findings": list(verdict.findings),
        "checks": [
            {
                "check": check.command,
                "before": compose.describe(check),
                "after": compose.describe(after.get(check.command)),
            }
            for check in verdict.before
        ],
        "tests_before": verdict.tests_before,
        "tests_after": verdict.tests_after,
        "id": ident,
        "fingerprint": fingerprint,
        "branch": f"{git.BRANCH_PREFIX}{fingerprint}" if ident else None,
    }


def rendered(verdict: Verdict, ident: str | None) -> str:
    head = f"accepted (id {ident}): {verdict.reason}" if verdict.passed else f"rejected: {verdict.reason}"
    return "\n".join([head, compose.table(verdict.before, verdict.after)])


def check_paths(patch: str) -> None:
    """A ToolError unless the diff names files, each inside the repository and outside `.git`."""
    paths = touched(patch) + _headers(patch)
    if not paths:
        raise ToolError(
            "invalid-arguments",
            "patch is not a unified diff: no file headers (diff --git a/PATH b/PATH, --- a/PATH, +++ b/PATH)",
            argument="patch",
        )
    for path in paths:
        parts = PurePosixPath(path).parts
        if path.startswith("/") or ".." in parts or ".git" in parts or os.path.isabs(path):
            raise ToolError(
                "outside-repository",
                f"the patch names {path!r}, outside the repository or inside .git: paths are relative to its root",
                argument="patch",
                path=path,
            )


_HEADER = re.compile(r"^(?:---|\+\+\+) (?:[ab]/)?(.+?)\t?$", re.MULTILINE)


def _headers(patch: str) -> tuple[str, ...]:
    found = (name for name in _HEADER.findall(patch) if name != "/dev/null")
    return tuple(dict.fromkeys(found))


def check_applies(session: Session, sha: str, patch: str) -> None:
    """A ToolError naming the hunk when `patch` does not apply to `sha` (tried in a private index)."""
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git.git(session.repo, "read-tree", sha, env=env)
        problem = git.apply(session.repo, patch, cached=True, env=env)
    if problem is None:
        return
    detail: dict[str, Any] = {"git": problem}
    failed = re.search(r"patch failed: (.+):(\d+)", problem)
    where = ""
    if failed:
        path, line = failed.group(1), int(failed.group(2))
        number, header = hunk(patch, path, line)
        detail.update(file=path, line=line, hunk=number, hunk_header=header)
        where = f": hunk {number} of {path} ({header}) does not match the file at line {line}" if number else ""
    raise ToolError("patch-does-not-apply", f"the patch does not apply to {sha[:12]}{where}", **detail)


_HUNK = re.compile(r"^@@ -(\d+)(?:,\d+)? \+\d+(?:,\d+)? @@.*$")


def hunk(patch: str, path: str, line: int) -> tuple[int | None, str]:
    """Which hunk (1-based, counted within `path`'s part of the diff) starts at old line `line`."""
    current, number = "", 0
    for text_line in patch.splitlines():
        header = _HEADER.match(text_line)
        if text_line.startswith("--- ") and header:
            current, number = header.group(1), 0
            continue
        found = _HUNK.match(text_line)
        if found and current == path:
            number += 1
            if int(found.group(1)) == line:
                return number, text_line
    return None, ""
