"""Whether a pytest run's witnesses agree: its exit status, suture's report, pytest's summary line.

    disagreement(command, exit_code, output, found) -> str     '' when they agree, else why not

The code under test runs in the process that writes the report and sets the exit status:
a conftest.py can set `session.exitstatus = 0`, `os._exit(0)` before pytest ends, close
or write into the report's descriptor. Each leaves one witness contradicting another, and
a run whose witnesses disagree does not pass, whatever its exit status (docs/security.md,
"forged verdicts"). Only a run that says it passed is questioned: a failing one fails anyway.
"""

from __future__ import annotations

import re

from suture.capture.report import Summary
from suture.run import tools

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
# pytest's last line: '=== 1 failed, 2 passed, 1 warning in 0.12s ===' or, quiet, '3 passed in 0.01s'
# (pytest 9 adds '3 subtests passed': not tests, not counted)
FINAL = re.compile(r"^=*\s*(?P<counts>(?:\d+ (?:subtests )?[a-z]+(?:, )?)+) in [\d.]+s(?: \([^)]*\))?\s*=*$")
COUNT = re.compile(r"(\d+) (subtests )?([a-z]+)")
# Not "skipped": a module skipped while collected (pytest.skip(allow_module_level=True)) is
# counted there and collects no test.
RAN = ("passed", "failed", "xfailed", "xpassed")
BAD = ("failed", "error", "errors")
TAIL = 64 * 1024  # characters of the output searched for the summary line
NOTE = "[suture: this run does not count as passed: "  # capture/run.py adds it to the output


def doubt_of(output: str) -> str:
    """The disagreement capture noted at the end of a check's output, or ''."""
    _, found, reason = output.rpartition(NOTE)
    return reason.rstrip().removesuffix("]") if found else ""


def disagreement(command: str, exit_code: int, output: str, found: Summary) -> str:
    """Why the run's witnesses contradict its exit status of 0, or ''."""
    if exit_code != 0:
        return ""
    pytest_ran = tools.name_of(command) == "pytest" or found.started
    if not pytest_ran:
        return ""
    if not found.started:
        return "pytest ran but suture's plugin reported nothing (its report is missing)"
    if found.exitstatus is None:
        return "the exit status says passed, but pytest's session never ended (the run was cut short: os._exit?)"
    if found.exitstatus != 0:
        return f"the exit status says passed, but pytest ended its session with status {found.exitstatus}"
    failing = [t.test_id for t in found.tests if t.outcome in ("failed", "error")]
    if failing or found.collection_errors:
        named = (failing or list(found.collection_errors))[0]
        return f"the exit status says passed, but the report says {named} failed"
    if found.repeated:
        return f"the report gives {found.repeated[0]} more than one outcome (written by the code under test?)"
    unknown = [t.test_id for t in found.tests if t.test_id not in set(found.collected)]
    if unknown:
        return f"the report gives an outcome for {unknown[0]}, which pytest never collected"
    counts = final_counts(output)
    if counts is None and found.summary_line:
        return "pytest's summary line is missing (the run was cut short after its report was written?)"
    if counts is not None:
        if any(counts.get(word, 0) for word in BAD):
            return "the exit status says passed, but pytest's summary line counts failures"
        ran = sum(counts.get(word, 0) for word in RAN)
        if ran > len(found.collected):
            return f"pytest's summary line counts {ran} tests, the report only {len(found.collected)} collected"
    return ""


def final_counts(output: str) -> dict[str, int] | None:
    """The counts of pytest's last summary line in `output` ('2 passed, 1 skipped in 0.1s'), or None."""
    for line in reversed(ANSI.sub("", output[-TAIL:]).splitlines()):
        match = FINAL.match(line.strip())
        if match:
            return {word: int(number) for number, sub, word in COUNT.findall(match.group("counts")) if not sub}
    return None
