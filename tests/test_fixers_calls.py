from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.calls import CallsFixer

AREA = "def area(width, height):\n    return width * height\n"


def a_test(call: str) -> str:
    return f"from pkg.shapes import *\n\n\ndef test_y():\n    assert {call}\n"


DUMP = "import json\n\n\ndef dump(x):\n    return json.dumps(x, {keyword}=2)\n"
SIGN = "from hmac import new\n\n\ndef sign(key):\n    return new(key, msg=b'x', {keyword}='sha256').hexdigest()\n"
WRAP = "from pkg.wrap import Wrapper\n\n\ndef wrap(text):\n    return Wrapper(width=10, {keyword}=False).wrap(text)\n"


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]
    run: str  # code that raises the TypeError, run by a real interpreter
    expected: list[dict[str, str]]  # per candidate, in the fixer's order: the files it changes, after it
    ranks: list[int]


CASES = {
    "missing-argument-the-caller-has": Case(
        {
            "pkg/shapes.py": AREA,
            "pkg/report.py": "from pkg.shapes import area\n\n\ndef report(width, height):\n    return area(width)\n",
        },
        "from pkg.report import report; report(2, 3)",
        [
            {
                "pkg/report.py": (
                    "from pkg.shapes import area\n\n\ndef report(width, height):\n    return area(width, height)\n"
                )
            }
        ],
        [0],
    ),
    "missing-keyword-only-argument": Case(
        {
            "pkg/net.py": (
                "def connect(host, *, port):\n    return (host, port)\n\n\ndef main(host, port=80):\n"
                "    return connect(\n        host,\n    )\n"
            )
        },
        "from pkg.net import main; main('h')",
        [
            {
                "pkg/net.py": (
                    "def connect(host, *, port):\n    return (host, port)\n\n\ndef main(host, port=80):\n"
                    "    return connect(\n        host,\n        port=port,\n    )\n"
                )
            }
        ],
        [0],
    ),
    "missing-constructor-argument": Case(
        {
            "pkg/shapes.py": (
                "class Box:\n    def __init__(self, width, height):\n        self.size = width * height\n\n"
                "\ndef make(width, height):\n    return Box(width)\n"
            )
        },
        "from pkg.shapes import make; make(2, 3)",
        [
            {
                "pkg/shapes.py": (
                    "class Box:\n    def __init__(self, width, height):\n"
                    "        self.size = width * height\n\n\ndef make(width, height):\n"
                    "    return Box(width, height)\n"
                )
            }
        ],
        [0],
    ),
    # A missing argument the caller holds under another name, or passes to the same call elsewhere.
    "missing-argument-the-caller-has-under-a-longer-name": Case(
        {"pkg/clock.py": "def fmt(ts):\n    return str(ts)\n\n\ndef show(ts_int):\n    return fmt()\n"},
        "from pkg.clock import show; show(3)",
        [{"pkg/clock.py": "def fmt(ts):\n    return str(ts)\n\n\ndef show(ts_int):\n    return fmt(ts_int)\n"}],
        [1],
    ),
    "missing-argument-the-caller-has-abbreviated": Case(
        {
            "pkg/grid.py": "def grid(rows, row_alignment):\n    return rows, row_alignment\n\n\n"
            "def render(rows, rowalign='left'):\n    return grid(rows)\n"
        },
        "from pkg.grid import render; render([])",
        [
            {
                "pkg/grid.py": "def grid(rows, row_alignment):\n    return rows, row_alignment\n\n\n"
                "def render(rows, rowalign='left'):\n    return grid(rows, rowalign)\n"
            }
        ],
        [1],
    ),
    "missing-argument-the-same-call-passes-elsewhere": Case(
        {
            "pkg/pad.py": "def pad(seq, width):\n    return list(seq) + [None] * width\n\n\n"
            "def table(results):\n    head = pad(results, 1)\n    return head + pad(2)\n"
        },
        "from pkg.pad import table; table([1])",
        [
            {
                "pkg/pad.py": "def pad(seq, width):\n    return list(seq) + [None] * width\n\n\n"
                "def table(results):\n    head = pad(results, 1)\n    return head + pad(results, 2)\n"
            },
            {
                "pkg/pad.py": "def pad(seq, width):\n    return list(seq) + [None] * width\n\n\n"
                "def table(results):\n    head = pad(results, 1)\n    return head + pad(2, 1)\n"
            },
        ],
        [1, 2],
    ),
    "a-builtin-given-nothing-gets-what-its-other-call-passes": Case(
        {
            "pkg/tz.py": "def offset(tz):\n    if len(tz) == 5:\n        return tz[1:]\n"
            "    elif len() == 4:\n        return tz\n    return ''\n"
        },
        "from pkg.tz import offset; offset('+001')",
        [
            {
                "pkg/tz.py": "def offset(tz):\n    if len(tz) == 5:\n        return tz[1:]\n"
                "    elif len(tz) == 4:\n        return tz\n    return ''\n"
            }
        ],
        [0],
    ),
    "a-middle-argument-dropped": Case(
        {
            "pkg/box.py": "def box(width, height, depth):\n    return width * height * depth\n\n\n"
            "def make(width, height, depth):\n    return box(width, depth)\n"
        },
        "from pkg.box import make; make(1, 2, 3)",
        [
            {
                "pkg/box.py": "def box(width, height, depth):\n    return width * height * depth\n\n\n"
                "def make(width, height, depth):\n    return box(width, height, depth)\n"
            },
            {
                "pkg/box.py": "def box(width, height, depth):\n    return width * height * depth\n\n\n"
                "def make(width, height, depth):\n    return box(width, depth, height)\n"
            },
        ],
        [1, 2],
    ),
    "a-test-omits-a-parameter-the-body-never-uses": Case(
        {
            "pkg/shapes.py": "def square(side, unit):\n    return side * side\n",
            "tests/test_shapes.py": a_test("square(3) == 9"),
        },
        "from tests.test_shapes import test_y; test_y()",
        [{"pkg/shapes.py": "def square(side):\n    return side * side\n"}],
        [0],
    ),
    "an-extra-argument-goes-to-the-keyword-only-parameter-or-away": Case(
        {
            "pkg/shapes.py": (
                "def scale(x, *, factor=2):\n    return x * factor\n\n\ndef triple(x):\n    return scale(x, 3)\n"
            )
        },
        "from pkg.shapes import triple; triple(2)",
        [
            {
                "pkg/shapes.py": (
                    "def scale(x, *, factor=2):\n    return x * factor\n\n\ndef triple(x):\n"
                    "    return scale(x, factor=3)\n"
                )
            },
            {
                "pkg/shapes.py": (
                    "def scale(x, *, factor=2):\n    return x * factor\n\n\ndef triple(x):\n    return scale(x)\n"
                )
            },
        ],
        [0, 1],
    ),
    "a-method-without-self": Case(
        {
            "pkg/shapes.py": "class Unit:\n    def area():\n        return 1\n",
            "tests/test_shapes.py": a_test("Unit().area() == 1"),
        },
        "from tests.test_shapes import test_y; test_y()",
        [{"pkg/shapes.py": "class Unit:\n    def area(self):\n        return 1\n"}],
        [0],
    ),
    "a-parameter-removed-while-the-body-still-uses-it": Case(
        {
            "pkg/shapes.py": "def area(width):\n    return width * height\n",
            "tests/test_shapes.py": a_test("area(2, 3) == 6"),
        },
        "from tests.test_shapes import test_y; test_y()",
        [{"pkg/shapes.py": AREA}],
        [0],
    ),
    "a-misspelt-keyword-at-the-call-then-the-parameter": Case(
        {
            "pkg/shapes.py": AREA,
            "pkg/report.py": "from pkg import shapes\n\n\ndef report():\n    return shapes.area(widht=2, height=3)\n",
        },
        "from pkg.report import report; report()",
        [
            {"pkg/report.py": "from pkg import shapes\n\n\ndef report():\n    return shapes.area(width=2, height=3)\n"},
            {"pkg/shapes.py": AREA.replace("width", "widht")},
        ],
        [0, 1],
    ),
    "a-test-passes-the-keyword-the-definition-misspells": Case(
        {
            "pkg/shapes.py": AREA.replace("width", "widht"),
            "tests/test_shapes.py": a_test("area(width=2, height=3) == 6"),
        },
        "from tests.test_shapes import test_y; test_y()",
        [{"pkg/shapes.py": AREA}],
        [0],
    ),
    "a-test-passes-the-keyword-the-definition-misspells-with-a-default": Case(
        {
            "pkg/money.py": 'def price(cents, curency="EUR"):\n    return f"{cents} {curency}"\n',
            "tests/test_money.py": "from pkg.money import price\n\n\n"
            "def test_y():\n    assert price(5, currency='USD') == '5 USD'\n",
        },
        "from tests.test_money import test_y; test_y()",
        [{"pkg/money.py": 'def price(cents, currency="EUR"):\n    return f"{cents} {currency}"\n'}],
        [0],
    ),
    # Standard-library callees: their parameters come from the interpreter suture runs on.
    "a-misspelt-keyword-of-a-standard-library-function": Case(
        {"pkg/shapes.py": DUMP.format(keyword="indnt")},
        "from pkg.shapes import dump; dump(1)",
        [{"pkg/shapes.py": DUMP.format(keyword="indent")}],
        [0],
    ),
    "a-misspelt-keyword-of-a-function-imported-from-the-standard-library": Case(
        {"pkg/shapes.py": SIGN.format(keyword="digestmode")},
        "from pkg.shapes import sign; sign(b'k')",
        [{"pkg/shapes.py": SIGN.format(keyword="digestmod")}],
        [0],
    ),
    "a-misspelt-keyword-of-the-standard-library-init-a-project-class-inherits": Case(
        {
            "pkg/wrap.py": "import textwrap\n\n\nclass Wrapper(textwrap.TextWrapper):\n    pass\n",
            "pkg/shapes.py": WRAP.format(keyword="replace_whitespaces"),
        },
        "from pkg.shapes import wrap; wrap('a b')",
        [{"pkg/shapes.py": WRAP.format(keyword="replace_whitespace")}],
        [0],
    ),
    "a-keyword-the-body-uses-but-the-signature-lost": Case(
        {
            "pkg/shapes.py": "def area(width, height=1):\n    return width * height * depth\n",
            "tests/test_shapes.py": a_test("area(2, 3, depth=4) == 24"),
        },
        "from tests.test_shapes import test_y; test_y()",
        [{"pkg/shapes.py": "def area(width, height=1, *, depth):\n    return width * height * depth\n"}],
        [0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **case.files})
    failed = raised(tmp_path, case.run)
    assert failed.error_type == "TypeError"

    found = CallsFixer().propose(failed, source)

    assert [{path: applied(tmp_path, c, path) for path in c.paths} for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    applied(tmp_path, found[0], found[0].paths[0])
    run = python(tmp_path, case.run)
    assert run.returncode == 0, run.stderr


def test_rationales(tmp_path: Path) -> None:
    case = CASES["a-misspelt-keyword-at-the-call-then-the-parameter"]
    source = commit(tmp_path, {"pkg/__init__.py": "", **case.files})

    found = CallsFixer().propose(raised(tmp_path, case.run), source)

    assert [c.rationale for c in found] == [
        "`widht` is no parameter; rename it to the closest, `width`",
        "callers pass `widht`, which `area()` calls `width`; rename the parameter",
    ]


NOT_FOR_US = {
    "a-missing-argument-the-body-uses-and-the-caller-lacks": (
        {"pkg/shapes.py": AREA, "tests/test_shapes.py": a_test("area(2) == 4")},
        "from tests.test_shapes import test_y; test_y()",
    ),
    "a-function-of-a-third-party-library": (  # its code is never imported by suture to learn its signature
        {"pkg/shapes.py": "import pytest\n\n\ndef near(x):\n    return pytest.approx(x, rell=2)\n"},
        "from pkg.shapes import near; near(1)",
    ),
    "a-function-defined-twice": (
        {
            "pkg/a.py": AREA,
            "pkg/b.py": AREA,
            "pkg/shapes.py": "from pkg import a\n",
            "tests/test_shapes.py": a_test("a.area(colour=1)"),
        },
        "from tests.test_shapes import test_y; test_y()",
    ),
    "another-type-error": ({"pkg/shapes.py": "def f():\n    return len()\n"}, "from pkg.shapes import f; f()"),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    failed = raised(tmp_path, run)
    assert failed.error_type == "TypeError"

    assert CallsFixer().propose(failed, source) == []


@pytest.mark.parametrize(
    ("signature", "dropped"),
    [("value, unused, factor=2", "value, factor=2"), ("value, *, unused", "value")],
    ids=["beside-defaults", "the-last-keyword-only"],
)
def test_a_parameter_dropped_leaves_no_bare_star(tmp_path: Path, signature: str, dropped: str) -> None:
    """Dropping a parameter the body never uses keeps the signature valid: no `*` with no
    keyword-only parameter after it."""
    shapes = "def scale({}):\n    return value * 2\n\n\ndef main():\n    return scale(3)\n"
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/shapes.py": shapes.format(signature)})
    failed = raised(tmp_path, "from pkg.shapes import main; main()")

    found = CallsFixer().propose(failed, source)

    after = [applied(tmp_path, c, "pkg/shapes.py") for c in found if c.paths == ("pkg/shapes.py",)]
    assert shapes.format(dropped) in after


def test_a_library_function_named_like_the_projects_is_not_its_definition(tmp_path: Path) -> None:
    """`re.compile()` says "compile() missing ... 'pattern'": the project's own `compile`, which
    has no `pattern`, is another function: no candidate edits it or passes its parameters."""
    module = "import re\n\n\ndef compile(format, extra=None):\n    return format\n\n\nPATTERN = re.compile()\n"
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/p.py": module})
    failed = raised(tmp_path, "import pkg.p")
    assert "'pattern'" in failed.message

    found = CallsFixer().propose(failed, source)

    assert all("def compile(format, extra=None):\n" in applied(tmp_path, c, "pkg/p.py") for c in found)
    assert not any("format" in c.rationale for c in found)


def test_a_builtin_one_argument_short_gets_what_the_same_call_passes_elsewhere(tmp_path: Path) -> None:
    """ "isinstance expected 2 arguments, got 1": the argument that is gone may have been either;
    what the file's other isinstance calls pass at each place is tried (pyyaml-env-tag's)."""
    kinds = (
        "def kind(node):\n    if isinstance(node, int):\n        return 'int'\n"
        "    elif isinstance({args}):\n        return 'str'\n    return '?'\n"
    )
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/kinds.py": kinds.format(args="str")})
    run = "from pkg.kinds import kind; assert kind('a') == 'str'"
    failed = raised(tmp_path, run)
    assert failed.message == "isinstance expected 2 arguments, got 1"

    found = CallsFixer().propose(failed, source)

    right = next(c for c in found if applied(tmp_path, c, "pkg/kinds.py") == kinds.format(args="node, str"))
    assert (
        right.rationale
        == "the call does not pass its argument; pass `node`, as the same call elsewhere in the file passes it"
    )
    applied(tmp_path, right, "pkg/kinds.py")
    assert python(tmp_path, run).returncode == 0
