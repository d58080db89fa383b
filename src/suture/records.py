"""The records that flow through the heal loop (see docs/architecture.md).

    Build -> Failure[] -> Diagnosis -> Candidate[] -> Verdict[] -> Proposal -> Published

Each is a frozen dataclass of plain values and tuples, so `to_dict` gives JSON for
`--json`, the proposal file and the history store without custom encoders.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Literal

TestOutcome = Literal["passed", "failed", "error", "skipped", "xfailed", "xpassed"]
Classification = Literal["code", "dependency", "lint/format", "flaky", "environment", "unknown"]
Status = Literal["fixed", "unfixed", "not-reproduced", "nothing-to-do"]


def to_dict(record: Any) -> dict[str, Any]:
    """A record as JSON-ready dict (tuples become lists)."""
    result: dict[str, Any] = dataclasses.asdict(record)
    return result


@dataclass(frozen=True)
class TestResult:
    """One test's outcome in one check run."""

    __test__ = False  # not a pytest test class

    test_id: str
    outcome: TestOutcome


@dataclass(frozen=True)
class CheckRun:
    """One run of one check command, in one worktree."""

    command: str
    exit_code: int
    seconds: float
    timed_out: bool
    output: str  # merged stdout and stderr, bounded (see capture.MAX_OUTPUT)
    tests: tuple[TestResult, ...] = ()  # empty for checks that are not pytest
    collected: tuple[str, ...] = ()  # test ids pytest collected
    collection_errors: tuple[str, ...] = ()  # paths that failed to import
    junit: str = ""  # pytest's JUnit XML, when it wrote one
    report: str = ""  # suture's pytest plugin's JSON lines (exceptions as the interpreter shows them)
    root: str = ""  # the worktree it ran in: absolute paths in the output are under it

    @property
    def passed(self) -> bool:
        return self.exit_code == 0 and not self.timed_out

    def outcome_of(self, test_id: str) -> TestOutcome | None:
        for result in self.tests:
            if result.test_id == test_id:
                return result.outcome
        return None


DEFAULT_MAX_FILES = 8
DEFAULT_MAX_LINES = 200


@dataclass(frozen=True)
class Rules:
    """What a fix may change, beyond the fixed rules of `verify/policy.py` (`[tool.suture]` of the
    trusted commit)."""

    protect: tuple[str, ...] = ()  # more path patterns no fix may change
    allow: tuple[str, ...] = ()  # protected non-test paths a fix may change nonetheless
    max_files: int = DEFAULT_MAX_FILES
    max_lines: int = DEFAULT_MAX_LINES


@dataclass(frozen=True)
class Build:
    """The failing state of a repository: where, which commit, what ran and how it went."""

    repo: str
    base_sha: str
    checks: tuple[CheckRun, ...]
    # What a fix may change: from the trusted (base) commit's configuration, never a fork's head.
    rules: Rules = field(default_factory=Rules)
    # The failing quick static checks run on the parent commit (baseline.py): findings a fix may leave.
    baseline: tuple[CheckRun, ...] = ()
    trusted_sha: str = ""  # the trusted base commit (--base, a pull request's target); '' when none is named
    # Files of test infrastructure (conftest.py, pytest's configuration, modules that shadow the runner)
    # that differ between the trusted base and this commit: verification also runs with the base's.
    infrastructure: tuple[str, ...] = ()

    @property
    def failed_checks(self) -> tuple[CheckRun, ...]:
        return tuple(check for check in self.checks if not check.passed)


@dataclass(frozen=True)
class Frame:
    """A traceback frame inside the repository (path is repo-relative, POSIX)."""

    path: str
    line: int
    function: str = ""
    column: int | None = None  # 1-based, when the tool reports one (SyntaxError carets)


UPSTREAM_KEY = "upstream-"  # how a release's key starts (a failure's fingerprint is hex): its PR is labelled so


