"""The outside-block fixer: a statement dedented out of the function or loop it ended, on real
snippets (the interpreter's own message, from a real import)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.outside import OutsideFixer

TOTAL = "def total(xs):\n    result = 0\n    for x in xs:\n        result += x\n{ret}\n\n\nX = 1\n"
FIRST = "def first(xs):\n    for x in xs:\n        if x:\n            found = x\n{brk}\n    return found\n"
CASES = {
    "a-return-dedented-to-the-module": (
        TOTAL.format(ret="return result"),
        "'return' outside function",
        [TOTAL.format(ret="    return result"), TOTAL.format(ret="        return result")],
    ),
    "a-break-dedented-out-of-its-loop": (
        FIRST.format(brk="    break"),
        "'break' outside loop",
        [FIRST.format(brk="        break"), FIRST.format(brk="            break")],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_statement_goes_back_to_its_block(tmp_path: Path, case: str) -> None:
    text, message, expected = CASES[case]
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": text})
    failed = raised(tmp_path, "import pkg.mod")
    assert (failed.error_type, failed.message) == ("SyntaxError", message)

    found = OutsideFixer().propose(failed, source)

    assert [applied(tmp_path, c) for c in found] == expected
    assert all(c.rank == 0 for c in found)
    applied(tmp_path, found[0])
    assert python(tmp_path, "import pkg.mod").returncode == 0


def test_a_multi_line_statement_moves_whole(tmp_path: Path) -> None:
    text = "def pair(a, b):\n    c = a + b\nreturn (\n    a,\n    c,\n)\n"
    source = commit(tmp_path, {"pkg/mod.py": text})

    found = OutsideFixer().propose(raised(tmp_path, "import pkg.mod"), source)

    assert (
        applied(tmp_path, found[0]) == "def pair(a, b):\n    c = a + b\n    return (\n        a,\n        c,\n    )\n"
    )


def test_not_for_other_syntax_errors(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": "X = (1,, 2)\n"})

    assert OutsideFixer().propose(raised(tmp_path, "import pkg.mod"), source) == []
