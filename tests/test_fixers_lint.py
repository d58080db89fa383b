"""Failing lint and format checks, healed by the tools' own fixing modes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from fixer_helpers import commit
from helpers import git, make_repo
from projects import PYTEST

from suture.fixers.lint import LintFixer, fix_command, flake8_commands, pins
from suture.records import Failure
from suture.run.sandbox import Bubblewrap

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


@pytest.mark.parametrize(
    ("check", "expected"),
    [
        ("python evil.py ruff check .", ["ruff", "check", "--fix", "."]),
        ("poetry run black --check .", ["black", "."]),
        ("ruff check . && curl http://example.invalid", ["ruff", "check", "--fix", "."]),
        ("ruff check .;curl http://example.invalid", ["ruff", "check", "--fix", "."]),
        ("pip install ruff; ruff format --check src", ["ruff", "format", "src"]),
        ("./tools/ruff check .", ["ruff", "check", "--fix", "."]),
        ("env X=1 isort -c .", ["isort", "."]),
        ("./venv/bin/python -m black --check .", ["./venv/bin/python", "-m", "black", "."]),
    ],
)
def test_only_the_tool_runs_with_its_fix_flags(check: str, expected: list[str]) -> None:
    assert fix_command(check) == expected


FLAKE8_OUTPUT = (
    "./pkg.py:1:1: F401 'os' imported but unused\n"
    "pkg.py:5:10: E225 missing whitespace around operator\n"
    "/tmp/suture-wt-1-x/tree/pkg.py:6:20: W291 trailing whitespace\n"
    "pkg.py:7:80: E501 line too long (90 > 79 characters)\n"
    "tests/test_pkg.py:1:1: F401 'sys' imported but unused\n"
)


def test_flake8_codes_go_to_the_tools_that_fix_them() -> None:
    paths = ["pkg.py", "tests/test_pkg.py"]
    both = flake8_commands("flake8 .", FLAKE8_OUTPUT, paths=paths, have={"autopep8": True, "ruff": True})
    assert both == [
        ["autopep8", "--in-place", "--select=E225,E501,W291", "--", "pkg.py"],
        ["ruff", "check", "--fix", "--select=F401", "--", "pkg.py"],
    ]
    ruff_only = flake8_commands("flake8 .", FLAKE8_OUTPUT, paths=paths, have={"ruff": True})
    assert ruff_only == [["ruff", "check", "--fix", "--select=F401,W291", "--", "pkg.py"]]
    assert flake8_commands("ruff check .", FLAKE8_OUTPUT, paths=paths, have={"ruff": True}) == []


FLAKE8_PROJECT = {
    "setup.cfg": "[flake8]\nmax-line-length = 100\nexclude = .git,__pycache__\n",
    "pkg.py": "import os\nimport sys\n\n\ndef name():\n    x=sys.platform   \n    return x\n",
    "tests/test_pkg.py": "from pkg import name\n\n\ndef test_name():\n    assert name()\n",
}


def test_a_flake8_check_is_healed(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FLAKE8_PROJECT)
    code, result, stderr = heal(repo, PYTEST, f"{PY} -m flake8 .")
    assert code == 0, stderr
    assert result["fixer"] == "lint-tool"
    assert git(repo, "show", f"{result['branch']}:pkg.py") == (
        "import sys\n\n\ndef name():\n    x = sys.platform\n    return x\n"
    )


def check_failed(check: str, output: str = "") -> Failure:
    return Failure("ruff", "check-failed", check, "", "exited with code 1", (), (), output, "f" * 12)


def test_the_tool_runs_in_the_sandbox_and_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `ruff` that writes outside its worktree, behind a check that runs a script first."""
    marker = tmp_path / "outside" / "marker"
    marker.parent.mkdir()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    ruff = bin_dir / "ruff"
    ruff.write_text(f'#!/bin/sh\necho escaped > {marker}\nexec {PY} -m ruff "$@"\n')
    ruff.chmod(0o755)
    evil = tmp_path / "outside" / "evil.py"
    evil.write_text(f"open({str(marker) + '.evil'!r}, 'w').write('ran')\n")
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    source = commit(tmp_path / "repo", UNUSED_IMPORT)

    [candidate] = LintFixer(Bubblewrap()).propose(check_failed(f"{PY} {evil} ruff check ."), source)

    assert "-import os" in candidate.diff
    assert not marker.exists(), "the tool ran outside the sandbox"
    assert not Path(str(marker) + ".evil").exists(), "the words before the tool ran"


def test_a_pinned_version_that_is_not_installed_is_reported(tmp_path: Path) -> None:
    files = {**UNUSED_IMPORT, "requirements-dev.txt": "pytest\nruff==0.0.1  # the team's pin\n"}
    source = commit(tmp_path / "repo", files)
    [candidate] = LintFixer(Bubblewrap()).propose(check_failed(f"{PY} -m ruff check ."), source)
    assert "pins ruff 0.0.1" in candidate.rationale
    assert pins(source) == {"ruff": "0.0.1"}


def test_pins_are_read_from_pyproject_and_pre_commit(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": '[project]\nname = "x"\n\n[project.optional-dependencies]\ndev = ["black==24.1.0"]\n',
        ".pre-commit-config.yaml": (
            "repos:\n- repo: https://github.com/astral-sh/ruff-pre-commit\n  rev: v0.6.9\n  hooks:\n  - id: ruff\n"
            "- repo: https://github.com/PyCQA/isort\n  rev: 5.13.2\n  hooks:\n  - id: isort\n"
        ),
    }
    assert pins(commit(tmp_path / "repo", files)) == {"black": "24.1.0", "ruff": "0.6.9", "isort": "5.13.2"}


def test_a_lint_check_is_tried_at_once_beside_the_capture(tmp_path: Path) -> None:
    """Whether a lint check fails is known from its tool's fixing mode: no need to wait for capture."""
    repo = make_repo(tmp_path / "repo", UNUSED_IMPORT)
    code, result, stderr = heal(repo, PYTEST, f"{PY} -m ruff check .")
    assert code == 0, stderr
    assert "trying lint-tool early, while capture runs" in stderr
    assert "accepted (early trial)" in stderr
    assert result["fixer"] == "lint-tool"
