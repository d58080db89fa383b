"""What a candidate may touch. Tests are read-only: a fix never weakens the checks.

A diff is judged before it is applied and again before it is published, by `check`:

- protected paths: tests, conftest.py, pytest/tox/nox/coverage configuration, CI
  configuration, lockfiles and `.git*` files may not change (nor be renamed, copied or
  deleted);
- protected sections: pyproject.toml and setup.cfg may change (a dependency, say), but not
  their pytest and coverage sections;
- tamper patterns: lines a diff adds that skip, xfail, deselect or exit early
  (`@pytest.mark.skip`, `pytest.skip(`, `sys.exit(0)`, `os._exit(`, `# pragma: no cover`,
  `assert True`, `-k`, `--deselect`, `addopts`, ...);
- a size budget: files and changed lines.

`Rules` come from `[tool.suture]` of the trusted (base) commit: `protect` adds path
patterns, `allow-paths` exempts some of the protected non-test paths (test files are
never allowed: verification resets them to the base anyway), `max-files` and `max-lines`
set the budget.
"""

from __future__ import annotations

import configparser
import contextlib
import os
import re
import tempfile
import tomllib
from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from suture import diffpaths, tomlfile
from suture.records import Rules
from suture.run import tools
from suture.run.git import git_bytes, run_git

if TYPE_CHECKING:
    from suture.records import Candidate

# Paths a fix may not change (repo-relative, POSIX). A directory pattern ends in '/'.
PROTECTED_DIRS = ("tests/", "test/", "testing/")
PROTECTED_FILES = (
    "test_*.py",
    "*_test.py",
    "conftest.py",
    "pytest.ini",
    "tox.ini",
    "noxfile.py",
    ".coveragerc",
)


# CI configuration and lockfiles: a fix that changes what CI runs, or which versions it
# installs, could turn the build green without fixing anything.
CI_CONFIG = (
    ".github/*",
    ".gitlab-ci.yml",
    ".gitlab/*",
    ".semaphore/*",
    ".circleci/*",
    ".buildkite/*",
    ".woodpecker/*",
    ".woodpecker.yml",
    ".drone.yml",
    ".travis.yml",
    "azure-pipelines.yml",
    "bitbucket-pipelines.yml",
    "Jenkinsfile",
    ".pre-commit-config.yaml",
)
LOCKFILES = ("*.lock", "package-lock.json", "pnpm-lock.yaml", "requirements*.lock")


def protected(path: str, rules: Rules | None = None) -> str:
    """What `path` is when no fix may change it ('the test file', 'the CI configuration file',
    'the lockfile', ...), else ''."""
    if is_test_path(path):
        return "the test file"
    rules = rules or Rules()
    kind = _protected_kind(path, rules)
    if kind and any(fnmatch(path, pattern) for pattern in rules.allow):
        return ""
    return kind


def _protected_kind(path: str, rules: Rules) -> str:
    if any(fnmatch(path, pattern) for pattern in CI_CONFIG):
        return "the CI configuration file"
    if any(fnmatch(PurePosixPath(path).name, pattern) for pattern in LOCKFILES):
        return "the lockfile"
    if any(part.startswith(".git") for part in PurePosixPath(path).parts):
        return "the git file"
    if any(fnmatch(path, pattern) for pattern in rules.protect):
        return "the protected file"
    return ""


def is_test_path(path: str) -> bool:
    parts = PurePosixPath(path).parts
    if any(part + "/" in PROTECTED_DIRS for part in parts[:-1]):
        return True
    return any(fnmatch(parts[-1], pattern) for pattern in PROTECTED_FILES) if parts else False


def findings(candidate: Candidate, rules: Rules | None = None) -> tuple[str, ...]:
    """Reasons to reject `candidate` from its diff alone; empty when it may be tried."""
    return diff_findings(candidate.diff, rules or Rules())


