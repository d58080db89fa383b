from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, failure

from suture import diffs, fixers
from suture.records import Candidate, Failure
from suture.run.source import Source

CLASSIC = 'def add(a, b):\n    result = a + b\n    return "The result is: " + result\n'


class Canned:
    """A real fixer that proposes fixed candidates, to drive `propose` through edge cases."""

    def __init__(self, name: str, *candidates: Candidate) -> None:
        self.name = name
        self.candidates = list(candidates)

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        return self.candidates


def canned(path: str, new_line: str, *, origin: str = "canned", rank: int = 0) -> Candidate:
    diff = diffs.unified(path, CLASSIC, CLASSIC.replace("    result = a + b\n", new_line))
    return Candidate(origin=origin, diff=diff, rationale="canned", fingerprint="abc", rank=rank)


def test_the_registry_is_keyed_by_each_fixer_s_name() -> None:
    assert list(fixers.FIXERS) == [
        "lint-tool",
        "lint-findings",
        "concat",
        "missing-import",
        "names",
        "known-import",
        "did-you-mean",
        "attributes",
        "imports",
        "calls",
        "format-args",
        "returns",
        "assertions",
        "syntax",
        "punctuation",
        "brackets",
        "strings",
        "characters",
        "one-token",
        "indentation",
        "outside-block",
        "block-moves",
        "dependencies",
        "upstream",
    ]
    assert all(key == fixer.name for key, fixer in fixers.FIXERS.items())


ASKED = """
import json, sys
from pathlib import Path
from suture import fixers
from suture.records import Failure
from suture.run.source import Source
kind, error_type, message = sys.argv[1:4]
failure = Failure("ruff", kind, "ruff check .", error_type, message, (), (), "", "abc")
fixers.propose(failure, Source(Path("."), "HEAD"))
print(json.dumps(sorted(m for m in sys.modules if m.startswith(("libcst", "suture.fixers.")))))
"""


