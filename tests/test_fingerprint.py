"""Fingerprints: stable across reruns and unrelated commits, different for different failures."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from suture.diagnose.fingerprint import combine, failure_fingerprint
from suture.diagnose.parsers.pytest import parse_junit, parse_output
from suture.records import Failure

DATA = Path(__file__).parent / "data" / "pytest"


def parsed(name: str, root: str = "/ROOT") -> list[Failure]:
    text = (DATA / name).read_text()
    if name.endswith(".xml"):
        return parse_junit(text, root=root, check="pytest")[1]
    return parse_output(text, root=root, check="pytest")


def fingerprint(failure: Failure, **changes: Any) -> str:
    """The fingerprint of `failure` as its parser makes it, with some fields changed."""
    changed = replace(failure, **changes)
    return failure_fingerprint(
        tool=changed.tool,
        error_type=changed.error_type,
        message=changed.message,
        location=changed.location.path if changed.location else "",
        test_ids=changed.test_ids,
    )


# The same failing project, run twice in two temp dirs (saved as /ROOT and /ROOT-rerun).
@pytest.mark.parametrize(
    ("first", "second"),
    [("rerun_a.txt", "rerun_b.txt"), ("rerun_a.junit.xml", "rerun_b.junit.xml")],
)
def test_same_failure_in_two_runs_has_one_fingerprint(first: str, second: str) -> None:
    run_a, run_b = parsed(first, root="/ROOT"), parsed(second, root="/ROOT-rerun")

    # The messages really differ: timestamp and duration, addresses, tmp_path, checkout path.
    assert [a.message != b.message for a, b in zip(run_a, run_b, strict=True)] == [True] * 4
    assert [a.fingerprint for a in run_a] == [b.fingerprint for b in run_b]
    assert len(set(a.fingerprint for a in run_a)) == 4


def test_an_unrelated_commit_that_moves_lines_keeps_the_fingerprint() -> None:
    before, after = parsed("nameerror_q.txt"), parsed("nameerror_moved.txt")

    assert [f.location.line for f in before if f.location] == [5, 5]
    assert [f.location.line for f in after if f.location] == [10, 10]
    assert [f.fingerprint for f in before] == [f.fingerprint for f in after]


def test_output_style_and_colour_keep_the_fingerprint() -> None:
    styles = ["nameerror_q.txt", "nameerror_v.txt", "nameerror_short.txt", "nameerror_color.txt"]

    assert len({tuple(f.fingerprint for f in parsed(name)) for name in styles}) == 1


def test_what_makes_a_failure_different_changes_the_fingerprint() -> None:
    total = parsed("nameerror_q.txt")[0]
    assert fingerprint(total) == total.fingerprint
    other_file = replace(total.frames[-1], path="src/calc/stats.py")

    variants = {
        fingerprint(total),
        fingerprint(total, error_type="TypeError"),
        fingerprint(total, message="name 'totl' is not defined"),
        fingerprint(total, frames=(*total.frames[:-1], other_file)),
        fingerprint(total, test_ids=("tests/test_calc.py::test_mean",)),
        fingerprint(total, tool="unittest"),
    }
    assert len(variants) == 6


def test_test_ids_are_a_set_but_parameters_count() -> None:
    def of(*test_ids: str) -> str:
        return failure_fingerprint(tool="pytest", error_type="E", message="m", location="a.py", test_ids=test_ids)

    assert of("t.py::test_a", "t.py::test_b[1]") == of("t.py::test_b[1]", "t.py::test_a")
    assert of("t.py::test_b[1]") != of("t.py::test_b[2]")


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param(
            "assert <jobs.Job object at 0x7fb6832f7fd0> is <jobs.Job object at 0x7fb6832f73d0>",
            "assert <jobs.Job object at 0x10a2b3c4d> is <jobs.Job object at 0x10a2b3c50>",
            id="memory addresses",
        ),
        pytest.param("no answer in 0.010229s", "no answer in 1.5s", id="seconds"),
        pytest.param("timed out in 0.5 seconds", "timed out in 12 seconds", id="in N seconds"),
        pytest.param("took 250ms", "took 1200 ms", id="milliseconds"),
        pytest.param(
            "No such file or directory: '/tmp/pytest-of-root/pytest-3/test_state0/state.json'",
            "No such file or directory: '/tmp/pytest-of-runner/pytest-17/test_state0/state.json'",
            id="tmp_path",
        ),
        pytest.param(
            "cannot open /tmp/tmpk2j8x_1/cache.db",
            "cannot open /tmp/tmpq0w9ere/cache.db",
            id="tempfile dir",
        ),
        pytest.param(
            "cannot open /private/var/folders/x4/k2j8x1/T/tmpab/cache.db",
            "cannot open /var/folders/q0/zz93je/T/tmpcd/cache.db",
            id="macOS temp dir",
        ),
        pytest.param(
            "job started 2026-11-22T04:23:04.401253 did not finish",
            "job started 2026-11-23T17:01:59.000001+00:00 did not finish",
            id="ISO timestamps",
        ),
        pytest.param(
            "<Mock name='get' id='140234567890123'> was not awaited",
            "<Mock name='get' id='139876543210987'> was not awaited",
            id="object ids",
        ),
        pytest.param("name  'x' is\tnot defined ", "name 'x' is not defined", id="white space"),
    ],
)
def test_what_changes_between_runs_is_ignored(one: str, other: str) -> None:
    def of(message: str) -> str:
        return failure_fingerprint(tool="pytest", error_type="E", message=message, location="src/m.py", test_ids=["t"])

    assert of(one) == of(other)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        pytest.param("expected 0x10, got 0x20", "expected 0x10, got 0x30", id="short hex is data"),
        pytest.param("cannot open /repo/tmp/a.db", "cannot open /repo/tmp/b.db", id="a repo's tmp"),
        pytest.param("name 'x' is not defined", "name 'y' is not defined", id="other name"),
        pytest.param(
            "No such file or directory: '/tmp/pytest-of-root/pytest-3/test_state0/state.json'",
            "No such file or directory: '/tmp/pytest-of-root/pytest-3/test_state0/other.json'",
            id="other file in tmp_path",
        ),
    ],
)
def test_what_differs_in_substance_is_kept(one: str, other: str) -> None:
    def of(message: str) -> str:
        return failure_fingerprint(tool="pytest", error_type="E", message=message, location="src/m.py", test_ids=["t"])

    assert of(one) != of(other)


def test_location_ignores_line_numbers_and_spelling() -> None:
    def of(location: str) -> str:
        return failure_fingerprint(tool="pytest", error_type="E", message="m", location=location, test_ids=[])

    assert of("src/calc/__init__.py") == of("src/calc/__init__.py:5") == of("./src/calc/__init__.py:9:3")
    assert of("src\\calc\\__init__.py") == of("src/calc/__init__.py")
    assert of("src/calc/__init__.py") != of("src/calc/stats.py")


def test_combine_is_order_independent() -> None:
    prints = [f.fingerprint for f in parsed("deep.txt")]

    assert combine(prints) == combine(reversed(prints)) == combine([*prints, prints[0]])
    assert combine(prints) != combine(prints[:2])
    assert re.fullmatch(r"[0-9a-f]{12}", combine(prints))
    assert all(re.fullmatch(r"[0-9a-f]{12}", p) for p in prints)
