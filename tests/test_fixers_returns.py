from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, pytest_passes, python, raised
from projects import PYTEST

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.fixers.returns import ReturnsFixer
from suture.records import Failure
from suture.run.sandbox import by_name

LOAD = "import json\n\n\ndef load(text):\n    data = json.loads(text)\n"


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]  # pkg/__init__.py comes with every case
    run: str  # code that gets None where it wanted a value, run by a real interpreter
    path: str
    expected: list[str]  # that file after each candidate
    ranks: list[int]


CASES = {
    "subscripted-result-of-a-function-that-assigns-and-stops": Case(
        {
            "pkg/conf.py": LOAD,
            "tests/test_conf.py": (
                "from pkg.conf import load\n\n\ndef test_y():\n    assert load('{\"a\": 1}')['a'] == 1\n"
            ),
        },
        "from tests.test_conf import test_y; test_y()",
        "pkg/conf.py",
        [LOAD + "    return data\n"],
        [0],
    ),
    "arithmetic-on-an-expression-it-does-not-return": Case(
        {"pkg/calc.py": "def total(xs):\n    sum(xs)  # the total\n\n\ndef plus_one(xs):\n    return total(xs) + 1\n"},
        "from pkg.calc import plus_one; plus_one([1, 2])",
        "pkg/calc.py",
        ["def total(xs):\n    return sum(xs)  # the total\n\n\ndef plus_one(xs):\n    return total(xs) + 1\n"],
        [0],
    ),
    "iterating-a-name-assigned-from-the-call": Case(
        {
            "pkg/rows.py": (
                "def parse(text):\n    rows = text.split()\n\n\ndef count(text):\n    rows = parse(text)\n"
                "    n = 0\n    for row in rows:\n        n += 1\n    return n\n"
            )
        },
        "from pkg.rows import count; count('a b')",
        "pkg/rows.py",
        [
            (
                "def parse(text):\n    rows = text.split()\n    return rows\n\n\ndef count(text):\n"
                "    rows = parse(text)\n    n = 0\n    for row in rows:\n        n += 1\n    return n\n"
            )
        ],
        [0],
    ),
    "a-method-through-self": Case(
        {
            "pkg/parser.py": (
                "class Parser:\n    def __init__(self, text):\n        self.text = text\n\n"
                "    def tokens(self):\n        found = self.text.split()\n\n    def count(self):\n"
                "        return len(self.tokens())\n"
            )
        },
        "from pkg.parser import Parser; Parser('a b').count()",
        "pkg/parser.py",
        [
            (
                "class Parser:\n    def __init__(self, text):\n        self.text = text\n\n"
                "    def tokens(self):\n        found = self.text.split()\n        return found\n\n"
                "    def count(self):\n        return len(self.tokens())\n"
            )
        ],
        [0],
    ),
    "a-function-of-an-imported-module-that-ends-by-logging": Case(
        {
            "pkg/conf.py": "import json\n\n\ndef load(text):\n    data = json.loads(text)\n    print('loaded')\n",
            "pkg/app.py": "from pkg import conf\n\n\ndef name(text):\n    return conf.load(text).get('name')\n",
        },
        "from pkg.app import name; name('{}')",
        "pkg/conf.py",
        ["import json\n\n\ndef load(text):\n    data = json.loads(text)\n    print('loaded')\n    return data\n"],
        [1],
    ),
    "a-decorator-that-forgets-its-wrapper": Case(
        {
            "pkg/deco.py": (
                "def logged(func):\n    def wrapper(*args):\n        return func(*args)\n\n\n@logged\n"
                "def double(x):\n    return 2 * x\n"
            ),
            "tests/test_deco.py": "from pkg.deco import double\n\n\ndef test_y():\n    assert double(2) == 4\n",
        },
        "from tests.test_deco import test_y; test_y()",
        "pkg/deco.py",
        [
            (
                "def logged(func):\n    def wrapper(*args):\n        return func(*args)\n"
                "    return wrapper\n\n\n@logged\ndef double(x):\n    return 2 * x\n"
            )
        ],
        [0],
    ),
    "a-dict-updated-in-place-behind-a-function-returning-its-result": Case(
        {
            "pkg/conf.py": (
                "DEFAULTS = {'a': 0}\n\n\ndef parse(pairs):\n    merged = dict(DEFAULTS)\n"
                "    merged.update(pairs)\n\n\ndef load(pairs):\n    return parse(pairs)\n"
            ),
            "tests/test_conf.py": "from pkg.conf import load\n\n\ndef test_y():\n    assert load({'b': 1})['b'] == 1\n",
        },
        "from tests.test_conf import test_y; test_y()",
        "pkg/conf.py",
        [
            "DEFAULTS = {'a': 0}\n\n\ndef parse(pairs):\n    merged = dict(DEFAULTS)\n    merged.update(pairs)\n"
            "    return merged\n\n\ndef load(pairs):\n    return parse(pairs)\n"
        ],
        [0],
    ),
    "a-chained-method-that-appends-and-forgets-self": Case(
        {
            "pkg/cart.py": (
                "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
                "    def add(self, item):\n        self.items.append(item)\n"
            ),
            "tests/test_cart.py": (
                "from pkg.cart import Cart\n\n\ndef test_y():\n"
                "    assert len(Cart().add('tea').add('cake').items) == 2\n"
            ),
        },
        "from tests.test_cart import test_y; test_y()",
        "pkg/cart.py",
        [
            "class Cart:\n    def __init__(self):\n        self.items = []\n\n"
            "    def add(self, item):\n        self.items.append(item)\n        return self\n"
        ],
        [0],
    ),
    "the-one-class-of-two-with-the-method-that-returns-nothing": Case(
        {
            "pkg/shapes.py": (
                "class Square:\n    def __init__(self, side):\n        self.side = side\n\n"
                "    def area(self):\n        self.side * self.side\n\n\n"
                "class Disc:\n    def __init__(self, r):\n        self.r = r\n\n"
                "    def area(self):\n        return 3 * self.r * self.r\n\n\n"
                "def total(shapes):\n    return sum(shape.area() for shape in shapes)\n"
            ),
        },
        "from pkg.shapes import Disc, Square, total; assert total([Square(2), Disc(1)]) == 7",
        "pkg/shapes.py",
        [
            "class Square:\n    def __init__(self, side):\n        self.side = side\n\n"
            "    def area(self):\n        return self.side * self.side\n\n\n"
            "class Disc:\n    def __init__(self, r):\n        self.r = r\n\n"
            "    def area(self):\n        return 3 * self.r * self.r\n\n\n"
            "def total(shapes):\n    return sum(shape.area() for shape in shapes)\n"
        ],
        [0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **case.files})
    failed = raised(tmp_path, case.run)
    assert failed.error_type in ("TypeError", "AttributeError")

    found = ReturnsFixer().propose(failed, source)

    assert [applied(tmp_path, c, case.path) for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    applied(tmp_path, found[0], case.path)
    run = python(tmp_path, case.run)
    assert run.returncode == 0, run.stderr


def test_rationale(tmp_path: Path) -> None:
    case = CASES["subscripted-result-of-a-function-that-assigns-and-stops"]
    source = commit(tmp_path, case.files)

    (found,) = ReturnsFixer().propose(raised(tmp_path, case.run), source)

    assert found.rationale == "`load()` computes `data` but never returns it, so its callers get None; return it"


NOT_FOR_US = {
    "the-function-returns-none-on-purpose-somewhere": (
        {
            "pkg/conf.py": (
                "def find(xs, x):\n    for i, y in enumerate(xs):\n        if y == x:\n"
                "            return i\n\n\ndef first(xs):\n    return find(xs, 9)[0]\n"
            )
        },
        "from pkg.conf import first; first([1])",
    ),
    "a-function-defined-in-a-test": (
        {"tests/test_conf.py": "def load():\n    data = {}\n\n\ndef test_y():\n    assert load()['a']\n"},
        "from tests.test_conf import test_y; test_y()",
    ),
    "none-from-a-dict": (
        {"pkg/conf.py": "def name(d):\n    return d.get('name').upper()\n"},
        "from pkg.conf import name; name({})",
    ),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    failed = raised(tmp_path, run)
    assert "NoneType" in failed.message

    assert ReturnsFixer().propose(failed, source) == []


WORDS_TEST = "from pkg import words\n\n\ndef test_it():\n    assert {} == {}\n"
UNDERSCORE = (
    "import re\n\n\ndef underscore(word):\n    word = re.sub('([a-z])([A-Z])', r'\\1_\\2', word)\n    word.lower()\n"
)
HUMANIZE = (
    "\n\ndef humanize(word):\n    return re.sub('_', ' ', word).capitalize()\n\n\n"
    "def titleize(word):\n    return humanize(underscore(word)).title()\n"
)

# Failures as pytest reports them, not as a bare interpreter raises them: its assertion report,
# and a None passed on as an argument that fails one call further in.
BY_PYTEST = {
    "a-comparison-with-none": (
        {
            "pkg/words.py": UNDERSCORE,
            "tests/test_words.py": WORDS_TEST.format("'a_b'", "words.underscore('aB')"),
        },
        "AssertionError",
    ),
    "none-passed-on-to-a-function-that-fails-inside": (
        {
            "pkg/words.py": UNDERSCORE + HUMANIZE,
            "tests/test_words.py": WORDS_TEST.format("words.titleize('aB')", "'A B'"),
        },
        "TypeError",
    ),
}


def failures_by_pytest(repo: Path, source_sha: str) -> list[Failure]:
    build = capture(repo, source_sha, [PYTEST], sandbox=by_name("none"), timeout=120)
    return list(diagnose(build).failures)


@pytest.mark.parametrize(("files", "error_type"), BY_PYTEST.values(), ids=BY_PYTEST.keys())
def test_failures_as_pytest_reports_them(tmp_path: Path, files: dict[str, str], error_type: str) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    (failed,) = failures_by_pytest(tmp_path, source.sha)
    assert failed.error_type == error_type, failed.message

    (found,) = ReturnsFixer().propose(failed, source)

    assert applied(tmp_path, found, "pkg/words.py").startswith(
        UNDERSCORE.replace("    word.lower()", "    return word.lower()")
    )
    assert pytest_passes(tmp_path)


def test_a_comparison_that_is_not_with_none_is_not_for_us(tmp_path: Path) -> None:
    files = {
        "pkg/words.py": UNDERSCORE,
        "tests/test_words.py": WORDS_TEST.format("'a_b'", "str(words.underscore('aB'))"),
    }
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    (failed,) = failures_by_pytest(tmp_path, source.sha)
    assert failed.message.startswith("assert 'a_b' == 'None'"), failed.message

    assert ReturnsFixer().propose(failed, source) == []
