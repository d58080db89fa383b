from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, failure, pytest_passes, python

from suture.fixers.syntax import SyntaxFixer
from suture.records import Failure

EXPECTED = "expected ':'"


@dataclasses.dataclass(frozen=True)
class Case:
    source: str  # pkg/mod.py
    line: int
    column: int | None  # 1-based caret, as the traceback shows it
    expected: list[str]  # the file after each candidate, in the fixer's order
    ranks: list[int]


CASES = {
    "def-with-caret": Case("def f()\n    return 1\n", 1, 8, ["def f():\n    return 1\n"], [0]),
    "def-without-caret": Case("def f()\n    return 1\n", 1, None, ["def f():\n    return 1\n"], [0]),
    "header-over-two-lines-reported-on-the-last": Case(
        "def f(a,\n      b)\n    return a\n", 2, 9, ["def f(a,\n      b):\n    return a\n"], [0]
    ),
    "header-over-two-lines-reported-on-the-first": Case(
        "def f(a,\n      b)\n    return a\n", 1, None, ["def f(a,\n      b):\n    return a\n"], [0]
    ),
    "before-a-trailing-comment": Case(
        "class A(dict)  # a mapping\n    pass\n",
        1,
        16,  # Python's caret points at the comment
        ["class A(dict):  # a mapping\n    pass\n"],
        [0],
    ),
    "comment-inside-the-brackets": Case(
        "def f(a,\n      b  # the second\n)\n    return a\n",
        2,
        None,
        ["def f(a,\n      b  # the second\n):\n    return a\n"],
        [0],
    ),
    "one-line-body": Case(
        "def f(x):\n    if x: return 1\n    else return 2\n",
        3,
        10,
        ["def f(x):\n    if x: return 1\n    else: return 2\n"],
        [0],
    ),
    "hash-in-a-string": Case(
        'def f(x):\n    if x == "#"\n        return 1\n',
        2,
        16,
        ['def f(x):\n    if x == "#":\n        return 1\n'],
        [0],
    ),
    "backslash-continuation": Case(
        "def f(x, y):\n    while x \\\n            and y\n        x -= 1\n",
        3,
        18,
        ["def f(x, y):\n    while x \\\n            and y:\n        x -= 1\n"],
        [0],
    ),
    "another-mistake-further-down": Case(
        "def f(x)\n    return x\n\n\ndef g(x)\n    return x\n",
        1,
        9,
        ["def f(x):\n    return x\n\n\ndef g(x)\n    return x\n"],
        [1],
    ),
    "tabs-and-non-ascii": Case("def grüß(x)\n\treturn x\n", 1, 12, ["def grüß(x):\n\treturn x\n"], [0]),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": case.source})
    failed = failure("SyntaxError", EXPECTED, line=case.line, column=case.column)

    found = SyntaxFixer().propose(failed, source)

    assert [applied(tmp_path, c) for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    assert all(c.origin == "syntax" and c.fingerprint == "abc" for c in found)


def test_the_fix_makes_the_tests_pass(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": "def greet(name)\n    return 'hello ' + name\n",
        "tests/test_x.py": "from pkg.mod import greet\n\n\ndef test_y():\n    assert greet('bob') == 'hello bob'\n",
    }
    source = commit(tmp_path, files)
    assert not pytest_passes(tmp_path)

    (best,) = SyntaxFixer().propose(failure("SyntaxError", EXPECTED, line=1, column=16), source)

    assert best.rationale == "the block header on line 1 lacks its ':'; add it"
    applied(tmp_path, best)
    assert pytest_passes(tmp_path)
    assert python(tmp_path, "import pkg.mod").returncode == 0


BROKEN = "def f()\n    return 1\n"

NOT_FOR_US = {
    "other-syntax-error": failure("SyntaxError", "invalid syntax", line=1, column=8),
    "other-error-type": failure("IndentationError", EXPECTED, line=1, column=8),
    "file-compiles": failure("SyntaxError", EXPECTED, path="pkg/fine.py", line=1),
    "unclosed-bracket": failure("SyntaxError", EXPECTED, path="pkg/open.py", line=1),
    "test-file": failure("SyntaxError", EXPECTED, path="tests/test_mod.py", line=1, column=8),
    "file-not-in-the-commit": failure("SyntaxError", EXPECTED, path="pkg/gone.py", line=1),
    "binary-file": failure("SyntaxError", EXPECTED, path="pkg/blob.py", line=1),
    "line-past-the-end": failure("SyntaxError", EXPECTED, line=9, column=8),
    "no-frames": dataclasses.replace(failure("SyntaxError", EXPECTED), frames=()),
}


@pytest.mark.parametrize("failed", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, failed: Failure) -> None:
    files = {
        "pkg/mod.py": BROKEN,
        "pkg/fine.py": "def f():\n    return 1\n",
        "pkg/open.py": "def f(a,\n",
        "tests/test_mod.py": BROKEN,
    }
    source = commit(tmp_path, files, {"pkg/blob.py": b"def f()\0\n"})

    assert SyntaxFixer().propose(failed, source) == []


def test_a_caret_past_the_line_falls_back_to_the_header_end(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": BROKEN})

    (best,) = SyntaxFixer().propose(failure("SyntaxError", EXPECTED, line=1, column=80), source)

    assert applied(tmp_path, best) == "def f():\n    return 1\n"
