"""Verify: the gatekeeper. A candidate is accepted only when the checks prove it.

For each candidate, in a fresh worktree of the base: policy first (`policy.check`: no
test files, no tamper patterns, within the size budget), `git apply`, every test file
put back as it is on the base (whatever the diff did to it), then the checks that
failed (their failing tests first: a candidate that does not fix them stops there),
then every other check. Accepted when every check exits 0, every test that failed on
the base now passes (not skipped, not xfailed, not vanished) and pytest collected
every test id it collected on the base.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from suture import diffpaths
from suture.capture.agreement import doubt_of
from suture.capture.run import DOUBTED, Progress, run_checks
from suture.diagnose.baseline import tolerated
from suture.records import Build, Candidate, CheckRun, Diagnosis, Rules, TestOutcome, Verdict
from suture.run.git import apply, git, worktree
from suture.run.sandbox import Sandbox
from suture.run.snapshot import NotStored
from suture.verify import infrastructure, policy
from suture.verify.warm import Warm


@dataclass(frozen=True)
class Trial:
    """A candidate's run: the checks on the patched worktree, or why they did not run."""

    candidate: Candidate
    after: tuple[CheckRun, ...]
    problem: str  # '' when the checks ran
    findings: tuple[str, ...]
    seconds: float


def verify(
    build: Build,
    diagnosis: Diagnosis,
    candidate: Candidate,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> Verdict:
    if not build.failed_checks:
        return conclude(build, diagnosis, Trial(candidate, (), "the checks pass on the base: nothing to fix", (), 0.0))
    verdict = _tried(build, diagnosis, candidate, sandbox=sandbox, timeout=timeout, progress=progress)
    return confirm(build, diagnosis, verdict, sandbox=sandbox, timeout=timeout, progress=progress)


def _tried(
    build: Build,
    diagnosis: Diagnosis,
    candidate: Candidate,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress,
    trusted: tuple[str, Sequence[str]] = ("", ()),
) -> Verdict:
    """`candidate` tried on the build's commit (the failing checks and tests first) and judged."""
    ran = trial(
        Path(build.repo),
        build.base_sha,
        candidate,
        ordered_commands(build),
        first=diagnosis.failing_tests,
        sandbox=sandbox,
        timeout=timeout,
        progress=progress,
        rules=build.rules,
        baseline=build.baseline,
        trusted=trusted,
    )
    return conclude(build, diagnosis, ran)


def trial(
    repo: Path,
    sha: str,
    candidate: Candidate,
    commands: Sequence[str],
    *,
    first: Sequence[str],
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
    rules: Rules | None = None,
    warm: Warm | None = None,
    baseline: Sequence[CheckRun] = (),
    trusted: tuple[str, Sequence[str]] = ("", ()),
) -> Trial:
    """Policy, apply and run `commands` in `sandbox` (stopping at the first failing one) in a fresh worktree.

    `rules` come from the trusted commit's configuration; None: the defaults, the strictest.
    With `warm`, a pytest run started beforehand and held (warm.py): if this trial can claim
    it, its worktree is the trial's, and that check is released rather than started.
    A static check failing only with findings `baseline` has too does not stop the others.
    `trusted` (a commit, files of test infrastructure): those files as that commit has them.
    """
    start = time.monotonic()
    found = policy.check(repo, sha, candidate.diff, rules)
    if found:
        return Trial(candidate, (), "rejected by policy: " + "; ".join(found), found, 0.0)
    held = warm.claim() if warm is not None and warm.command in commands else None
    with worktree(repo, sha) if held is None else contextlib.nullcontext(held) as tree:
        problem = apply(tree, candidate.diff)
        if problem:
            return Trial(candidate, (), f"the diff does not apply: {problem}", (), time.monotonic() - start)
        reset_tests(tree, sha)
        if trusted[1]:
            infrastructure.put_trusted(tree, trusted[0], tuple(trusted[1]))
        prepared: dict[str, Callable[[], CheckRun | None]] = {}
        changed = changed_paths(tree)
        if warm is not None and held is not None and all(path.endswith(".py") for path in changed):
            prepared[warm.command] = lambda: warm.run(changed, first)
        try:
            after = run_checks(
                tree,
                commands,
                sandbox=sandbox,
                timeout=timeout,
                first=first,
                stop_on_failure=True,
                progress=progress,
                prepared=prepared,
                keep_going=lambda check: tolerated(check, baseline) is not None,
                # What suture put in the tree: the patch's files, and the base's infrastructure
                # (put back as the base has it, or as gone, after a check that changed it).
                patched=(*diffpaths.touched(candidate.diff), *trusted[1]),
            )
        except NotStored as exc:
            return Trial(candidate, (), f"not verified: {exc}", (), time.monotonic() - start)
    return Trial(candidate, after, "", (), time.monotonic() - start)


def changed_paths(tree: Path) -> list[str]:
    """The files of `tree` that differ from its commit: changed, added or deleted."""
    status = git(tree, "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames")
    return [entry[3:] for entry in filter(None, status.split("\0"))]


def reset_tests(tree: Path, sha: str) -> list[str]:
    """Put every test file of `tree` back as it is at `sha`: restored if changed or deleted,
    removed if new. Policy rejects such diffs already; this holds whatever slipped past it."""
    status = git(tree, "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames")
    reset = []
    for entry in filter(None, status.split("\0")):
        path = entry[3:]
        if not policy.is_test_path(path):
            continue
        reset.append(path)
        if git(tree, "ls-tree", "--name-only", sha, "--", path).strip():
            git(tree, "checkout", sha, "--", path)
        else:
            (tree / path).unlink(missing_ok=True)
    return reset


def conclude(build: Build, diagnosis: Diagnosis, ran: Trial) -> Verdict:
    """The verdict on a trial, judged against the base's runs and the final diagnosis.

    The policy is applied again with the build's rules: a trial started before they were
    known (beside the capture) was held to the defaults, which a configuration may tighten.
    """
    if not ran.problem and not ran.findings:
        found = policy.check(Path(build.repo), build.base_sha, ran.candidate.diff, build.rules)
        if found:
            ran = Trial(ran.candidate, (), "rejected by policy: " + "; ".join(found), found, ran.seconds)
    passed, reason = (False, ran.problem) if ran.problem else judge(build, diagnosis, ran.after)
    return Verdict(
        candidate=ran.candidate,
        passed=passed,
        reason=reason,
        before=build.checks,
        after=ran.after,
        tests_before=collected(build.checks),
        tests_after=collected(ran.after),
        seconds=round(ran.seconds, 3),
        findings=ran.findings,
    )


def confirm(
    build: Build, diagnosis: Diagnosis, verdict: Verdict, *, sandbox: Sandbox, timeout: float, progress: Progress
) -> Verdict:
    """`verdict`, and if it passed where the commit under test changed test infrastructure against the
    trusted base (verify/infrastructure.py), the same candidate verified again with the base's files:
    accepted only if both runs pass. The verdict names the files either way."""
    files = build.infrastructure
    if not verdict.passed or not files:
        return verdict
    where = f"with the trusted base's test infrastructure ({len(files)} file(s) the commit changed)"
    progress(f"verifying again {where}")
    trusted = (build.trusted_sha, files)
    again = _tried(
        build, diagnosis, verdict.candidate, sandbox=sandbox, timeout=timeout, progress=progress, trusted=trusted
    )
    seconds = round(verdict.seconds + again.seconds, 3)
    if not again.passed:
        return dataclasses.replace(again, reason=f"{where}: {again.reason}", infrastructure=files, seconds=seconds)
    reason = f"{verdict.reason}; so too {where}"
    return dataclasses.replace(verdict, reason=reason, infrastructure=files, seconds=seconds)


def ordered_commands(build: Build) -> list[str]:
    """The failing checks first: they are the ones a wrong candidate fails fastest."""
    failed = [check.command for check in build.failed_checks]
    return failed + [check.command for check in build.checks if check.command not in failed]


def judge(build: Build, diagnosis: Diagnosis, after: Sequence[CheckRun]) -> tuple[bool, str]:
    left = []  # static checks failing as on the parent commit, with no finding of the fix's (baseline.py)
    for check in after:
        if check.timed_out:
            return False, f"{check.command} timed out after {check.seconds:.0f}s"
        if not check.passed and check.exit_code == DOUBTED and (doubt := doubt_of(check.output)):
            return False, f"{check.command}: its evidence disagrees: {doubt}"
        if not check.passed:
            as_before = tolerated(check, build.baseline)
            if as_before is None:
                return False, f"{check.command} still fails (exit {check.exit_code})"
            left.append(as_before)
    if len(after) < len(build.checks):
        return False, "not every check ran"
    for test_id in diagnosis.failing_tests:
        outcomes = [check.outcome_of(test_id) for check in after]
        outcome = next((o for o in outcomes if o is not None), _reindexed(test_id, after))
        if outcome != "passed":
            return False, f"{test_id} failed before and is now {outcome or 'not run at all'}"
    vanished = _vanished(collected_ids(build.checks), collected_ids(after))
    if vanished:
        shown = ", ".join(vanished[:3]) + (f" and {len(vanished) - 3} more" if len(vanished) > 3 else "")
        return False, f"{len(vanished)} test(s) collected before the fix are no longer collected: {shown}"
    before, now = collected(build.checks), collected(after)
    if now < before:
        return False, f"pytest collected {now} tests, fewer than the {before} before the fix"
    passing = f"{len(diagnosis.failing_tests)} failing test(s) now pass"
    return True, f"every check passes; {passing}" if not left else "; ".join([*left, passing])


# pytest's own id for a parameter it cannot spell (an object, a date): the argument's name and
# the parameter's index, `expected3`. Parameters drawn from a set of such objects come in an
# order that follows their hashes, some of them addresses in memory, which the fix itself
# moves: `expected3` before the fix is `expected4` after. Such ids are compared without the index.
_INDEXED = re.compile(r"(?<=[\[-])([A-Za-z_]\w*?)\d+(?=[-\]])")


def _unindexed(test_id: str) -> str:
    """`t.py::test_parse[6-+0019850412-expected4-%Y%m%d]` -> `t.py::test_parse[6-+0019850412-expected#-%Y%m%d]`."""
    head, bracket, params = test_id.partition("[")
    return head + bracket + _INDEXED.sub(r"\1#", "[" + params)[1:] if bracket else test_id


def _vanished(before: Sequence[str], after: Sequence[str]) -> list[str]:
    """The ids collected before and not after, but for those whose unindexed form (`_INDEXED`)
    collects as often as before."""
    still = set(after)
    now = Counter(map(_unindexed, after))
    fewer = {name for name, count in Counter(map(_unindexed, before)).items() if now[name] < count}
    return [test_id for test_id in before if test_id not in still and _unindexed(test_id) in fewer]


def _reindexed(test_id: str, after: Sequence[CheckRun]) -> TestOutcome | None:
    """The outcome of a failing test whose id is gone, found by its unindexed form: 'passed' when
    every test of that form passed, else the first other outcome; None when none ran."""
    unindexed = _unindexed(test_id)
    if unindexed == test_id:
        return None
    outcomes = [r.outcome for check in after for r in check.tests if _unindexed(r.test_id) == unindexed]
    return next((o for o in outcomes if o != "passed"), "passed") if outcomes else None


def collected(runs: Sequence[CheckRun]) -> int:
    return sum(len(check.collected) for check in runs)


def collected_ids(runs: Sequence[CheckRun]) -> tuple[str, ...]:
    """The test ids pytest collected, in every run, each once."""
    return tuple(dict.fromkeys(test_id for check in runs for test_id in check.collected))
