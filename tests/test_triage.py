"""Triage: root-cause groups and their class, flaky tests found by real reruns."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

import pytest
from helpers import make_repo

from suture.diagnose import fromlog
from suture.diagnose.parsers import parse
from suture.diagnose.parsers.pytest import parse_junit
from suture.diagnose.triage import Evidence, environment_evidence, groups, rerun_failing, triage
from suture.records import Failure, Frame
from suture.redact import Redactor

DATA = Path(__file__).parent / "data"
ROOT = "/ROOT"


def parsed(name: str, check: str = "") -> list[Failure]:
    return parse((DATA / name).read_text(), root=ROOT, check=check)


def test_forty_tests_failing_on_one_nameerror_are_one_group() -> None:
    first, second = parsed("pytest/nameerror_q.txt")  # raised in total(), one via mean()
    many = [replace(first, test_ids=(f"tests/test_calc.py::test_{i}",)) for i in range(38)]

    found = groups([first, second, *many])

    assert len(found) == 1
    assert len(found[0].cause.test_ids) == 40
    assert found[0].classification == "code"


def test_the_same_error_at_two_places_is_two_groups() -> None:
    failure = parsed("pytest/nameerror_q.txt")[0]
    elsewhere = replace(failure, frames=(Frame("src/calc/other.py", 3, "total"),))

    assert len(groups([failure, elsewhere])) == 2


def test_messages_that_differ_only_in_run_noise_group() -> None:
    failure = parsed("pytest/nameerror_q.txt")[0]
    a = replace(failure, message="connection <Conn at 0x7f3e15233590> closed after 1.5s")
    b = replace(failure, message="connection <Conn at 0x7f00aa233590> closed after 2.25s", test_ids=("t::b",))

    assert len(groups([a, b])) == 1


def test_collection_errors_of_two_modules_on_one_import_are_one_group() -> None:
    found = groups(parsed("pytest/collection_nameerror.txt"))

    assert len(found) == 1
    assert found[0].classification == "code"


PARAMETRIZED = {
    "words.py": "def underscore(word):\n    word.lower()\n\n\ndef plural(word):\n    return word\n",
    "test_words.py": (
        "import pytest\n\nfrom words import plural, underscore\n\n\n"
        "@pytest.mark.parametrize('word', ['Product', 'HTML', 'FreeBSD'])\n"
        "def test_underscore(word):\n    assert underscore(word) == word.lower()\n\n\n"
        "@pytest.mark.parametrize(('word', 'count'), [('cat', 3), ('dog', 12)])\n"
        "def test_plural(word, count):\n    assert plural(word) == word + 's' * count\n"
    ),
}


def pytest_failures(repo: Path) -> tuple[list[Failure], str]:
    """The failures of a real pytest run in `repo`, and its output."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return parse(done.stdout, root=str(repo), check="pytest"), done.stdout


