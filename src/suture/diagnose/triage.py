"""Triage: group failures by root cause, and say what kind of trouble each group is.

    groups(failures) -> (Group, ...)                   one per root cause
    triage(failures, *, log="", flaky=...) -> Diagnosis
    rerun_failing(test_ids, rerun, *, times=3) -> Reruns   flaky or not, on the unchanged base
    environment_evidence(text) -> Evidence | None

Root cause: forty tests that fail on the same NameError raised in the same function are one
failure to fix. An assertion failing for each parameter of one test, with other values in
each report (`assert 'product' == None`, `assert 'html' == None`), is one too: its literals
are left out of the key. The key is the tool, the error type, the message without what changes from
run to run (`fingerprint.normalise_message`) and the place that raised it (file and function,
not the line: a line moves with unrelated edits, and a function raising the same error twice
is one mistake more often than two). Lint and format diagnostics group by rule: `ruff --fix`
or `black` fixes every file at once.

Classes (records.Classification):
- environment: the runner, not the code: network or DNS, out of memory (`Killed`, exit 137),
  disk full, the job's time limit, a missing system library, the package index down. Told
  by the failures' text or the log's; reported with the line that shows it, never "fixed".
  It wins over the rest: tests that cannot import a package pip could not download are a
  consequence, not a cause.
- flaky: every failing test of the group passed in a rerun on the unchanged base.
- lint/format: a linter's, formatter's or type checker's finding.
- code: an exception raised in the repository's code, a failed assertion, a compile error,
  a requirement that cannot be met.
- unknown: a check that failed without saying why in a way suture reads.

The reruns are the caller's to do (`rerun` is injected): this module runs nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace

from suture.diagnose.fingerprint import combine, failure_fingerprint, normalise_message
from suture.records import Classification, Diagnosis, Failure, Suspect
from suture.run import tools

# A literal in an assertion's report: the values differ between the parameters of one test.
_LITERAL = re.compile(
    r"""(?<!\w)[bBrRuU]?(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""  # a string
    r"|(?<![\w.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b"  # a number
)
# An AttributeError names the class of the object: subclasses sharing a method fail alike.
_OBJECT_TYPE = re.compile(r"^'[\w.]+' object has no attribute ")
LINT_KINDS = frozenset({"lint", "format", "type-error"})
RERUNS = 3

# (what, pattern): each line of evidence an environment failure leaves in a log.
ENVIRONMENT: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (what, re.compile(pattern, re.MULTILINE))
    for what, pattern in (
        (
            "network",
            r"Could not resolve host|Temporary failure in name resolution|Name or service not known"
            r"|nodename nor servname provided|getaddrinfo failed|Network is unreachable|No route to host"
            r"|ConnectionResetError|Connection reset by peer|Connection timed out|Read timed out"
            r"|TLS handshake timeout|Failed to establish a new connection|NewConnectionError",
        ),
        ("out of memory", r"^\s*Killed\s*$|\bexit (?:code|status):? 137\b|\bOOMKilled\b|Out of memory|MemoryError\b"),
        ("disk full", r"No space left on device|\bENOSPC\b|Disk quota exceeded"),
        (
            "runner time limit",
            r"has exceeded the maximum execution time|The job was canceled because|Job's timeout|"
            r"execution took longer than \S+ seconds|ERROR: Job failed: execution took longer",
        ),
        (
            "missing system library",
            r"cannot open shared object file|error while loading shared libraries|Library not loaded",
        ),
        (
            "package index outage",
            r"\b50[234] (?:Service Unavailable|Bad Gateway|Gateway Time-?out)\b|HTTP error 50[0-9]\b"
            r"|\b429 Too Many Requests\b",
        ),
    )
)
# Network trouble inside a test is as often the test's own doing (a server it forgot to
# start) as the runner's: for test failures only the unambiguous signs count.
_TEST_KINDS = frozenset({"test-failure", "test-error"})
_UNAMBIGUOUS = frozenset({"out of memory", "disk full", "runner time limit", "missing system library"})


@dataclass(frozen=True)
class Evidence:
    """Why a failure is the environment's: which trouble, and the line that shows it."""

    what: str  # network, out of memory, disk full, runner time limit, ...
    line: str


@dataclass(frozen=True)
class Group:
    """Failures that share a root cause, and what kind of trouble they are."""

    cause: Failure  # the first failure, with every test id of the group
    members: tuple[Failure, ...]
    classification: Classification
    evidence: Evidence | None = None  # for environment failures


@dataclass(frozen=True)
class Reruns:
    """How failing tests did when run again on the unchanged base."""

    runs: int  # reruns of each test still failing (a test that passed once is not rerun)
    passes: Mapping[str, int]  # test id -> runs it passed

    @property
    def flaky(self) -> frozenset[str]:
        """The tests that failed in CI and passed at least once since."""
        return frozenset(test for test, count in self.passes.items() if count)

    @property
    def consistent(self) -> frozenset[str]:
        return frozenset(test for test, count in self.passes.items() if not count)


# A rerun: run these tests once on the unchanged base; which passed.
Rerun = Callable[[tuple[str, ...]], Mapping[str, bool]]


