"""The fixer ladder end to end: a broken project per family, healed through the real CLI
(`suture heal --json`), with real git and real pytest runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST


def heal(repo: Path, check: str = PYTEST) -> tuple[int, dict[str, object], str]:
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", check],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=300,
    )
    last = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else "{}"
    return done.returncode, json.loads(last), done.stderr


def a_test(code: str, imports: str = "from pkg.core import *") -> str:
    return f"{imports}\n\n\ndef test_it():\n    {code}\n"


TEXT = "def slugify(text):\n    return text.lower().replace(' ', '-')\n"

BROKEN = {
    # names: a project function used without its import
    "names": (
        {
            "pkg/text.py": TEXT,
            "pkg/core.py": "import re\n\n\ndef render(title):\n    return slugify(re.sub('!', '', title))\n",
            "tests/test_core.py": a_test("assert render('Hi there!') == 'hi-there'"),
        },
        "pkg/core.py",
        "import re\n\nfrom pkg.text import slugify\n\n\ndef render",
    ),
    # attributes: the test asks for the method the class misspells
    "attributes": (
        {
            "pkg/core.py": "class Box:\n    def __init__(self, side):\n        self.side = side\n\n"
            "    def aera(self):\n        return self.side**2\n",
            "tests/test_core.py": a_test("assert Box(3).area() == 9"),
        },
        "pkg/core.py",
        "    def area(self):\n",
    ),
    # imports: a project module renamed, imported by its old name
    "imports": (
        {
            "pkg/text.py": TEXT,
            "pkg/core.py": "from pkg.txt import slugify\n\n\ndef render(title):\n    return slugify(title)\n",
            "tests/test_core.py": a_test("assert render('A b') == 'a-b'"),
        },
        "pkg/core.py",
        "from pkg.text import slugify\n",
    ),
    # calls: a parameter removed while the body still uses it
    "calls": (
        {
            "pkg/core.py": "def area(width):\n    return width * height\n",
            "tests/test_core.py": a_test("assert area(2, 3) == 6"),
        },
        "pkg/core.py",
        "def area(width, height):\n",
    ),
    # returns: a function that computes its result and drops it
    "returns": (
        {
            "pkg/core.py": "import json\n\n\ndef load(text):\n    data = json.loads(text)\n",
            "tests/test_core.py": a_test("assert load('{\"a\": 1}')['a'] == 1"),
        },
        "pkg/core.py",
        "    data = json.loads(text)\n    return data\n",
    ),
    # syntax: a missing comma, an unclosed bracket, a stray indent
    "punctuation": (
        {
            "pkg/core.py": "SIZES = [\n    1,\n    2\n    3,\n]\n",
            "tests/test_core.py": a_test("assert SIZES == [1, 2, 3]"),
        },
        "pkg/core.py",
        "    2,\n",
    ),
    "brackets": (
        {
            "pkg/core.py": "def total(xs):\n    return sum(x * 2 for x in xs\n",
            "tests/test_core.py": a_test("assert total([1, 2]) == 6"),
        },
        "pkg/core.py",
        "    return sum(x * 2 for x in xs)\n",
    ),
    # one-token: a lost opener glued a name to its f-string ("unmatched ')'", no fixer of its own)
    "one-token": (
        {
            "pkg/core.py": "def check(name):\n    if not name:\n        raise ValueError('empty')\n"
            "    if len(name) > 3:\n        raise ValueErrorf'too long: {name}')\n    return name\n",
            "tests/test_core.py": a_test("assert check('ab') == 'ab'"),
        },
        "pkg/core.py",
        "        raise ValueError(f'too long: {name}')\n",
    ),
    "indentation": (
        {
            "pkg/core.py": (
                "def total(xs):\n    result = 0\n    for x in xs:\n        result += x\n      return result\n"
            ),
            "tests/test_core.py": a_test("assert total([1, 2]) == 3"),
        },
        "pkg/core.py",
        "        result += x\n    return result\n",
    ),
}


@pytest.mark.parametrize("fixer", BROKEN)
def test_each_family_is_healed(tmp_path: Path, fixer: str) -> None:
    files, path, expected = BROKEN[fixer]
    repo = make_repo(tmp_path / "repo", {"pkg/__init__.py": "", **files})

    code, result, stderr = heal(repo)

    assert (code, result["status"]) == (0, "fixed"), stderr
    assert result["fixer"] == fixer
    healed = git(repo, "show", f"{result['branch']}:{path}")
    assert expected in healed
    assert git(repo, "diff", "--stat", "HEAD", str(result["branch"]), "--", "tests") == ""


def test_a_missing_distribution_is_proposed_but_cannot_verify_offline(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/core.py": "import nosuch_dist\n",
        "requirements.txt": "click\n",
        "tests/test_core.py": a_test("assert nosuch_dist"),
    }
    repo = make_repo(tmp_path / "repo", files)

    code, result, _ = heal(repo)

    assert (code, result["status"]) == (1, "unfixed")
    verdicts = result["verification"]
    assert isinstance(verdicts, list)
    tried = [verdict["candidate"] for verdict in verdicts]
    assert [(c["origin"], c["rank"]) for c in tried] == [("dependencies", 2)]
    assert "+nosuch-dist" in tried[0]["diff"]
    assert "verifies only where the checks install" in tried[0]["rationale"]


def test_a_syntax_error_in_what_the_conftest_imports_is_healed(tmp_path: Path) -> None:
    """pytest stops before collecting (exit 4, "ImportError while loading conftest"): no test is
    named, and the fix must make the whole run pass."""
    files = {
        "pkg/__init__.py": "from pkg.core import total\n",
        "pkg/core.py": "def total(xs):\n    return sum(x * 2 for x in xs\n",
        "tests/conftest.py": (
            "import pytest\n\nfrom pkg import total\n\n\n@pytest.fixture\ndef add():\n    return total\n"
        ),
        "tests/test_core.py": "def test_it(add):\n    assert add([1, 2]) == 6\n",
    }
    repo = make_repo(tmp_path / "repo", files)

    code, result, stderr = heal(repo)

    assert (code, result["status"]) == (0, "fixed"), stderr
    assert result["fixer"] == "brackets"
    assert "    return sum(x * 2 for x in xs)\n" in git(repo, "show", f"{result['branch']}:pkg/core.py")


def test_a_syntax_error_in_what_a_pytest_plugin_imports_is_healed(tmp_path: Path) -> None:
    """pytest fails before it starts: a plugin it loads imports the broken package (anyio's plugin
    imports trio, which imports idna): a plain traceback, exit 1, nothing of pytest's own."""
    files = {
        "pkg/__init__.py": "def total(xs):\n    return sum(xs))\n",
        "pkg_plugin.py": "import pkg\n",
        "tests/test_pkg.py": "from pkg import total\n\n\ndef test_total():\n    assert total([1, 2]) == 3\n",
    }
    repo = make_repo(tmp_path / "repo", files)

    code, result, stderr = heal(repo, f"{PYTEST} -p pkg_plugin")

    assert (code, result["status"]) == (0, "fixed"), stderr
    assert result["fixer"] == "brackets"
    assert "    return sum(xs)\n" in git(repo, "show", f"{result['branch']}:pkg/__init__.py")