def check(repo: Path, sha: str, diff: str, rules: Rules | None = None) -> tuple[str, ...]:
    """Every reason to reject `diff` against commit `sha` of `repo`: the diff's own, and its
    changes to the protected sections of pyproject.toml and setup.cfg (read with git plumbing:
    no checkout, no repository code)."""
    rules = rules or Rules()
    found = list(diff_findings(diff, rules))
    configs = [path for path in touched(diff) if PurePosixPath(path).name in SECTIONED]
    for path, (old, new) in _versions(repo, sha, diff, configs).items():
        found += section_findings(path, old, new)
    return tuple(found)


def diff_findings(diff: str, rules: Rules) -> tuple[str, ...]:
    if not diff.strip():
        return ("the diff is empty",)
    paths = touched(diff)
    found = [f"touches {kind} {path}" for path in paths if (kind := protected(path, rules))]
    found += tampering(diff)
    lines = changed_lines(diff)
    if len(paths) > rules.max_files:
        found.append(f"changes {len(paths)} files, more than the budget of {rules.max_files} (max-files)")
    if lines > rules.max_lines:
        found.append(f"changes {lines} lines, more than the budget of {rules.max_lines} (max-lines)")
    return tuple(found)


# --- which paths a diff touches, by every header git writes -------------------------------


def touched(diff: str) -> tuple[str, ...]:
    """Every path the diff reads or writes: ---/+++ lines, `diff --git` headers, renames, copies;
    git's C-quoted paths (`"tests/t\\303\\251st.py"`) decoded (see diffpaths.py)."""
    return diffpaths.touched(diff)


def changed_lines(diff: str) -> int:
    return sum(1 for line in diff.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---")))


# --- tamper patterns: lines that turn a check green without fixing anything ----------------

# (what, pattern, the files it applies to)
_PY = ("*.py", "*.pyi")
_CONFIGS = ("*.toml", "*.cfg", "*.ini", "Makefile", "*.mk", "*.sh", "*.yml", "*.yaml", "*.py")
TAMPER: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("a skip or xfail marker", re.compile(r"@\s*(?:pytest\.)?mark\.(?:skip|skipif|xfail)\b"), _PY),
    ("a unittest skip", re.compile(r"@\s*(?:unittest\.)?(?:skip|skipIf|skipUnless|expectedFailure)\b"), _PY),
    ("pytest.skip(", re.compile(r"\bpytest\.(?:skip|xfail|importorskip|exit)\s*\("), _PY),
    ("an early exit", re.compile(r"\b(?:sys\.exit|exit|quit)\s*\(\s*(?:0|False|None)?\s*\)|\bos\._exit\s*\("), _PY),
    ("raise SystemExit", re.compile(r"\braise\s+SystemExit\s*(?:\(\s*(?:0|None|False)?\s*\))?\s*(?:#.*)?$"), _PY),
    ("# pragma: no cover", re.compile(r"#\s*pragma:\s*no\s*cover", re.IGNORECASE), (*_PY, "*")),
    ("assert True", re.compile(r"^\s*assert\s+(?:True|1|not\s+False)\s*(?:#.*)?$"), _PY),
    (
        "a pytest hook",
        re.compile(r"\bdef\s+pytest_(?:collection_modifyitems|ignore_collect|runtest_\w+|configure)"),
        _PY,
    ),
    ("collect_ignore", re.compile(r"\bcollect_ignore(?:_glob)?\s*="), _PY),
    ("__test__ = False", re.compile(r"\b__test__\s*=\s*False"), _PY),
    ("PYTEST_ADDOPTS", re.compile(r"PYTEST_ADDOPTS"), ("*",)),
    ("addopts", re.compile(r"^\s*addopts\b"), _CONFIGS),
    ("--deselect", re.compile(r"--deselect\b|--ignore(?:-glob)?(?:=|\s|[\"'])"), _CONFIGS),
    ("pytest -k", re.compile(r"(?:^|[\s=\"'\[,])-k(?:[\s=\"']|$)"), _CONFIGS),
)


def tampering(diff: str) -> list[str]:
    """Tamper patterns the diff adds: more added lines match than removed ones, per file."""
    found: list[str] = []
    for path, added, removed in _hunks_by_file(diff):
        name = PurePosixPath(path).name
        for what, pattern, globs in TAMPER:
            if not any(fnmatch(name, glob) for glob in globs):
                continue
            more = _count(pattern, added) - _count(pattern, removed)
            if more > 0:
                found.append(f"adds {what} in {path}")
    return found


