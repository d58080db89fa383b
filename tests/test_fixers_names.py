from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.names import NamesFixer

TEXT = "def slugify(text):\n    return text.lower().replace(' ', '-')\n"


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]
    run: str  # code that raises the NameError, run by a real interpreter
    path: str  # the file the candidates edit
    expected: list[str]  # that file after each candidate, in the fixer's order
    ranks: list[int]
    suggestion: bool = False  # keep the interpreter's "Did you mean" (else: as a CI log shows it)


def views(body: str, head: str = "") -> str:
    return f"{head}def render(title):\n    {body}\n"


CASES = {
    "project-function-gets-its-own-block-after-the-stdlib": Case(
        {"pkg/__init__.py": "", "pkg/text.py": TEXT, "pkg/views.py": views("return slugify(title)", "import re\n\n\n")},
        "from pkg.views import render; render('A b')",
        "pkg/views.py",
        [views("return slugify(title)", "import re\n\nfrom pkg.text import slugify\n\n\n")],
        [0],
    ),
    "joins-the-module-s-from-import": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT + "\n\ndef shout(text):\n    return text.upper()\n",
            "pkg/views.py": views("return shout(slugify(title))", "import re\n\nfrom pkg.text import shout\n\n\n"),
        },
        "from pkg.views import render; render('A b')",
        "pkg/views.py",
        [views("return shout(slugify(title))", "import re\n\nfrom pkg.text import shout, slugify\n\n\n")],
        [0],
    ),
    "relative-when-the-file-imports-its-siblings-relatively": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT,
            "pkg/util.py": "SEP = '-'\n",
            "pkg/views.py": views("return slugify(title) + SEP", "import os\n\nfrom .util import SEP\n\n\n"),
        },
        "from pkg.views import render; render('A b')",
        "pkg/views.py",
        [views("return slugify(title) + SEP", "import os\n\nfrom .text import slugify\nfrom .util import SEP\n\n\n")],
        [0],
    ),
    "src-layout-a-class-after-third-party-imports": Case(
        {
            "src/shop/__init__.py": "",
            "src/shop/models.py": "class Item:\n    def __init__(self, name):\n        self.name = name\n",
            "src/shop/cart.py": "import json\n\nimport pytest\n\n\ndef make(name):\n    return Item(name)\n",
        },
        "from shop.cart import make; make('pen')",
        "src/shop/cart.py",
        ["import json\n\nimport pytest\n\nfrom shop.models import Item\n\n\ndef make(name):\n    return Item(name)\n"],
        [0],
    ),
    "a-module-level-constant-in-a-flat-layout": Case(
        {"settings.py": "TIMEOUT = 30\n", "client.py": "def timeout():\n    return TIMEOUT * 2\n"},
        "from client import timeout; timeout()",
        "client.py",
        [
            "from settings import TIMEOUT\n\ndef timeout():\n    return TIMEOUT * 2\n",
            "def timeout():\n    return timeout * 2\n",  # a difference of case is a typo too
        ],
        [0, 1],
    ),
    "local-typo-without-a-suggestion": Case(
        {"pkg/mod.py": "def total(prices):\n    subtotal = sum(prices)\n    return subtotl * 2\n"},
        "from pkg.mod import total; total([1, 2])",
        "pkg/mod.py",
        ["def total(prices):\n    subtotal = sum(prices)\n    return subtotal * 2\n"],
        [0],
    ),
    "parameter-of-the-enclosing-function-seen-from-a-closure": Case(
        {"pkg/mod.py": "def scale(factor):\n    def apply(x):\n        return x * factr\n    return apply(2)\n"},
        "from pkg.mod import scale; scale(3)",
        "pkg/mod.py",
        ["def scale(factor):\n    def apply(x):\n        return x * factor\n    return apply(2)\n"],
        [0],
    ),
    "module-global-and-a-swap-of-two-letters": Case(
        {"pkg/mod.py": "LIMIT = 10\n\n\ndef capped(n):\n    return min(n, LIMTI)\n"},
        "from pkg.mod import capped; capped(30)",
        "pkg/mod.py",
        ["LIMIT = 10\n\n\ndef capped(n):\n    return min(n, LIMIT)\n"],
        [0],
    ),
    "builtin": Case(
        {"pkg/mod.py": "def order(xs):\n    return sortd(xs)\n"},
        "from pkg.mod import order; order([2, 1])",
        "pkg/mod.py",
        ["def order(xs):\n    return sorted(xs)\n"],
        [0],
    ),
    "comprehension-variable": Case(
        {"pkg/mod.py": "def squares(xs):\n    return [item * itme for item in xs]\n"},
        "from pkg.mod import squares; squares([2])",
        "pkg/mod.py",
        ["def squares(xs):\n    return [item * item for item in xs]\n"],
        [0],
    ),
    "typo-inside-an-f-string-field-not-its-text-or-spec": Case(
        {
            "pkg/mod.py": "def describe(kind, width=6):\n    name = kind.lower()\n"
            '    return f"{nme:>{width}} nme {{nme}}"\n'
        },
        "from pkg.mod import describe; describe('Rect')",
        "pkg/mod.py",
        ['def describe(kind, width=6):\n    name = kind.lower()\n    return f"{name:>{width}} nme {{nme}}"\n'],
        [0],
    ),
    "an-import-beats-a-near-name": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT,
            "pkg/views.py": "def slugifi(t):\n    return t\n\n\ndef render(title):\n    return slugify(title)\n",
        },
        "from pkg.views import render; render('A b')",
        "pkg/views.py",
        [
            "from pkg.text import slugify\n\ndef slugifi(t):\n    return t\n\n\ndef render(title):\n"
            "    return slugify(title)\n",
            "def slugifi(t):\n    return t\n\n\ndef render(title):\n    return slugifi(title)\n",
        ],
        [0, 1],
    ),
    # several as close: each, the most used in the file first (verification picks)
    "two-names-equally-close": Case(
        {"pkg/mod.py": "def f(rate, date):\n    return rate + bate\n"},
        "from pkg.mod import f; f(1, 2)",
        "pkg/mod.py",
        ["def f(rate, date):\n    return rate + rate\n", "def f(rate, date):\n    return rate + date\n"],
        [1, 1],
    ),
    "a-two-letter-name-lost-a-letter": Case(
        {"pkg/mod.py": "def count(items):\n    return ln(items)\n"},
        "from pkg.mod import count; count([1])",
        "pkg/mod.py",
        ["def count(items):\n    return len(items)\n"],
        [0],
    ),
    "with-the-interpreter-s-suggestion-only-the-import": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT,
            "pkg/views.py": "def slugifi(t):\n    return t\n\n\ndef render(title):\n    return slugify(title)\n",
        },
        "from pkg.views import render; render('A b')",
        "pkg/views.py",
        [
            "from pkg.text import slugify\n\ndef slugifi(t):\n    return t\n\n\ndef render(title):\n"
            "    return slugify(title)\n",
        ],
        [0],
        suggestion=True,
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, case.files)
    failed = raised(tmp_path, case.run, suggestion=case.suggestion)
    assert failed.error_type == "NameError"

    found = NamesFixer().propose(failed, source)

    assert [applied(tmp_path, c, case.path) for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    applied(tmp_path, found[0], case.path)
    run = python(tmp_path, f"import sys; sys.path.insert(0, 'src'); {case.run}")
    assert run.returncode == 0, run.stderr


def test_rationales(tmp_path: Path) -> None:
    source = commit(tmp_path, CASES["an-import-beats-a-near-name"].files)

    found = NamesFixer().propose(
        raised(tmp_path, "from pkg.views import render; render('A')", suggestion=False), source
    )

    assert [c.rationale for c in found] == [
        "`slugify` is defined in the project's pkg.text; add `from pkg.text import slugify`",
        "`slugify` is not defined and `slugifi` is the closest name in scope; rename it on line 6",
    ]


NOT_FOR_US = {
    "nothing-close": Case(
        {"pkg/mod.py": "def f(total):\n    return amount\n"}, "from pkg.mod import f; f(1)", "", [], []
    ),
    "a-name-too-short-to-guess": Case(
        {"pkg/mod.py": "def f(x):\n    return y\n"}, "from pkg.mod import f; f(1)", "", [], []
    ),
    "defined-in-two-packages": Case(
        {"a/util.py": TEXT, "b/util.py": TEXT, "c/views.py": views("return slugify(title)")},
        "from c.views import render; render('A')",
        "",
        [],
        [],
    ),
    "defined-only-in-a-test-file": Case(
        {"tests/helpers.py": TEXT, "pkg/views.py": views("return slugify(title)")},
        "from pkg.views import render; render('A')",
        "",
        [],
        [],
    ),
    "raised-in-a-test-file": Case(
        {"pkg/text.py": TEXT, "tests/test_views.py": "def test_y():\n    assert slugify('A') == 'a'\n"},
        "from tests.test_views import test_y; test_y()",
        "",
        [],
        [],
    ),
    "another-error": Case(
        {"pkg/mod.py": "def f(subtotal):\n    return subtotal.totl\n"}, "from pkg.mod import f; f(1)", "", [], []
    ),
}


@pytest.mark.parametrize("case", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, case.files)

    assert NamesFixer().propose(raised(tmp_path, case.run, suggestion=False), source) == []
