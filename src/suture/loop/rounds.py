"""Rounds: fix, re-run, fix the next, when one build fails for more than one reason.

A missing import in one file and a typo in another: no single candidate turns the
build green, but the right one for the first failure makes progress: its failure is
gone, nothing that passed fails, and what still fails is something else. That
candidate's runs then serve as the next round's capture, on a state no ref points
to (the base plus the patch, a commit object made with git plumbing, never the
user's checkout, index or refs): diagnose them, ask the fixers against that state,
verify, and so on within a bound (`rounds` in [tool.suture], default 5).

Every verdict is judged against the base exactly as a single fix would be: its
candidate is the combined diff against the base, its "before" the base's runs and
its "after" the runs of the final state, so a composed proposal carries the combined
diff and a base-versus-final verification table.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from suture import fixers
from suture.capture.run import Progress
from suture.config import DEFAULT_ROUNDS
from suture.diagnose.build import diagnose
from suture.fixers.base import GUESS
from suture.loop import parallel
from suture.records import Build, Candidate, CheckRun, Diagnosis, Failure, Verdict
from suture.redact import Redactor
from suture.run import git
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify.trial import Trial, conclude, confirm, trial

ROUNDS = DEFAULT_ROUNDS  # fixes composed at most, the first included


@dataclass(frozen=True)
class State:
    """The base plus the fixes composed so far, and how its checks last ran."""

    sha: str  # a commit object no ref points to (the base itself before any fix)
    runs: tuple[CheckRun, ...]  # the latest run of each check on this state (or an earlier one)
    diagnosis: Diagnosis  # what still fails
    steps: tuple[Candidate, ...] = ()  # the fixes composed so far, each against the state before it


@dataclass(frozen=True)
class Attempt:
    verdict: Verdict  # the base plus the state plus the candidate, judged against the base
    following: State | None  # the next round's state when the candidate made progress
    cured: bool = False  # the tests of the failure it addressed pass now


@dataclass(frozen=True)
class Conditions:
    """How the checks of a run are run and reported: one bundle, handed on whole."""

    sandbox: Sandbox
    timeout: float
    progress: Progress
    workers: int = parallel.WORKERS
    # The run's redactor: later rounds' diagnoses are redacted as the first was, so a failure's
    # message compares equal across rounds and no secret reaches a fixer or the proposal.
    redactor: Redactor = field(default_factory=Redactor)


def try_in_rounds(
    build: Build,
    diagnosis: Diagnosis,
    source: Source,
    *,
    run: Conditions,
    rounds: int = ROUNDS,
    skip: Collection[str] = (),
    early: Trial | None = None,
) -> tuple[Verdict, ...]:
    """Verdicts of the candidates tried, round after round; the last one passed if any did.

    `skip` holds diffs already judged; `early`, a trial judged already (made while capture
    ran) that may still have made progress: the first round weighs it with its own.
    """
    state = State(build.base_sha, build.checks, diagnosis)
    seeds = [_judged(build, diagnosis, state, early, run)] if early is not None and not early.problem else []
    verdicts: list[Verdict] = []
    for number in range(1, rounds + 1):
        here = source if not state.steps else Source(source.repo, state.sha)
        candidates = _candidates(state, here, run, skip=skip if number == 1 else ())
        if number > 1:
            run.progress(f"round {number}: {len(candidates)} candidate(s) on top of {_origins(state.steps)}")
        attempts = parallel.first_success(
            [functools.partial(_attempt, build, diagnosis, state, c, run) for c in candidates],
            success=lambda attempt: attempt.verdict.passed,
            workers=run.workers,
        )
        verdicts.extend(attempt.verdict for attempt in attempts)
        if attempts and attempts[-1].verdict.passed:
            break
        following = _best([*seeds, *attempts])
        seeds = []
        if following is None:
            break
        run.progress(f"progress: {_origins(following.steps)} fixed part of the build; {_left(following)}")
        state = following
    return tuple(verdicts)


def _best(attempts: Sequence[Attempt]) -> State | None:
    """The state to go on from: a fix whose own tests now pass first, then the one leaving fewest failures."""
    made = [
        (not a.cured, len(a.following.diagnosis.failures), i, a.following)
        for i, a in enumerate(attempts)
        if a.following
    ]
    return min(made)[3] if made else None


def _candidates(state: State, source: Source, run: Conditions, *, skip: Collection[str]) -> list[Candidate]:
    """Every fixer's candidates for every failure of `state`, failure by failure, each diff once."""
    found: list[Candidate] = []
    seen = set(skip)
    for failure in state.diagnosis.failures:
        fresh = [c for c in fixers.propose(failure, source, sandbox=run.sandbox) if c.diff not in seen]
        seen.update(c.diff for c in fresh)
        run.progress(f"{len(fresh)} candidate(s) for {failure.error_type or failure.kind}")
        found.extend(fresh)
    return found


