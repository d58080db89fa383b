from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.attributes import AttributesFixer

GEOMETRY = "def area(w, h):\n    return w * h\n"
BOX = (
    "class Box:\n    def __init__(self, width):\n        self.width = width\n\n    def area(self):\n"
    "        return self.width ** 2\n"
)


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]
    run: str  # code that raises the AttributeError, run by a real interpreter
    expected: list[dict[str, str]]  # per candidate, in the fixer's order: the files it changes, after it
    ranks: list[int]
    suggestion: bool = False  # keep the interpreter's "Did you mean" (else: as a CI log shows it)


CASES = {
    "project-module-at-the-use-then-at-the-definition": Case(
        {
            "pkg/__init__.py": "",
            "pkg/geometry.py": GEOMETRY,
            "pkg/report.py": "from pkg import geometry\n\n\ndef report():\n    return geometry.are(2, 3)\n",
        },
        "from pkg.report import report; report()",
        [
            {"pkg/report.py": "from pkg import geometry\n\n\ndef report():\n    return geometry.area(2, 3)\n"},
            {"pkg/geometry.py": GEOMETRY.replace("def area", "def are")},
        ],
        [0, 1],
    ),
    "instance-attribute-set-in-init": Case(
        {"pkg/box.py": BOX + "\n\ndef wider(box):\n    return box.widht + 1\n"},
        "from pkg.box import Box, wider; wider(Box(2))",
        [
            {"pkg/box.py": BOX + "\n\ndef wider(box):\n    return box.width + 1\n"},
            {"pkg/box.py": BOX.replace("self.width", "self.widht") + "\n\ndef wider(box):\n    return box.widht + 1\n"},
        ],
        [0, 1],
    ),
    "inherited-from-a-project-class-in-another-module": Case(
        {
            "pkg/base.py": "class Base:\n    total = 0\n",
            "pkg/child.py": "from pkg.base import Base\n\n\nclass Child(Base):\n    def twice(self):\n"
            "        return self.totl * 2\n",
        },
        "from pkg.child import Child; Child().twice()",
        [
            {
                "pkg/child.py": "from pkg.base import Base\n\n\nclass Child(Base):\n    def twice(self):\n"
                "        return self.total * 2\n"
            }
        ],
        [0],
    ),
    "class-attribute-through-the-class": Case(
        {"pkg/conf.py": "class Settings:\n    TIMEOUT = 5\n\n\ndef timeout():\n    return Settings.TIMEOTU * 2\n"},
        "from pkg.conf import timeout; timeout()",
        [
            {"pkg/conf.py": "class Settings:\n    TIMEOUT = 5\n\n\ndef timeout():\n    return Settings.TIMEOUT * 2\n"},
            {"pkg/conf.py": "class Settings:\n    TIMEOTU = 5\n\n\ndef timeout():\n    return Settings.TIMEOTU * 2\n"},
        ],
        [0, 1],
    ),
    "standard-library-module": Case(
        {"pkg/roots.py": "import math\n\n\ndef root(x):\n    return math.sqr(x)\n"},
        "from pkg.roots import root; root(9)",
        [{"pkg/roots.py": "import math\n\n\ndef root(x):\n    return math.sqrt(x)\n"}],
        [0],
    ),
    "builtin-type": Case(
        {"pkg/items.py": "def add(items, item):\n    items.apend(item)\n    return items\n"},
        "from pkg.items import add; add([], 1)",
        [{"pkg/items.py": "def add(items, item):\n    items.append(item)\n    return items\n"}],
        [0],
    ),
    "a-test-asks-for-a-method-the-class-misspells": Case(
        {
            "pkg/box.py": BOX.replace("def area", "def aera")
            + "\n    def double(self):\n        return 2 * self.aera()\n",
            "tests/test_box.py": "from pkg.box import Box\n\n\ndef test_area():\n    assert Box(3).area() == 9\n",
        },
        "from tests.test_box import test_area; test_area()",
        [{"pkg/box.py": BOX + "\n    def double(self):\n        return 2 * self.area()\n"}],
        [0],
        suggestion=True,
    ),
    "a-test-asks-for-a-function-the-module-misspells-and-its-importers-follow": Case(
        {
            "pkg/__init__.py": "",
            "pkg/geometry.py": GEOMETRY.replace("def area", "def aera"),
            "pkg/report.py": "from .geometry import aera\n\n\ndef report():\n    return aera(2, 3)\n",
            "pkg/other.py": "from pkg.geometry import aera as surface\n\n\ndef other():\n    return surface(1, 1)\n",
            "tests/test_geometry.py": "import pkg.geometry\n\n\ndef test_area():\n"
            "    assert pkg.geometry.area(2, 3) == 6\n",
        },
        "from tests.test_geometry import test_area; test_area()",
        [
            {
                "pkg/geometry.py": GEOMETRY,
                "pkg/report.py": "from .geometry import area\n\n\ndef report():\n    return area(2, 3)\n",
                "pkg/other.py": (
                    "from pkg.geometry import area as surface\n\n\ndef other():\n    return surface(1, 1)\n"
                ),
            }
        ],
        [0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, case.files)
    failed = raised(tmp_path, case.run, suggestion=case.suggestion)
    assert failed.error_type == "AttributeError"

    found = AttributesFixer().propose(failed, source)

    assert [{path: applied(tmp_path, c, path) for path in c.paths} for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    assert all(c.origin == "attributes" for c in found)
    applied(tmp_path, found[0], found[0].paths[0])
    run = python(tmp_path, case.run)
    assert run.returncode == 0, run.stderr


def test_rationales(tmp_path: Path) -> None:
    case = CASES["project-module-at-the-use-then-at-the-definition"]
    source = commit(tmp_path, case.files)

    found = AttributesFixer().propose(raised(tmp_path, case.run, suggestion=False), source)

    assert [c.rationale for c in found] == [
        "there is no attribute `are`; rename it on line 5 to the closest, `area`",
        "the code asks for `are`, which the definition calls `area`; rename the definition",
    ]


NOT_FOR_US = {
    "a-third-party-module": (
        {"pkg/use.py": "import pytest\n\n\ndef use():\n    return pytest.aprox(1)\n"},
        "from pkg.use import use; use()",
    ),
    "nothing-close": (
        {"pkg/box.py": BOX + "\n\ndef use(box):\n    return box.height\n"},
        "from pkg.box import Box, use; use(Box(1))",
    ),
    "none": ({"pkg/use.py": "def use():\n    return None.value\n"}, "from pkg.use import use; use()"),
    "an-instance-of-a-class-defined-in-a-function": (
        {"pkg/use.py": "def use():\n    class Box:\n        width = 1\n\n    return Box().widht\n"},
        "from pkg.use import use; use()",
    ),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, files)

    assert AttributesFixer().propose(raised(tmp_path, run, suggestion=False), source) == []


def test_an_object_the_source_cannot_place_gets_the_attributes_the_project_uses(tmp_path: Path) -> None:
    """Two classes `Box`: which one `box` is, the source cannot say; `.width` is what the project
    uses (a guess, rank 1: verification judges)."""
    files = {"pkg/a.py": BOX, "pkg/b.py": BOX, "pkg/use.py": "def use(box):\n    return box.widht\n"}
    source = commit(tmp_path, files)
    failed = raised(tmp_path, "from pkg.a import Box; from pkg.use import use; use(Box(1))", suggestion=False)

    found = AttributesFixer().propose(failed, source)

    assert [(applied(tmp_path, c, "pkg/use.py"), c.rank) for c in found] == [
        ("def use(box):\n    return box.width\n", 1)
    ]


def test_names_as_close_as_the_interpreters_suggestion_come_after_it(tmp_path: Path) -> None:
    """`json.dums`: Python suggests 'dump'; 'dumps' is as close, and the one the code meant."""
    source = commit(
        tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "import json\n\n\ndef save(d):\n    return json.dums(d)\n"}
    )
    failed = raised(tmp_path, "import pkg.mod; pkg.mod.save({})")
    assert "Did you mean: 'dump'?" in failed.message
    found = AttributesFixer().propose(failed, source)
    assert [(applied(tmp_path, c), c.rank) for c in found] == [
        ("import json\n\n\ndef save(d):\n    return json.dumps(d)\n", 1)
    ]


def test_a_misspelt_dunder_in_a_class_body_is_read_unmangled(tmp_path: Path) -> None:
    """`self.__class__.__name_` in class Hook: the message says `_Hook__name_` and suggests
    nothing; the source's spelling is `__name_`, and every object's `__name__` is the closest."""
    hook = "class Hook:\n    def __repr__(self):\n        return f'{{self.__class__.{name}}}()'\n"
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": hook.format(name="__name_")})
    run = "from pkg.m import Hook; assert repr(Hook()) == 'Hook()'"
    failed = raised(tmp_path, run)
    assert failed.message == "type object 'Hook' has no attribute '_Hook__name_'"

    found = AttributesFixer().propose(failed, source)

    assert [applied(tmp_path, c, "pkg/m.py") for c in found] == [hook.format(name="__name__")]
    assert python(tmp_path, run).returncode == 0


DURATION = (
    "import datetime\n\n\nclass Duration:\n    def __init__(self, months):\n        self.months = months\n"
    "        self.tdelta = datetime.timedelta(0)\n\n    def __getattr__(self, name):\n"
    "        return getattr(self.tdelta, name)\n\n    def __add__(self, other):\n"
    "        return Duration(self.months + other.{name})\n"
)


def test_a_name_handed_on_by_getattr_is_renamed_where_it_is_spelt(tmp_path: Path) -> None:
    """isodate's Duration hands unknown attributes to its timedelta: the message names
    'datetime.timedelta', raised in `__getattr__`; the misspelling is in `__add__`."""
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": DURATION.format(name="monthss")})
    run = "from pkg.m import Duration; assert (Duration(1) + Duration(2)).months == 3"
    failed = raised(tmp_path, run)
    assert failed.message == "'datetime.timedelta' object has no attribute 'monthss'"

    found = AttributesFixer().propose(failed, source)

    assert [applied(tmp_path, c, "pkg/m.py") for c in found] == [DURATION.format(name="months")]
    assert python(tmp_path, run).returncode == 0


def test_a_standard_library_class_named_with_its_module(tmp_path: Path) -> None:
    code = "import datetime\n\n\ndef days(delta):\n    return delta.{name}\n"
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/m.py": code.format(name="dayz")})
    failed = raised(tmp_path, "import datetime; from pkg.m import days; days(datetime.timedelta(1))", suggestion=False)
    assert failed.message == "'datetime.timedelta' object has no attribute 'dayz'"

    found = AttributesFixer().propose(failed, source)

    assert applied(tmp_path, found[0], "pkg/m.py") == code.format(name="days")
