"""The one-token fixer: a SyntaxError mended by inserting, deleting or replacing one token near
where the compiler stops, on real snippets (the interpreter's own message, from a real import)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers._common import compile_error
from suture.fixers.onetoken import OneTokenFixer

SIGNATURE = "class BadSignature(Exception):\n    pass\n\n\n"
CASES = {
    # a lost opener glued a name to its f-string: "unmatched ')'"
    "lost-opener-before-an-f-string": (
        SIGNATURE + 'def check(fstr):\n    if not fstr:\n        raise BadSignature("empty")\n'
        '    raise BadSignaturef"bad {fstr}")\n',
        '    raise BadSignature(f"bad {fstr}")\n',
        "unmatched ')'",
    ),
    # a lost closer of a one-tuple: a bare "invalid syntax"
    "lost-closer-of-a-tuple": (
        "from itertools import chain\n\n\ndef prepend(item, iterator):\n    return chain((item,, iterator)\n",
        "    return chain((item,), iterator)\n",
        "invalid syntax",
    ),
    # a lost closer of a signature
    "lost-closer-of-a-signature": (
        "def sig(fstr, resolve_pos=True:\n    return fstr, resolve_pos\n",
        "def sig(fstr, resolve_pos=True):\n",
        "invalid syntax",
    ),
    # a stray token
    "stray-operator": (
        "def double(a):\n    total = a * 2\n    return a * * 2\n",
        "    return a * 2\n",
        "invalid syntax",
    ),
    # a lost opener of a call in a method deep in a class: "unmatched ')'"
    "lost-opener-of-a-call-in-a-method": (
        "class Box:\n"
        + "".join(f"    def m{i}(self):\n        return len(self.items) + {i}\n\n" for i in range(300))
        + "    def size(self):\n        return lenself.items)\n",
        "        return len(self.items)\n",
        "unmatched ')'",
    ),
    # right after a docstring: its closing quotes are no string's opening
    "doubled-comma-after-a-docstring": (
        'def check(a, b):\n    """Both."""\n    assert a is not None, (a,, b)\n    return a\n',
        "    assert a is not None, (a, b)\n",
        "invalid syntax",
    ),
    # in one branch of a long elif chain (the branch alone is parsed first: fast)
    "doubled-comma-in-an-elif-chain": (
        "def pick(kind, n):\n    if kind == 'a':\n        return n\n"
        + "".join(f"    elif kind == 'k{i}':\n        return max(n, {i})\n" for i in range(150))
        + "    elif kind == 'z':\n        return max(n,, 0)\n"
        + "".join(f"    elif kind == 'm{i}':\n        return min(n, {i})\n" for i in range(150)),
        "        return max(n, 0)\n",
        "invalid syntax",
    ),
    # a lost dot between a module and its attribute
    "lost-dot": (
        "import os\n\n\ndef here(name):\n    base = os.path.dirname(name)\n    return os.path.join(base, os path)\n",
        "    return os.path.join(base, os.path)\n",
        "invalid syntax. Perhaps you forgot a comma?",
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_original_is_among_the_candidates(tmp_path: Path, case: str) -> None:
    text, line, message = CASES[case]
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": text})
    failed = raised(tmp_path, "import pkg.mod")
    assert (failed.error_type, failed.message) == ("SyntaxError", message)

    started = time.monotonic()
    found = OneTokenFixer().propose(failed, source)

    assert time.monotonic() - started < 2.0
    assert 1 <= len(found) <= 5
    edited = [applied(tmp_path, c) for c in found]
    assert all(compile_error(text, "pkg/mod.py") is None for text in edited)
    assert any(line in text for text in edited), edited
    assert all(c.origin == "one-token" and c.rank == 1 for c in found)
    applied(tmp_path, found[[line in text for text in edited].index(True)])
    assert python(tmp_path, "import pkg.mod").returncode == 0


def test_the_glued_name_is_split_before_its_string_first(tmp_path: Path) -> None:
    text = CASES["lost-opener-before-an-f-string"][0]
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": text})

    best = OneTokenFixer().propose(raised(tmp_path, "import pkg.mod"), source)[0]

    assert applied(tmp_path, best) == text.replace('BadSignaturef"', 'BadSignature(f"')
    assert best.rationale == "a `(` is missing on line 8 between `BadSignature` and its string; add it"


def test_a_deleted_token_takes_one_space_with_it(tmp_path: Path) -> None:
    text = "def f(a):\n    return a + * 2\n"
    source = commit(tmp_path, {"pkg/mod.py": text})

    found = OneTokenFixer().propose(raised(tmp_path, "import pkg.mod"), source)

    assert "    return a + 2\n" in [applied(tmp_path, c).splitlines(keepends=True)[1] for c in found]


@pytest.mark.parametrize(
    "files",
    [
        {"pkg/mod.py": "X = 1\n"},  # it compiles: the log is about another version
        {"pkg/mod.py": "X = 1\n", "tests/test_mod.py": "X = (1,, 2)\n"},  # tests are read-only
    ],
)
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str]) -> None:
    source = commit(tmp_path, files)
    failed = raised(tmp_path, "import tests.test_mod" if "tests/test_mod.py" in files else "X = (1,, 2)")

    assert OneTokenFixer().propose(failed, source) == []


def test_other_errors_are_not_its_business(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": "X = (1,, 2)\n"})
    failed = raised(tmp_path, "import pkg.mod")

    assert OneTokenFixer().propose(failed.__class__(**{**failed.__dict__, "error_type": "TypeError"}), source) == []


def test_a_rationale_quotes_a_long_token_cut(tmp_path: Path) -> None:
    """The repository's text reaches the proposal through rationales: a long string is cut."""
    text = 'X = "' + "a" * 5000 + '" "b")\n'
    source = commit(tmp_path, {"pkg/mod.py": text})

    found = OneTokenFixer().propose(raised(tmp_path, "import pkg.mod"), source)

    assert found
    assert any("aaa…" in c.rationale for c in found)
    assert all(len(c.rationale) < 200 for c in found)