def test_one_assertion_failing_for_each_parameter_is_one_group(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", PARAMETRIZED)
    failures, output = pytest_failures(repo)
    assert len(failures) == 5, output  # each with its own values in the report

    found = groups(failures)

    assert [len(group.cause.test_ids) for group in found] == [3, 2]
    assert found[0].cause.message.startswith("assert None == "), found[0].cause.message


SUBCLASSES = {
    "cache.py": "class Cache:\n    def __init__(self):\n        self.__data = {}\n\n"
    "    def __len__(self):\n        return len(self.__dat)\n\n\n"
    "class LRUCache(Cache):\n    pass\n\n\nclass TTLCache(Cache):\n    pass\n",
    "tests/test_cache.py": "import pytest\nfrom cache import Cache, LRUCache, TTLCache\n\n\n"
    "@pytest.mark.parametrize('kind', [Cache, LRUCache, TTLCache])\ndef test_empty(kind):\n"
    "    assert len(kind()) == 0\n\n\ndef test_lru():\n    assert len(LRUCache()) == 0\n",
}


def test_one_attribute_error_raised_for_each_subclass_is_one_group(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", SUBCLASSES)
    failures, output = pytest_failures(repo)
    assert len({failure.message for failure in failures}) == 3, output  # 'Cache', 'LRUCache', 'TTLCache'

    (group,) = groups(failures)

    assert len(group.cause.test_ids) == 4


def test_assertions_at_two_places_are_two_groups() -> None:
    failure = replace(parsed("pytest/nameerror_q.txt")[0], error_type="AssertionError", message="assert 1 == 2")
    elsewhere = replace(failure, frames=(Frame("tests/test_calc.py", 9, "test_other"),), message="assert 3 == 4")

    assert len(groups([failure, elsewhere])) == 2


def test_lint_groups_by_rule() -> None:
    found = groups(parsed("ruff/check_full.txt", "ruff check ."))

    assert [(g.cause.error_type, len(g.members)) for g in found] == [
        ("invalid-syntax", 2),
        ("F401", 2),
        ("E711", 1),
        ("F821", 1),
    ]
    assert {g.classification for g in found} == {"lint/format"}


@pytest.mark.parametrize(
    ("name", "classification"),
    [
        ("pytest/typeerror_concat.txt", "code"),
        ("unittest/default.txt", "code"),
        ("traceback/chained.txt", "code"),
        ("generic/gcc.txt", "code"),
        ("pip/no_version.txt", "code"),  # a pin that cannot be met: the requirements' mistake
        ("pip/index_unreachable.txt", "environment"),  # the same error, with the index down
        ("mypy/strict.txt", "lint/format"),
        ("black/check.txt", "lint/format"),
        ("isort/check.txt", "lint/format"),
        ("pytest/green.txt", "unknown"),
    ],
)
def test_class_of_real_logs(name: str, classification: str) -> None:
    assert triage(parsed(name)).classification == classification


ENVIRONMENT_LOGS = [
    ("network", "fatal: unable to access 'https://github.com/o/r/': Could not resolve host: github.com"),
    ("network", "socket.gaierror: [Errno -3] Temporary failure in name resolution"),
    ("network", "ConnectionResetError: [Errno 104] Connection reset by peer"),
    ("out of memory", "/home/runner/work/_temp/x.sh: line 1:  2112 Killed\nKilled"),
    ("out of memory", "##[error]Process completed with exit code 137."),
    ("disk full", "OSError: [Errno 28] No space left on device: '/tmp/pip-unpack'"),
    (
        "runner time limit",
        "##[error]The job running on runner GitHub Actions 2 has exceeded the maximum execution time of 360 minutes.",
    ),
    ("missing system library", "ImportError: libGL.so.1: cannot open shared object file: No such file or directory"),
    ("package index outage", "ERROR: HTTP error 503 while getting https://files.pythonhosted.org/x.whl"),
    ("package index outage", "WARNING: Retrying after connection broken by 503 Service Unavailable"),
]


@pytest.mark.parametrize(("what", "log"), ENVIRONMENT_LOGS)
def test_environment_evidence(what: str, log: str) -> None:
    evidence = environment_evidence(log)

    assert evidence is not None and evidence.what == what
    assert evidence.line in log.splitlines()
    assert triage([], log=log).classification == "environment"


def test_environment_wins_over_the_failures_it_causes() -> None:
    pip_down = parsed("pip/index_unreachable.txt")
    then_tests = parsed("pytest/collection_importerror.txt")

    diagnosis = triage([*pip_down, *then_tests])

    assert diagnosis.classification == "environment"
    assert groups(pip_down)[0].evidence == Evidence(
        "network",
        next(line for line in (DATA / "pip" / "index_unreachable.txt").read_text().splitlines() if "Retrying" in line),
    )


def test_a_network_error_inside_a_test_is_not_the_runners() -> None:
    # deep.txt: a test connects to a closed port it chose itself.
    assert triage(parsed("pytest/deep.txt")).classification == "code"


@pytest.mark.parametrize("log", ["", "1 passed in 0.1s", "warning: something is deprecated"])
def test_no_environment_evidence(log: str) -> None:
    assert environment_evidence(log) is None


FLAKY = {
    "test_flaky.py": """
from pathlib import Path


def test_sometimes():
    # Fails on every odd run: the counter file persists between runs.
    counter = Path(__file__).with_name("runs.txt")
    runs = int(counter.read_text()) if counter.exists() else 0
    counter.write_text(str(runs + 1))
    assert runs % 2 == 0


def test_always():
    assert 1 + 1 == 3


def test_fine():
    assert True
""",
    ".gitignore": "runs.txt\nreport.xml\n",
}


def run_tests(repo: Path, test_ids: tuple[str, ...]) -> Mapping[str, bool]:
    """Run the tests once in `repo` and say which passed (pytest's JUnit report)."""
    report = repo / "report.xml"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}", *test_ids],
        cwd=repo,
        capture_output=True,
        check=False,
        timeout=120,
    )
    results, _ = parse_junit(report.read_text(), root=str(repo), check="pytest")
    return {result.test_id: result.outcome == "passed" for result in results}


def test_a_test_that_passes_on_rerun_is_flaky(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FLAKY)
    (repo / "runs.txt").write_text("2")  # as the failing CI run left it: it read 1, an odd run
    calls: list[tuple[str, ...]] = []

    def rerun(test_ids: tuple[str, ...]) -> Mapping[str, bool]:
        calls.append(test_ids)
        return run_tests(repo, test_ids)

    failing = ("test_flaky.py::test_sometimes", "test_flaky.py::test_always")
    reruns = rerun_failing(failing, rerun, times=3)

    assert reruns.flaky == {"test_flaky.py::test_sometimes"}
    assert reruns.consistent == {"test_flaky.py::test_always"}
    # A test that passed once is not run again.
    assert calls == [failing, ("test_flaky.py::test_always",), ("test_flaky.py::test_always",)]


def test_flaky_groups_are_classified_flaky() -> None:
    failure = parsed("pytest/assertion.txt")[0]

    assert triage([failure], flaky=failure.test_ids).classification == "flaky"
    assert triage([failure], flaky=()).classification == "code"


def test_a_log_read_from_a_file(tmp_path: Path) -> None:
    log = b"  Collecting x\n" * 3000 + (DATA / "pytest" / "nameerror_q.txt").read_bytes() + b"cleanup\n" * 400
    path = tmp_path / "ci.log"
    path.write_bytes(log)

    logged = fromlog.read(
        path, name="ci.log", redactor=Redactor(), paths=["src/calc/__init__.py", "tests/test_calc.py"]
    )
    excerpt, diagnosis = logged.excerpt, logged.diagnosis

    assert diagnosis.classification == "code"
    [failure] = diagnosis.failures
    assert failure.test_ids == ("tests/test_calc.py::test_total", "tests/test_calc.py::test_mean")
    assert failure.location == Frame("src/calc/__init__.py", 5, "total")
    assert "E       NameError: name 'reslt' is not defined" in excerpt.text.split("\n")
    assert len(excerpt.lines) < 100
