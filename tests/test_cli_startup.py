"""What a command imports before it works: `suture --help` and `suture diagnose --log` are
timed by people (a log piped in from CI), so they must not pay for the heal loop, the fixers
(libcst), the forges, the model providers or rich. A guard of imports, not a timed test:
the figures are in docs/benchmarks.md."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest

from suture.cli import commands

# Modules that only healing, publishing, serving or a terminal page need.
HEAVY = (
    "libcst",
    "rich",
    "httpx",
    "openai",
    "anthropic",
    "mcp",
    "importlib.metadata",  # the plugins' entry points: the registries read them
    "urllib.request",  # reading a log is offline: no HTTP client
    "http.client",
    "packaging",
    "suture.loop",
    "suture.fixers",
    "suture.llm",
    "suture.publish",
    "suture.mcp",
    "suture.capture",
    "suture.verify",
    "suture.ci",
    "suture.config",
    "suture.run.sandbox",
    "suture.cli.heal",
    "suture.cli.render",
    "suture.cli.output",
)

LOG = """\
$ python -m pytest -q
F.
=================================== FAILURES ===================================
_________________________________ test_total __________________________________

    def test_total():
>       assert total([1, 2]) == 4
E       assert 3 == 4

/home/travis/build/acme/shop/tests/test_cart.py:4: AssertionError
=========================== short test summary info ============================
FAILED tests/test_cart.py::test_total - assert 3 == 4
1 failed, 1 passed in 0.03s
The command "python -m pytest -q" exited with 1.
"""


def _imported(tmp_path: Path, *argv: str) -> tuple[str, set[str]]:
    """What `suture ARGV` prints, and the modules loaded when it is done (in a fresh interpreter)."""
    code = (
        "import sys\n"
        "from suture.cli.commands import main\n"
        f"code = main({list(argv)!r})\n"
        "print(repr(code))\n"
        "print(' '.join(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, timeout=60, check=True
    )
    *printed, status, modules = done.stdout.splitlines()
    return "\n".join([*printed, status]), set(modules.split())


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY))


def test_diagnose_log_imports_the_distiller_not_the_loop(tmp_path: Path) -> None:
    (tmp_path / "ci.log").write_text(LOG)
    printed, modules = _imported(tmp_path, "diagnose", "--json", "--log", "ci.log")
    *_, record, status = printed.splitlines()
    assert status == "1"  # the failure was explained
    assert json.loads(record)["failures"][0]["test_ids"] == ["tests/test_cart.py::test_total"]
    assert {"suture.diagnose.distil", "suture.diagnose.parsers.pytest", "suture.diagnose.triage"} <= modules
    assert _heavy(modules) == []


def test_diagnose_log_in_a_checkout_asks_git_for_its_files_only(tmp_path: Path) -> None:
    """The checkout's files place the log's absolute paths; git is asked, still without the loop."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_cart.py").write_text("def test_total():\n    assert 3 == 4\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(tmp_path), *identity, "commit", "-qm", "tests"], check=True)
    (tmp_path / "ci.log").write_text(LOG)
    printed, modules = _imported(tmp_path, "diagnose", "--json", "--log", "ci.log")
    assert json.loads(printed.splitlines()[-2])["root"] == "/home/travis/build/acme/shop"
    assert "suture.run.git" in modules
    assert _heavy(modules) == []


def test_help_imports_no_command(tmp_path: Path) -> None:
    printed, modules = _imported(tmp_path, "--help")
    for name in commands.COMMANDS:
        assert f"\n  {name} " in printed
    assert sorted(m for m in modules if m.startswith("suture.cli.")) == ["suture.cli.commands"]
    assert _heavy(modules) == []


def _defined() -> dict[str, click.Command]:
    """Every command the cli modules define, by name."""
    found: dict[str, click.Command] = {}
    for path in sorted(Path(commands.__file__).parent.glob("*.py")):
        module = importlib.import_module(f"suture.cli.{path.stem}")
        if module is commands:  # the table itself
            continue
        for command in getattr(module, "COMMANDS", ()):
            assert command.name is not None
            found[command.name] = command
    return found


def test_the_table_lists_every_command_where_it_is_with_its_own_help() -> None:
    defined = _defined()
    assert sorted(commands.COMMANDS) == sorted(defined)
    for name, (module, short) in commands.COMMANDS.items():
        assert defined[name].callback is not None
        assert importlib.import_module(module).COMMANDS.count(defined[name]) == 1, name
        assert short == defined[name].get_short_help_str(limit=1000), name


@pytest.mark.parametrize("argv", [["diagnose", "--sandbox", "nope", "--log", "x"], ["heal", "--forge", "nope"]])
def test_a_looked_up_choice_still_refuses_what_it_does_not_hold(tmp_path: Path, argv: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "suture", *argv], capture_output=True, text=True, cwd=tmp_path, timeout=60
    )
    assert done.returncode == 2
    assert "Invalid value for" in done.stderr and "'nope' is not one of" in done.stderr


def test_a_lint_heal_imports_no_python_fixer(tmp_path: Path) -> None:
    """A failing ruff check is healed by ruff itself: the fixers of Python errors, and libcst under
    them, are never imported (they cost a lint heal more start-up than ruff's own run), nor the
    model's modules when no model is configured."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "m.py").write_text("import os\n\n\ndef f():\n    return 1\n")
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    identity = ["-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run(["git", "-C", str(tmp_path), *identity, "commit", "-qm", "lint"], check=True)

    printed, modules = _imported(tmp_path, "heal", "--dry-run", "--json", "--test-cmd", "ruff check --isolated m.py")

    assert json.loads(printed.splitlines()[-2])["fixer"] == "lint-tool"
    assert "suture.fixers.lint" in modules
    assert sorted(m for m in modules if m == "libcst" or m.startswith(("libcst.", "suture.fixers.calls"))) == []
    assert sorted(m for m in modules if m.startswith(("suture.llm.loop", "suture.llm.workbench"))) == []  # no model


def test_publishing_imports_no_fixer(tmp_path: Path) -> None:
    """`suture publish` sends a proposal already made: the fixers (and packaging, which the
    upstream fixer reads versions with) are not imported for it."""
    printed, modules = _imported(tmp_path, "publish", "--help")

    assert "Usage:" in printed
    assert "suture.publish.compose" in modules or "suture.publish.forges.publish" in modules
    assert sorted(m for m in modules if m == "suture.fixers" or m.startswith(("suture.fixers.", "packaging"))) == []
