from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, failure, pytest_passes, python

from suture.fixers.concat import ConcatFixer
from suture.records import Failure

STR_LEFT = 'can only concatenate str (not "int") to str'
INT_LEFT = "unsupported operand type(s) for +: 'int' and 'str'"
INT_LEFT_AUG = "unsupported operand type(s) for +=: 'int' and 'str'"

CLASSIC = 'def add(a, b):\n    result = a + b\n    return "The result is: " + result\n'


@dataclasses.dataclass(frozen=True)
class Case:
    source: str  # pkg/mod.py
    line: int
    message: str
    expected: list[str]  # the file after each candidate, in the fixer's order
    call: str  # code using pkg.mod's names, run after applying the rank-0 candidate...
    prints: str  # ...and what print() shows for it


CASES = {
    "classic": Case(
        CLASSIC,
        3,
        STR_LEFT,
        [
            'def add(a, b):\n    result = a + b\n    return f"The result is: {result}"\n',
            'def add(a, b):\n    result = a + b\n    return "The result is: " + str(result)\n',
        ],
        "add(1, 2)",
        "The result is: 3",
    ),
    "number-on-the-left": Case(
        'def label(count):\n    return count + " items"\n',
        2,
        INT_LEFT,
        [
            'def label(count):\n    return f"{count} items"\n',
            'def label(count):\n    return str(count) + " items"\n',
        ],
        "label(3)",
        "3 items",
    ),
    "addition-before-the-text-stays-an-addition": Case(
        'def total(a, b):\n    return a + b + " in total"\n',
        2,
        INT_LEFT,
        [
            'def total(a, b):\n    return f"{a + b} in total"\n',
            'def total(a, b):\n    return str(a + b) + " in total"\n',
            'def total(a, b):\n    return str(a) + b + " in total"\n',
        ],
        "total(2, 3)",
        "5 in total",
    ),
    "mixed-quotes-and-braces": Case(
        "def greet(name, n):\n    return 'Hello ' + name + \"! you're #{\" + n + '}'\n",
        2,
        STR_LEFT,
        [
            "def greet(name, n):\n    return f'Hello {name}! you\\'re #{{{n}}}'\n",
            "def greet(name, n):\n    return 'Hello ' + name + \"! you're #{\" + str(n) + '}'\n",
            "def greet(name, n):\n    return 'Hello ' + str(name) + \"! you're #{\" + n + '}'\n",
        ],
        "greet('Ann', 2)",
        "Hello Ann! you're #{2}",
    ),
    "same-quote-inside-the-braces-keeps-str-only": Case(
        'def show(d):\n    return "value: " + d["key"]\n',
        2,
        STR_LEFT,
        ['def show(d):\n    return "value: " + str(d["key"])\n'],
        "show({'key': 7})",
        "value: 7",
    ),
    "augmented-str-target": Case(
        ('def join(items):\n    out = ""\n    for item in items:\n        out += item\n    return out\n'),
        4,
        STR_LEFT,
        ['def join(items):\n    out = ""\n    for item in items:\n        out += str(item)\n    return out\n'],
        "join([1, 2])",
        "12",
    ),
    "augmented-int-target": Case(
        'def score(points):\n    points += " points"\n    return points\n',
        2,
        INT_LEFT_AUG,
        ['def score(points):\n    points = str(points) + " points"\n    return points\n'],
        "score(4)",
        "4 points",
    ),
    "chain-over-several-lines": Case(
        ('def banner(width):\n    return ("width: "\n            + width\n            + " px")  # header\n'),
        2,
        STR_LEFT,
        [
            'def banner(width):\n    return (f"width: {width} px")  # header\n',
            'def banner(width):\n    return ("width: "\n            + str(width)\n            + " px")  # header\n',
        ],
        "banner(80)",
        "width: 80 px",
    ),
    "none-on-the-left": Case(
        'def shout(word=None):\n    return word + "!"\n',
        2,
        "unsupported operand type(s) for +: 'NoneType' and 'str'",
        [
            'def shout(word=None):\n    return f"{word}!"\n',
            'def shout(word=None):\n    return str(word) + "!"\n',
        ],
        "shout()",
        "None!",
    ),
    "two-concatenations-on-one-line": Case(
        'def pair(a, b):\n    return "a=" + a, "b=" + b\n',
        2,
        STR_LEFT,
        [
            'def pair(a, b):\n    return f"a={a}", "b=" + b\n',
            'def pair(a, b):\n    return "a=" + a, f"b={b}"\n',
            'def pair(a, b):\n    return "a=" + str(a), "b=" + b\n',
            'def pair(a, b):\n    return "a=" + a, "b=" + str(b)\n',
        ],
        "pair(1, 'x')",
        "('a=1', 'b=x')",
    ),
    "dict-display-inside-the-braces": Case(
        'def pick(k):\n    return "got\\n" + {1: k}[1]\n',
        2,
        STR_LEFT,
        [
            'def pick(k):\n    return f"got\\n{ {1: k}[1] }"\n',
            'def pick(k):\n    return "got\\n" + str({1: k}[1])\n',
        ],
        "pick(5)",
        "got\n5",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": case.source})

    found = ConcatFixer().propose(failure("TypeError", case.message, line=case.line), source)

    assert [applied(tmp_path, c) for c in found] == case.expected
    assert all(c.origin == "concat" and c.fingerprint == "abc" for c in found)
    assert [c.rank for c in found] == sorted(c.rank for c in found)
    applied(tmp_path, found[0])
    run = python(tmp_path, f"from pkg.mod import *; print({case.call})")
    assert run.returncode == 0, run.stderr
    assert run.stdout == case.prints + "\n"


def test_the_classic_case_explains_itself_and_makes_the_tests_pass(tmp_path: Path) -> None:
    test = 'from pkg.mod import add\n\n\ndef test_add():\n    assert add(2, 3) == "The result is: 5"\n'
    files = {"pkg/__init__.py": "", "pkg/mod.py": CLASSIC, "tests/test_x.py": test}
    source = commit(tmp_path, files)
    assert not pytest_passes(tmp_path)

    best = ConcatFixer().propose(failure("TypeError", STR_LEFT, line=3), source)[0]

    assert best.rank == 0
    assert best.rationale == "`result` is an int; build the string with an f-string"
    assert best.paths == ("pkg/mod.py",)
    applied(tmp_path, best)
    assert pytest_passes(tmp_path)


NOT_FOR_US = {
    "subtraction": failure("TypeError", "unsupported operand type(s) for -: 'int' and 'str'"),
    "list-concatenation": failure("TypeError", 'can only concatenate list (not "int") to list'),
    "no-str-involved": failure("TypeError", "unsupported operand type(s) for +: 'int' and 'dict'"),
    "other-error-type": failure("ValueError", STR_LEFT, line=3),
    "file-not-in-the-commit": failure("TypeError", STR_LEFT, path="pkg/gone.py", line=3),
    "binary-file": failure("TypeError", STR_LEFT, path="pkg/blob.py", line=1),
    "not-utf8": failure("TypeError", STR_LEFT, path="pkg/latin1.py", line=1),
    "test-file": failure("TypeError", STR_LEFT, path="tests/test_mod.py", line=3),
    "line-past-the-end": failure("TypeError", STR_LEFT, line=40),
    "no-plus-on-the-line": failure("TypeError", STR_LEFT, line=1),
    "file-does-not-parse": failure("TypeError", STR_LEFT, path="pkg/broken.py", line=1),
    "no-frames": dataclasses.replace(failure("TypeError", STR_LEFT), frames=()),
}


@pytest.mark.parametrize("failed", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, failed: Failure) -> None:
    files = {"pkg/mod.py": CLASSIC, "tests/test_mod.py": CLASSIC, "pkg/broken.py": 'x = "a" +\n'}
    binary = {
        "pkg/blob.py": b'x = "a" + 1\0\n',
        "pkg/latin1.py": 'x = "caf\xe9" + 1\n'.encode("latin-1"),
    }
    source = commit(tmp_path, files, binary)

    assert ConcatFixer().propose(failed, source) == []
