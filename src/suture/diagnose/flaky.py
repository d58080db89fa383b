"""Flaky triage in the heal loop: rerun the failing tests on the unchanged base, in the sandbox.

    recheck(build, diagnosis, *, times, sandbox, timeout) -> Rechecked

A test that failed and then passes on the same commit is flaky: a "fix" for it would be
verified by luck (the test may pass whatever the patch), so it is reported with the reruns
as evidence, never fixed. `triage.rerun_failing` decides; this module runs the tests.

What it costs, and why it stays cheap:

- only the failing test ids run, with the check's own pytest (`python -m pytest <ids>`):
  seconds, not a second run of the suite; the reruns share one worktree of the base, as a
  CI job's retries share its checkout;
- a test that passed once is not run again (`rerun_failing`), so a flaky test costs one or
  two reruns; a consistently failing one costs `times` (default 3, `flaky-reruns`);
- a check with more than MAX_TESTS such failing tests is not rerun: that many failing
  together is a broken build, not bad luck;
- failures that do not depend on timing or ordering are not rerun at all: the errors the
  interpreter raises about the program's text and types (SyntaxError, a NameError, an
  import that cannot be resolved, `"text" + 3`, a misspelt attribute, a fixture no one
  defines), collection errors, lint and format findings. These are the mechanical
  mistakes the deterministic fixers exist for, and rerunning them three times would more
  than double the time a heal takes (measured: 12 s -> 28 s for the classic TypeError on
  the project's busy 2-core machine). Assertions, timeouts, connection and OS errors, an
  AttributeError on None (how a race usually shows) and the rest are rerun: their outcome
  can depend on data, time, order and the network.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from suture.capture.run import Progress, run_check
from suture.diagnose import triage
from suture.records import Build, Diagnosis, Failure
from suture.run.git import worktree
from suture.run.sandbox import Sandbox

# Raised about the program's text and types: the same on every run of the same commit.
DETERMINISTIC = frozenset(
    {
        "SyntaxError",
        "IndentationError",
        "TabError",
        "NameError",
        "UnboundLocalError",
        "ImportError",
        "ModuleNotFoundError",
        "FixtureLookupError",
        "TypeError",
        "AttributeError",
    }
)
_TEST_KINDS = frozenset({"test-failure", "test-error"})
# More failing tests than this in one check is a broken build, not a flaky test: not rerun.
MAX_TESTS = 50


@dataclass(frozen=True)
class Rechecked:
    """The diagnosis after the reruns, and what they showed."""

    diagnosis: Diagnosis
    reruns: triage.Reruns | None  # None when nothing was rerun
    evidence: str  # one line for the outcome's reason: which tests passed a rerun, which never did


def worth_rerunning(failure: Failure) -> bool:
    """A pytest failure whose outcome may change from run to run (see the module's docstring)."""
    return (
        failure.tool == "pytest"
        and failure.kind in _TEST_KINDS
        and bool(failure.test_ids)
        and failure.upstream is None  # a release that removed an API fails the same way every time
        and (failure.error_type not in DETERMINISTIC or "NoneType" in failure.message)
    )


def recheck(
    build: Build,
    diagnosis: Diagnosis,
    *,
    times: int,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> Rechecked:
    """Rerun the tests of the diagnosis that may be flaky, `times` times at most, and re-triage.

    The groups whose every test passed a rerun become `flaky`; the build is flaky when all are.
    """
    suspects = [f for f in diagnosis.failures if worth_rerunning(f)]
    if times < 1 or not suspects:
        return Rechecked(diagnosis, None, "")
    reruns: dict[str, triage.Reruns] = {}
    with worktree(Path(build.repo), build.base_sha) as tree:
        for check, ids in _by_check(suspects).items():
            if rerun_command(check, ()) is None or len(ids) > MAX_TESTS:
                continue

            def once(test_ids: tuple[str, ...], check: str = check) -> Mapping[str, bool]:
                run = run_check(tree, str(rerun_command(check, test_ids)), sandbox=sandbox, timeout=timeout)
                return {test_id: run.outcome_of(test_id) == "passed" for test_id in test_ids}

            progress(f"rerunning {len(ids)} failing test(s) on the unchanged base, up to {times} times")
            reruns[check] = triage.rerun_failing(ids, once, times=times)
    if not reruns:
        return Rechecked(diagnosis, None, "")
    merged = triage.Reruns(runs=times, passes={t: n for r in reruns.values() for t, n in r.passes.items()})
    flaky = merged.flaky
    if flaky:
        progress(f"flaky: {len(flaky)} test(s) passed on a rerun of the unchanged base")
    return Rechecked(_retriaged(diagnosis, flaky), merged, describe(merged))


def _by_check(failures: list[Failure]) -> dict[str, tuple[str, ...]]:
    ids: dict[str, dict[str, None]] = {}
    for failure in failures:
        ids.setdefault(failure.check, {}).update(dict.fromkeys(failure.test_ids))
    return {check: tuple(found) for check, found in ids.items()}


def _retriaged(diagnosis: Diagnosis, flaky: frozenset[str]) -> Diagnosis:
    """The diagnosis with each group whose every test passed a rerun classified flaky."""
    if not flaky:
        return diagnosis
    found = triage.groups(diagnosis.failures, flaky=flaky)
    return replace(diagnosis, classification=triage.overall(found))


def describe(reruns: triage.Reruns) -> str:
    """`tests/t.py::test_a passed on a rerun of the unchanged base; tests/t.py::test_b failed all 3 reruns`."""
    parts = []
    for test_id, passes in reruns.passes.items():
        if passes:
            parts.append(f"{test_id} passed on a rerun of the unchanged base")
        else:
            parts.append(f"{test_id} failed all {reruns.runs} reruns")
    return "; ".join(parts)


def rerun_command(check: str, test_ids: tuple[str, ...]) -> str | None:
    """The check's own pytest on `test_ids` only: `.venv/bin/python -m pytest -q x -n 2` -> `.venv/bin/python
    -m pytest -p no:cacheprovider -q <ids>`; None when the check does not start pytest itself."""
    try:
        words = shlex.split(check)
    except ValueError:
        return None
    for index, word in enumerate(words):
        if os.path.basename(word) in ("pytest", "py.test"):
            end = index + 1
        elif word == "-m" and words[index + 1 : index + 2] == ["pytest"]:
            end = index + 2
        else:
            continue
        return shlex.join([*words[:end], "-p", "no:cacheprovider", "-q", *test_ids])
    return None
