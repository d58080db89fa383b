"""Lint and format checks fixed by the tools themselves.

When the failing check is `ruff check`, `ruff format --check`, `black --check` or
`isort --check-only`/`--diff`, the same tool in its fixing mode, with the project's own
configuration, knows the fix better than anyone: run it in a disposable worktree of
the base and take its diff. `flake8` has no fixing mode: the codes it reported go to
the tools that fix them, autopep8 for pycodestyle's (E/W, reading the project's
[flake8]/[pycodestyle] settings) and ruff for the pyflakes codes it fixes safely.

Only the tool itself runs, with its own fix flags: whatever the check command put
around it (`poetry run`, `python evil.py`, `&& curl ...`) is dropped, and it runs in
the sandbox the checks run in, the worktree its only writable place. Only safe fixes
(ruff's `--fix` applies no unsafe fix unless the project configured it; autopep8 runs
without --aggressive). When the project pins the tool at another version than the one
installed, the rationale says so: formatters change their output between versions.
Test files stay as they are: hunks for them are dropped, and if the check needs them
the candidate fails verification.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from suture import tomlfile
from suture.errors import SutureError
from suture.records import Candidate, Failure
from suture.run import git, tools
from suture.run.process import run
from suture.run.sandbox import Bubblewrap, Sandbox
from suture.run.source import Source
from suture.verify.policy import is_test_path

TIMEOUT = 300.0  # seconds for the tool's fixing run
PYTHON = re.compile(r"python[\d.]*")
# Codes flake8 reports that ruff fixes safely; the rest of pyflakes' need a person.
RUFF_FIXES = frozenset({"F401", "F541", "F632", "E703", "E713", "E714", "W291", "W292", "W293", "W605"})
FLAKE8_LINE = re.compile(r"^(?:\./)?(?P<path>[^\s:][^:\n]*\.py):\d+:\d+: (?P<code>[A-Z]\d{3})\b", re.MULTILINE)


def _words(check: str) -> list[str] | None:
    """The words of the first simple command of `check` that runs a lint tool, or None."""
    words = tools.shell_words(check)
    if words is None:
        return None
    segment: list[str] = []
    for word in [*words, ";"]:
        if word not in tools.OPERATORS:
            segment.append(word)
        elif _at(segment):
            return segment
        else:
            segment = []
    return None


def _at(words: Sequence[str]) -> tuple[int, tools.Tool] | None:
    """Where `words` start a lint tool, and which: not where they install one (`pip install ruff`)."""
    return next(((index, tool) for index, tool in tools.started(words) if tool.fixes), None)


def _invocation(words: Sequence[str], index: int) -> list[str]:
    """How to start the tool at words[index]: `python -m tool`, an installed path, or its bare name."""
    if index >= 2 and words[index - 1] == "-m" and PYTHON.fullmatch(words[index - 2].rsplit("/", 1)[-1]):
        return [words[index - 2], "-m", words[index]]
    word = words[index]
    return [word] if os.path.isabs(word) or "/" not in word else [word.rsplit("/", 1)[-1]]


def _split(check: str) -> tuple[list[str], tools.Tool, list[str]] | None:
    """(how to start the tool, the tool, its arguments) for the lint tool `check` runs, or None."""
    words = _words(check)
    if words is None:
        return None
    found = _at(words)
    assert found is not None  # _words returns only segments that start a tool
    index, tool = found
    return _invocation(words, index), tool, words[index + 1 :]


def fix_command(check: str) -> list[str] | None:
    """The fixing form of a lint or format check command (the tool alone, in its fixing mode, as the
    tool registry says), or None if it has none."""
    split = _split(check)
    if split is None:
        return None
    start, tool, rest = split
    for mode in tool.fixing:
        if not mode.subcommand:
            return [*start, *mode.add, *_without(rest, *mode.drop)]
        if rest[:1] == [mode.subcommand]:
            return [*start, mode.subcommand, *mode.add, *_without(rest[1:], *mode.drop)]
    return None


def flake8_commands(check: str, output: str, *, paths: Sequence[str], have: Mapping[str, bool]) -> list[list[str]]:
    """The fixing runs for what a failing `flake8` check reported in `output`; [] when none applies.

    `have` says which fixing tools are installed (autopep8, ruff); `paths` are the base's files,
    to map absolute paths in the output back to the repository.
    """
    split = _split(check)
    if split is None or split[1].fixing or not split[1].fixed_by:
        return []
    found = [(_relative(m.group("path"), paths), m.group("code")) for m in FLAKE8_LINE.finditer(output)]
    found = [(path, code) for path, code in found if path and not is_test_path(path)]
    commands = []
    if have.get("autopep8"):
        pep8 = sorted({code for _, code in found if code[0] in "EW"})
        files = sorted({path for path, code in found if code in pep8})
        if pep8:
            commands.append(["autopep8", "--in-place", f"--select={','.join(pep8)}", "--", *files])
    ruff = sorted({code for _, code in found if code in RUFF_FIXES and (code[0] == "F" or not have.get("autopep8"))})
    if ruff and have.get("ruff"):
        files = sorted({path for path, code in found if code in ruff})
        commands.append(["ruff", "check", "--fix", f"--select={','.join(ruff)}", "--", *files])
    return commands


def _relative(path: str, paths: Sequence[str]) -> str:
    if not os.path.isabs(path):
        return path if path in paths else ""
    return next((p for p in paths if path.endswith("/" + p)), "")


def _without(words: list[str], *flags: str) -> list[str]:
    return [word for word in words if word not in flags]


# --- pins: the version the project asks for --------------------------------------------------

_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9_.-]+)(?:\[[^\]]*\])?\s*==\s*(?P<version>[\w.+!-]+)", re.MULTILINE)
_HOOK_REPO = re.compile(r"repo:\s*\S*/(?P<repo>[\w.-]+?)(?:\.git)?\s*\n\s*rev:\s*['\"]?v?(?P<rev>[\w.+-]+)")


def pins(source: Source) -> dict[str, str]:
    """Tool -> version, as the project pins it: `==` in requirements files or pyproject, pre-commit revs."""
    found: dict[str, str] = {}
    fixers = [tool for tool in tools.TOOLS.values() if tool.fixes]
    names = {name for tool in fixers for name in (tool.name, *tool.fixed_by)}
    hooks = {hook: tool.name for tool in fixers for hook in tool.hooks}
    texts = [source.read(p) or "" for p in source.paths() if re.fullmatch(r"(.*/)?[\w.-]*requirements[\w.-]*\.txt", p)]
    texts += _pyproject_requirements(source.read("pyproject.toml") or "")
    for text in texts:
        for match in _PIN.finditer(text):
            name = match.group("name").lower()
            if name in names:
                found.setdefault(name, match.group("version"))
    for match in _HOOK_REPO.finditer(source.read(".pre-commit-config.yaml") or ""):
        tool = hooks.get(match.group("repo").lower())
        if tool:
            found.setdefault(tool, match.group("rev"))
    return found


def _pyproject_requirements(text: str) -> list[str]:
    try:
        document = tomlfile.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    project = document.get("project", {})
    lists = [project.get("dependencies", []), *project.get("optional-dependencies", {}).values()]
    lists += list(document.get("dependency-groups", {}).values())
    poetry = document.get("tool", {}).get("poetry", {})
    groups = [poetry.get("dependencies", {}), poetry.get("dev-dependencies", {})]
    groups += [group.get("dependencies", {}) for group in poetry.get("group", {}).values()]
    lines = [item for items in lists if isinstance(items, list) for item in items if isinstance(item, str)]
    exact = [(name, spec) for group in groups for name, spec in group.items() if isinstance(spec, str)]
    lines += [f"{name}=={spec}" for name, spec in exact if re.fullmatch(r"\d[\w.]*", spec)]  # poetry: bare = exact
    return ["\n".join(lines)]


_VERSION = re.compile(r"\b(\d+\.\d+(?:\.\d+)*)\b")


# --- running the tools ------------------------------------------------------------------------


class LintFixer:
    name = "lint-tool"

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        # Where the tools run: the checks' sandbox (heal passes its own); bubblewrap if none is given.
        self.sandbox = sandbox or Bubblewrap()

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.kind != "check-failed":
            return []
        command = fix_command(failure.check)
        commands = [command] if command else self._flake8(failure, source)
        if not commands:
            return []
        found = []
        diff, notes = _diff_after(commands, source, self.sandbox)
        if diff:
            found.append(self._candidate(failure, commands, diff, notes, "the tool's own fixing mode", rank=0))
        unsafe = _with_unsafe_fixes(commands)
        if unsafe != commands:
            # ruff's unsafe fixes (`== None` -> `is None`, an unused variable dropped) may change
            # what the code does: second, and only what verification accepts
            more, notes = _diff_after(unsafe, source, self.sandbox)
            if more and more != diff:
                why = "the tool's fixing mode with the fixes it calls unsafe (verified before proposed)"
                found.append(self._candidate(failure, unsafe, more, notes, why, rank=1))
        return found

    def _candidate(
        self, failure: Failure, commands: Sequence[list[str]], diff: str, notes: list[str], how: str, *, rank: int
    ) -> Candidate:
        shown = " && ".join(f"`{shlex.join(c)}`" for c in commands)
        return Candidate(
            origin=self.name,
            diff=diff,
            rationale=f"{shown}: {how}, with the project's config" + "".join(notes),
            fingerprint=failure.fingerprint,
            rank=rank,
        )

    def _flake8(self, failure: Failure, source: Source) -> list[list[str]]:
        split = _split(failure.check)
        env = self.sandbox.environment(os.environ)
        fixed_by = split[1].fixed_by if split else ()
        have = {tool: shutil.which(tool, path=env.get("PATH", "")) is not None for tool in fixed_by}
        return flake8_commands(failure.check, failure.excerpt, paths=source.paths(), have=have)


def _with_unsafe_fixes(commands: list[list[str]]) -> list[list[str]]:
    """`commands` with ruff's `check --fix` runs allowed its unsafe fixes too."""
    changed = []
    for command in commands:
        start = command[:3] if command[1:2] == ["-m"] else command[:1]
        tool = tools.named(start[-1])
        rest = command[len(start) :]
        is_fix = tool is not None and tool.name == "ruff" and rest[:1] == ["check"] and "--fix" in rest
        unsafe = is_fix and "--unsafe-fixes" not in rest and "--no-unsafe-fixes" not in rest
        changed.append([*command, "--unsafe-fixes"] if unsafe else command)
    return changed


