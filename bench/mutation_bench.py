"""The ladder on random mechanical bugs in real libraries, judged by their own test suites.

    python bench/mutation_bench.py --seed 1234 --per-operator 3 [--projects parse,toml] [--jobs 2]

Each project is its published sdist (downloaded once with pip into --cache, default
~/.cache/suture-bench), tests and all, made into a git repository, with a virtualenv of its
own (uv if it is on PATH, else python -m venv and pip) holding pytest, the project's test
dependencies and the project itself (for its metadata; the suite imports the checkout, which
a probe confirms). Tests the project fails as published are deselected and listed.

For every operator below, every eligible site of the project's source files (not its tests)
is found with ast/tokenize; the sites are shuffled with --seed, and taken in that order until
--per-operator cases are red. One case: apply the mutation, commit it, run the checks once
(mutants the suite does not notice, or that stop pytest before any test runs (exit 3-5), are
skipped and counted), run `suture heal --dry-run --json` (local, no network, no model) and
judge its patch: healed (the checks pass with it and it changes no test file), exact (the
mutated file is back to the published text), equivalent (same AST, other text). The time
ratio is the heal's wall time over the red run of the same checks.

Operators: call-arg (a call's argument deleted), import (an imported name deleted),
syntax (one bracket, comma or colon deleted or doubled, so the file no longer compiles),
name (a misspelt name), attribute (a misspelt attribute), indent (a block's last statement
dedented, or the next statement indented into the block), lint (`is None` to `== None`,
`not in` to `not ... in`, `except X:` to `except:`, a call's result assigned and unused, a
plain string made an f-string; the check adds `ruff check --isolated` with ruff's default
rules on the mutated file, on files that are clean under it).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import io
import json
import keyword
import os
import random
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import tokenize
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]
RUFF = "ruff check --isolated --no-cache --select E4,E7,E9,F"
HEAL_TIMEOUT = 600


@dataclass(frozen=True)
class Project:
    version: str
    package: str  # the folder (or module) of the project's code in the sdist: where mutations go
    deps: tuple[str, ...] = ()  # what the suite needs besides pytest and the project's own dependencies
    args: tuple[str, ...] = ()  # pytest's arguments: test paths, -o pythonpath=src for a src layout


# Popular pure-Python libraries with fast suites, none of them in bench/oss_bench.py. Tried and
# left out: jmespath 1.1.0 (its sdist lacks tests/__init__.py, which its tests import from),
# wcwidth 0.9.5 (1,798 tests need its C extension), pyparsing 3.3.3 (its suite takes minutes),
# markdown 3.11.3 (its tests turn pytest's collection warnings into errors; they are unittest's),
# packaging 26.4 (its property tests need hypothesis and take minutes to collect),
# docopt, sortedcontainers and tomlkit (their sdists hold no tests).
PROJECTS = {
    "parse": Project("1.22.4", "parse", args=("tests",)),
    "python-slugify": Project("9.2.0", "slugify", args=("tests",)),
    "schema": Project("0.7.8", "schema", deps=("mock",), args=("test_schema.py",)),
    "isodate": Project("0.7.2", "src/isodate", args=("-o", "pythonpath=src", "tests")),
    "toml": Project("0.10.2", "toml", args=("tests",)),
    "humanize": Project(
        "4.17.0",
        "src/humanize",
        deps=("freezegun",),
        args=("-o", "pythonpath=src", "tests", "--ignore=tests/test_benchmarks.py"),
    ),
    "inflect": Project("7.6.0", "inflect", deps=("pygments",), args=("tests",)),
    "pathspec": Project("1.1.1", "pathspec", args=("tests",)),
    # Added for issue 18's second measurement: the first six pure-Python projects with a pytest
    # suite in their sdist, in the order a seeded draw (20261206) over PyPI's 4,000 most downloaded
    # packages gave them; taken before anyone read them (skipped: identify, no tests in its sdist;
    # cvss 3.6, whose sdist lacks the vector files 21 of its tests read).
    "pyyaml-env-tag": Project("1.1", "yaml_env_tag", args=("tests",)),
    "frozendict": Project("2.5.1", "src/frozendict", args=("-o", "pythonpath=src", "test")),
    "pytz": Project("2026.6", "pytz", args=("pytz/tests",)),
    "roman-numerals": Project("4.1.0", "roman_numerals", args=("tests",)),
    "mando": Project("0.8.2", "mando", args=("mando/tests",)),
}


# Every virtualenv also holds pytest-cov, and the suite runs with --no-cov: many projects'
# pytest configuration adds --cov options, which pytest refuses without the plugin.

# --- projects: sdist, git repository, virtualenv --------------------------------------------


@dataclass(frozen=True)
class Prepared:
    name: str
    project: Project
    repo: Path  # a git repository of the sdist as published: cases copy it
    python: Path
    deselected: tuple[str, ...]  # tests red as published
    seconds: float  # one green run of the suite

    def pytest(self) -> str:
        words = [str(self.python), "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-cov", *self.project.args]
        return shlex.join([*words, *(f"--deselect={test}" for test in self.deselected)])


def run(argv: list[str], *, cwd: Path | None = None, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False)


def must(argv: list[str], *, cwd: Path | None = None) -> str:
    done = run(argv, cwd=cwd)
    if done.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return done.stdout


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def fetch(name: str, project: Project, cache: Path) -> Path:
    """The unpacked sdist (downloaded and unpacked once)."""
    sdists = cache / "sdists"
    unpacked = cache / "src" / f"{_normal(name)}-{project.version}"
    if unpacked.is_dir():
        return unpacked
    sdists.mkdir(parents=True, exist_ok=True)
    archive = next((p for p in sdists.glob("*.tar.gz") if p.name.lower() == f"{unpacked.name}.tar.gz"), None)
    if archive is None:
        spec = f"{name}=={project.version}"
        must(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--no-deps",
                "--no-binary",
                ":all:",
                "-d",
                str(sdists),
                spec,
            ]
        )
        archive = next(p for p in sdists.glob("*.tar.gz") if p.name.lower() == f"{unpacked.name}.tar.gz")
    staging = Path(tempfile.mkdtemp(dir=cache))
    with tarfile.open(archive) as tar:
        tar.extractall(staging, filter="data")
    unpacked.parent.mkdir(parents=True, exist_ok=True)
    (next(staging.iterdir())).rename(unpacked)
    shutil.rmtree(staging)
    return unpacked


def environment(name: str, project: Project, source: Path, cache: Path) -> Path:
    """The project's virtualenv's python (made once; uv when there is one)."""
    place = cache / "venvs" / f"{_normal(name)}-{project.version}"
    python = place / "bin" / "python"
    if (place / ".complete").exists():
        return python
    shutil.rmtree(place, ignore_errors=True)
    wanted = ["pytest", "pytest-cov", *project.deps, str(source)]
    if shutil.which("uv"):
        must(["uv", "venv", "-q", "--python", sys.executable, str(place)])
        must(["uv", "pip", "install", "-q", "--python", str(python), *wanted])
    else:
        must([sys.executable, "-m", "venv", str(place)])
        must([str(python), "-m", "pip", "install", "-q", *wanted])
    (place / ".complete").write_text("")
    return python


def repository(source: Path, cache: Path) -> Path:
    """A git repository of the sdist as published (made once)."""
    repo = cache / "repos" / source.name
    if (repo / ".git").is_dir():
        return repo
    shutil.rmtree(repo, ignore_errors=True)
    shutil.copytree(source, repo, ignore=shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache", "*.egg-info"))
    must(["git", "init", "-q", "-b", "main"], cwd=repo)
    must([*GIT, "add", "-A", "--force"], cwd=repo)  # what the sdist ships, ignored or not (isodate's version.py)
    must([*GIT, "commit", "-qm", "as published"], cwd=repo)
    return repo


def prepare(name: str, cache: Path) -> Prepared:
    """The project ready for cases: its suite green (what fails as published deselected), imported from the checkout."""
    project = PROJECTS[name]
    source = fetch(name, project, cache)
    python = environment(name, project, source, cache)
    repo = repository(source, cache)
    bare = Prepared(name, project, repo, python, (), 0.0)
    known = cache / "prepared" / f"{repo.name}.json"  # the suite checked once: its deselected tests and time
    if known.exists():
        facts = json.loads(known.read_text(encoding="utf-8"))
        return Prepared(name, project, repo, python, tuple(facts["deselected"]), facts["seconds"])
    with tempfile.TemporaryDirectory(prefix="suture-mutation-") as scratch:
        copy = clone(repo, Path(scratch))
        first = run_checks(bare.pytest(), copy)
        plain = re.sub(r"\x1b\[[0-9;]*m", "", first.output)
        deselected = tuple(re.findall(r"^(?:FAILED|ERROR) (\S+)", plain, re.MULTILINE))
        prepared = Prepared(name, project, repo, python, deselected, 0.0)
        green = run_checks(prepared.pytest(), copy)
        if green.code != 0:
            raise RuntimeError(f"{name}: the suite is not green as published:\n{green.output[-3000:]}")
        _probe(prepared, copy)
    known.parent.mkdir(parents=True, exist_ok=True)
    known.write_text(json.dumps({"deselected": deselected, "seconds": green.seconds}), encoding="utf-8")
    return Prepared(name, project, repo, python, deselected, green.seconds)


def _probe(prepared: Prepared, copy: Path) -> None:
    """The suite must import the checkout's code, not the copy installed for its metadata."""
    init = copy / prepared.project.package / "__init__.py"
    target = init if init.exists() else copy / f"{prepared.project.package}.py"
    target.write_text(target.read_text(encoding="utf-8") + "\nraise RuntimeError('bench probe')\n", encoding="utf-8")
    if run_checks(prepared.pytest(), copy).code == 0:
        raise RuntimeError(f"{prepared.name}: the suite does not import the checkout's code")
    must(["git", "checkout", "-q", "--", "."], cwd=copy)


