"""Lint findings ruff fixes only as unsafe, or not at all: the lint-tool fixer's unsafe run and the
lint-findings fixer's rules, on real ruff output, judged by real ruff runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fixer_helpers import applied, commit
from helpers import git, make_repo
from projects import PYTEST

from suture.fixers.findings import FindingsFixer
from suture.fixers.lint import LintFixer
from suture.records import Failure
from suture.run.sandbox import Bubblewrap

PY = sys.executable
CHECK = f"{PY} -m ruff check ."
# The pycodestyle rules these findings come from, besides ruff's defaults.
RULES = '[tool.ruff.lint]\nextend-select = ["E7"]\n'
# another handler of the file: what a bare `except` there is read as catching
SAVE = "\n\ndef save(path):\n    try:\n        open(path, 'w').close()\n    except OSError:\n        pass\n"
SMELLS = (
    "def load(path, cache):\n"
    "    if cache == None:\n"
    "        cache = {}\n"
    "    if not path in cache:\n"
    "        try:\n"
    "            result = open(path).close()\n"
    "        except:\n"
    "            return None\n"
    "    return cache\n"
) + SAVE
MENDED = (
    "def load(path, cache):\n"
    "    if cache is None:\n"
    "        cache = {}\n"
    "    if path not in cache:\n"
    "        try:\n"
    "            open(path).close()\n"
    "        except OSError:\n"
    "            return None\n"
    "    return cache\n"
) + SAVE


def ruff(repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PY, "-m", "ruff", "check", "--no-cache", "."], cwd=repo, capture_output=True, text=True)


def check_failed(output: str, check: str = CHECK) -> Failure:
    return Failure("ruff", "check-failed", check, "", "exited with code 1", (), (), output, "f" * 12)


def test_every_finding_is_mended_by_its_rule(tmp_path: Path) -> None:
    files = {"pyproject.toml": RULES, "pkg/mod.py": SMELLS, "tests/test_mod.py": "def f(x):\n    return x == None\n"}
    source = commit(tmp_path, files)
    found = ruff(tmp_path)
    assert all(f"{code} " in found.stdout for code in ("E711", "E713", "E722", "F841")), found.stdout

    candidate = FindingsFixer().propose(check_failed(found.stdout), source)[0]

    assert applied(tmp_path, candidate) == MENDED
    assert candidate.paths == ("pkg/mod.py",)  # the test's finding stays: tests are read-only
    assert "E722 on pkg/mod.py:7" in candidate.rationale
    (tmp_path / "tests" / "test_mod.py").unlink()
    assert ruff(tmp_path).returncode == 0


def test_not_for_another_tool_or_a_clean_output(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": SMELLS})
    output = ruff(tmp_path).stdout

    assert FindingsFixer().propose(check_failed(output, check=f"{PY} -m pytest"), source) == []
    assert FindingsFixer().propose(check_failed("All checks passed!\n"), source) == []


def test_ruff_s_unsafe_fixes_come_second(tmp_path: Path) -> None:
    text = "import os\n\n\ndef f(x):\n    return x == None\n"
    source = commit(tmp_path, {"pyproject.toml": RULES, "pkg/mod.py": text})

    found = LintFixer(Bubblewrap()).propose(check_failed(ruff(tmp_path).stdout), source)

    assert [(c.rank, applied(tmp_path, c)) for c in found] == [
        (0, "\n\ndef f(x):\n    return x == None\n"),
        (1, "\n\ndef f(x):\n    return x is None\n"),
    ]
    assert "--unsafe-fixes" in found[1].rationale
    assert ruff(tmp_path).returncode == 0


def test_a_bare_except_is_healed_end_to_end(tmp_path: Path) -> None:
    files = {
        "pyproject.toml": "[tool.ruff]\nline-length = 100\n",
        "pkg.py": "def parse(text):\n    try:\n        return int(text)\n    except:\n        return 0\n\n\n"
        "def number(text):\n    try:\n        return float(text)\n    except ValueError:\n        return None\n",
        "tests/test_pkg.py": "from pkg import parse\n\n\ndef test_parse():\n    assert parse('x') == 0\n",
    }
    repo = make_repo(tmp_path / "repo", files)

    done = subprocess.run(
        [PY, "-m", "suture", "heal", "--json", "--test-cmd", PYTEST, "--test-cmd", CHECK],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=180,
    )

    result = json.loads(done.stdout.splitlines()[-1])
    assert (done.returncode, result["fixer"]) == (0, "lint-findings"), done.stderr
    healed = git(repo, "show", f"{result['branch']}:pkg.py")
    # the project's own handlers name what a bare `except` meant (ruff flags `Exception` as blind)
    assert healed == files["pkg.py"].replace("except:", "except ValueError:")
