"""The heal loop: capture -> diagnose -> fix -> verify -> compose -> publish."""

from __future__ import annotations

import dataclasses
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from suture import config, fixers
from suture.capture.run import Progress, capture
from suture.diagnose import baseline, flaky, fromlog
from suture.diagnose.build import diagnose
from suture.llm import settings as llm_settings
from suture.loop import rounds
from suture.loop import upstream as upstream_loop
from suture.loop.speculate import Early, capture_speculating
from suture.publish import compose
from suture.publish.forges import local
from suture.records import Build, Diagnosis, Proposal, Published, Status, Usage, Verdict, to_dict
from suture.redact import Redactor
from suture.run import checks, git
from suture.run.sandbox import Limits, Sandbox, by_name
from suture.run.source import Source
from suture.untrusted import one_line
from suture.verify import infrastructure, policy
from suture.verify.trial import Trial, conclude, confirm, verify

if TYPE_CHECKING:
    from suture.llm.loop import Assistant

FIXABLE = ("code", "dependency", "lint/format")
MODEL_FIXABLE = (*FIXABLE, "unknown")  # what a language model may try when one is configured
BISECTED = ("code", "unknown", "dependency")  # what `--bisect` may find a release behind


@dataclass(frozen=True)
class Options:
    # The configuration, read once from the trusted commit with the flags over it (`config.resolve`).
    settings: config.Config = field(default_factory=config.Config)
    dry_run: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)  # the CLI's: the model's key, values to redact
    # Where a verified proposal goes: a forge's Publisher, a file for `suture publish`; None: the local forge.
    publisher: Callable[[Path, Proposal], Published] | None = None
    log: fromlog.LogInput | None = None  # heal from this CI log: its failure is reproduced, not captured in full
    bisect: bool = False  # bisect the releases that changed since the last commit (loop/bisect.py)


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
    sandbox: str = ""  # the name of the sandbox the checks ran in
    usage: Usage | None = None  # what the language model took, when one was asked

    @property
    def exit_code(self) -> int:
        return 1 if self.status in ("unfixed", "not-reproduced") else 0

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
            "published": to_dict(self.published) if self.published else None,
            "sandbox": self.sandbox,
            "llm": to_dict(self.usage) if self.usage else None,
        }


def _verdict_json(verdict: Verdict) -> dict[str, Any]:
    data = to_dict(verdict)
    for side in ("before", "after"):
        for check in data[side]:
            # The raw files are evidence for the diagnosis, too bulky for every verdict.
            for bulky in ("junit", "report", "output", "tests"):
                check.pop(bulky, None)
    return data


def _assistant(settings: config.Config, environ: Mapping[str, str]) -> Assistant | None:
    """The model's assistant, connected, or None when the run stays offline: the model's modules
    are imported only when one is configured (a heal without one starts faster)."""
    if llm_settings.resolve(settings.llm, settings.llm_flags, settings.origin) is None:
        return None
    from suture.llm.loop import assistant

    return assistant(settings.llm, settings.origin, settings.llm_flags, environ=environ)


