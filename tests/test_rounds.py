"""Composition: a build that fails for two reasons in two files is healed over rounds,
fix, re-run, fix the next, through the real CLI with real git and pytest runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo, snapshot
from projects import PYTEST

# A stdlib module used without its import in one file, a misspelt name in another: each
# failing test needs both, so neither fix alone turns anything green.
TWO_FILES = {
    "pkg/__init__.py": "",
    "pkg/paths.py": "def here():\n    return os.getcwd()\n",
    "pkg/shapes.py": "def area(width, height):\n    result = width * height\n    return reslt\n",
    "tests/test_both.py": (
        "import os\n\nfrom pkg.paths import here\nfrom pkg.shapes import area\n\n\n"
        "def test_here():\n    assert here() == os.getcwd() and area(2, 3) == 6\n\n\n"
        "def test_area():\n    assert area(2, 3) == 6 and here()\n\n\n"
        "def test_untouched():\n    assert True\n"
    ),
}

# A syntax error hides the second failure: only once the module parses does the typo show.
HIDDEN = {
    "pkg/__init__.py": "",
    "pkg/greet.py": "def greet(name)\n    return 'hello ' + name\n",
    "pkg/shapes.py": "def area(width, height):\n    result = width * height\n    return reslt\n",
    "tests/test_all.py": (
        "from pkg.greet import greet\nfrom pkg.shapes import area\n\n\n"
        "def test_greet():\n    assert greet('bob') == 'hello bob'\n\n\n"
        "def test_area():\n    assert area(2, 3) == 6\n"
    ),
}


def heal(repo: Path) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", PYTEST],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return done.returncode, json.loads(last), done.stderr


def test_two_failures_in_two_files_are_fixed_over_two_rounds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TWO_FILES)
    before = snapshot(repo)
    refs = git(repo, "for-each-ref", "--format=%(refname)")

    code, result, stderr = heal(repo)

    assert (code, result["status"]) == (0, "fixed"), stderr
    assert str(result["fixer"]).count("+") == 1, result["fixer"]  # two fixes, composed
    patch = str(result["patch"])
    assert "+import os" in patch and "+    return result" in patch
    branch = str(result["branch"])
    assert "import os" in git(repo, "show", f"{branch}:pkg/paths.py")
    assert "return result" in git(repo, "show", f"{branch}:pkg/shapes.py")
    # The proposal is one commit on the base holding the combined diff.
    assert git(repo, "rev-parse", f"{branch}~1").strip() == git(repo, "rev-parse", "HEAD").strip()
    assert git(repo, "diff", "HEAD", branch, "--", "tests") == ""
    # The winning verdict compares the base's runs with the final state's.
    [winner] = [v for v in result["verification"] if v["passed"]]  # type: ignore[union-attr]
    assert [c["exit_code"] for c in winner["before"]] == [1]
    assert [c["exit_code"] for c in winner["after"]] == [0]
    body = Path(str(result["proposal"])).read_text(encoding="utf-8")
    assert "import os" in body and "return result" in body
    # The rounds' states were commit objects on no ref; the user's checkout is as it was.
    assert snapshot(repo) == before
    assert git(repo, "for-each-ref", "--format=%(refname)") == refs + f"refs/heads/{branch}\n"


def test_a_syntax_error_hiding_a_typo_is_fixed_over_two_rounds(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", HIDDEN)

    code, result, stderr = heal(repo)

    assert (code, result["status"]) == (0, "fixed"), stderr
    branch = str(result["branch"])
    assert "def greet(name):" in git(repo, "show", f"{branch}:pkg/greet.py")
    assert "return result" in git(repo, "show", f"{branch}:pkg/shapes.py")


def test_the_bound_on_rounds_is_configurable(tmp_path: Path) -> None:
    files = {**TWO_FILES, "pyproject.toml": "[tool.suture]\nrounds = 1\n"}
    repo = make_repo(tmp_path / "repo", files)

    code, result, _ = heal(repo)

    assert (code, result["status"]) == (1, "unfixed")
    verdicts = result["verification"]
    assert isinstance(verdicts, list) and verdicts
    assert all("+" not in v["candidate"]["origin"] for v in verdicts)  # nothing composed
    assert git(repo, "branch", "--list", "suture/*") == ""


# A guess (a statement moved across a block's end) that only changes what fails: the
# UnboundLocalError becomes a TypeError, which a fix for it would follow in round 2.
GUESSED = {
    "pkg/__init__.py": "",
    "pkg/label.py": "def label(n):\n    if n > 0:\n        n = n\n        text = 'positive'\n    return text + n\n",
    "tests/test_label.py": "from pkg.label import label\n\n\ndef test_zero():\n    assert label(0) == '0'\n",
}


def test_a_guess_that_changes_the_failure_is_not_built_on(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", GUESSED)

    code, result, stderr = heal(repo)

    assert (code, result["status"]) == (1, "unfixed"), stderr
    assert "verifying block-moves" in stderr  # the guess was tried...
    assert "round 2" not in stderr  # ...and nothing was tried on top of it
    assert not any("+" in str(v["candidate"]["origin"]) for v in result["verification"])  # type: ignore[union-attr]
