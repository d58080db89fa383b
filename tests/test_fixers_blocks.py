"""The block-moves fixer: a statement moved across its block's end in a file that still compiles,
put back from where the failure raised (real interpreters raise each failure)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.blocks import BlocksFixer

DESCRIBE = (
    "def describe(delta, future):\n"
    "    if delta < 0:\n"
    "        delta = -delta\n"
    "    {moved}ago = '%s from now' if future else '%s ago'\n"
    "    return ago % delta\n"
)
HEAD = (
    "def log(text):\n    return text\n\n\n"
    "def head(items):\n"
    "    if not items:\n"
    "        log('empty')\n"
    "    {moved}raise ValueError('empty')\n"
    "    return items[0]\n"
)
TOTALS = (
    "def totals(rows):\n"
    "    seen = {{}}\n"
    "    for name, count in rows:\n"
    "        if count > 1:\n"
    "            count = count - 1\n"
    "        {moved}seen[name] = count\n"
    "    return seen['a'] + seen['b']\n"
)
CASES = {
    # UnboundLocalError: the assignment indented into the block before it (humanize's `ago`)
    "an-assignment-indented-into-a-block": (
        DESCRIBE.format(moved="    "),
        DESCRIBE.format(moved=""),
        "from pkg.mod import describe; describe(5, True)",
    ),
    # a block's last statement dedented: it runs on every path
    "a-raise-dedented-out-of-its-block": (
        HEAD.format(moved=""),
        HEAD.format(moved="    "),
        "from pkg.mod import head; head([1])",
    ),
    # a KeyError far from the moved line (parse's `d[k] = value`)
    "an-update-indented-into-a-block": (
        TOTALS.format(moved="    "),
        TOTALS.format(moved=""),
        "from pkg.mod import totals; totals([('a', 1), ('b', 2)])",
    ),
}


@pytest.mark.parametrize(("broken", "original", "run"), CASES.values(), ids=CASES.keys())
def test_the_move_back_is_among_the_candidates(tmp_path: Path, broken: str, original: str, run: str) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": broken})
    failed = raised(tmp_path, run)

    found = BlocksFixer().propose(failed, source)

    assert 0 < len(found) <= 4
    fixed = next(c for c in found if applied(tmp_path, c, "pkg/mod.py") == original)
    applied(tmp_path, fixed, "pkg/mod.py")
    assert python(tmp_path, run).returncode == 0


def test_the_unbound_variable_s_assignment_comes_first(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": DESCRIBE.format(moved="    ")})
    failed = raised(tmp_path, "from pkg.mod import describe; describe(5, True)")
    assert failed.error_type == "UnboundLocalError"

    found = BlocksFixer().propose(failed, source)

    assert applied(tmp_path, found[0], "pkg/mod.py") == DESCRIBE.format(moved="")
    assert (
        found[0].rationale
        == "line 4 of pkg/mod.py moved out of its block (a statement across a block's end still compiles)"
    )


NOT_FOR_US = {
    "a-syntax-error": ({"pkg/mod.py": "def f(:\n    pass\n"}, "import pkg.mod"),
    "no-frame-in-the-project": ({"pkg/mod.py": "X = 1\n"}, "import pkg.mod; assert pkg.mod.X == 2"),
    "nothing-to-move": ({"pkg/mod.py": "def f():\n    return {}['k']\n"}, "from pkg.mod import f; f()"),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})

    assert BlocksFixer().propose(raised(tmp_path, run), source) == []