def heal(
    path: Path, options: Options, *, progress: Progress = lambda _: None, warn: Progress = lambda _: None
) -> Outcome:
    """Heal HEAD of the repository at `path`; `warn` gets what must be said even with --quiet."""
    start = time.monotonic()
    timings: dict[str, float] = {}
    repo = git.toplevel(path)
    sha = git.head_sha(repo)
    box: Sandbox | None = None

    def done(status: Status, reason: str, **extra: Any) -> Outcome:
        return Outcome(
            status,
            reason,
            str(repo),
            duration_s=round(time.monotonic() - start, 3),
            timings=timings,
            sandbox=box.name if box else "",
            **extra,
        )

    ours = _ours(repo, sha)
    if ours:
        return done("nothing-to-do", ours)
    settings = options.settings
    source, commands, box = prepare(repo, sha, settings, progress, warn)
    # The model is connected before any check runs.
    model = _assistant(settings, options.environ)
    run = rounds.Conditions(
        sandbox=box, timeout=settings.timeout, progress=progress, redactor=Redactor(options.environ)
    )
    mark = time.monotonic()
    if options.log is not None:  # from a CI log: its failure is reproduced in the sandbox, not captured in full
        found = fromlog.capture(
            repo,
            sha,
            commands,
            options.log,
            source,
            sandbox=run.sandbox,
            timeout=run.timeout,
            progress=progress,
            redactor=run.redactor,
        )
        if found.problem:
            return done(found.status, found.problem, commands=commands, build=found.build, diagnosis=found.diagnosis)
        build, early = found.build, None
    else:
        with tempfile.TemporaryDirectory(prefix="suture-capture-") as scratch:
            build, early = capture_speculating(
                repo, sha, commands, source, sandbox=box, timeout=run.timeout, progress=progress, scratch=Path(scratch)
            )
    timings["capture"] = round(time.monotonic() - mark, 3)
    trusted = settings.trusted_sha
    build = dataclasses.replace(
        build, rules=settings.policy, trusted_sha=trusted, infrastructure=infrastructure.changed(repo, trusted, sha)
    )
    if build.infrastructure:
        warn(_infrastructure_note(build.infrastructure))
    if not build.failed_checks:
        return done(
            "nothing-to-do",
            "every check passes on HEAD: nothing to heal",
            commands=commands,
            build=build,
        )

    mark = time.monotonic()
    parent = baseline.on_parent(build, sandbox=box, timeout=run.timeout, progress=progress)
    build = dataclasses.replace(build, baseline=parent)
    if build.baseline:
        timings["baseline"] = round(time.monotonic() - mark, 3)
    diagnosis = diagnose(build, redactor=run.redactor)
    upstream_context = upstream_loop.context(options.environ, repo)
    diagnosis = upstream_loop.attribute(repo, sha, diagnosis, upstream_context)  # before reruns: not flaky
    mark = time.monotonic()
    rechecked = flaky.recheck(
        build, diagnosis, times=settings.flaky_reruns, sandbox=box, timeout=run.timeout, progress=progress
    )
    diagnosis, timings["flaky_reruns"] = rechecked.diagnosis, round(time.monotonic() - mark, 3)
    if options.bisect and diagnosis.classification in BISECTED:
        mark = time.monotonic()
        diagnosis = upstream_loop.bisected(
            build, diagnosis, upstream_context, sandbox=box, timeout=run.timeout, progress=progress
        )
        timings["bisect"] = round(time.monotonic() - mark, 3)
    progress(f"diagnosis: {diagnosis.classification}, {len(diagnosis.failures)} root cause(s)")
    if diagnosis.classification not in (MODEL_FIXABLE if model else FIXABLE):
        return done(
            "unfixed",
            f"the failure is classified {diagnosis.classification}: suture does not fix it"
            + (f"; {rechecked.evidence}" if diagnosis.classification == "flaky" else ""),
            commands=commands,
            build=build,
            diagnosis=diagnosis,
        )

    mark = time.monotonic()
    if diagnosis.classification == "dependency":  # each candidate verified in the environment it needs
        verdicts = upstream_loop.try_candidates(
            build, diagnosis, source, upstream_context, sandbox=box, timeout=run.timeout, progress=progress
        )
    else:
        verdicts = _try_candidates(build, diagnosis, source, early, run=run, most=settings.rounds)
    usage = None
    if model is not None and not any(v.passed for v in verdicts):
        from suture.llm.workbench import Workbench, sandboxed

        helped = model.fix(
            diagnosis,
            source,
            lambda candidate: verify(build, diagnosis, candidate, sandbox=box, timeout=run.timeout, progress=progress),
            progress=progress,
            workbench=Workbench(source, run.redactor, build, sandboxed(build, box, run.timeout)),
        )
        verdicts, usage = verdicts + helped.verdicts, helped.usage
    timings["fix_and_verify"] = round(time.monotonic() - mark, 3)
    best = compose.winner(verdicts, tuple(fixers.FIXERS))
    common = {"commands": commands, "build": build, "diagnosis": diagnosis, "verdicts": verdicts, "usage": usage}
    if best is None:
        reason = "no candidate passed verification" if verdicts else "no fixer recognised the failure"
        reason += f"; the language model stopped: {usage.stopped}" if usage and usage.stopped else ""
        return done("unfixed", reason, **common)
    proposal = redacted(compose.propose(build, diagnosis, best, usage=usage), run.redactor)
    if options.dry_run:
        return done("fixed", "verified (dry run: nothing created)", winner=best, proposal=proposal, **common)
    broken = policy.check(repo, build.base_sha, proposal.patch, build.rules)  # again, right before publishing
    if broken:
        return done("unfixed", "the verified patch breaks the policy: " + "; ".join(broken), **common)
    published = (options.publisher or local.publish)(repo, proposal)
    progress(f"proposed on branch {published.branch}")
    return done("fixed", best.reason, winner=best, proposal=proposal, published=published, **common)


