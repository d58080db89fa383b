"""Recipe: adding a tool parser is one new file (its parser module) and one registry line.

The tool here is a made-up linter, `tidy`, that prints `TIDY path line: [rule] message`. Its
parser module is written by the test into a directory of its own; the registry line is
`tools.register(...)`. Then suture names the tool in a command line, classifies its failing
check as lint, reads its output by the command, and finds it in a log by its sign.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from helpers import make_repo
from recipe_helpers import plugin, suture_after

from suture.diagnose import parsers
from suture.run import tools

PARSER = """
from __future__ import annotations

import re

from suture.records import Failure, Frame

TOOL = "tidy"
SIGN = re.compile(r"^TIDY \\S+ \\d+: \\[", re.MULTILINE)
_LINE = re.compile(r"^TIDY (?P<path>\\S+) (?P<line>\\d+): \\[(?P<rule>[\\w-]+)\\] (?P<message>.+)$", re.MULTILINE)


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    return [
        Failure(
            tool=TOOL,
            kind="lint",
            check=check,
            error_type=m["rule"],
            message=m["message"],
            test_ids=(),
            frames=(Frame(m["path"], int(m["line"]), ""),),
            excerpt=m.group(0),
            fingerprint=f"tidy-{m['rule']}-{m['path']}",
        )
        for m in _LINE.finditer(text)
    ]
"""
REGISTRY_LINE = 'tools.register(tools.Tool("tidy", "lint", "tidy_parser"))'

# The linter itself: a script in the repository, reporting every line with trailing blanks.
TIDY = """import pathlib, sys
found = 0
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.py")):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if line != line.rstrip():
            print(f"TIDY {path.as_posix()} {number}: [trailing-space] line ends in blanks")
            found += 1
sys.exit(1 if found else 0)
"""
PROJECT = {"tidy": TIDY, "src/app.py": "def f():  \n    return 1\n\n\nX = 2 \n"}
CHECK = f"{sys.executable} tidy src"


@pytest.fixture
def parser_dir(tmp_path: Path) -> Path:
    return plugin(tmp_path, "tidy_parser", PARSER)  # the one new file


def suture(cwd: Path, parser_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return suture_after(f"from suture.run import tools\n{REGISTRY_LINE}", parser_dir, cwd, *args)


def last_json(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert done.stdout.strip(), done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_suture_diagnose_names_and_classifies_the_new_tool_s_failing_check(tmp_path: Path, parser_dir: Path) -> None:
    repo = make_repo(tmp_path / "repo", PROJECT)

    done = suture(repo, parser_dir, "diagnose", "--json", "--sandbox", "none", "--test-cmd", CHECK)

    assert done.returncode == 1, done.stderr
    found = last_json(done)
    assert found["classification"] == "lint/format"  # the registry's kind: lint
    [failure] = found["failures"]
    assert (failure["tool"], failure["kind"]) == ("tidy", "check-failed")
    assert "TIDY src/app.py 1: [trailing-space]" in failure["excerpt"]


def test_suture_diagnose_of_its_log_parses_its_failures(tmp_path: Path, parser_dir: Path) -> None:
    repo = make_repo(tmp_path / "repo", PROJECT)
    ran = subprocess.run(CHECK.split(), cwd=repo, capture_output=True, text=True, timeout=60)
    assert ran.returncode == 1
    log = tmp_path / "ci.log"
    log.write_text(f"$ {CHECK}\n{ran.stdout}Error: Process completed with exit code 1.\n", encoding="utf-8")

    found = last_json(suture(repo, parser_dir, "diagnose", "--json", "--log", str(log)))

    assert found["classification"] == "lint/format"
    # The two findings share a rule: one root cause, as ruff's do.
    [failure] = found["failures"]
    assert (failure["tool"], failure["error_type"]) == ("tidy", "trailing-space")
    assert failure["frames"][0] == {"path": "src/app.py", "line": 1, "function": "", "column": None}


def test_without_the_registry_line_the_tool_is_not_known(tmp_path: Path, parser_dir: Path) -> None:
    """The control: the same log and check, and suture knows nothing of tidy."""
    repo = make_repo(tmp_path / "repo", PROJECT)
    done = subprocess.run(
        [sys.executable, "-m", "suture", "diagnose", "--json", "--sandbox", "none", "--test-cmd", CHECK],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )

    found = last_json(done)
    assert found["classification"] == "unknown"
    assert [f["tool"] for f in found["failures"]] == [Path(sys.executable).name]


def test_the_parser_is_chosen_by_the_command_in_process(
    tmp_path: Path, parser_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process: one insertion into the table; baseline and `parse` pick the parser by the command."""
    monkeypatch.syspath_prepend(str(parser_dir))
    monkeypatch.setitem(tools.TOOLS, "tidy", tools.Tool("tidy", "lint", "tidy_parser"))
    output = "TIDY src/app.py 5: [trailing-space] line ends in blanks\n"

    assert parsers.tool_of(f"uv run tidy src && {sys.executable} -m pytest") == "tidy"
    assert [(f.tool, f.location) for f in parsers.parse(output, root="", check="tidy src")] == [
        ("tidy", parsers.parse(output, root="", check="")[0].location)
    ]
    assert parsers.parse(output, root="", check="tidy src")[0].frames[0].line == 5
    assert "tidy" in parsers.PARSERS
