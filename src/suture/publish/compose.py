"""Compose: pick the winning verdict and write the proposal (commit message, title, body).

Error types, messages, paths, test ids, commands and rationales are the repository's text
(docs/security.md: "text that escapes its frame"): each goes through `suture.untrusted` on
one line or in a code span, so none starts a heading, a link, an image, HTML or a mention.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from suture.records import Build, CheckRun, Diagnosis, Failure, Proposal, Usage, Verdict
from suture.run.git import BRANCH_PREFIX, TRAILER
from suture.untrusted import code_span, invisible_gone, one_line

MAX_BODY = 60_000  # GitHub rejects bodies over 65,536 characters


# An upstream breakage's stop-gaps: a verified migration beats a lock moved, which beats a pin,
# whatever their sizes (a migration that adds an import is still the lasting fix).
STOPGAPS = {"upstream-lock": 1, "upstream-pin": 2}


def winner(verdicts: Sequence[Verdict], ladder: Sequence[str] = ()) -> Verdict | None:
    """The smallest verified candidate; on ties the fixer earlier in the ladder. An upstream stop-gap
    (a lock moved, a pin) only when no migration verified."""
    passed = [v for v in verdicts if v.passed]
    order = {name: index for index, name in enumerate(ladder)}
    passed.sort(
        key=lambda v: (
            STOPGAPS.get(v.candidate.origin, 0),
            v.candidate.size,
            order.get(v.candidate.origin, len(order)),
            v.candidate.rank,
        )
    )
    return passed[0] if passed else None


def propose(build: Build, diagnosis: Diagnosis, verdict: Verdict, *, usage: Usage | None = None) -> Proposal:
    failure = _addressed(diagnosis, verdict)
    title, fingerprint = summary(failure), diagnosis.fingerprint
    if failure.upstream is not None:
        # Imported for an upstream breakage only: publishing a handed-over proposal imports no fixer.
        from suture.fixers import upstream

        if verdict.candidate.origin in upstream.ORIGINS:  # labelled as upstream's
            title = one_line(upstream.title(verdict.candidate, failure.upstream), 200)
            # One branch and pull request per release, however many jobs (fingerprints) it broke.
            fingerprint = failure.upstream.release_key
    message = (
        f"{title}\n\n"
        f"{one_line(_headline(failure), 1000)}\n"
        f"{one_line(verdict.candidate.rationale, 2000)}\n\n"
        f"Verified by suture: {one_line(verdict.reason, 1000)}.\n\n"
        f"Suture-Fingerprint: {fingerprint}\n"
        f"{TRAILER}\n"
    )
    model = f"\n### Language model\n{spent(usage)}\n" if usage else ""
    if "llm:" not in verdict.candidate.origin:  # the PR says which kind of fixer wrote it (origins compose: a+b)
        model += (
            f"\n### Fixer\nDeterministic: {code_span(verdict.candidate.origin)}; no language model wrote this fix.\n"
        )
    return Proposal(
        branch=f"{BRANCH_PREFIX}{fingerprint}",
        commit_message=message,
        title=title,
        body=(body(build, diagnosis, verdict) + model)[:MAX_BODY],
        fingerprint=fingerprint,
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
    place = f" in {one_line(where.path, 120)}" if where else ""
    what = one_line(failure.error_type, 60) or f"failing {one_line(failure.tool, 40)} check"
    return f"Fix {what}{place}"


def _headline(failure: Failure) -> str:
    return f"{failure.error_type}: {failure.message}" if failure.error_type else failure.message


def body(build: Build, diagnosis: Diagnosis, verdict: Verdict) -> str:
    """The proposal's description (the PR body on a forge): evidence, log text only in code blocks."""
    failure = _addressed(diagnosis, verdict)
    where = failure.location
    tests = "\n".join(f"- {code_span(t, 300)}" for t in diagnosis.failing_tests) or "- (no test ran: collection failed)"
    return "\n".join(
        [
            "### Root cause",
            *fenced(invisible_gone(_headline(failure))),
            *([f"Upstream breakage: {one_line(failure.upstream.sentence, 1000)}.", ""] if failure.upstream else []),
            f"Raised at {code_span(f'{where.path}:{where.line}', 300)}." if where else "",
            "",
            "### Failing tests",
            tests,
            "",
            f"### Fix ({one_line(verdict.candidate.origin, 100)}, {verdict.candidate.size} changed lines)",
            one_line(verdict.candidate.rationale, 2000),
            "",
            *fenced(invisible_gone(verdict.candidate.diff.rstrip()), "diff"),
            "",
            "### Verification",
            table(verdict.before, verdict.after),
            "",
            f"Tests collected: {verdict.tests_before} before, {verdict.tests_after} after. "
            f"{one_line(verdict.reason, 1000)}.",
            *_infrastructure(verdict),
            "",
            f"Base commit `{build.base_sha}`. Fingerprint `{diagnosis.fingerprint}`.",
            "",
        ]
    )


def _infrastructure(verdict: Verdict) -> list[str]:
    """The test infrastructure the commit changed, which the fix was verified without too."""
    if not verdict.infrastructure:
        return []
    files = ", ".join(code_span(path, 300) for path in verdict.infrastructure[:20])
    more = f" and {len(verdict.infrastructure) - 20} more" if len(verdict.infrastructure) > 20 else ""
    said = "Verified twice: the commit changed test infrastructure, and the fix passes with these files as the"
    return ["", f"{said} trusted base has them too: {files}{more}."]


def fenced(text: str, info: str = "") -> tuple[str, str, str]:
    """`text` in a code block whose fence is longer than any run of backticks in it: log text cannot close it."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}", text, fence


def spent(usage: Usage) -> str:
    """One line: what the language model took (the model's name in a code span: it is configuration)."""
    cost = "cost unknown (no price for the model)" if usage.cost_usd is None else f"${usage.cost_usd:.4f}"
    name = f"{usage.provider}/{usage.model}".replace("`", "'").replace("\n", " ")
    calls = f", {usage.tool_calls} tool call(s)" if usage.tool_calls else ""  # what it read or ran first
    return (
        f"`{name}`: {usage.attempts} attempt(s), {usage.requests} request(s){calls}, {usage.input_tokens:,} tokens "
        f"in, {usage.output_tokens:,} out, {cost}, {usage.seconds:.1f}s."
    )


def table(before: Sequence[CheckRun], after: Sequence[CheckRun]) -> str:
    rows = ["| check | before | after |", "|---|---|---|"]
    after_by = {check.command: check for check in after}
    for check in before:
        cell = code_span(check.command, 300).replace("|", "\\|")  # a pipe would end the cell, even in code
        rows.append(f"| {cell} | {describe(check)} | {describe(after_by.get(check.command))} |")
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