def clone(repo: Path, scratch: Path) -> Path:
    copy = scratch / "repo"
    shutil.copytree(repo, copy)
    return copy


@dataclass(frozen=True)
class Ran:
    code: int
    seconds: float
    output: str


def run_checks(command: str, cwd: Path, *, timeout: float = 600) -> Ran:
    start = time.monotonic()
    try:
        done = subprocess.run(
            shlex.split(command), cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return Ran(-1, time.monotonic() - start, "timed out")
    return Ran(done.returncode, time.monotonic() - start, done.stdout + done.stderr)


# --- operators: every eligible site of a file, as the mutated text ---------------------------


@dataclass(frozen=True)
class Mutant:
    path: str  # relative to the repository
    line: int
    before: str  # the changed line(s) as published
    after: str
    text: str  # the whole mutated file


Operator = Callable[[str, str, random.Random], Iterator[Mutant]]


class Lines:
    """Offsets into a text from ast's (line, UTF-8 byte column) positions."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def at(self, line: int, column: int) -> int:
        prefix = self.lines[line - 1].encode("utf-8")[:column].decode("utf-8", errors="replace")
        return self.starts[line - 1] + len(prefix)

    def start(self, node: ast.AST) -> int:
        return self.at(node.lineno, node.col_offset)  # type: ignore[attr-defined]

    def end(self, node: ast.AST) -> int:
        return self.at(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]


def mutant(path: str, text: str, start: int, end: int, replacement: str) -> Mutant:
    """`text` with [start, end) replaced, and the lines that changed before and after."""
    new = text[:start] + replacement + text[end:]
    first = text.rfind("\n", 0, start) + 1
    old_end = text.find("\n", max(start, end - 1) if text[end - 1 : end] == "\n" else end)
    old_end = len(text) if old_end < 0 else old_end
    new_end = old_end + len(new) - len(text)
    return Mutant(path, text.count("\n", 0, start) + 1, text[first:old_end], new[first:new_end], new)


def _compiles(text: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            compile(text, "<mutant>", "exec", dont_inherit=True)
        except (SyntaxError, ValueError):
            return False
    return True


def _comma_cut(lines: Lines, nodes: list[ast.AST], index: int) -> tuple[int, int]:
    """The span that removes nodes[index] from a comma-separated list, with one comma."""
    if len(nodes) == 1:
        return lines.start(nodes[0]), lines.end(nodes[0])
    if index < len(nodes) - 1:
        return lines.start(nodes[index]), lines.start(nodes[index + 1])
    return lines.end(nodes[index - 1]), lines.end(nodes[index])


def call_arg(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    lines = Lines(text)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Call):
            arguments: list[ast.AST] = sorted([*node.args, *node.keywords], key=lambda a: (a.lineno, a.col_offset))  # type: ignore[attr-defined]
            for index in range(len(arguments)):
                start, end = _comma_cut(lines, arguments, index)
                yield mutant(path, text, start, end, "")


def import_(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    lines = Lines(text)
    for node in ast.walk(ast.parse(text)):
        if not isinstance(node, ast.Import | ast.ImportFrom) or getattr(node, "module", "") == "__future__":
            continue
        if len(node.names) > 1:
            for index in range(len(node.names)):
                start, end = _comma_cut(lines, list(node.names), index)
                yield mutant(path, text, start, end, "")
            continue
        start, end = lines.starts[node.lineno - 1], lines.starts[node.end_lineno or node.lineno]
        if text[start:end].strip() == text[lines.start(node) : lines.end(node)].strip():
            yield mutant(path, text, start, end, "")


_SYNTAX_TOKENS = frozenset("()[]{},:")


def syntax(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    lines = Lines(text)
    tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    for token in tokens:
        if token.type == tokenize.OP and token.string in _SYNTAX_TOKENS:
            start = lines.starts[token.start[0] - 1] + token.start[1]  # tokenize's columns are characters
            end = start + len(token.string)
            change = mutant(path, text, start, end, "" if rng.random() < 0.7 else token.string * 2)
            if not _compiles(change.text):
                yield change


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def typo(word: str, rng: random.Random, taken: set[str]) -> str | None:
    """A one-edit misspelling of `word` (delete, swap, replace, double a letter) that names nothing known."""
    for _ in range(20):
        i = rng.randrange(1, len(word)) if len(word) > 1 else 0
        kind = rng.choice(("delete", "swap", "replace", "double"))
        if kind == "delete":
            new = word[:i] + word[i + 1 :]
        elif kind == "swap" and i < len(word) - 1:
            new = word[:i] + word[i + 1] + word[i] + word[i + 2 :]
        elif kind == "replace":
            new = word[:i] + rng.choice(_LETTERS) + word[i + 1 :]
        else:
            new = word[:i] + word[i] + word[i:]
        if new.isidentifier() and not keyword.iskeyword(new) and new not in taken and new != word:
            return new
    return None


def _known(tree: ast.AST) -> set[str]:
    names = set(dir(builtins))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            names.add(node.id)
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias):
            names.add((node.asname or node.name).split(".")[0])
    return names


def _misspell(path: str, text: str, rng: random.Random, word_of: Callable[[ast.AST], str | None]) -> Iterator[Mutant]:
    """A typo in the word `word_of` finds at the end of each node (a name, an attribute's)."""
    lines, tree = Lines(text), ast.parse(text)
    taken = _known(tree)
    for node in ast.walk(tree):
        word = word_of(node)
        if word is None or len(word) < 3 or not hasattr(node, "end_lineno"):
            continue
        new = typo(word, rng, taken)
        end = lines.end(node)
        if new and text[end - len(word) : end] == word:
            yield mutant(path, text, end - len(word), end, new)


def name(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    loaded = lambda node: node.id if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) else None  # noqa: E731
    return _misspell(path, text, rng, loaded)


def attribute(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    loaded = lambda node: node.attr if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load) else None  # noqa: E731
    return _misspell(path, text, rng, loaded)


_BLOCKS = (ast.If, ast.For, ast.While, ast.With, ast.FunctionDef, ast.AsyncFunctionDef)


def _first_line(node: ast.stmt) -> int:
    decorators = getattr(node, "decorator_list", [])
    return min([node.lineno, *(d.lineno for d in decorators)])


def _reindent(path: str, text: str, first: int, last: int, *, old: str, new: str) -> Mutant | None:
    """Lines first..last (1-based) with their leading `old` replaced by `new`, or None if one lacks it."""
    lines = text.splitlines(keepends=True)
    changed = []
    for line in lines[first - 1 : last]:
        if line.strip() and not line.startswith(old):
            return None
        changed.append(new + line[len(old) :] if line.strip() else line)
    before = "".join(lines[first - 1 : last])
    start = sum(len(line) for line in lines[: first - 1])
    return mutant(path, text, start, start + len(before), "".join(changed))


def indent(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    tree = ast.parse(text)
    for node in ast.walk(tree):
        for body in (getattr(node, name, None) for name in ("body", "orelse", "finalbody")):
            if not isinstance(body, list) or not body or not isinstance(body[0], ast.stmt):
                continue
            for parent_index, parent in enumerate(body):
                if not isinstance(parent, _BLOCKS) or getattr(parent, "orelse", None):
                    continue
                inner, outer = " " * parent.body[0].col_offset, " " * parent.col_offset
                last = parent.body[-1]
                if len(parent.body) >= 2 and (last.end_lineno or last.lineno) - _first_line(last) < 10:
                    change = _reindent(
                        path, text, _first_line(last), last.end_lineno or last.lineno, old=inner, new=outer
                    )
                    if change and change.text != text:
                        yield change
                following = body[parent_index + 1] if parent_index + 1 < len(body) else None
                if following is not None and not hasattr(following, "body"):
                    end = following.end_lineno or following.lineno
                    change = _reindent(path, text, _first_line(following), end, old=outer, new=inner)
                    if change and change.text != text:
                        yield change


def lint(path: str, text: str, rng: random.Random) -> Iterator[Mutant]:
    lines, tree = Lines(text), ast.parse(text)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    for node in ast.walk(tree):
        yield from _lint_at(path, text, lines, node, docstrings)


def _lint_at(path: str, text: str, lines: Lines, node: ast.AST, docstrings: set[int]) -> Iterator[Mutant]:
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left_end, right_start = lines.end(node.left), lines.start(node.comparators[0])
        between = text[left_end:right_start]
        is_none = isinstance(node.comparators[0], ast.Constant) and node.comparators[0].value is None
        if is_none and isinstance(node.ops[0], ast.Is | ast.IsNot) and between.strip() in ("is", "is not"):
            yield mutant(path, text, left_end, right_start, " == " if between.strip() == "is" else " != ")
        elif isinstance(node.ops[0], ast.NotIn) and between.strip() == "not in":
            start = lines.start(node)
            yield mutant(path, text, start, right_start, f"not {text[start:left_end]} in ")
    elif isinstance(node, ast.ExceptHandler) and node.type is not None and node.name is None:
        start, end = lines.start(node), lines.end(node.type)
        if text[start:end].startswith("except") and "\n" not in text[start:end]:
            yield mutant(path, text, start, end, "except")
    elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
        used = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
        for statement in node.body:
            if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call) and "result" not in used:
                start = lines.start(statement)
                yield mutant(path, text, start, start, "result = ")
    elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
        start, end = lines.start(node), lines.end(node)
        literal = text[start:end]
        if literal[:1] in "'\"" and "{" not in literal and "}" not in literal and "\n" not in literal:
            yield mutant(path, text, start, start, "f")


OPERATORS: dict[str, Operator] = {
    "call-arg": call_arg,
    "import": import_,
    "syntax": syntax,
    "name": name,
    "attribute": attribute,
    "indent": indent,
    "lint": lint,
}


def sources(repo: Path, package: str) -> list[str]:
    """The project's own source files (no tests), relative to the repository, sorted."""
    root = repo / package
    files = sorted(root.rglob("*.py")) if root.is_dir() else [repo / f"{package}.py"]
    own = []
    for path in files:
        relative = path.relative_to(repo).as_posix()
        parts = set(relative.split("/"))
        if parts & {"tests", "test", "testing"} or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        own.append(relative)
    return own


def _ruff_clean(repo: Path, path: str) -> bool:
    return run_checks(f"{RUFF} {shlex.quote(path)}", repo).code == 0


def sites(prepared: Prepared, operator: str, seed: int) -> list[Mutant]:
    """Every eligible site of `operator` in the project, shuffled by the seed."""
    rng = random.Random(f"{seed}/{prepared.name}/{operator}")
    found: list[Mutant] = []
    for path in sources(prepared.repo, prepared.project.package):
        text = (prepared.repo / path).read_text(encoding="utf-8")
        if operator == "lint" and not _ruff_clean(prepared.repo, path):
            continue
        try:
            found += list(OPERATORS[operator](path, text, rng))
        except (SyntaxError, tokenize.TokenError):
            continue
    rng.shuffle(found)
    return found


# --- cases -------------------------------------------------------------------------------------


@dataclass
class Result:
    project: str
    operator: str
    mutant: Mutant
    verdict: str  # healed / missed / skipped-green / skipped-broken / error
    exact: bool = False
    equivalent: bool = False
    heal_seconds: float = 0.0
    check_seconds: float = 0.0
    reason: str = ""
    fixer: str = ""
    classification: str = ""

    @property
    def ratio(self) -> float:
        return self.heal_seconds / self.check_seconds if self.check_seconds else 0.0


def _is_test(path: str) -> bool:
    name = path.rsplit("/", 1)[-1]
    return (
        path.startswith(("tests/", "test/", "testing/"))
        or "/tests/" in path
        or name.startswith("test_")
        or name == "conftest.py"
    )


def _patched_paths(patch: str) -> list[str]:
    return re.findall(r"^\+\+\+ b/(\S+)", patch, re.MULTILINE)


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def case(prepared: Prepared, operator: str, change: Mutant) -> Result:
    with tempfile.TemporaryDirectory(prefix="suture-mutation-") as scratch:
        repo = clone(prepared.repo, Path(scratch))
        original = (repo / change.path).read_text(encoding="utf-8")
        (repo / change.path).write_text(change.text, encoding="utf-8")
        must([*GIT, "commit", "-qam", f"mutant: {operator} at {change.path}:{change.line}"], cwd=repo)
        checks = [prepared.pytest(), *([f"{RUFF} {shlex.quote(change.path)}"] if operator == "lint" else [])]
        red = [run_checks(command, repo) for command in checks]
        seconds = sum(r.seconds for r in red)
        result = Result(prepared.name, operator, change, "missed", check_seconds=seconds)
        if all(r.code == 0 for r in red):
            result.verdict = "skipped-green"
            return result
        if red[0].code not in (0, 1, 2):
            result.verdict, result.reason = "skipped-broken", f"pytest exited {red[0].code}"
            return result
        _heal(repo, checks, result)
        if result.verdict == "healed-unjudged":
            _judge(repo, checks, original, result)
        return result


SUTURE_SRC: list[Path] = []  # --suture-src: the suture whose heal is measured (default: the installed one)


def _heal(repo: Path, checks: list[str], result: Result) -> None:
    argv = [sys.executable, "-m", "suture", "heal", "--dry-run", "--json"]
    for command in checks:
        argv += ["--test-cmd", command]
    env = {**os.environ, "PYTHONPATH": str(SUTURE_SRC[0])} if SUTURE_SRC else None
    start = time.monotonic()
    try:
        done = subprocess.run(
            argv, cwd=repo, capture_output=True, text=True, timeout=HEAL_TIMEOUT, check=False, env=env
        )
    except subprocess.TimeoutExpired:
        result.heal_seconds, result.verdict, result.reason = time.monotonic() - start, "missed", "timed out"
        return
    result.heal_seconds = time.monotonic() - start
    try:
        outcome = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        result.verdict, result.reason = "error", f"exit {done.returncode}: {_last_line(done.stderr)}"
        return
    result.classification = str(outcome.get("classification") or "")
    result.fixer = str(outcome.get("fixer") or "")
    if outcome.get("status") != "fixed":
        result.reason = f"{outcome.get('status')}: {outcome.get('reason', '')} | {_last_line(done.stderr)}"
        return
    result.verdict, result.reason = "healed-unjudged", outcome.get("patch") or ""


def _judge(repo: Path, checks: list[str], original: str, result: Result) -> None:
    patch, path = result.reason, result.mutant.path
    result.verdict, result.reason = "missed", ""
    tests = [p for p in _patched_paths(patch) if _is_test(p)]
    if tests:
        result.reason = f"the proposal changes tests: {', '.join(tests)}"
        return
    applied = subprocess.run(["git", "apply"], input=patch, text=True, cwd=repo, capture_output=True, check=False)
    if applied.returncode != 0:
        result.reason = f"the proposal does not apply: {_last_line(applied.stderr)}"
        return
    after = [run_checks(command, repo) for command in checks]
    if any(r.code != 0 for r in after):
        result.reason = f"the checks stay red with the proposal: {_last_line(after[0].output)}"
        return
    healed = (repo / path).read_text(encoding="utf-8")
    result.verdict, result.exact = "healed", healed == original
    result.equivalent = not result.exact and _same_ast(healed, original)
    result.reason = "" if result.exact else patch


def _same_ast(a: str, b: str) -> bool:
    try:
        return ast.dump(ast.parse(a)) == ast.dump(ast.parse(b))
    except SyntaxError:
        return False


def operator_cases(
    prepared: Prepared, operator: str, seed: int, wanted: int, done: Callable[[Result], None] = lambda _: None
) -> list[Result]:
    """Cases of one operator in one project, in the seed's order, until `wanted` were red (or 4x tried)."""
    results: list[Result] = []
    for change in sites(prepared, operator, seed)[: 4 * wanted + 4]:
        result = case(prepared, operator, change)
        results.append(result)
        done(result)
        print(_one_line(result), file=sys.stderr, flush=True)
        if sum(r.verdict in ("healed", "missed", "error") for r in results) >= wanted:
            break
    return results


def _one_line(result: Result) -> str:
    tag = "exact" if result.exact else "equivalent" if result.equivalent else ""
    return (
        f"{result.project:15s} {result.operator:9s} {result.mutant.path}:{result.mutant.line:<5d} "
        f"{result.verdict:14s} {tag:10s} {result.heal_seconds:6.1f}s / {result.check_seconds:5.1f}s"
    )


# --- the report ----------------------------------------------------------------------------------


@dataclass
class Row:
    cases: int = 0
    healed: int = 0
    exact: int = 0
    equivalent: int = 0
    green: int = 0
    broken: int = 0
    ratios: list[float] = field(default_factory=list)

    def add(self, result: Result) -> None:
        if result.verdict == "skipped-green":
            self.green += 1
            return
        if result.verdict == "skipped-broken":
            self.broken += 1
            return
        self.cases += 1
        self.healed += result.verdict == "healed"
        self.exact += result.exact
        self.equivalent += result.equivalent
        self.ratios.append(result.ratio)

    def cells(self, label: str) -> str:
        ratio = f"{statistics.median(self.ratios):.2f}" if self.ratios else "-"
        return (
            f"| {label} | {self.healed}/{self.cases} | {self.exact} | {self.equivalent} | {ratio} "
            f"| {self.green} | {self.broken} |"
        )


def _shown(change: Mutant) -> str:
    """The mutation in a line: `before` -> `after`, or how the indentation moved."""
    before, after = change.before.strip(), change.after.strip()
    if before == after:
        indent = [len(text) - len(text.lstrip(" ")) for text in (change.before, change.after)]
        return f"`{before.splitlines()[0][:100]}` indented {indent[0]} -> {indent[1]}"
    return f"`{before[:120]}` -> `{after[:120]}`"


def report(results: list[Result], *, seed: int, command: str) -> str:
    by_operator: dict[str, Row] = {}
    by_project: dict[str, Row] = {}
    total = Row()
    for result in results:
        by_operator.setdefault(result.operator, Row()).add(result)
        by_project.setdefault(result.project, Row()).add(result)
        total.add(result)
    header = "| {} | healed | exact | equivalent | median time ratio | skipped: green | skipped: broken suite |"
    rule = "|---|---|---|---|---|---|---|"
    out = [f"`{command}` (seed {seed})", "", header.format("operator"), rule]
    out += [row.cells(op) for op, row in by_operator.items()]
    out += [total.cells("**all**"), "", header.format("project"), rule]
    out += [row.cells(p) for p, row in sorted(by_project.items())]
    out += ["", "Misses (project, operator, file:line, mutation; suture's reason):", ""]
    for result in results:
        if result.verdict in ("missed", "error"):
            out.append(
                f"- {result.project} {result.operator} `{result.mutant.path}:{result.mutant.line}`: "
                f"{_shown(result.mutant)}; {result.classification or '-'}; {' '.join(result.reason.split())[:300]}"
            )
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", default=",".join(PROJECTS), help="comma-separated names of PROJECTS")
    parser.add_argument("--operators", default=",".join(OPERATORS))
    parser.add_argument("--per-operator", type=int, default=3)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--cache", type=Path, default=Path.home() / ".cache" / "suture-bench")
    parser.add_argument("--out", type=Path, help="write the report (markdown) here too")
    parser.add_argument("--json", type=Path, help="write every case as JSON here")
    parser.add_argument("--suture-src", type=Path, help="measure the suture in this src/ (a worktree of a commit)")
    args = parser.parse_args(argv)
    SUTURE_SRC[:] = [args.suture_src.resolve()] if args.suture_src else []
    names = [n for n in args.projects.split(",") if n]
    operators = [o for o in args.operators.split(",") if o]
    prepared = []
    for project in names:
        try:
            prepared.append(prepare(project, args.cache))
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            print(f"{project}: left out: {exc}", file=sys.stderr)
            continue
        ready = prepared[-1]
        print(f"{project}: suite green in {ready.seconds:.1f}s, deselected {list(ready.deselected)}", file=sys.stderr)
    work = [(p, op) for p in prepared for op in operators]
    command = "python bench/mutation_bench.py " + shlex.join(argv if argv is not None else sys.argv[1:])
    so_far: list[Result] = []
    lock = threading.Lock()

    def done(result: Result) -> None:  # the report so far, rewritten after each case: a long run is read as it goes
        with lock:
            so_far.append(result)
            if args.out:
                args.out.write_text(report(so_far, seed=args.seed, command=command + " (running)"), encoding="utf-8")

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        batches = list(pool.map(lambda job: operator_cases(job[0], job[1], args.seed, args.per_operator, done), work))
    results = [r for batch in batches for r in batch]
    text = report(results, seed=args.seed, command=command)
    print(text)
    if args.out:
        args.out.write_text(text, encoding="utf-8")
    if args.json:
        rows = [{**r.__dict__, "mutant": {**r.mutant.__dict__, "text": None}, "ratio": r.ratio} for r in results]
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    raise SystemExit(main())
