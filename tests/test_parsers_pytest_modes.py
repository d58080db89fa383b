"""The pytest parser over pytest's other modes: xdist workers, doctests, missing fixtures.

The logs are real runs, made by tests/data/pytest/regenerate.py (scenarios `xdist`,
`doctest`, `fixture_missing`). With xdist the workers report in the order they finish, so
the rows are compared as sets.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from suture.diagnose.parsers import parse
from suture.diagnose.parsers.pytest import parse_junit, parse_output
from suture.diagnose.triage import groups
from suture.records import Failure

DATA = Path(__file__).parent / "data" / "pytest"
ROOT = "/ROOT"

Row = tuple[str, str, str, str, tuple[str, int, str] | None]  # test id, kind, type, message, raised at

NAME = "name 'reslt' is not defined"
NAMEERROR: set[Row] = {
    ("tests/test_calc.py::test_total", "test-failure", "NameError", NAME, ("src/calc/__init__.py", 5, "total")),
    ("tests/test_calc.py::test_mean", "test-failure", "NameError", NAME, ("src/calc/__init__.py", 5, "total")),
}
DOCTEST: set[Row] = {
    (
        "src/money/__init__.py::money.cents",
        "test-failure",
        "DocTestFailure",
        "cents(1.5): expected 150, got 150.0",
        ("src/money/__init__.py", 4, ""),  # the example's line
    ),
    (
        # The example raised: the exception is the failure, where it was raised.
        "src/money/__init__.py::money.parse",
        "test-failure",
        "NameError",
        "name 'numbr' is not defined",
        ("src/money/__init__.py", 17, "parse"),
    ),
}
FIXTURES: set[Row] = {
    (
        "tests/test_store.py::test_rows",
        "test-error",
        "FixtureLookupError",
        "fixture 'db' not found",
        ("tests/test_store.py", 1, "test_rows"),
    ),
    (
        "tests/test_store.py::test_connect",
        "test-error",
        "ValueError",
        "unsupported database url: postgres://localhost/test",
        ("src/store/__init__.py", 3, "connect"),
    ),
}


def row(failure: Failure) -> Row:
    where = failure.location
    at = (where.path, where.line, where.function) if where else None
    return (failure.test_ids[0], failure.kind, failure.error_type, failure.message, at)


CONSOLE = [
    pytest.param("nameerror_xdist.txt", NAMEERROR, id="xdist -n 2 -q"),
    pytest.param("nameerror_xdist_v.txt", NAMEERROR, id="xdist -n 2 -v"),
    pytest.param("doctest.txt", DOCTEST, id="doctests -q"),
    pytest.param("doctest_ra.txt", DOCTEST, id="doctests -rA"),
    pytest.param("fixture_missing.txt", FIXTURES, id="missing fixture -q"),
    pytest.param("fixture_missing_xdist.txt", FIXTURES, id="missing fixture, xdist"),
]


@pytest.mark.parametrize(("name", "expected"), CONSOLE)
def test_console(name: str, expected: set[Row]) -> None:
    failures = parse_output((DATA / name).read_text(), root=ROOT, check="python -m pytest -n 2")

    assert {row(f) for f in failures} == expected
    assert len(failures) == len(expected)


@pytest.mark.parametrize(("name", "expected"), CONSOLE)
def test_read_from_a_log_of_unknown_origin(name: str, expected: set[Row]) -> None:
    """A CI log does not say which tool printed it: the signs of pytest's output do."""
    assert {row(f) for f in parse((DATA / name).read_text(), root=ROOT, check="")} == expected


JUNIT = [
    pytest.param("nameerror_xdist.junit.xml", NAMEERROR, id="xdist"),
    pytest.param("doctest.junit.xml", DOCTEST, id="doctests"),
    pytest.param("fixture_missing.junit.xml", FIXTURES, id="missing fixture"),
]


@pytest.mark.parametrize(("name", "expected"), JUNIT)
def test_junit(name: str, expected: set[Row]) -> None:
    _, failures = parse_junit((DATA / name).read_text(), root=ROOT, check="pytest")

    assert {row(f) for f in failures} == expected


def test_xdist_and_serial_runs_fingerprint_alike() -> None:
    """The workers' `[gw0]` lines and their order are no part of a failure's identity."""
    serial = parse_output((DATA / "nameerror_q.txt").read_text(), root=ROOT, check="pytest")
    parallel = parse_output((DATA / "nameerror_xdist_v.txt").read_text(), root=ROOT, check="pytest")

    assert {f.fingerprint for f in serial} == {f.fingerprint for f in parallel}
    [group] = groups(parallel)
    assert set(group.cause.test_ids) == {"tests/test_calc.py::test_total", "tests/test_calc.py::test_mean"}


def test_doctest_failures_are_code_defects() -> None:
    failures = parse_output((DATA / "doctest.txt").read_text(), root=ROOT, check="pytest")

    assert [g.classification for g in groups(failures)] == ["code", "code"]
