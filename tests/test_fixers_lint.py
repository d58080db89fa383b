"""Failing lint and format checks, healed by the tools' own fixing modes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST

from suture.fixers.lint import fix_command

PY = sys.executable


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("ruff check .", ["ruff", "check", "--fix", "."]),
        ("ruff check --no-fix src", ["ruff", "check", "--fix", "src"]),
        (f"{PY} -m ruff check src tests", [PY, "-m", "ruff", "check", "--fix", "src", "tests"]),
        ("ruff format --check .", ["ruff", "format", "."]),
        ("ruff format --diff src", ["ruff", "format", "src"]),
        ("black --check .", ["black", "."]),
        ("black --check --diff -q src", ["black", "-q", "src"]),
        ("isort --check-only --diff .", ["isort", "."]),
        ("/venv/bin/isort -c src", ["/venv/bin/isort", "src"]),
        ("flake8 .", None),
        ("python -m pytest -q", None),
        ("ruff 'unbalanced", None),
    ],
)
def test_fix_command(check: str, expected: list[str] | None) -> None:
    assert fix_command(check) == expected


UNUSED_IMPORT = {
    "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
    "pkg.py": "import os\nimport sys\n\n\ndef name():\n    return sys.platform\n",
    "tests/test_pkg.py": "from pkg import name\n\n\ndef test_name():\n    assert name()\n",
}

BADLY_FORMATTED = {
    "pyproject.toml": "[tool.black]\nline-length = 100\n",
    "pkg.py": "def name( ):\n    return  'x'\n",
    "tests/test_pkg.py": 'from pkg import name\n\n\ndef test_name():\n    assert name() == "x"\n',
}

UNSORTED = {
    "pkg.py": "import sys\nimport os\n\n\ndef name():\n    return os.sep + sys.platform\n",
    "tests/test_pkg.py": "from pkg import name\n\n\ndef test_name():\n    assert name()\n",
}


def heal(repo: Path, *checks: str) -> tuple[int, dict[str, object], str]:
    argv = [PY, "-m", "suture", "heal", "--json"]
    for check in checks:
        argv += ["--test-cmd", check]
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True, timeout=180)
    return done.returncode, json.loads(done.stdout.splitlines()[-1]), done.stderr


@pytest.mark.parametrize(
    ("files", "check", "path", "expected"),
    [
        (UNUSED_IMPORT, f"{PY} -m ruff check .", "pkg.py", "import sys\n\n\ndef name():\n    return sys.platform\n"),
        (BADLY_FORMATTED, f"{PY} -m ruff format --check .", "pkg.py", 'def name():\n    return "x"\n'),
        (BADLY_FORMATTED, f"{PY} -m black --check .", "pkg.py", 'def name():\n    return "x"\n'),
        (UNSORTED, f"{PY} -m isort --check-only --diff .", "pkg.py", "import os\nimport sys\n"),
    ],
    ids=["ruff-check", "ruff-format", "black", "isort"],
)
def test_lint_check_is_healed(tmp_path: Path, files: dict[str, str], check: str, path: str, expected: str) -> None:
    repo = make_repo(tmp_path / "repo", files)
    code, result, stderr = heal(repo, PYTEST, check)
    assert code == 0, stderr
    assert result["classification"] == "lint/format"
    assert result["fixer"] == "lint-tool"
    assert git(repo, "show", f"{result['branch']}:{path}").startswith(expected)
    # The fix was verified with every check, tests included.
    [verdict] = [v for v in result["verification"] if v["passed"]]  # type: ignore[union-attr]
    assert [c["exit_code"] for c in verdict["after"]] == [0, 0]


def test_a_format_failure_only_in_a_test_file_is_not_fixed(tmp_path: Path) -> None:
    files = {
        **BADLY_FORMATTED,
        "pkg.py": 'def name():\n    return "x"\n',
        "tests/test_pkg.py": "def test_x( ):\n    pass\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    code, result, _ = heal(repo, f"{PY} -m ruff format --check .")
    assert code == 1
    assert result["status"] == "unfixed"
    assert git(repo, "branch", "--list", "suture/*") == ""
