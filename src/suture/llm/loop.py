"""The language-model fixer's loop: ask, turn the reply into a candidate, verify, feed back.

For each failure, up to `max-attempts` replies; each attempt after the first is told what
the earlier ones did and why they failed (the parse problem, the policy finding, or the
verification's reason and the failing check's output). The first attempt is one prompt;
the later ones, given a `Workbench` and a provider with tool calling, may investigate first
(investigate.py): read files, find symbols, see or re-run a failing test. An endpoint that
refuses tools is asked with one prompt per attempt from then on. The loop stops at the first
verified candidate, or when the budget (tokens, dollars, seconds) is spent. Candidates go
through the same gatekeeper as every other: the `judge` the heal loop hands in.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from suture.llm import context, edits
from suture.llm.ask import ask
from suture.llm.base import Exhausted, Malformed, Provider, ToolsRefused, ToolUser
from suture.llm.budget import Meter
from suture.llm.context import Previous
from suture.llm.investigate import investigate
from suture.llm.providers import connect
from suture.llm.settings import Flags, ModelSettings, resolve
from suture.llm.workbench import Workbench
from suture.records import Candidate, Diagnosis, Failure, Usage, Verdict
from suture.redact import Redactor
from suture.run.source import Source

Judge = Callable[[Candidate], Verdict]
Progress = Callable[[str], None]

OUTPUT_TAIL = 3000  # characters of the failing check's output fed back
REPLY_ECHO = 2000  # characters of an unusable reply fed back


@dataclass(frozen=True)
class Result:
    verdicts: tuple[Verdict, ...]
    usage: Usage

    @property
    def fixed(self) -> bool:
        return any(v.passed for v in self.verdicts)


@dataclass
class _Run:
    """What one run has done so far."""

    meter: Meter
    workbench: Workbench | None = None
    verdicts: list[Verdict] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    tools_refused: bool = False


class Assistant:
    """A connected provider with its settings: proposes candidates until one is verified."""

    def __init__(
        self,
        provider: Provider,
        settings: ModelSettings,
        *,
        redactor: Redactor,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.provider = provider
        self.settings = settings
        self.redactor = redactor  # applied to every piece of data in every prompt, and to every note
        self.sleep = sleep
        self.clock = clock  # max-seconds counts on it

    @property
    def name(self) -> str:
        return f"{self.settings.provider}/{self.settings.model}"

    @property
    def origin(self) -> str:
        return f"llm:{self.name}"

    def fix(
        self,
        diagnosis: Diagnosis,
        source: Source,
        judge: Judge,
        *,
        progress: Progress,
        workbench: Workbench | None = None,
    ) -> Result:
        """Candidates for the diagnosis's failures until one is verified; with a `workbench`, the
        attempts after the first may call its tools."""
        progress = self._redacting(progress)
        run = _Run(Meter(self.settings, clock=self.clock), workbench)
        if run.meter.price is None:
            progress(
                f"no price is known for {self.settings.model}: its cost is not counted and max-cost-usd does "
                "not apply; add it to prices in [tool.suture]"
            )
        stopped = ""
        try:
            for failure in diagnosis.failures:
                if self._heal_one(failure, source, judge, run, progress):
                    break
            else:
                limit = self.settings.budget.max_attempts
                stopped = f"no verified fix in {limit} attempt(s) per failure (max-attempts {limit})"
        except Exhausted as exc:
            stopped = str(exc)
        if stopped:
            progress(f"the language model stops: {stopped}")
        usage = run.meter.usage(attempts=len(run.notes), notes=run.notes, stopped=stopped)
        return Result(tuple(run.verdicts), usage)

    def _heal_one(self, failure: Failure, source: Source, judge: Judge, run: _Run, progress: Progress) -> bool:
        """Attempts at one failure; True at the first verified candidate."""
        previous: list[Previous] = []
        for number in range(1, self.settings.budget.max_attempts + 1):
            prompt = context.build(
                failure,
                source,
                previous=previous,
                max_tokens=self.settings.budget.max_prompt_tokens,
                redactor=self.redactor,
            )
            progress(f"asking {self.name} (attempt {number}, prompt ~{prompt.tokens} tokens)")
            failed = self._attempt(failure, source, prompt, previous, judge, run, progress)
            if failed is None:
                return True
            previous.append(failed)
        return False

    def _attempt(
        self,
        failure: Failure,
        source: Source,
        prompt: context.Prompt,
        previous: list[Previous],
        judge: Judge,
        run: _Run,
        progress: Progress,
    ) -> Previous | None:
        """One attempt; None when it produced the verified fix, else what to tell the next one."""
        number = len(previous) + 1
        try:
            text, how = self._reply(prompt, number, run, progress)
        except Malformed as exc:
            return self._failed(run, progress, number, f"the endpoint's answer was unusable: {exc}", "(none)")
        default = prompt.editable[0] if len(prompt.editable) == 1 else None
        edited = edits.edit(text, source.read, default_path=default, paths=source.paths(), redactor=self.redactor)
        problem = edited.problem or _repeated(edited.diff, previous)
        if problem:
            return self._failed(run, progress, number, f"{how}rejected before verification: {problem}", text)
        candidate = Candidate(
            origin=self.origin,
            diff=edited.diff,
            rationale=f"proposed by {self.name} (attempt {number}) and verified by re-running the checks",
            fingerprint=failure.fingerprint,
            rank=number,
        )
        progress(f"verifying {candidate.origin} attempt {number} ({candidate.size} changed lines)")
        verdict = judge(candidate)
        run.verdicts.append(verdict)
        progress(f"{'accepted' if verdict.passed else 'rejected'}: {verdict.reason}")
        if verdict.passed:
            self._note(run, f"attempt {number}: {how}verified: {verdict.reason}")
            return None
        self._note(run, f"attempt {number}: {how}failed verification: {verdict.reason}")
        return Previous(edited.diff, verdict.reason, _output_tail(verdict))

    def _reply(self, prompt: context.Prompt, number: int, run: _Run, progress: Progress) -> tuple[str, str]:
        """The model's answer to the attempt, and how it was reached ('' for one prompt, else the
        tool calls it made); Malformed when there is none."""
        if run.workbench is not None and self._investigates(number, run):
            try:
                found = investigate(
                    self.provider,  # type: ignore[arg-type]
                    prompt,
                    run.workbench,
                    run.meter,
                    sleep=self.sleep,
                    progress=progress,
                )
            except ToolsRefused as exc:
                run.tools_refused = True
                progress(f"{self.name} does not take tools ({exc}): one prompt per attempt from here")
            else:
                calls = ", ".join(found.calls)
                return found.text, (f"after {len(found.calls)} tool call(s) ({calls}): " if found.calls else "")
        return ask(self.provider, prompt, run.meter, sleep=self.sleep, progress=progress).text, ""

    def _investigates(self, number: int, run: _Run) -> bool:
        """Whether this attempt offers tools: not the first (one prompt suffices for most fixes),
        and only with a provider that has tool calling, an endpoint that took them, calls left."""
        tooled = isinstance(self.provider, ToolUser) and not run.tools_refused
        return number > 1 and tooled and run.meter.tool_calls_left() > 0

    def _failed(self, run: _Run, progress: Progress, number: int, reason: str, reply: str) -> Previous:
        self._note(run, f"attempt {number}: {reason}")
        progress(reason)
        return Previous(reply[:REPLY_ECHO], reason)

    def _note(self, run: _Run, note: str) -> None:
        # Notes reach --json, the history and the PR body; a reason may quote a line of a file.
        run.notes.append(self.redactor.redact(note))

    def _redacting(self, progress: Progress) -> Progress:
        return lambda message: progress(self.redactor.redact(message))


def _repeated(diff: str, previous: list[Previous]) -> str:
    """Why not to verify `diff` again: an earlier attempt made the same edits, and they failed."""
    for number, attempt in enumerate(previous, 1):
        if attempt.edits == diff:
            return f"the same edits as attempt {number}, which failed ({attempt.reason}): try something else"
    return ""


def _output_tail(verdict: Verdict) -> str:
    """The end of the first failing check's output, worktree paths made repo-relative."""
    for check in verdict.after:
        if not check.passed:
            output = check.output.replace(check.root + "/", "") if check.root else check.output
            return output[-OUTPUT_TAIL:]
    return ""


def assistant(
    table: Mapping[str, Any],
    origin: str,
    flags: Flags,
    *,
    environ: Mapping[str, str],
) -> Assistant | None:
    """The assistant the configuration and flags ask for, connected; None when the run stays
    offline. `environ` is the CLI's environment: the key is taken from the one variable the
    settings name, and every secret-looking value in it is redacted from the prompts.
    Raises a UsageError, naming what to set or install, when the model cannot be used."""
    settings = resolve(table, flags, origin)
    if settings is None:
        return None
    return Assistant(connect(settings, environ.get), settings, redactor=Redactor(environ))
