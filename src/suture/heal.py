"""The heal loop: capture -> diagnose -> fix -> verify -> compose -> publish."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suture import checks, compose, config, fixers, git
from suture.capture import Progress, capture
from suture.diagnose import diagnose
from suture.forges import local
from suture.records import Build, Diagnosis, Proposal, Published, Status, Verdict, to_dict
from suture.source import Source
from suture.speculate import Early, capture_speculating
from suture.verify import Trial, conclude, verify

FIXABLE = ("code", "lint/format")


@dataclass(frozen=True)
class Options:
    test_cmds: tuple[str, ...] = ()  # empty: from configuration, else detected
    timeout: float | None = None  # None: from configuration
    dry_run: bool = False


@dataclass(frozen=True)
class Outcome:
    status: Status
    reason: str
    repo: str
    commands: tuple[str, ...] = ()
    build: Build | None = None
    diagnosis: Diagnosis | None = None
    verdicts: tuple[Verdict, ...] = ()
    winner: Verdict | None = None
    proposal: Proposal | None = None
    published: Published | None = None
    duration_s: float = 0.0
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return 1 if self.status == "unfixed" else 0

    def to_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "repo": self.repo,
            "commands": list(self.commands),
            "branch": self.published.branch if self.published else None,
            "commit": self.published.commit if self.published else None,
            "proposal": self.published.location if self.published else None,
            "patch": self.winner.candidate.diff if self.winner else None,
            "fixer": self.winner.candidate.origin if self.winner else None,
            "fingerprint": self.diagnosis.fingerprint if self.diagnosis else None,
            "classification": self.diagnosis.classification if self.diagnosis else None,
            "failures": [to_dict(f) for f in self.diagnosis.failures] if self.diagnosis else [],
            "verification": [_verdict_json(v) for v in self.verdicts],
            "duration_s": self.duration_s,
            "timings": self.timings,
        }


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    data = to_dict(verdict)
    for side in ("before", "after"):
        for check in data[side]:
            # The raw files are evidence for the diagnosis, too bulky for every verdict.
            for bulky in ("junit", "report", "output", "tests"):
                check.pop(bulky, None)
    return data


def heal(path: Path, options: Options, *, progress: Progress = lambda _: None) -> Outcome:
    start = time.monotonic()
    timings: dict[str, float] = {}
    repo = git.toplevel(path)
    sha = git.head_sha(repo)

    def done(status: Status, reason: str, **extra: Any) -> Outcome:
        return Outcome(
            status,
            reason,
            str(repo),
            duration_s=round(time.monotonic() - start, 3),
            timings=timings,
            **extra,
        )

    ours = _ours(repo, sha)
    if ours:
        return done("nothing-to-do", ours)
    source, commands, timeout = _settings(repo, sha, options, progress)
    mark = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="suture-capture-") as scratch:
        build, early = capture_speculating(
            repo, sha, commands, source, timeout=timeout, progress=progress, scratch=Path(scratch)
        )
    timings["capture"] = round(time.monotonic() - mark, 3)
    if not build.failed_checks:
        return done(
            "nothing-to-do",
            "every check passes on HEAD: nothing to heal",
            commands=commands,
            build=build,
        )

    diagnosis = diagnose(build)
    progress(f"diagnosis: {diagnosis.classification}, {len(diagnosis.failures)} root cause(s)")
    if diagnosis.classification not in FIXABLE:
        return done(
            "unfixed",
            f"the failure is classified {diagnosis.classification}: suture does not fix it",
            commands=commands,
            build=build,
            diagnosis=diagnosis,
        )

    mark = time.monotonic()
    verdicts = _try_candidates(build, diagnosis, source, early, timeout=timeout, progress=progress)
    timings["fix_and_verify"] = round(time.monotonic() - mark, 3)
    best = compose.winner(verdicts, tuple(fixers.FIXERS))
    common = {"commands": commands, "build": build, "diagnosis": diagnosis, "verdicts": verdicts}
    if best is None:
        reason = "no candidate passed verification" if verdicts else "no fixer recognised the failure"
        return done("unfixed", reason, **common)
    proposal = compose.propose(build, diagnosis, best)
    if options.dry_run:
        return done("fixed", "verified (dry run: nothing created)", winner=best, proposal=proposal, **common)
    published = local.publish(repo, proposal)
    progress(f"proposed on branch {published.branch}")
    return done("fixed", best.reason, winner=best, proposal=proposal, published=published, **common)


def examine(path: Path, options: Options, *, progress: Progress = lambda _: None) -> Diagnosis | None:
    """Capture and diagnose only; None when every check passes."""
    repo = git.toplevel(path)
    sha = git.head_sha(repo)
    _, commands, timeout = _settings(repo, sha, options, progress)
    build = capture(repo, sha, commands, timeout=timeout, progress=progress)
    return diagnose(build) if build.failed_checks else None


def _settings(repo: Path, sha: str, options: Options, progress: Progress) -> tuple[Source, tuple[str, ...], float]:
    """Clean up after killed runs, then settle the checks and the timeout: flags, config, detection."""
    for stale in git.clean_stale_worktrees(repo):
        progress(f"removed a stale worktree left by a killed run: {stale}")
    source = Source(repo, sha)
    settings = config.load(source)
    commands = options.test_cmds or settings.test_cmds or checks.detect(source, repo)
    progress(f"checking {sha[:12]} in a disposable worktree: {', '.join(commands)}")
    return source, commands, options.timeout or settings.timeout


def _addressing(early: Early, diagnosis: Diagnosis) -> Trial:
    """The early trial, its candidate pointed at the same failure in the complete diagnosis."""
    seen, ran = early
    for failure in diagnosis.failures:
        if (failure.error_type, failure.message, failure.location) == (seen.error_type, seen.message, seen.location):
            return dataclasses.replace(
                ran, candidate=dataclasses.replace(ran.candidate, fingerprint=failure.fingerprint)
            )
    return ran


def _ours(repo: Path, sha: str) -> str:
    """Why this run must do nothing because HEAD is suture's own work, or ''."""
    branch = git.current_branch(repo)
    if branch and branch.startswith(git.BRANCH_PREFIX):
        return f"HEAD is on {branch}, a suture branch: suture does not heal its own fixes"
    if git.healed_by_suture(repo, sha):
        return f"HEAD {sha[:12]} carries the trailer '{git.TRAILER}': suture does not heal its own fixes"
    return ""