@pytest.mark.parametrize(
    ("kind", "error_type", "message", "loaded"),
    [
        ("check-failed", "", "exited with code 1", False),
        ("test-failure", "NameError", "name 'os' is not defined", True),
    ],
    ids=["a-lint-check", "a-python-error"],
)
def test_a_fixer_s_module_is_imported_only_for_the_failures_it_answers(
    tmp_path: Path, kind: str, error_type: str, message: str, loaded: bool
) -> None:
    """A failing lint check asks the lint fixers alone: the Python fixers (and libcst) stay unimported."""
    commit(tmp_path, {"pkg/mod.py": "import os\n"})
    done = subprocess.run(
        [sys.executable, "-c", ASKED, kind, error_type, message],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    imported = json.loads(done.stdout)
    assert ("suture.fixers.findings" in imported) is not loaded
    assert ("suture.fixers.calls" in imported) is loaded
    assert any(m.startswith("libcst") for m in imported) is loaded


def test_the_classic_case_comes_back_f_string_first(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": CLASSIC})
    message = 'can only concatenate str (not "int") to str'

    found = fixers.propose(failure("TypeError", message, line=3), source)

    assert [(c.origin, c.rank) for c in found] == [("concat", 0), ("concat", 1)]
    assert applied(tmp_path, found[0]).endswith('return f"The result is: {result}"\n')


def test_a_stdlib_name_with_a_suggestion_gets_the_import_first(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": "def now():\n    return time.time()\n"})
    message = "name 'time' is not defined. Did you mean: 'type'?"

    found = fixers.propose(failure("NameError", message, line=2), source)

    assert [c.origin for c in found] == ["missing-import", "did-you-mean"]
    assert [applied(tmp_path, c) for c in found] == [
        "import time\n\ndef now():\n    return time.time()\n",
        "def now():\n    return type.time()\n",
    ]


def test_sorted_by_rank_then_size_then_ladder_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = commit(tmp_path, {"pkg/mod.py": CLASSIC})
    big = canned("pkg/mod.py", "    result = a\n    result += b\n", origin="first")
    small = canned("pkg/mod.py", "    result = b + a\n", origin="first")
    unsure = canned("pkg/mod.py", "    result = a - -b\n", origin="second", rank=1)
    tie = canned("pkg/mod.py", "    result = (a + b)\n", origin="second")
    monkeypatch.setattr(
        fixers,
        "FIXERS",
        {"first": Canned("first", unsure, big, small), "second": Canned("second", tie)},
    )

    assert fixers.propose(failure("TypeError", "anything"), source) == [small, tie, big, unsure]


@pytest.mark.parametrize("path", ["tests/test_mod.py", "pkg/conftest.py", "test/util.py", "pkg/mod_test.py"])
def test_candidates_touching_tests_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, path: str) -> None:
    source = commit(tmp_path, {"pkg/mod.py": CLASSIC})
    keep = canned("pkg/mod.py", "    result = str(a + b)\n")
    sneaky = canned(path, "    result = str(a + b)\n")
    both = dataclasses.replace(keep, diff=diffs.join([keep.diff, sneaky.diff]))
    monkeypatch.setattr(fixers, "FIXERS", {"canned": Canned("canned", sneaky, both, keep)})

    assert fixers.propose(failure("TypeError", "anything"), source) == [keep]


def test_the_same_diff_from_two_fixers_is_kept_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = commit(tmp_path, {"pkg/mod.py": CLASSIC})
    first = canned("pkg/mod.py", "    result = str(a + b)\n", origin="first")
    again = dataclasses.replace(first, origin="second", rationale="the same edit")
    monkeypatch.setattr(fixers, "FIXERS", {"first": Canned("first", first), "second": Canned("second", again)})

    assert fixers.propose(failure("TypeError", "anything"), source) == [first]


MESSAGES = [
    ("TypeError", 'can only concatenate str (not "int") to str'),
    ("NameError", "name 'os' is not defined"),
    ("NameError", "name 'reslt' is not defined. Did you mean: 'result'?"),
    ("AttributeError", "module 'math' has no attribute 'sqr'. Did you mean: 'sqrt'?"),
    ("SyntaxError", "expected ':'"),
    ("NameError", "name 'reslt' is not defined"),
    ("AttributeError", "'Box' object has no attribute 'aera'"),
    ("AttributeError", "module 'pkg.mod' has no attribute 'sqr'"),
    ("ImportError", "cannot import name 'sqr' from 'pkg.mod' (/x/pkg/mod.py)"),
    ("ModuleNotFoundError", "No module named 'colections'"),
    ("ModuleNotFoundError", "No module named 'yaml'"),
    ("TypeError", "f() missing 1 required positional argument: 'b'"),
    ("TypeError", "f() got an unexpected keyword argument 'reslt'"),
    ("TypeError", "'NoneType' object is not subscriptable"),
    ("SyntaxError", "invalid syntax. Perhaps you forgot a comma?"),
    ("SyntaxError", "'(' was never closed"),
    ("SyntaxError", "unterminated string literal (detected at line 1)"),
    ("SyntaxError", "invalid character '\u201c' (U+201C)"),
    ("IndentationError", "unexpected indent"),
]
ODD_FILES = {
    "absent": ("pkg/gone.py", 1),
    "binary": ("pkg/blob.bin", 1),
    "not-utf8": ("pkg/latin1.py", 1),
    "empty": ("pkg/empty.py", 1),
    "line-zero": ("pkg/mod.py", 0),
    "line-past-the-end": ("pkg/mod.py", 10_000),
    "a-directory": ("pkg", 1),
    "outside-the-repo": ("../etc/passwd", 1),
}


@pytest.mark.parametrize(("error_type", "message"), MESSAGES)
@pytest.mark.parametrize("where", ODD_FILES.values(), ids=ODD_FILES.keys())
def test_odd_input_gives_nothing_and_raises_nothing(
    tmp_path: Path, error_type: str, message: str, where: tuple[str, int]
) -> None:
    text = "import math\nos.sep\nreslt + 'a' + 1\nmath.sqr\ndef f()\n"
    latin1 = text.replace("'a'", "'caf\xe9'").encode("latin-1")
    binary = {"pkg/blob.bin": b"\x89PNG\r\n\x1a\n\0\0" + text.encode(), "pkg/latin1.py": latin1}
    source = commit(tmp_path, {"pkg/mod.py": text, "pkg/empty.py": ""}, binary)
    path, line = where

    assert fixers.propose(failure(error_type, message, path=path, line=line), source) == []
