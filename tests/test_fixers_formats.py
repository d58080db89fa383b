"""The format-args fixer: a `%`-format that lost one of its values, on real code run by a real interpreter."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.formats import FormatFixer

DESCRIBE = 'def describe(name, size):\n    unit = "kB" if size > 1024 else "B"\n    return "%s: %d %s" % ({values})\n'
PAIR = 'def pair(key, value):\n    return "%s=%s" % {values}\n'
LABEL = 'def label(part, whole):\n    pct = part * 100 // whole\n    return "%d of %d (%d%%)" % ({values})\n'

CASES = {
    # the value's variable is left set and unread: certain, at each place, the end first
    "an-unused-variable": (
        DESCRIBE.format(values="name, size"),
        "from pkg.mod import describe; describe('a', 1)",
        [
            DESCRIBE.format(values="name, size, unit"),
            DESCRIBE.format(values="name, unit, size"),
            DESCRIBE.format(values="unit, name, size"),
        ],
        [0, 0, 0],
    ),
    "a-lone-value-becomes-a-tuple": (
        PAIR.format(values="key"),
        "from pkg.mod import pair; pair('a', 1)",
        [PAIR.format(values="(key, value)"), PAIR.format(values="(value, key)")],
        [0, 0],
    ),
    # nothing unread: the parameters the format does not use
    "a-parameter": (
        LABEL.format(values="part, pct"),
        "from pkg.mod import label; label(1, 2)",
        [
            LABEL.format(values="part, pct, whole"),
            LABEL.format(values="part, whole, pct"),
            LABEL.format(values="whole, part, pct"),
        ],
        [2, 2, 2],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_candidates(tmp_path: Path, case: str) -> None:
    text, run, expected, ranks = CASES[case]
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": text})
    failed = raised(tmp_path, run)
    assert (failed.error_type, failed.message) == ("TypeError", "not enough arguments for format string")

    found = FormatFixer().propose(failed, source)

    assert [applied(tmp_path, c) for c in found] == expected
    assert [c.rank for c in found] == ranks
    applied(tmp_path, found[0])
    assert python(tmp_path, run).returncode == 0


NOT_FOR_US = {
    "a-mapping-format": ('def f(a):\n    return "%(a)s %(b)s" % {"a": a}\n', "from pkg.mod import f; f(1)"),
    "another-type-error": ("def f(a):\n    return len(a, a)\n", "from pkg.mod import f; f(1)"),
    "in-a-test": ("X = 1\n", "from tests.test_mod import f; f(1)"),
}


@pytest.mark.parametrize(("text", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, text: str, run: str) -> None:
    files = {"pkg/__init__.py": "", "pkg/mod.py": text, "tests/test_mod.py": 'def f(a):\n    return "%s %s" % a\n'}
    source = commit(tmp_path, files)
    failed = raised(tmp_path, run)
    assert failed.error_type in ("TypeError", "KeyError")

    assert FormatFixer().propose(failed, source) == []
