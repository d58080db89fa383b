"""A failed assertion whose cause raised nothing: a swallowed AttributeError of a standard-library
module, a value computed last and never returned. Failures come from real pytest runs."""

from __future__ import annotations

from pathlib import Path

from fixer_helpers import applied, commit, pytest_passes
from projects import PYTEST

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.fixers.assertions import AssertionsFixer, named_functions
from suture.records import Failure
from suture.run.sandbox import by_name

# The uuid.UID mistake inside a try whose except catches it (found on boltons).
CHECKS = (
    "import uuid\n\n\ndef is_uuid(obj):\n    try:\n        uuid.{name}(obj)\n"
    "    except (TypeError, ValueError, AttributeError):\n        return False\n    return True\n"
)
CHECKS_TEST = (
    "import uuid\n\nfrom pkg import checks\n\n\n"
    "def test_is_uuid():\n    assert checks.is_uuid(str(uuid.uuid4())) == True\n"
)
# `return` lost before the last line of __contains__ (found on cachetools).
BAG = (
    "class Bag:\n    def __init__(self):\n        self.items = {{}}\n\n"
    "    def add(self, key):\n        self.items[key] = 1\n\n"
    "    def __contains__(self, key):\n        {statement}key in self.items\n"
)
BAG_TEST = "from pkg.bag import Bag\n\n\ndef test_in():\n    bag = Bag()\n    bag.add(1)\n    assert 1 in bag\n"


def failure_of(repo: Path, sha: str) -> Failure:
    build = capture(repo, sha, [PYTEST], sandbox=by_name("none"), timeout=120)
    (failed,) = diagnose(build).failures
    return failed


def test_a_caught_attribute_error_of_a_standard_library_module(tmp_path: Path) -> None:
    files = {"pkg/checks.py": CHECKS.format(name="UID"), "tests/test_checks.py": CHECKS_TEST}
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    failed = failure_of(tmp_path, source.sha)
    assert failed.error_type == "AssertionError", failed.message
    assert "is_uuid" in named_functions(failed.excerpt)

    (found,) = AssertionsFixer().propose(failed, source)

    assert applied(tmp_path, found, "pkg/checks.py") == CHECKS.format(name="UUID")
    assert found.rank == 0
    assert "`uuid.UID`, which uuid does not have" in found.rationale
    assert pytest_passes(tmp_path)


def test_a_comparison_computed_last_and_thrown_away_is_returned(tmp_path: Path) -> None:
    files = {"pkg/bag.py": BAG.format(statement=""), "tests/test_bag.py": BAG_TEST}
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    failed = failure_of(tmp_path, source.sha)
    assert failed.error_type == "AssertionError", failed.message

    (found,) = AssertionsFixer().propose(failed, source)

    assert applied(tmp_path, found, "pkg/bag.py") == BAG.format(statement="return ")
    assert found.rank == 1
    assert pytest_passes(tmp_path)


def test_nothing_to_propose_for_sound_code(tmp_path: Path) -> None:
    """The test's own expectation is wrong: the code shows no mistake of these kinds; a function
    ending in a call (`self.items.clear()`) is not a thrown-away value."""
    bag = BAG.format(statement="return ") + "\n    def empty(self):\n        self.items.clear()\n"
    wrong = BAG_TEST.replace("assert 1 in bag", "assert 2 in bag")
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/bag.py": bag, "tests/test_bag.py": wrong})
    failed = failure_of(tmp_path, source.sha)

    assert AssertionsFixer().propose(failed, source) == []


def test_platform_attributes_outside_the_named_functions_are_left_alone(tmp_path: Path) -> None:
    """`os.O_BINARY` exists only on Windows: unknown here, but no function the report names uses it."""
    checks = CHECKS.format(name="UID") + "\n\ndef binary():\n    return os.O_BINARY\n"
    checks = "import os\n" + checks
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/checks.py": checks, "tests/test_checks.py": CHECKS_TEST})
    failed = failure_of(tmp_path, source.sha)

    (found,) = AssertionsFixer().propose(failed, source)

    assert applied(tmp_path, found, "pkg/checks.py") == checks.replace("uuid.UID", "uuid.UUID")


def test_named_functions_in_pytest_s_report() -> None:
    report = (
        "E       AssertionError: assert False == True\n"
        "E        +  where False = <function is_uuid at 0x7fdbd3a23d80>('d5')\n"
        "E        +    where <function is_uuid at 0x7fdbd3a23d80> = strutils.is_uuid\n"
        "E        +  where 3 = bag.count(1)\n"
    )
    assert named_functions(report) == {"is_uuid", "count"}
    assert named_functions("assert 1 == 2") == set()
