"""The fixers for files that do not parse (besides the missing colon, in test_fixers_syntax)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers._common import compile_error
from suture.fixers.base import Fixer
from suture.fixers.brackets import BracketsFixer
from suture.fixers.characters import CharactersFixer
from suture.fixers.indentation import IndentationFixer
from suture.fixers.punctuation import PunctuationFixer
from suture.fixers.strings import StringsFixer


@dataclasses.dataclass(frozen=True)
class Case:
    fixer: Fixer
    source: str  # pkg/mod.py, which does not compile
    expected: list[str]  # the file after each candidate, in the fixer's order
    message: str = ""  # what the interpreter says (checked, so the table documents it)


FUNC = "def f(a, b=0):\n    return a\n\n\n"
CASES = {
    # punctuation
    "comma-in-a-list": Case(
        PunctuationFixer(),
        "VALUES = [1, 2 3]\n",
        ["VALUES = [1, 2, 3]\n"],
        "invalid syntax. Perhaps you forgot a comma?",
    ),
    "comma-between-call-arguments": Case(PunctuationFixer(), FUNC + "X = f(1 2)\n", [FUNC + "X = f(1, 2)\n"]),
    "comma-at-the-end-of-a-dict-line": Case(
        PunctuationFixer(),
        "D = {\n    'a': 1  # one\n    'b': 2,\n}\n",
        ["D = {\n    'a': 1,  # one\n    'b': 2,\n}\n"],
    ),
    "comma-after-implicitly-joined-strings": Case(
        PunctuationFixer(), "E = 1\nX = ['a' 'b', 'c' 'd' E]\n", ["E = 1\nX = ['a' 'b', 'c' 'd', E]\n"]
    ),
    "equals-in-an-if": Case(
        PunctuationFixer(),
        "def f(x):\n    if x = 1:\n        return 2\n",
        ["def f(x):\n    if x == 1:\n        return 2\n", "def f(x):\n    if x := 1:\n        return 2\n"],
        "invalid syntax. Maybe you meant '==' or ':=' instead of '='?",
    ),
    "equals-after-an-attribute-in-a-while": Case(
        PunctuationFixer(),
        "def f(o):\n    while o.x = 1:\n        o.x = 2\n",
        ["def f(o):\n    while o.x == 1:\n        o.x = 2\n"],
        "cannot assign to attribute here. Maybe you meant '==' instead of '='?",
    ),
    # brackets
    "unclosed-parenthesis": Case(
        BracketsFixer(),
        "import os\nX = os.path.join('a', 'b'  # the path\nY = 2\n",
        ["import os\nX = os.path.join('a', 'b')  # the path\nY = 2\n"],
        "'(' was never closed",
    ),
    "unclosed-brace-over-lines": Case(
        BracketsFixer(),
        "D = {'a': 1,\n     'b': 2\nE = 3\n",
        ["D = {'a': 1,\n     'b': 2}\nE = 3\n"],
        "'{' was never closed",
    ),
    "wrong-closer": Case(
        BracketsFixer(),
        FUNC + "X = f(1, 2]\n",
        [FUNC + "X = f(1, 2)\n"],
        "closing parenthesis ']' does not match opening parenthesis '('",
    ),
    "inner-bracket-never-closed": Case(BracketsFixer(), FUNC + "X = f([1, 2)\n", [FUNC + "X = f([1, 2])\n"]),
    "closer-of-nothing": Case(BracketsFixer(), FUNC + "X = f(1, 2))\n", [FUNC + "X = f(1, 2)\n"], "unmatched ')'"),
    # strings
    "unterminated-string-inside-a-call": Case(
        StringsFixer(),
        "X = str('hello)\n",
        ["X = str('hello')\n"],
        "unterminated string literal (detected at line 1)",
    ),
    # `pad = " " * padding` with a quote and a space lost (found on tabulate): closed at the
    # line's end it compiles too, as a string multiplying nothing, which verification rejects.
    "unterminated-string-before-an-operator": Case(
        StringsFixer(),
        'def pad(padding):\n    return " * padding\n',
        ['def pad(padding):\n    return " * padding"\n', 'def pad(padding):\n    return " " * padding\n'],
        "unterminated string literal (detected at line 2)",
    ),
    "unterminated-string-before-a-concatenation": Case(
        StringsFixer(),
        "def total(n):\n    print('total: + str(n))\n",
        ["def total(n):\n    print('total: + str(n)')\n", "def total(n):\n    print('total: ' + str(n))\n"],
        "unterminated string literal (detected at line 2)",
    ),
    "unterminated-docstring": Case(
        StringsFixer(),
        'def f():\n    """Do it.\n\n    return 1\n',
        ['def f():\n    """Do it."""\n\n    return 1\n', 'def f():\n    """Do it.\n\n    return 1"""\n'],
        "unterminated triple-quoted string literal (detected at line 4)",
    ),
    "f-string-reusing-its-quote-python-3-12-style": Case(
        StringsFixer(),
        "D = {'k': 1}\nX = f'{D['k']}'\n",
        ["D = {'k': 1}\nX = f'{D[\"k\"]}'\n"],
        "f-string: unmatched '['",
    ),
    "f-string-with-a-single-brace": Case(
        StringsFixer(), "X = f'a } b'\n", ["X = f'a }} b'\n"], "f-string: single '}' is not allowed"
    ),
    "f-string-with-empty-braces-for-format": Case(
        StringsFixer(), "X = f'{} items'.format(3)\n", ["X = f'{{}} items'.format(3)\n"]
    ),
    "f-string-with-an-open-brace": Case(StringsFixer(), "Y = 1\nX = f'{Y'\n", ["Y = 1\nX = f'{Y}'\n"]),
    # characters
    "curly-quotes-on-two-lines": Case(
        CharactersFixer(),
        "X = \u201chello\u201d\nY = \u2018a\u2019\n",
        ["X = \"hello\"\nY = 'a'\n"],
        "invalid character '\u201c' (U+201C)",
    ),
    "a-dash-in-code-but-not-in-its-string-or-comment": Case(
        CharactersFixer(),
        "X = 3 \u2014 2  # 3 \u2014 2\nS = 'caf\u00e9 \u2014 menu'\n",
        ["X = 3 - 2  # 3 \u2014 2\nS = 'caf\u00e9 \u2014 menu'\n"],
    ),
    "no-break-space-and-zero-width-space": Case(
        CharactersFixer(),
        "X = 1 +\u00a02\u200b\n",
        ["X = 1 + 2\n"],
        "invalid non-printable character U+00A0",
    ),
    "full-width-parentheses": Case(CharactersFixer(), "X = max\uff081, 2\uff09\n", ["X = max(1, 2)\n"]),
    # indentation
    "unexpected-indent-of-a-block": Case(
        IndentationFixer(),
        "def f():\n    x = 1\n        y = 2\n        return y\n",
        ["def f():\n    x = 1\n    y = 2\n    return y\n"],
        "unexpected indent",
    ),
    "body-not-indented": Case(
        IndentationFixer(),
        "def f(x):\nif x:\n    return 1\nreturn 2\n",
        ["def f(x):\n    if x:\n        return 1\n    return 2\n"],
        "expected an indented block after function definition on line 1",
    ),
    "body-s-first-line-at-column-0-before-the-if-s-next-statement": Case(
        IndentationFixer(),
        "def f(x):\n    if x < 1:\nraise ValueError(x)\n    return x\n",
        ["def f(x):\n    if x < 1:\n        raise ValueError(x)\n    return x\n"],
        "expected an indented block after 'if' statement on line 2",
    ),
    "body-s-first-line-at-column-0-as-far-as-the-body-line-after-it": Case(
        IndentationFixer(),
        "def f(x):\n    if x:\nx = 2\n      return x\n    return 0\n",
        ["def f(x):\n    if x:\n      x = 2\n      return x\n    return 0\n"],
        "expected an indented block after 'if' statement on line 2",
    ),
    "body-deleted": Case(
        IndentationFixer(),
        "class A:\n\n\ndef f():\n    return 1\n",
        ["class A:\n    pass\n\n\ndef f():\n    return 1\n", "class A:\n\n\n    def f():\n        return 1\n"],
    ),
    "dedent-to-no-level": Case(
        IndentationFixer(),
        "def f(x):\n    if x:\n        y = 1\n      return y\n",
        [
            "def f(x):\n    if x:\n        y = 1\n    return y\n",
            "def f(x):\n    if x:\n        y = 1\n        return y\n",
        ],
        "unindent does not match any outer indentation level",
    ),
    "a-tab-among-spaces": Case(
        IndentationFixer(),
        "def f(x):\n    if x:\n\treturn 1\n    return 2\n",
        ["def f(x):\n    if x:\n        return 1\n    return 2\n"],
        "inconsistent use of tabs and spaces in indentation",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": case.source})
    failed = raised(tmp_path, "import pkg.mod")
    assert failed.error_type in ("SyntaxError", "IndentationError", "TabError")
    assert not case.message or failed.message == case.message

    found = case.fixer.propose(failed, source)

    assert [applied(tmp_path, c) for c in found] == case.expected
    assert all(c.rank == 0 and c.origin == case.fixer.name for c in found)
    assert all(compile_error(applied(tmp_path, c), "pkg/mod.py") is None for c in found)
    applied(tmp_path, found[0])
    assert python(tmp_path, "import pkg.mod").returncode == 0


def test_another_mistake_further_down_ranks_second(tmp_path: Path) -> None:
    text = "X = [1, 2 3]\n\n\ndef f()\n    return 1\n"
    source = commit(tmp_path, {"pkg/mod.py": text})

    (found,) = PunctuationFixer().propose(raised(tmp_path, "import pkg.mod"), source)

    assert (found.rank, applied(tmp_path, found)) == (1, text.replace("2 3", "2, 3"))
    assert found.rationale == "`2` and `3` on line 1 need a comma between them; add it"


NOT_FOR_US = {
    "invalid-syntax-without-a-hint": "X = $y\n",
    "print-statement": "print 'x'\n",
    "f-string-backslash": "X = f'{\"\\n\".join([])}'\n",
    "stray-quote-of-a-name": "X = hello'\n",
}


@pytest.mark.parametrize("text", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, text: str) -> None:
    source = commit(tmp_path, {"pkg/mod.py": text, "tests/test_mod.py": "X = [1, 2 3]\n"})
    failed = raised(tmp_path, "import pkg.mod")
    in_test = raised(tmp_path, "import tests.test_mod")
    fixers = (PunctuationFixer(), BracketsFixer(), StringsFixer(), CharactersFixer(), IndentationFixer())

    assert [c for fixer in fixers for c in fixer.propose(failed, source) + fixer.propose(in_test, source)] == []