def _diff_after(commands: Sequence[list[str]], source: Source, sandbox: Sandbox) -> tuple[str, list[str]]:
    """What `commands` change in a fresh worktree of the base (test files left out), and notes on versions."""
    pinned = pins(source)
    notes: list[str] = []
    with git.worktree(source.repo, source.sha) as tree, tempfile.TemporaryDirectory(prefix="suture-lint-") as scratch:
        env = {**sandbox.environment(os.environ), "RUFF_NO_CACHE": "true", "PYTHONDONTWRITEBYTECODE": "1"}
        for command in commands:
            start = command[:3] if command[1:2] == ["-m"] else command[:1]
            tool = tools.named(start[-1])
            if tool is not None and tool.name in pinned:
                notes += _version_note(
                    tool.name, pinned[tool.name], _run(sandbox, [*start, "--version"], tree, scratch, env)
                )
            if _run(sandbox, command, tree, scratch, env) is None:
                return "", notes  # the tool is missing or hung: no candidate, the failure stays reported
        changed = git.git(tree, "diff", "--name-only", "-z").split("\0")
        kept = [path for path in changed if path and not is_test_path(path)]
        if not kept:
            return "", notes
        diff = git.git(tree, "diff", "--no-color", "--src-prefix=a/", "--dst-prefix=b/", "--", *kept)
        return diff, notes


def _run(sandbox: Sandbox, command: Sequence[str], tree: Path, scratch: str, env: Mapping[str, str]) -> str | None:
    """The output of `command` run in `sandbox` in `tree`, or None when it could not run."""
    argv = sandbox.argv(shlex.join(command), tree=tree, scratch=Path(scratch), env=env)
    try:
        done = run(argv, cwd=tree, env=env, check=False, timeout=TIMEOUT)
    except SutureError:
        return None
    return None if done.returncode in (126, 127) else done.stdout + done.stderr


def _version_note(tool: str, pinned: str, output: str | None) -> list[str]:
    found = _VERSION.search(output or "")
    if found is None or found.group(1) == pinned:
        return []
    return [
        f" (note: the project pins {tool} {pinned}, but {tool} {found.group(1)} is what is installed here "
        "and made this fix; the pinned version may format differently)"
    ]