@dataclass(frozen=True)
class Upstream:
    """What broke in an installed distribution, not in the repository (diagnose/upstream.py)."""

    distribution: str  # as its metadata names it: fakedist
    installed: str  # the version the failing run had: 2.0
    good: str  # the last version known to work ('' when unknown)
    how: str  # where `good` comes from: "by date: ...", "pip's Successfully installed line ..."
    released: str  # the installed release's upload date, YYYY-MM-DD ('' when the index does not say)
    name: str  # the API that broke: `api` ('' when the failure does not name one)
    replacement: str  # what the release's message names instead ('' when it names nothing)
    module: str = ""  # the module the failure names: fakedist (fakedist.sub for a removed submodule)
    newer: str = ""  # the newest release after `installed` with wheels ('' when none): a lock may move to it
    guessed: bool = False  # `replacement` is the interpreter's closest name ("Did you mean"), not the release's word
    bisected: str = ""  # how a bisect over the changed releases found it ('' when none ran: loop/bisect.py)

    @property
    def release_key(self) -> str:
        """'upstream-werkzeug-3_0_0': one release's key, so every job it broke gets one branch and one pull
        request (the characters a fingerprint may hold: a version's dots and the rest become '_')."""
        name = re.sub(r"[^0-9a-z]+", "-", self.distribution.lower()).strip("-")
        return f"{UPSTREAM_KEY}{name}-{re.sub(r'[^0-9A-Za-z]+', '_', self.installed).strip('_')}"

    @property
    def sentence(self) -> str:
        """'fakedist 2.0 (released 2026-06-01) removed `api`; 1.0 worked (by date: ...)'."""
        released = f" (released {self.released})" if self.released else ""
        what = f"removed `{self.name}`" if self.name else "broke the checks"
        worked = f"; {self.good} worked ({self.how})" if self.good else "; no earlier version is known to work"
        instead = f"; it names `{self.replacement}` instead" if self.replacement else ""
        bisected = f"; {self.bisected}" if self.bisected else ""
        return f"{self.distribution} {self.installed}{released} {what}{worked}{instead}{bisected}"


@dataclass(frozen=True)
class Failure:
    """One root cause: an error and every test that fails on it."""

    tool: str  # pytest, ruff, ...
    kind: str  # test-failure, collection-error, check-failed, timeout
    check: str  # the command that showed it
    error_type: str  # NameError, TypeError, ... ("" when unknown)
    message: str  # the interpreter's line, e.g. "name 'os' is not defined"
    test_ids: tuple[str, ...]
    frames: tuple[Frame, ...]  # repo-local, outermost first; the last is where it raised
    excerpt: str
    fingerprint: str
    # Frames outside the repository (installed packages, the standard library), absolute paths,
    # outermost first: an upstream breakage raises in them.
    outside: tuple[Frame, ...] = ()
    detail: str = ""  # the whole exception text when it spans lines (numpy's "use `float` by itself")
    upstream: Upstream | None = None  # set when an installed distribution broke the checks
    owner: str = ""  # the module of an AttributeError's object's class (sqlalchemy.engine.base) or of a warning's
    # class (pydantic.warnings)

    @property
    def location(self) -> Frame | None:
        return self.frames[-1] if self.frames else None


@dataclass(frozen=True)
class Suspect:
    path: str
    line: int
    why: str


@dataclass(frozen=True)
class Diagnosis:
    classification: Classification
    failures: tuple[Failure, ...]
    suspects: tuple[Suspect, ...]
    fingerprint: str  # of the whole diagnosis: names the branch `suture/<fingerprint>`

    @property
    def failing_tests(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(t for f in self.failures for t in f.test_ids))


@dataclass(frozen=True)
class Candidate:
    """A proposed fix: a unified diff against the base, and why."""

    origin: str  # the fixer's name
    diff: str
    rationale: str
    fingerprint: str  # the failure it addresses
    rank: int = 0  # lower is more certain; the fixer's own ordering of its candidates

    @property
    def size(self) -> int:
        """Changed lines: the measure of 'smallest'."""
        return sum(1 for line in self.diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---")))

    @property
    def paths(self) -> tuple[str, ...]:
        found = []
        for line in self.diff.splitlines():
            if line.startswith(("--- a/", "+++ b/")):
                found.append(line[6:])
        return tuple(dict.fromkeys(found))


@dataclass(frozen=True)
class Verdict:
    """What verification made of one candidate; a failed candidate is a value, not an error."""

    candidate: Candidate
    passed: bool
    reason: str  # one line: why it passed or what failed
    before: tuple[CheckRun, ...]
    after: tuple[CheckRun, ...]
    tests_before: int
    tests_after: int
    seconds: float
    findings: tuple[str, ...] = ()  # policy findings that rejected it
    infrastructure: tuple[str, ...] = ()  # verified again with these files as the trusted base has them


@dataclass(frozen=True)
class Usage:
    """What asking a language model took in one run (tokens as the endpoint reported them)."""

    provider: str
    model: str
    requests: int  # replies received; a 429 or 500 that was retried is not one
    attempts: int  # replies judged: parsed, then verified or rejected
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None when no price is known for the model
    seconds: float
    tool_calls: int = 0  # what an investigating model asked for (files, symbols, tests)
    notes: tuple[str, ...] = ()  # one line per attempt: what became of it
    stopped: str = ""  # why the model was asked no more ('' when it produced the verified fix)


@dataclass(frozen=True)
class Proposal:
    branch: str
    commit_message: str
    title: str
    body: str
    fingerprint: str
    patch: str
    base_sha: str


@dataclass(frozen=True)
class Published:
    """Where a forge put the proposal."""

    forge: str
    branch: str
    commit: str
    location: str  # a file path for the local forge, a PR URL for the others
    extra: dict[str, str] = field(default_factory=dict)
