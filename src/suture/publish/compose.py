"""Compose: pick the winning verdict and write the proposal (commit message, title, body)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from suture.records import Build, CheckRun, Diagnosis, Failure, Proposal, Usage, Verdict
from suture.run.git import BRANCH_PREFIX, TRAILER

MAX_BODY = 60_000  # GitHub rejects bodies over 65,536 characters


def winner(verdicts: Sequence[Verdict], ladder: Sequence[str] = ()) -> Verdict | None:
    """The smallest verified candidate; on ties the fixer earlier in the ladder."""
    passed = [v for v in verdicts if v.passed]
    order = {name: index for index, name in enumerate(ladder)}
    passed.sort(
        key=lambda v: (
            v.candidate.size,
            order.get(v.candidate.origin, len(order)),
            v.candidate.rank,
        )
    )
    return passed[0] if passed else None


def propose(build: Build, diagnosis: Diagnosis, verdict: Verdict, *, usage: Usage | None = None) -> Proposal:
    failure = _addressed(diagnosis, verdict)
    title = summary(failure)
    message = (
        f"{title}\n\n"
        f"{failure.error_type}: {failure.message}\n"
        f"{verdict.candidate.rationale}\n\n"
        f"Verified by suture: {verdict.reason}.\n\n"
        f"Suture-Fingerprint: {diagnosis.fingerprint}\n"
        f"{TRAILER}\n"
    )
    model = f"\n### Language model\n{spent(usage)}\n" if usage else ""
    if "llm:" not in verdict.candidate.origin:  # the PR says which kind of fixer wrote it (origins compose: a+b)
        model += f"\n### Fixer\nDeterministic: `{verdict.candidate.origin}`; no language model wrote this fix.\n"
    return Proposal(
        branch=f"{BRANCH_PREFIX}{diagnosis.fingerprint}",
        commit_message=message,
        title=title,
        body=(body(build, diagnosis, verdict) + model)[:MAX_BODY],
        fingerprint=diagnosis.fingerprint,
        patch=verdict.candidate.diff,
        base_sha=build.base_sha,
    )


def _addressed(diagnosis: Diagnosis, verdict: Verdict) -> Failure:
    for failure in diagnosis.failures:
        if failure.fingerprint == verdict.candidate.fingerprint:
            return failure
    return diagnosis.failures[0]


def summary(failure: Failure) -> str:
    where = failure.location
    place = f" in {where.path}" if where else ""
    what = failure.error_type or f"failing {failure.tool} check"
    return f"Fix {what}{place}"


def body(build: Build, diagnosis: Diagnosis, verdict: Verdict) -> str:
    """The proposal's description (the PR body on a forge): evidence, log text only in code blocks."""
    failure = _addressed(diagnosis, verdict)
    where = failure.location
    tests = "\n".join(f"- `{t}`" for t in diagnosis.failing_tests) or "- (no test ran: collection failed)"
    return "\n".join(
        [
            "### Root cause",
            *fenced(f"{failure.error_type}: {failure.message}" if failure.error_type else failure.message),
            f"Raised at `{where.path}:{where.line}`." if where else "",
            "",
            "### Failing tests",
            tests,
            "",
            f"### Fix ({verdict.candidate.origin}, {verdict.candidate.size} changed lines)",
            verdict.candidate.rationale,
            "",
            *fenced(verdict.candidate.diff.rstrip(), "diff"),
            "",
            "### Verification",
            table(verdict.before, verdict.after),
            "",
            f"Tests collected: {verdict.tests_before} before, {verdict.tests_after} after. {verdict.reason}.",
            "",
            f"Base commit `{build.base_sha}`. Fingerprint `{diagnosis.fingerprint}`.",
            "",
        ]
    )


def fenced(text: str, info: str = "") -> tuple[str, str, str]:
    """`text` in a code block whose fence is longer than any run of backticks in it: log text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}", text, fence


def spent(usage: Usage) -> str:
    """One line: what the language model took (the model's name in a code span: it is configuration)."""
    cost = "cost unknown (no price for the model)" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    name = f"{usage.provider}/{usage.model}".replace("`", "'").replace("\n", " ")
    return (
        f"`{name}`: {usage.attempts} attempt(s), {usage.requests} request(s), {usage.input_tokens:,} tokens in, "
        f"{usage.output_tokens:,} out, {cost}, {usage.seconds:.1f}s."
    )


def table(before: Sequence[CheckRun], after: Sequence[CheckRun]) -> str:
    rows = ["| check | before | after |", "|---|---|---|"]
    after_by = {check.command: check for check in after}
    for check in before:
        rows.append(f"| `{check.command}` | {describe(check)} | {describe(after_by.get(check.command))} |")
    return "\n".join(rows)


def describe(check: CheckRun | None) -> str:
    if check is None:
        return "not run"
    if check.timed_out:
        return f"timed out ({check.seconds:.1f}s)"
    status = "pass" if check.passed else f"fail (exit {check.exit_code})"
    if check.tests or check.collected:
        counts: dict[str, int] = {}
        for test in check.tests:
            counts[test.outcome] = counts.get(test.outcome, 0) + 1
        detail = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items()))
        status += f": {detail}" if detail else ""
    if check.collection_errors:
        status += f", {len(check.collection_errors)} collection error(s)"
    return f"{status} ({check.seconds:.1f}s)"