def _try_candidates(
    build: Build,
    diagnosis: Diagnosis,
    source: Source,
    early: Early | None,
    *,
    timeout: float,
    progress: Progress,
) -> tuple[Verdict, ...]:
    """Verify candidates, most certain first; stop at the first that passes.

    A trial made while capture ran is judged first, like any other candidate.
    """
    verdicts: list[Verdict] = []
    tried: set[str] = set()
    if early is not None:
        verdict = conclude(build, diagnosis, _addressing(early, diagnosis))
        progress(f"{'accepted' if verdict.passed else 'rejected'} (early trial): {verdict.reason}")
        if verdict.passed:
            return (verdict,)
        verdicts.append(verdict)
        if not any(check.timed_out for check in early[1].after):  # a timeout may be contention: retry
            tried.add(early[1].candidate.diff)
    for failure in diagnosis.failures:
        candidates = [c for c in fixers.propose(failure, source) if c.diff not in tried]
        progress(f"{len(candidates)} candidate(s) for {failure.error_type or failure.kind}")
        for candidate in candidates:
            progress(f"verifying {candidate.origin}: {candidate.rationale}")
            verdict = verify(build, diagnosis, candidate, timeout=timeout, progress=progress)
            progress(f"{'accepted' if verdict.passed else 'rejected'}: {verdict.reason}")
            verdicts.append(verdict)
            if verdict.passed:
                return tuple(verdicts)
    return tuple(verdicts)


__all__: Sequence[str] = ("Options", "Outcome", "examine", "heal")
