"""From a CI log that already exists: `suture diagnose --log FILE|-`, `suture heal --log FILE|-`.

    read(log, *, name, redactor, paths=()) -> Logged            distil and triage a log; bad input is a UsageError
    reproduce(repo, sha, commands, logged, ...) -> Reproduction  the failure again, in the sandbox
    capture(repo, sha, commands, log, source, ...) -> Reproduction  both: the heal loop's stage

A log is untrusted input of any size: it is streamed (`distil`), and what comes out is
redacted. Input that is no log at all (a missing file, a directory, a compressed archive,
binary data, nothing, one line of megabytes) is refused with what to do instead.

Healing from a log skips the first full run of the checks, but never the proof: before any
fixer runs, the checks run in the sandbox on the base with the log's failing tests first
(pytest stops as soon as one of them fails again: a reproduction costs their run, not the
suite's). Every configured check runs, so that verification later compares the candidate
against the same set. If the tests the log names pass, the failure did not reproduce:
status `not-reproduced`, and nothing is fixed.
"""

from __future__ import annotations

import os
import re
import stat
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO

from suture.diagnose import triage, upstream
from suture.diagnose.distil import CHUNK, Excerpt, Limits, distil
from suture.diagnose.parsers import parse
from suture.errors import UsageError
from suture.records import Build, Diagnosis, Status, to_dict
from suture.redact import Redactor

if TYPE_CHECKING:  # reading a log needs neither; reproducing it imports the capture stage
    from suture.capture.run import Progress
    from suture.run.sandbox import Sandbox
    from suture.run.source import Source

LogInput = Path | BinaryIO  # a file, or a stream such as sys.stdin.buffer
SNIFF = 64 * 1024  # bytes looked at to tell a text log from binary data
_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"PK\x03\x04": "zip",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"\xfd7zXZ\x00": "xz",
    b"BZh": "bzip2",
}
_LOG_HINT = "e.g. `gh run view RUN_ID --log-failed > ci.log`, or pipe it: `... | suture diagnose --log -`"


@dataclass(frozen=True)
class Logged:
    """What a log shows: its excerpt and the diagnosis made from it."""

    name: str  # the file's path, or "stdin"
    excerpt: Excerpt
    diagnosis: Diagnosis
    root: str  # the checkout path the log's absolute paths start with, '' when unknown

    def to_json(self) -> dict[str, Any]:
        """What `suture diagnose --log --json` prints (and the MCP server's `ci_failure` returns)."""
        return {
            **to_dict(self.diagnosis),
            "class": self.diagnosis.classification,
            "excerpt": self.excerpt.text,
            "lines": list(self.excerpt.lines),
            "truncated": self.excerpt.truncated,
            "total_lines": self.excerpt.total_lines,
            "root": self.root,
        }


def read(
    log: LogInput,
    *,
    name: str,
    redactor: Redactor,
    paths: Iterable[str] = (),
    limits: Limits | None = None,
) -> Logged:
    """Distil and triage the log; `paths` are the repository's files, to find where the CI had it checked out."""
    limits = limits or Limits()
    if isinstance(log, Path):
        _check_file(log)
    source = log if isinstance(log, Path) else _sniffed(log, name)
    excerpt = distil(source, limits=limits, redactor=redactor)
    if excerpt.total_lines == 0:
        raise UsageError(f"{name} is empty: there is no log to read; give the log of the failing job, {_LOG_HINT}")
    if excerpt.total_lines == 1 and excerpt.truncated:
        raise UsageError(
            f"{name} is one line of more than {limits.max_line} bytes with no line breaks, not a CI log; "
            "if it is JSON from a CI's API, save the job's plain-text log instead"
        )
    root = checkout_root(excerpt.text, paths)
    failures = parse(excerpt.text, root=root, check="")
    # The versions CI installed (pip's `Successfully installed` line) name a release that broke it.
    found = upstream.attribute(triage.triage(failures, log=excerpt.text), upstream.Evidence(installed_log=excerpt.text))
    return Logged(name, excerpt, found, root)


