"""The tool registry: one answer to "which tool does this command run", for every stage.

Where the five places that used to decide disagreed, the registry takes the union; the rows
marked "was" show the behaviour that changed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, make_repo

from suture.capture.run import QUICK_TOOLS, quick_first
from suture.diagnose import parsers, triage
from suture.diagnose.fingerprint import failure_fingerprint
from suture.fixers import lint
from suture.records import Failure
from suture.run import checks, tools
from suture.run.source import Source
from suture.verify import policy


@pytest.mark.parametrize(
    ("command", "name"),
    [
        ("python -m pytest -q", "pytest"),
        ("py.test -x", "pytest"),
        ("C:/tools/pytest.exe -q", "pytest"),
        ("ruff format --check .", "ruff"),
        ("uv run black --check src", "black"),
        ("python3 -m mypy.dmypy run", "mypy"),
        ("npx pyright src", "pyright"),  # was 'npx' in diagnose, '' in the parsers
        ("pylint src", "pylint"),  # was '' in the parsers
        ("pip install ruff", "pip"),  # was 'ruff' in diagnose: the package is not run
        ("pip install -e . && pytest -q", "pytest"),  # was 'pip' in the parsers: the install is set-up
        ("python -m coverage run -m pytest", "pytest"),  # was 'coverage' in diagnose
        ("pytest|tee log", "pytest"),  # was '' in the parsers: the pipe is no part of the word
        ("python -m unittest discover", "unittest"),
    ],
)
def test_every_stage_names_a_command_s_tool_alike(command: str, name: str) -> None:
    tool = tools.tool_of(command)
    assert tool is not None and tool.name == name
    assert tools.name_of(command) == parsers.tool_of(command) == name


@pytest.mark.parametrize(
    ("command", "name"),
    [("make test", "make"), ("python -m nox -s lint", "nox"), ("./ci/check.sh", "check.sh"), ("", "unknown")],
)
def test_an_unknown_command_is_named_by_its_module_or_program(command: str, name: str) -> None:
    assert tools.tool_of(command) is None
    assert parsers.tool_of(command) == ""
    assert tools.name_of(command) == name


def test_what_the_stages_derive_from_the_table() -> None:
    assert {"ruff", "black", "isort", "flake8"} == QUICK_TOOLS
    assert {name for name, tool in tools.TOOLS.items() if tool.fixes} == {"ruff", "black", "isort", "flake8"}
    assert {name for name, tool in tools.TOOLS.items() if tool.static} == {
        "ruff",
        "black",
        "isort",
        "flake8",
        "pylint",
        "mypy",
        "pyright",
    }
    # [tool.pylint] is guarded now too: the tool lists disagreed, and the registry takes the union.
    assert set(policy.GUARDED_TOOLS) == {"coverage", "suture", "pytest", *QUICK_TOOLS, "pylint", "mypy", "pyright"}


@pytest.mark.parametrize("tool", ["pyright", "pylint", "mypy", "flake8"])
def test_a_static_tool_s_failing_check_is_lint(tool: str) -> None:
    mark = failure_fingerprint(tool=tool, error_type="check-failed", message="exit 1", location="", test_ids=())
    failure = Failure(tool, "check-failed", f"{tool} src", "", "exited with code 1", (), (), "", mark)

    assert triage.triage([failure]).classification == "lint/format"


def test_quick_checks_run_first_by_the_registry() -> None:
    commands = ["python -m pytest", "mypy src", "uv run isort --check-only .", "pip install ruff"]
    assert quick_first(commands) == [2, 0, 1, 3]


@pytest.mark.parametrize(
    ("command", "plain"),
    [
        ("pytest -q", True),
        ("/venv/bin/py.test", True),
        ("python3.11 -m pytest tests", True),
        ("python -m", False),
        ("python -m mypy", False),
        ("pytest | tee log", False),
    ],
)
def test_plain_pytest_asks_the_registry(command: str, plain: bool) -> None:
    assert checks.plain_pytest(command) is plain


def test_the_lint_fixer_s_modes_come_from_the_table() -> None:
    assert lint.fix_command("python -m ruff check --no-fix src") == ["python", "-m", "ruff", "check", "--fix", "src"]
    assert lint.fix_command("pip install black && black --check -q .") == ["black", "-q", "."]
    assert lint.fix_command("pip install ruff") is None
    assert lint.fix_command("mypy src") is None


def test_pins_name_the_tools_the_lint_fixer_runs(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "requirements-dev.txt": "ruff==0.4.1\nautopep8==2.0.4\nmypy==1.10.0\n",
            ".pre-commit-config.yaml": (
                "repos:\n- repo: https://github.com/psf/black-pre-commit-mirror\n  rev: 24.4.2\n"
            ),
        },
    )
    source = Source(repo, git(repo, "rev-parse", "HEAD").strip())

    assert lint.pins(source) == {"ruff": "0.4.1", "autopep8": "2.0.4", "black": "24.4.2"}