def _attempt(build: Build, diagnosis: Diagnosis, state: State, candidate: Candidate, run: Conditions) -> Attempt:
    """Verify `candidate` on `state`; judge the combination against the base, and see whether it progressed."""
    run.progress(f"verifying {candidate.origin}: {candidate.rationale}")
    addressed = _addressed(state.diagnosis, candidate)
    first = (*addressed.test_ids, *state.diagnosis.failing_tests, *diagnosis.failing_tests)
    ran = trial(
        Path(build.repo),
        state.sha,
        candidate,
        _ordered(build, state, addressed),
        first=tuple(dict.fromkeys(first)),
        sandbox=run.sandbox,
        timeout=run.timeout,
        progress=run.progress,
        rules=build.rules,
        baseline=build.baseline,
    )
    attempt = _judged(build, diagnosis, state, ran, run)
    run.progress(f"{'accepted' if attempt.verdict.passed else 'rejected'}: {attempt.verdict.reason}")
    return attempt


def _judged(build: Build, diagnosis: Diagnosis, state: State, ran: Trial, run: Conditions) -> Attempt:
    """The verdict on `ran` (a candidate's trial on `state`) against the base, and the state it leads to."""
    repo, candidate = Path(build.repo), ran.candidate
    addressed = _addressed(state.diagnosis, candidate)
    following: State | None = None
    combined = candidate
    guess = candidate.rank >= GUESS  # verified alone, never built on
    progressed = not ran.problem and not guess and _progressed(state, addressed, ran.after, run.redactor)
    if not ran.problem and (state.steps or progressed):
        sha = _commit(repo, state.sha, candidate.diff)
        if sha is not None:
            steps = (*state.steps, candidate)
            combined = _combined(repo, build.base_sha, sha, steps)
            if progressed:
                runs = _latest(state.runs, ran.after)
                now = diagnose(Build(build.repo, sha, ran.after), redactor=run.redactor)
                following = State(sha, runs, now, steps)
    verdict = conclude(build, diagnosis, Trial(combined, ran.after, ran.problem, ran.findings, ran.seconds))
    verdict = confirm(build, diagnosis, verdict, sandbox=run.sandbox, timeout=run.timeout, progress=run.progress)
    cured = all(check.outcome_of(t) in ("passed", None) for t in addressed.test_ids for check in ran.after)
    return Attempt(verdict, None if verdict.passed else following, cured)


def _addressed(diagnosis: Diagnosis, candidate: Candidate) -> Failure:
    for failure in diagnosis.failures:
        if failure.fingerprint == candidate.fingerprint:
            return failure
    return diagnosis.failures[0]


def _ordered(build: Build, state: State, addressed: Failure) -> list[str]:
    """The addressed failure's check first, then what still fails, then the base's other checks."""
    failing = [check.command for check in state.runs if not check.passed]
    every = [check.command for check in build.checks]
    return list(dict.fromkeys([addressed.check, *failing, *every]))


def _key(failure: Failure) -> tuple[str, str, str, str]:
    where = failure.location
    return (failure.check, failure.error_type, failure.message, where.path if where else "")


def _progressed(state: State, addressed: Failure, after: Sequence[CheckRun], redactor: Redactor) -> bool:
    """Whether the addressed failure is gone while something else still fails, and nothing passing broke.

    Its tests may still fail for another reason: each test may need more than one fix.
    """
    if not after or any(check.timed_out for check in after) or all(check.passed for check in after):
        return False
    now = diagnose(Build("", "", tuple(after)), redactor=redactor)
    if any(_key(failure) == _key(addressed) for failure in now.failures):
        return False
    before = {check.command: check for check in state.runs}
    return not any(_regressed(before[check.command], check) for check in after if check.command in before)


def _regressed(before: CheckRun, after: CheckRun) -> bool:
    """A check that passed now fails, a test that passed now fails, or a module no longer imports."""
    if before.passed and not after.passed:
        return True
    passed = {test.test_id for test in before.tests if test.outcome == "passed"}
    if any(test.test_id in passed and test.outcome in ("failed", "error") for test in after.tests):
        return True
    return bool(set(after.collection_errors) - set(before.collection_errors))


def _latest(runs: Sequence[CheckRun], after: Sequence[CheckRun]) -> tuple[CheckRun, ...]:
    newer = {check.command: check for check in after}
    return tuple(newer.get(check.command, check) for check in runs)


def _commit(repo: Path, parent: str, patch: str) -> str | None:
    """A commit object of `parent` plus `patch` on no branch; None when the patch does not apply."""
    try:
        return git.commit_patch(repo, parent, patch, "suture: fixes composed so far (on no branch)")
    except git.NotApplied:
        return None


def _combined(repo: Path, base: str, sha: str, steps: Sequence[Candidate]) -> Candidate:
    """One candidate: the diff from the base to `sha`, the fixes that made it."""
    if len(steps) == 1:
        return steps[0]
    diff = git.git(
        repo, "diff", "--no-color", "--no-ext-diff", "--no-renames", "--src-prefix=a/", "--dst-prefix=b/", base, sha
    )
    return Candidate(
        origin=_origins(steps),
        diff=diff,
        rationale="; then ".join(f"{step.origin}: {step.rationale}" for step in steps),
        fingerprint=steps[0].fingerprint,
        rank=max(step.rank for step in steps),
    )


def _origins(steps: Sequence[Candidate]) -> str:
    return "+".join(step.origin for step in steps)


def _left(state: State) -> str:
    failures = state.diagnosis.failures
    return f"{len(failures)} failure(s) left: " + ", ".join(f.error_type or f.kind for f in failures)


__all__: Sequence[str] = ("ROUNDS", "Conditions", "State", "try_in_rounds")
