"""Replies as models write them, turned into diffs that `git apply` takes, or precise reasons why not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from fixer_helpers import commit
from helpers import git

from suture.llm import edits

CALC = "def add(a, b):\n    return a - b\n\n\ndef sub(a, b):\n    return a - b\n"
FIXED = "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n"
LONG = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(12))
FILES = {
    "calc.py": CALC,
    "shapes.py": "class Square:\n    def area(self, side):\n        return side * side + 1\n",
    "crlf.py": "def one():\r\n    return 2\r\n",
    "noeol.py": "def one():\n    return 2",
    "long.py": LONG,
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    ".github/workflows/ci.yml": "on: push\n",
    "uv.lock": "version = 1\n",
}

SR = (
    "calc.py\n<<<<<<< SEARCH\n    return a - b\n\n\ndef sub(a, b):\n=======\n    return a + b\n\n\ndef sub(a, b):\n"
    ">>>>>>> REPLACE\n"
)

APPLIED = [
    ("plain", SR, {"calc.py": FIXED}),
    (
        "fenced-with-prose",
        "The operator is wrong.\n\n```python\n" + SR + "```\n\nThat should fix it.",
        {"calc.py": FIXED},
    ),
    ("bold-path", SR.replace("calc.py\n", "**calc.py**\n", 1), {"calc.py": FIXED}),
    ("path-in-fence", "```python calc.py\n" + SR.split("\n", 1)[1] + "```\n", {"calc.py": FIXED}),
    ("prose-naming-file", "In `calc.py`:\n" + SR.split("\n", 1)[1], {"calc.py": FIXED}),
    (
        "two-blocks-one-path",
        SR + "<<<<<<< SEARCH\ndef sub(a, b):\n=======\ndef sub(a, b):  # minus\n>>>>>>> REPLACE\n",
        {"calc.py": FIXED.replace("def sub(a, b):", "def sub(a, b):  # minus")},
    ),
    (
        "trailing-whitespace-drift",
        "calc.py\n<<<<<<< SEARCH\ndef add(a, b):   \n    return a - b  \n=======\ndef add(a, b):\n    return a + b\n"
        ">>>>>>> REPLACE\n",
        {"calc.py": FIXED},
    ),
    (
        "indentation-drift",
        "shapes.py\n<<<<<<< SEARCH\ndef area(self, side):\n    return side * side + 1\n=======\n"
        "def area(self, side):\n    return side * side\n>>>>>>> REPLACE\n",
        {"shapes.py": "class Square:\n    def area(self, side):\n        return side * side\n"},
    ),
    (
        "blank-lines-around-search",
        "calc.py\n<<<<<<< SEARCH\n\ndef add(a, b):\n    return a - b\n\n=======\ndef add(a, b):\n    return a + b\n"
        ">>>>>>> REPLACE\n",
        {"calc.py": FIXED},
    ),
    (
        "unified-diff-wrong-line-numbers",
        "--- a/calc.py\n+++ b/calc.py\n@@ -40,2 +40,2 @@\n def add(a, b):\n-    return a - b\n+    return a + b\n",
        {"calc.py": FIXED},
    ),
    (
        "unified-diff-fenced-with-prose",
        "Here is the patch:\n```diff\ndiff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1,3 +1,3 @@\n"
        " def add(a, b):\n-    return a - b\n+    return a + b\n\n```\nDone.",
        {"calc.py": FIXED},
    ),
    ("whole-file-named-before", "calc.py:\n```python\n" + FIXED + "```\n", {"calc.py": FIXED}),
    ("whole-file-fence-title", "```python title=calc.py\n" + FIXED + "```\n", {"calc.py": FIXED}),
    ("whole-file-default-path", "Fixed:\n```python\n" + FIXED + "```\n", {"calc.py": FIXED}),
    (
        "crlf-file-keeps-crlf",
        "crlf.py\n<<<<<<< SEARCH\n    return 2\n=======\n    return 1\n>>>>>>> REPLACE\n",
        {"crlf.py": "def one():\r\n    return 1\r\n"},
    ),
    (
        "file-without-final-newline",
        "noeol.py\n<<<<<<< SEARCH\n    return 2\n=======\n    return 1\n>>>>>>> REPLACE\n",
        {"noeol.py": "def one():\n    return 1"},
    ),
    (
        "two-files",
        SR + "\nnoeol.py\n<<<<<<< SEARCH\n    return 2\n=======\n    return 1\n>>>>>>> REPLACE\n",
        {"calc.py": FIXED, "noeol.py": "def one():\n    return 1"},
    ),
    (
        "long-markers-and-windows-line-ends",
        SR.replace("<<<<<<< SEARCH", "<<<<<<<< SEARCH").replace("\n", "\r\n"),
        {"calc.py": FIXED},
    ),
]


@pytest.mark.parametrize(("reply", "expected"), [case[1:] for case in APPLIED], ids=[case[0] for case in APPLIED])
def test_a_reply_becomes_a_diff_git_applies(tmp_path: Path, reply: str, expected: dict[str, str]) -> None:
    source = commit(tmp_path / "repo", FILES)

    edited = edits.edit(reply, source.read, default_path="calc.py")

    assert edited.problem == ""
    for path, text in _applied(tmp_path / "repo", edited.diff).items():
        assert text == expected.get(path, FILES[path]), path


REJECTED = [
    (
        "absent-search",
        "calc.py\n<<<<<<< SEARCH\n    return a * b\n=======\n    return a + b\n>>>>>>> REPLACE\n",
        "edit 1 (calc.py): the SEARCH text is not in the file (its first line is `return a * b`; the closest line "
        "in the file is 2: `return a - b`); copy the lines exactly",
    ),
    (
        "ambiguous-search",
        "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n",
        "edit 1 (calc.py): the SEARCH text matches 2 places (lines 2, 6): add lines around it so it matches once",
    ),
    (
        "search-going-wrong-midway",
        "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n    return a - b\n    return None\n=======\nx\n>>>>>>> REPLACE\n",
        "its first 2 line(s) match from line 1, but its next line, `return None`, differs from line 3: a blank line)",
    ),
    (
        "ambiguous-after-whitespace-drift",
        "calc.py\n<<<<<<< SEARCH\nreturn a - b\n=======\nreturn a + b\n>>>>>>> REPLACE\n",
        "matches 2 places (lines 2, 6)",
    ),
    (
        "test-file",
        "tests/test_calc.py\n<<<<<<< SEARCH\n    assert add(2, 3) == 5\n=======\n    assert True\n>>>>>>> REPLACE\n",
        "the reply edits the test file tests/test_calc.py, which no fix may change",
    ),
    (
        "workflow-file",
        ".github/workflows/ci.yml\n<<<<<<< SEARCH\non: push\n=======\non: []\n>>>>>>> REPLACE\n" + SR,
        "the reply edits the CI configuration file .github/workflows/ci.yml, which no fix may change",
    ),
    ("lockfile", "```toml uv.lock\nversion = 2\n```\n", "the reply edits the lockfile uv.lock"),
    (
        "missing-file",
        "calculator.py\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n",
        "calculator.py does not exist in the repository",
    ),
    (
        "outside-the-repository",
        "../etc/passwd\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n",
        "is outside the repository",
    ),
    ("prose-only", "You should change the minus to a plus in add.", "holds no SEARCH/REPLACE block"),
    ("cut-short", "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a +", "has no >>>>>>> REPLACE"),
    ("no-divider", "calc.py\n<<<<<<< SEARCH\n    return a - b\n>>>>>>> REPLACE\n", "has no ======= line"),
    (
        "no-change",
        "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n=======\ndef add(a, b):\n>>>>>>> REPLACE\n",
        "the edits change nothing",
    ),
    (
        "does-not-compile",
        "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n=======\ndef add(a, b)\n>>>>>>> REPLACE\n",
        "calc.py does not compile after the edits: expected ':' (line 1)",
    ),
    ("part-of-a-long-file", "long.py:\n```python\ndef f0():\n    return 1\n```\n", "not part of a file"),
    ("empty-search", "calc.py\n<<<<<<< SEARCH\n=======\nimport os\n>>>>>>> REPLACE\n", "the SEARCH text is empty"),
    ("new-file-diff", "--- /dev/null\n+++ b/new.py\n@@ -0,0 +1 @@\n+x = 1\n", "fixes change existing files only"),
    ("deleting-diff", "--- a/calc.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-x\n", "fixes may not delete files"),
    (
        "elision-in-replace",
        "calc.py\n<<<<<<< SEARCH\ndef add(a, b):\n=======\n"
        "def add(a, b):\n    # ... existing code ...\n>>>>>>> REPLACE\n",
        "calc.py line 2 would be `# ... existing code ...`, which leaves code out",
    ),
    ("apply-patch-adds-a-file", "*** Begin Patch\n*** Add File: new.py\n+x = 1\n*** End Patch\n", "creates new.py"),
    ("only-a-draft-in-think", "<think>\ncalc.py\n" + SR.split("\n", 1)[1] + "</think>\nI am not sure.", "holds no"),
    ("unclosed-think", "<think>\ncalc.py\n" + SR.split("\n", 1)[1], "holds no SEARCH/REPLACE block"),
    (
        "two-unnamed-fences",
        "```python\nx = 1\n```\nor\n```python\nx = 2\n```\n",
        "several fenced blocks and names no file",
    ),
]


@pytest.mark.parametrize(("reply", "reason"), [case[1:] for case in REJECTED], ids=[case[0] for case in REJECTED])
def test_a_reply_that_cannot_be_applied_exactly_is_rejected_with_the_reason(
    tmp_path: Path, reply: str, reason: str
) -> None:
    source = commit(tmp_path / "repo", FILES)

    edited = edits.edit(reply, source.read, default_path="calc.py" if "fences" not in reply else None)

    assert edited.diff == ""
    assert reason in edited.problem


def test_a_block_without_a_path_goes_to_the_default_file_or_is_rejected(tmp_path: Path) -> None:
    source = commit(tmp_path / "repo", FILES)
    unnamed = SR.split("\n", 1)[1]

    assert edits.edit(unnamed, source.read, default_path="calc.py").problem == ""
    assert "no line naming its file" in edits.edit(unnamed, source.read, default_path=None).problem


def _applied(repo: Path, diff: str) -> dict[str, str]:
    """Every file of `repo` after `git apply` of `diff`, as verification applies it."""
    for args in (["apply", "--check"], ["apply"]):
        done = subprocess.run(["git", *args, "-"], cwd=repo, input=diff, capture_output=True, text=True)
        assert done.returncode == 0, f"git {' '.join(args)}:\n{done.stderr}\n{diff}"
    names = git(repo, "ls-files").split()
    return {name: (repo / name).read_bytes().decode() for name in names}