def examine(
    path: Path, options: Options, *, progress: Progress = lambda _: None, warn: Progress = lambda _: None
) -> Diagnosis | None:
    """Capture and diagnose only (flaky reruns included); None when every check passes."""
    repo = git.toplevel(path)
    sha = git.head_sha(repo)
    settings = options.settings
    _, commands, box = prepare(repo, sha, settings, progress, warn)
    build = capture(repo, sha, commands, sandbox=box, timeout=settings.timeout, progress=progress)
    if not build.failed_checks:
        return None
    found = diagnose(build, redactor=Redactor(options.environ))
    context = upstream_loop.context(options.environ, repo)
    found = upstream_loop.attribute(repo, sha, found, context)
    times = settings.flaky_reruns
    found = flaky.recheck(build, found, times=times, sandbox=box, timeout=settings.timeout, progress=progress).diagnosis
    if options.bisect and found.classification in BISECTED:
        found = upstream_loop.bisected(build, found, context, sandbox=box, timeout=settings.timeout, progress=progress)
    return found


def prepare(
    repo: Path, sha: str, settings: config.Config, progress: Progress, warn: Progress
) -> tuple[Source, tuple[str, ...], Sandbox]:
    """Clean up after killed runs, then settle the checks (configured, else detected) and start the sandbox.

    The sandbox is probed here, before any check runs: if it cannot start, nothing does.
    """
    git.check_scratch(repo)
    for stale in git.clean_stale_worktrees(repo):
        progress(f"removed a stale worktree left by a killed run: {stale}")
    source = Source(repo, sha)
    commands = settings.test_cmds or checks.detect(source, repo)
    box = by_name(settings.sandbox, env_allow=settings.env_allow, limits=Limits(processes=settings.max_processes))
    box.probe()
    if box.warning():
        warn(box.warning())
    progress(f"sandbox: {box.describe()}")
    progress(f"checking {sha[:12]} in a disposable worktree: {', '.join(commands)}")
    return source, commands, box


def redacted(proposal: Proposal, redactor: Redactor) -> Proposal:
    """The proposal's texts without secrets: the commit message, the title and the body (and the diff
    shown in it) leave the machine. The patch itself is the repository's code and stays as it is."""
    return dataclasses.replace(
        proposal,
        commit_message=redactor.redact(proposal.commit_message),
        title=redactor.redact(proposal.title),
        body=redactor.redact(proposal.body),
    )


def _addressing(early: Early, diagnosis: Diagnosis) -> Trial:
    """The early trial, its candidate pointed at the same failure in the complete diagnosis."""
    seen, ran = early
    for failure in diagnosis.failures:
        if (failure.error_type, failure.message, failure.location) == (seen.error_type, seen.message, seen.location):
            return dataclasses.replace(
                ran, candidate=dataclasses.replace(ran.candidate, fingerprint=failure.fingerprint)
            )
    return ran


def _infrastructure_note(files: Sequence[str]) -> str:
    more = f" and {len(files) - 5} more" if len(files) > 5 else ""
    shown = ", ".join(one_line(path, 200) for path in files[:5]) + more
    return (
        f"the commit under test changed test infrastructure against the trusted base ({shown}): "
        "a fix is verified with both, and accepted only if both pass"
    )


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
    run: rounds.Conditions,
    most: int = rounds.ROUNDS,
) -> tuple[Verdict, ...]:
    """Verify candidates, most certain first; stop at the first that passes (see rounds.py).

    A trial made while capture ran is judged first, like any other candidate.
    """
    verdicts: list[Verdict] = []
    tried: set[str] = set()
    if early is not None:
        verdict = conclude(build, diagnosis, _addressing(early, diagnosis))
        verdict = confirm(build, diagnosis, verdict, sandbox=run.sandbox, timeout=run.timeout, progress=run.progress)
        run.progress(f"{'accepted' if verdict.passed else 'rejected'} (early trial): {verdict.reason}")
        if verdict.passed:
            return (verdict,)
        verdicts.append(verdict)
        if not any(check.timed_out for check in early[1].after):  # a timeout may be contention: retry
            tried.add(early[1].candidate.diff)
    # Two at a time, the best rank winning; fix, re-run and fix the next when one fix is not enough.
    seed = _addressing(early, diagnosis) if early is not None else None
    return (*verdicts, *rounds.try_in_rounds(build, diagnosis, source, run=run, rounds=most, skip=tried, early=seed))


__all__: Sequence[str] = ("Options", "Outcome", "examine", "heal")
