"""Speculative verification: try the first candidate while capture is still running.

Capture has to run the checks to the end to know every failure, but suture's pytest
plugin writes each exception the moment it happens. As soon as one is known and a
fixer has a candidate for it, the candidate's checks start in their own worktree
beside the capture (the machine's second core). When capture ends, the trial is
judged against the complete diagnosis exactly as any other: speculation changes
when the work starts, never what is accepted. A lint or format check needs no waiting
at all: its tool in fixing mode shows at once whether it fails, and how to fix it; a
flake8 check, which has no fixing mode, runs first in capture (capture.quick_first), and
its output, once it ends, is a failure like the plugin's.

The trial's pytest run does not wait for the candidate to start: it starts with capture,
in a worktree of its own, and is held before it collects (warm.py), so pytest's start-up
is done by the time the candidate is applied and the run released.

A trial that passed every check does not wait for capture to end: capture stops as soon as
every one of its checks has ended or (pytest) collected and failed, and the trial is judged
against what capture saw until then. What it had not yet seen fail passed in the trial's complete run;
the tests it collected are all known, so a candidate that loses tests is still refused.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from suture import fixers
from suture.capture import report
from suture.capture.channel import live_report
from suture.capture.run import EXIT_FILE, Progress, capture, read_output
from suture.diagnose.build import failures_of, from_report
from suture.diagnose.fingerprint import failure_fingerprint
from suture.fixers import lint
from suture.records import Build, CheckRun, Failure
from suture.run import readback, tools
from suture.run.process import Scope, kill_all, resume, scoped
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify.trial import Trial, trial
from suture.verify.warm import Warm

POLL_SECONDS = 0.05
# Causes the fixers are asked about while capture runs. Each ask parses files and competes with
# capture for the CPU; 293 tests failing on one NameError are one cause, asked about once, and
# a suite failing in many ways gets no early trial past the first few: capture decides then.
MAX_ASKED = 8
PATH_MAX = 4096

Early = tuple[Failure, Trial]  # the failure seen while capture ran, and its candidate's trial


def early_failures(scratch: Path, commands: Sequence[str]) -> list[tuple[str, Failure]]:
    """The failures capture has seen so far, with the command that showed each: the exceptions
    suture's pytest plugin reported, and the failures of a check other than pytest that has ended
    (a lint check, run first)."""
    root = (readback.read(scratch / "tree", cap=PATH_MAX) or b"").decode("utf-8", errors="replace")
    found: list[tuple[str, Failure]] = []
    for index, command in enumerate(commands):
        files = scratch / str(index)
        ended = files / EXIT_FILE
        try:
            text = live_report(files)  # a line still being written is not evidence yet
        except readback.Refused:
            continue  # swapped (possible only without a sandbox): capture reads its own descriptor
        if text:
            partial = CheckRun(command, exit_code=1, seconds=0.0, timed_out=False, output="", report=text, root=root)
            found.extend((command, failure) for failure in from_report(partial))
        elif os.path.lexists(ended) and tools.name_of(command) != "pytest":
            exit_code = int((readback.read(ended, cap=32) or b"0").strip() or 0)
            if exit_code != 0:
                output = read_output(files / "output.log")
                done = CheckRun(command, exit_code=exit_code, seconds=0.0, timed_out=False, output=output, root=root)
                found.extend((command, failure) for failure in failures_of(done))
    return found


def lint_checks(commands: Sequence[str]) -> list[tuple[str, Failure]]:
    """The lint and format checks among `commands`, each as the failure it shows when it fails.

    Whether such a check fails depends on the source alone, and its tool in fixing mode
    says so before the check has run: a diff means it fails, and the diff is the candidate.
    """
    found = []
    for command in commands:
        if lint.fix_command(command) is None:
            continue
        tool, message = tools.name_of(command), "exited with code 1"
        mark = failure_fingerprint(tool=tool, error_type="check-failed", message=message, location="", test_ids=())
        found.append((command, Failure(tool, "check-failed", command, "", message, (), (), "", mark)))
    return found


def capture_speculating(
    repo: Path,
    sha: str,
    commands: Sequence[str],
    source: Source,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress,
    scratch: Path,
) -> tuple[Build, Early | None]:
    """Capture, and meanwhile try the first candidate for the first failure seen (a lint check's at once)."""

    def start_trial(pool: ThreadPoolExecutor, command: str, failure: Failure) -> Future[Trial] | None:
        candidates = fixers.propose(failure, source, sandbox=sandbox)
        if not candidates:
            return None
        progress(f"trying {candidates[0].origin} early, while capture runs: {candidates[0].rationale}")
        return pool.submit(
            trial,
            repo,
            sha,
            candidates[0],
            [command, *(c for c in commands if c != command)],  # the failing check first
            first=failure.test_ids,
            sandbox=sandbox,
            timeout=timeout,
            progress=lambda message: progress(f"(early) {message}"),
            warm=warm,
        )

    resume()
    held = Warm.wanted(commands)
    warm = None
    if held is not None:  # pytest's start-up overlaps capture (warm.py)
        files = scratch / "warm"
        files.mkdir()
        warm = Warm(repo, sha, held, sandbox=sandbox, timeout=timeout, files=files, checks=len(commands))
    scope = Scope()  # capture's runs, stopped once the early trial passed every check

    def capturing_in_scope() -> Build:
        with scoped(scope):
            return capture(repo, sha, commands, sandbox=sandbox, timeout=timeout, progress=progress, scratch=scratch)

    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="suture") as pool:
        try:
            capturing = pool.submit(capturing_in_scope)
            if warm is not None:
                pool.submit(warm.live)
            seen: set[tuple[str, str, object]] = set()
            speculation: tuple[Failure, Future[Trial]] | None = None
            for command, failure in lint_checks(commands):
                started = start_trial(pool, command, failure)
                speculation = (failure, started) if started else None
                if speculation:
                    break
            while speculation is None and not capturing.done() and len(seen) < MAX_ASKED:
                for command, failure in early_failures(scratch, commands):
                    cause = (failure.error_type, failure.message, failure.location)
                    if cause not in seen and len(seen) < MAX_ASKED:
                        seen.add(cause)
                        started = start_trial(pool, command, failure)
                        speculation = (failure, started) if started else None
                        if speculation:
                            break
                time.sleep(POLL_SECONDS)
            while speculation is not None and not capturing.done():
                if _passed(speculation[1], commands) and collected_everywhere(scratch, commands):
                    progress("the early candidate passed every check: capture stops here")
                    scope.cancel()
                    break
                time.sleep(POLL_SECONDS)
            build = capturing.result()
            return build, (speculation[0], speculation[1].result()) if speculation else None
        except BaseException:
            kill_all()  # the threads' checks run in sessions of their own: stop them
            raise
        finally:
            if warm is not None:
                warm.done()  # released and finished, or never needed: its worktree goes


def _passed(running: Future[Trial], commands: Sequence[str]) -> bool:
    """Whether the trial ended with every check run and passing (its verdict is still to be judged)."""
    if not running.done() or running.exception() is not None:
        return False
    ran = running.result()
    return not ran.problem and not ran.findings and len(ran.after) == len(commands) and all(c.passed for c in ran.after)


def collected_everywhere(scratch: Path, commands: Sequence[str]) -> bool:
    """Whether each of capture's checks has ended, or is a pytest run that has collected (what it
    would collect is known: verification compares the trial's tests with it) and has failed (it
    is a failed check whatever else it would show; one that has not failed yet may pass)."""
    for index, command in enumerate(commands):
        files = scratch / str(index)
        if os.path.lexists(files / EXIT_FILE):
            continue
        try:
            found = report.events(live_report(files))
        except readback.Refused:
            return False
        collected = any(isinstance(event, report.Collected) for event in found)
        failed = any(isinstance(event, report.Raised) and not event.logged for event in found)
        if tools.name_of(command) != "pytest" or not (collected and failed):
            return False
    return True