def _check_file(path: Path) -> None:
    """A log file suture may read: a regular file named without a link (a repository's `ci.log` can be
    a link to ~/.netrc, a FIFO no one writes, a device), its head text rather than binary data."""
    if not os.path.lexists(path):
        raise UsageError(f"no log file at {path}: give the path of a saved CI log, {_LOG_HINT}")
    if path.is_symlink():
        raise UsageError(
            f"{path} is a symbolic link: give the file it points to (suture follows no link in a log's "
            "name: a repository's file could point at a secret)"
        )
    if path.is_dir():
        raise UsageError(f"{path} is a directory, not a log file: give one log file inside it")
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise UsageError(f"cannot read the log {path}: {exc.strerror}; check its permissions") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise UsageError(
                f"{path} is not a regular file (a FIFO, a device or a socket): save the log to a file, "
                "or pipe it in with --log -"
            )
        head = os.read(fd, SNIFF)
    finally:
        os.close(fd)
    _check_text(head, str(path))


def _check_text(head: bytes, name: str) -> None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            raise UsageError(
                f"{name} is a {kind} archive, not a text log: extract it first "
                "(GitHub's 'Download log archive' is a zip of one text file per step)"
            )
    # A stray NUL or bell in a test's output is fine; binary data is full of control bytes.
    controls = len(head) - len(head.translate(None, _CONTROLS))
    if head.count(b"\0") > len(head) // 100 or controls > len(head) // 20:
        raise UsageError(f"{name} is binary data, not a text log: give the plain-text log of the failing job")


