"""Lint findings the broken commit did not bring: the failing static checks, run on its parent.

A project that configures ruff is not always ruff-clean (the installed ruff is newer than
the one it pins, its CI lints only src/): `ruff check .` then fails before and after any
commit. A fix for what the commit broke cannot be asked to clear all of that; it must add
no finding of its own. So each failing quick static check (ruff, black, isort, flake8: a
second each) also runs on the parent commit, and a candidate that leaves such a check
failing passes verification only when every finding left was there on the parent too.

Findings are compared without line numbers (the commit moves lines): tool, rule, file and
message. A check whose output no parser reads is not compared: it must pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from suture.capture.run import QUICK_TOOLS, Progress, capture
from suture.diagnose.parsers import parse, tool_of
from suture.records import Build, CheckRun
from suture.run.git import git
from suture.run.sandbox import Sandbox

Finding = tuple[str, str, str, str]  # tool, rule, path, message


def on_parent(build: Build, *, sandbox: Sandbox, timeout: float, progress: Progress) -> tuple[CheckRun, ...]:
    """The build's failing quick static checks, run on the parent of its commit; () for a root commit."""
    commands = [check.command for check in build.failed_checks if tool_of(check.command) in QUICK_TOOLS]
    if not commands:
        return ()
    repo = Path(build.repo)
    parent = git(repo, "rev-list", "--parents", "-n", "1", build.base_sha).split()[1:2]
    if not parent:
        return ()
    progress(f"running {', '.join(commands)} on the parent commit too: what already failed there is not this commit's")
    runs = capture(repo, parent[0], commands, sandbox=sandbox, timeout=timeout).checks
    for run in runs:
        if not run.passed and (count := len(findings(run))):
            progress(f"{run.command}: {count} finding(s) already on the parent commit; a fix may leave those")
    return runs


def findings(check: CheckRun) -> frozenset[Finding]:
    """What a failing static check reports, line numbers left out; empty when its output is not read."""
    found = parse(check.output, root=check.root, check=check.command)
    return frozenset(
        (failure.tool, failure.error_type, failure.location.path if failure.location else "", failure.message)
        for failure in found
        if failure.location is not None or failure.error_type
    )


def tolerated(check: CheckRun, baseline: Sequence[CheckRun]) -> str | None:
    """Why `check`, failing after a candidate, still passes: each of its findings was already on
    the parent commit (the reason, for the verdict), or None when it must pass."""
    if check.timed_out or tool_of(check.command) not in QUICK_TOOLS:
        return None
    before = next((run for run in baseline if run.command == check.command and not run.passed), None)
    now = findings(check)
    if before is None or not now:
        return None
    new = now - findings(before)
    if new:
        return None
    return f"{check.command} fails as on the parent commit ({len(now)} finding(s), none new)"