def rerun_failing(test_ids: Sequence[str], rerun: Rerun, *, times: int = RERUNS) -> Reruns:
    """Rerun the failing tests up to `times` times; a test that passes once is flaky.

    A test that passed is not run again: one pass is enough to call it flaky, and reruns
    cost check time.
    """
    passes = dict.fromkeys(test_ids, 0)
    for _ in range(times):
        failing = tuple(test for test, count in passes.items() if not count)
        if not failing:
            break
        outcome = rerun(failing)
        for test in failing:
            if outcome.get(test, False):
                passes[test] += 1
    return Reruns(runs=times, passes=passes)


def triage(failures: Iterable[Failure], *, log: str = "", flaky: Iterable[str] = ()) -> Diagnosis:
    """The diagnosis of a failing build: its failures grouped, and the build's class.

    `log` is the distilled log (environment trouble often shows outside any parsed
    failure: `Killed`, a runner timeout); `flaky` the test ids `rerun_failing` found flaky.
    """
    found = groups(failures, flaky=flaky)
    return Diagnosis(
        classification=overall(found, log=log),
        failures=tuple(g.cause for g in found),
        suspects=tuple(
            Suspect(where.path, where.line, f"{g.cause.error_type or g.cause.kind} raised here")
            for g in found
            if (where := g.cause.location)
        ),
        fingerprint=combine(g.cause.fingerprint for g in found),
    )


def overall(found: Sequence[Group], *, log: str = "") -> Classification:
    """One class for the build: environment first (it explains the rest), then code, ..."""
    classes = {g.classification for g in found}
    if "environment" in classes or (log and environment_evidence(log)):
        return "environment"
    if found and classes == {"flaky"}:
        return "flaky"
    order: tuple[Classification, ...] = ("code", "lint/format", "flaky")
    return next((name for name in order if name in classes), "unknown")


def groups(failures: Iterable[Failure], *, flaky: Iterable[str] = ()) -> tuple[Group, ...]:
    """One Group per root cause, in the order the causes first appear."""
    members: dict[tuple[str, ...], list[Failure]] = {}
    for failure in failures:
        members.setdefault(root_cause(failure), []).append(failure)
    flaky_ids = frozenset(flaky)
    return tuple(_group(tuple(found), flaky_ids) for found in members.values())


def root_cause(failure: Failure) -> tuple[str, ...]:
    """The key failures with one cause share (see the module's docstring)."""
    if _static(failure):
        return (failure.tool, failure.kind, failure.error_type)
    where = failure.location
    message = normalise_message(failure.message)
    if failure.error_type == "AssertionError":  # one assertion, failing for each parameter of a test
        message = _LITERAL.sub("<value>", message)
    if failure.error_type == "AttributeError":  # one method, failing for each subclass it runs for
        message = _OBJECT_TYPE.sub("'<type>' object has no attribute ", message)
    return (
        failure.tool,
        failure.error_type or failure.kind,
        message,
        where.path if where else "",
        where.function if where else "",
        # Without a traceback, failures of different tests are not known to share a cause.
        "" if where or not failure.test_ids else failure.test_ids[0],
    )


def _group(members: tuple[Failure, ...], flaky: frozenset[str]) -> Group:
    cause = _merged(members)
    evidence = _evidence_of(members)
    return Group(cause, members, classify(cause, evidence=evidence, flaky=flaky), evidence)


def _merged(members: tuple[Failure, ...]) -> Failure:
    first = members[0]
    if len(members) == 1:
        return first
    test_ids = tuple(dict.fromkeys(test for member in members for test in member.test_ids))
    where = first.location
    return replace(
        first,
        test_ids=test_ids,
        fingerprint=failure_fingerprint(
            tool=first.tool,
            error_type=first.error_type or first.kind,
            message=first.message,
            location=where.path if where else "",
            test_ids=test_ids,
        ),
    )


def _evidence_of(members: tuple[Failure, ...]) -> Evidence | None:
    for member in members:
        evidence = environment_evidence(f"{member.message}\n{member.excerpt}")
        if evidence and (member.kind not in _TEST_KINDS or evidence.what in _UNAMBIGUOUS):
            return evidence
    return None


def classify(
    failure: Failure, *, evidence: Evidence | None = None, flaky: frozenset[str] = frozenset()
) -> Classification:
    """The class of one (grouped) failure."""
    if evidence is not None:
        return "environment"
    if failure.test_ids and flaky.issuperset(failure.test_ids):
        return "flaky"
    if _static(failure):
        return "lint/format"
    if failure.kind == "timeout":
        return "unknown"  # a check that hung: a deadlock and a slow runner look alike
    if failure.error_type and (failure.frames or failure.test_ids or failure.kind in ("install-error", "error")):
        return "code"
    return "unknown"


def _static(failure: Failure) -> bool:
    """A linter's, formatter's or type checker's finding (its tool's kind, or its own)."""
    tool = tools.TOOLS.get(failure.tool)
    return (tool is not None and tool.static) or failure.kind in LINT_KINDS


def environment_evidence(text: str) -> Evidence | None:
    """The first line of `text` that shows the runner, not the code, failed."""
    for what, pattern in ENVIRONMENT:
        match = pattern.search(text)
        if match:
            start = text.rfind("\n", 0, match.start()) + 1
            end = text.find("\n", match.end())
            return Evidence(what, text[start : end if end >= 0 else len(text)].strip())
    return None