# Control bytes no text log is made of: not tab, newline, CR, form feed, backspace (spinners) or ESC (colours).
_CONTROLS = bytes([*range(0x00, 0x08), *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def _sniffed(stream: BinaryIO, name: str) -> Iterator[bytes]:
    """The stream's chunks, its first checked for binary data before the distiller sees it."""
    first = True
    while chunk := stream.read(CHUNK):
        if first:
            _check_text(chunk[:SNIFF], name)
            first = False
        yield chunk


_ABSOLUTE = re.compile(r"(?<![\w.])(/[^\s\"'():,]+\.py)\b")
_MAX_PATHS = 200


def checkout_root(text: str, paths: Iterable[str]) -> str:
    """The directory the CI had the repository in (`/home/runner/work/app/app`), from the
    absolute paths of the log that end in one of the repository's files; '' if none does.

    `paths` is iterated only when the log has an absolute path: a generator that asks git
    for them costs nothing on a log without one."""
    absolute = list(dict.fromkeys(_ABSOLUTE.findall(text)))[:_MAX_PATHS]
    files = frozenset(paths) if absolute else frozenset()
    if not files:
        return ""
    votes: Counter[str] = Counter()
    for path in absolute:
        parts = path.split("/")
        for cut in range(1, len(parts) - 1):
            if "/".join(parts[cut + 1 :]) in files:
                votes["/".join(parts[: cut + 1])] += 1
                break
    return votes.most_common(1)[0][0] if votes else ""


@dataclass(frozen=True)
class Reproduction:
    """The base's check runs, and why healing cannot go on ('' when the failure reproduced)."""

    build: Build
    problem: str
    diagnosis: Diagnosis  # the log's; re-triaged when its failing tests passed again
    status: Status = "not-reproduced"  # what the heal ends with when `problem` is set


def capture(
    repo: Path,
    sha: str,
    commands: Sequence[str],
    log: LogInput,
    source: Source,
    *,
    sandbox: Sandbox,
    timeout: float,
    redactor: Redactor,
    progress: Progress = lambda _: None,
) -> Reproduction:
    """`suture heal --log`: what the log shows, reproduced on `sha` (the heal loop's capture stage)."""
    name = "stdin" if not isinstance(log, Path) else str(log)
    logged = read(log, name=name, redactor=redactor, paths=source.paths())
    progress(
        f"{name}: {logged.excerpt.total_lines} lines, {len(logged.diagnosis.failures)} root cause(s), "
        f"classified {logged.diagnosis.classification}"
    )
    return reproduce(repo, sha, commands, logged, sandbox=sandbox, timeout=timeout, progress=progress)


def reproduce(
    repo: Path,
    sha: str,
    commands: Sequence[str],
    logged: Logged,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> Reproduction:
    """Run `commands` on `sha` in the sandbox, the log's failing tests first (see the module's docstring).

    A log that shows the runner failing (network, memory, disk, time) is not reproduced:
    there is nothing in the code to fix, and the evidence is in the log.
    """
    diagnosis = logged.diagnosis
    if diagnosis.classification == "environment":
        evidence = triage.environment_evidence(logged.excerpt.text)
        shown = f": {evidence.what}, shown by `{evidence.line}`" if evidence else ""
        return Reproduction(
            Build(repo=str(repo), base_sha=sha, checks=()),
            f"{logged.name} shows the CI's environment failing{shown}; suture does not fix that",
            diagnosis,
            "unfixed",
        )
    from suture.capture.run import run_checks
    from suture.run.git import worktree

    wanted = diagnosis.failing_tests
    progress(f"reproducing {len(wanted)} failing test(s) of {logged.name} first" if wanted else "reproducing")
    with worktree(repo, sha) as tree:
        runs = run_checks(tree, commands, sandbox=sandbox, timeout=timeout, first=wanted, progress=progress)
    return judge(Build(repo=str(repo), base_sha=sha, checks=runs), logged)


def judge(build: Build, logged: Logged) -> Reproduction:
    """Whether the base's runs show the log's failure again.

    They do when a check fails and, if the log names failing tests, one of those fails
    again (or none of them could be told apart in the runs: a CI that names tests from
    another directory). Tests of the log that passed are flaky evidence.
    """
    diagnosis = logged.diagnosis
    where = f"on {build.base_sha[:12]} in the sandbox"
    if not build.failed_checks and diagnosis.classification == "dependency":
        return Reproduction(
            build,
            f"the failure in {logged.name} did not reproduce {where}, and it is a dependency's: "
            f"{upstream.summary(diagnosis.failures)}; this environment has another version (not flaky)",
            diagnosis,
        )
    if not build.failed_checks:
        return Reproduction(
            build,
            f"the failure in {logged.name} did not reproduce: every check passes {where} (a flaky test, "
            "or a difference between the CI's environment and this one); nothing to fix",
            _flaky(diagnosis, diagnosis.failing_tests),
        )
    outcomes = {test: _outcome(build, test) for test in diagnosis.failing_tests}
    again = [test for test, outcome in outcomes.items() if outcome in ("failed", "error")]
    passed = [test for test, outcome in outcomes.items() if outcome == "passed"]
    if passed and not again:
        shown = ", ".join(passed[:3]) + (f" and {len(passed) - 3} more" if len(passed) > 3 else "")
        return Reproduction(
            build,
            f"the tests that failed in {logged.name} pass {where} ({shown}); another check fails there: "
            "run `suture heal` without --log to heal that",
            _flaky(diagnosis, passed),
        )
    return Reproduction(build, "", diagnosis)


def _flaky(diagnosis: Diagnosis, passed: Sequence[str]) -> Diagnosis:
    """The log's diagnosis with the groups whose tests passed again classified flaky."""
    if not passed:
        return diagnosis
    return replace(diagnosis, classification=triage.triage(diagnosis.failures, flaky=passed).classification)


def _outcome(build: Build, test_id: str) -> str | None:
    for check in build.checks:
        outcome = check.outcome_of(test_id)
        if outcome is not None:
            return outcome
    return None