def _count(pattern: re.Pattern[str], lines: Iterable[str]) -> int:
    return sum(1 for line in lines if pattern.search(line))


_HUNK = re.compile(r"^@@ -\d+(?:,(?P<old>\d+))? \+\d+(?:,(?P<new>\d+))? @@")


def _hunks_by_file(diff: str) -> list[tuple[str, list[str], list[str]]]:
    """(path, added lines, removed lines) per file; hunk lengths tell body lines from headers."""
    files: list[tuple[str, list[str], list[str]]] = []
    old_path, old_left, new_left = "", 0, 0
    for line in diff.splitlines():
        if old_left > 0 or new_left > 0:
            if line.startswith("+"):
                files[-1][1].append(line[1:])
                new_left -= 1
            elif line.startswith("-"):
                files[-1][2].append(line[1:])
                old_left -= 1
            elif not line.startswith("\\"):
                old_left, new_left = old_left - 1, new_left - 1
        elif line.startswith("--- "):
            old_path = diffpaths.header_path(line[4:], "a/") or ""
        elif line.startswith("+++ "):
            files.append((diffpaths.header_path(line[4:], "b/") or old_path, [], []))
        elif (match := _HUNK.match(line)) and files:
            old_left, new_left = int(match["old"] or 1), int(match["new"] or 1)
    return [(path, added, removed) for path, added, removed in files if path]


# --- protected sections of the files a fix may otherwise change ----------------------------

SECTIONED = ("pyproject.toml", "setup.cfg")
# Sections of pyproject.toml ([tool.<name>]) that configure the checks themselves.
GUARDED_TOOLS = ("coverage", "suture", *tools.settings())


def section_findings(path: str, old: str | None, new: str | None) -> list[str]:
    """The protected sections (pytest, coverage) of `path` that differ between `old` and `new`."""
    reader = _toml_sections if PurePosixPath(path).name == "pyproject.toml" else _cfg_sections
    before, after = reader(old or ""), reader(new or "")
    if before is None or after is None:
        return [f"{path} cannot be read after the change"] if after is None else []
    names = sorted(set(before) | set(after))
    return [f"changes the [{name}] section of {path}" for name in names if before.get(name) != after.get(name)]


def _toml_sections(text: str) -> dict[str, Any] | None:
    try:
        tool = tomlfile.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return None
    tool = tool if isinstance(tool, dict) else {}
    return {f"tool.{name}": tool[name] for name in GUARDED_TOOLS if name in tool}


def _cfg_sections(text: str) -> dict[str, Any] | None:
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return None
    guarded = ("tool:pytest", "pytest", "coverage:", "flake8", "mypy", "tox")
    return {name: dict(parser[name]) for name in parser.sections() if name.startswith(guarded)}


def _versions(repo: Path, sha: str, diff: str, paths: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
    """Each path's text at `sha` and after `diff`, from a private index; {} when it does not apply."""
    if not paths:
        return {}
    with tempfile.TemporaryDirectory(prefix="suture-policy-") as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        if run_git(repo, "read-tree", sha, env=env).returncode != 0:
            return {}  # the base is not here: the commit cannot be made either, and says so
        applied = run_git(repo, "apply", "--cached", "--whitespace=nowarn", "-", env=env, input=diff)
        if applied.returncode != 0:
            return {}  # verification says so, in its own words
        found = {}
        for path in paths:
            old = git_bytes(repo, "cat-file", "blob", f"{sha}:{path}")
            new = _indexed(repo, path, env)
            found[path] = (_text(old), _text(new))
    return found


def _indexed(repo: Path, path: str, env: dict[str, str]) -> bytes | None:
    done = run_git(repo, "ls-files", "-s", "-z", "--", path, env=env)
    fields = done.stdout.split()
    return git_bytes(repo, "cat-file", "blob", fields[1]) if len(fields) >= 2 else None


def _text(data: bytes | None) -> str | None:
    if data is None:
        return None
    with contextlib.suppress(UnicodeDecodeError):
        return data.decode("utf-8")
    return None
