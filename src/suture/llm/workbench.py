"""What an investigating model may ask for before it edits: the tools, and their answers.

    read_file     a range of lines of a file of the commit under repair, numbered
    find_symbol   where a name is defined and used (git grep on the commit)
    list_folder   the files and folders in a folder
    test_output   the whole section of a failing test in its check's output
    run_test      one collected test, run again in the sandbox on the commit

Everything a tool returns came from the repository or its output: it is redacted and fenced
as data (`data.block`). A request outside the repository (an absolute path, `..`, a path
through a symbolic link), an unknown tool or arguments that do not fit the schema get a
structured error, `{"error": kind, "message": ...}`, which the model reads like any answer.
Files are read from the commit (`Source`), never from a checkout a check ran in.

A submodule's files are read from the commit its gitlink names, in the submodule's own
objects (`.git/modules/<name>` as `git submodule update` leaves them, a nested one's inside
its parent's): the path `vendor/lib/x.py` of the superproject is `x.py` of the submodule at
`vendor/lib`. Its name comes from the commit's `.gitmodules` and must stay inside
`.git/modules`; a submodule whose objects are not here is said to be so, never fetched.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import Any

from suture.capture.run import run_check
from suture.errors import SutureError
from suture.llm import data
from suture.llm.base import Answer, Call, ToolSpec
from suture.records import Build, CheckRun
from suture.redact import Redactor
from suture.run.git import common_dir, run_git, worktree
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.untrusted import one_line

MAX_LINES = 300  # of one read_file answer
MAX_MATCHES = 40  # of one find_symbol answer
MAX_ENTRIES = 200  # of one list_folder answer
MAX_OUTPUT = 8000  # characters of one test's output (its end)
MAX_CHARS = 20_000  # of one read_file answer: a minified or hostile file's long lines cost no more
MAX_MATCH_CHARS = 300  # of one find_symbol line
MAX_SUBMODULES = 50  # trees find_symbol searches: the repository's and its submodules', nested ones too
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule's commit
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")

RunTest = Callable[[str, float], CheckRun]  # (command with the test id, seconds) -> its run


def _schema(properties: dict[str, Any], required: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required), "additionalProperties": False}


_PATH = {"type": "string", "description": "a path relative to the repository's root, e.g. src/pkg/mod.py"}
_TEST = {"type": "string", "description": "a test id as pytest prints it, e.g. tests/test_x.py::test_y"}
SPECS = (
    ToolSpec(
        "read_file",
        "Read lines of a file of the repository (at most 300 per call), numbered.",
        _schema(
            {"path": _PATH, "start": {"type": "integer", "minimum": 1}, "end": {"type": "integer", "minimum": 1}},
            ("path",),
        ),
    ),
    ToolSpec(
        "find_symbol",
        "Find where a function, class or variable is defined and where it is used in the repository.",
        _schema({"name": {"type": "string", "description": "an identifier, e.g. parse_date"}}, ("name",)),
    ),
    ToolSpec(
        "list_folder",
        "List the files and folders in a folder of the repository ('' or '.' for its root).",
        _schema({"path": _PATH}, ()),
    ),
    ToolSpec(
        "test_output",
        "Show the whole output pytest printed for one failing test.",
        _schema({"test_id": _TEST}, ("test_id",)),
    ),
    ToolSpec(
        "run_test",
        "Run one test of the repository again, as it is on the commit, in the sandbox; shows its output.",
        _schema({"test_id": _TEST}, ("test_id",)),
    ),
)


class Refused(Exception):
    """A call the workbench does not answer with data; `kind` names why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass(frozen=True)
class Workbench:
    """The tools on one commit: its files (`source`), its checks' runs (`build`) and a way to
    run one test in the sandbox (`run_test`; None: the tool is not offered)."""

    source: Source
    redactor: Redactor
    build: Build | None = None
    run_test: RunTest | None = None

    @property
    def specs(self) -> tuple[ToolSpec, ...]:
        offered = {"read_file", "find_symbol", "list_folder"}
        offered |= {"test_output"} if self.build is not None else set()
        offered |= {"run_test"} if self.build is not None and self.run_test is not None else set()
        return tuple(spec for spec in SPECS if spec.name in offered)

    def answer(self, call: Call, *, seconds: float) -> Answer:
        """The answer to `call`: data in a fenced block, or a structured error."""
        try:
            arguments = self._arguments(call)
            text = self._dispatch(call.name, arguments, seconds)
        except Refused as exc:
            message = self.redactor.redact(one_line(str(exc), 500))
            return Answer(call.id, json.dumps({"error": exc.kind, "message": message}), error=True)
        return Answer(call.id, text)

    def _arguments(self, call: Call) -> dict[str, Any]:
        spec = next((s for s in self.specs if s.name == call.name), None)
        if spec is None:
            known = ", ".join(s.name for s in self.specs)
            raise Refused("unknown-tool", f"there is no tool {one_line(call.name, 80)!r}; the tools are {known}")
        try:
            arguments = json.loads(call.arguments or "{}")
        except ValueError as exc:
            raise Refused("malformed-arguments", f"the arguments are not JSON: {exc}") from exc
        if not isinstance(arguments, dict):
            raise Refused("malformed-arguments", "the arguments must be a JSON object")
        properties = spec.parameters["properties"]
        for name, value in arguments.items():
            expected = properties.get(name, {}).get("type")
            if expected is None:
                raise Refused("malformed-arguments", f"{call.name} takes no argument {one_line(name, 80)!r}")
            if not isinstance(value, int if expected == "integer" else str) or isinstance(value, bool):
                noun = "an integer" if expected == "integer" else "a string"
                raise Refused("malformed-arguments", f"{name} must be {noun}")
        missing = [name for name in spec.parameters["required"] if name not in arguments]
        if missing:
            raise Refused("malformed-arguments", f"{call.name} needs {', '.join(missing)}")
        return arguments

    def _dispatch(self, name: str, arguments: dict[str, Any], seconds: float) -> str:
        if name == "read_file":
            return self._read(arguments["path"], arguments.get("start", 1), arguments.get("end"))
        if name == "find_symbol":
            return self._find(arguments["name"])
        if name == "list_folder":
            return self._list(arguments.get("path", "") or ".")
        if name == "test_output":
            return self._test_output(arguments["test_id"])
        return self._run(arguments["test_id"], seconds)

    # -- the repository's files -------------------------------------------------------------

    def _inside(self, path: str) -> Located:
        """Where `path` is: the commit's tree or a submodule's, and the path within it; Refused
        for a path that leaves the repository."""
        if path.startswith(("/", "\\", "~")) or re.match(r"[A-Za-z]:", path) or "\0" in path:
            raise Refused("outside-repository", f"{path!r} is not a path inside the repository: give it relative")
        parts = [part for part in PurePosixPath(path.replace("\\", "/")).parts if part != "."]
        if ".." in parts:
            raise Refused("outside-repository", f"{path!r} leaves the repository ('..' is refused)")
        tree, start = self._tree, 0
        for end in range(1, len(parts) + 1):
            inner = "/".join(parts[start:end])
            if inner in tree.links:
                raise Refused("outside-repository", f"{'/'.join(parts[:end])!r} is a symbolic link: it is not followed")
            if inner in tree.gitlinks:
                tree, start = self._submodule(tree, inner, "/".join(parts[:end])), end
        return Located(tree, "/".join(parts[start:]), "/".join(parts))

    @cached_property
    def _tree(self) -> Tree:
        return Tree.of(self.source)

    def _submodule(self, tree: Tree, path: str, outer: str) -> Tree:
        """The tree of the submodule at `path` of `tree`'s commit (`outer` in the repository): its
        own objects, at the commit the gitlink names."""
        key = (str(tree.source.repo), tree.source.sha, path)
        if key not in self._submodules:
            self._submodules[key] = _open_submodule(tree, path, outer)
        found = self._submodules[key]
        if isinstance(found, Refused):
            raise found
        return found

    @cached_property
    def _submodules(self) -> dict[tuple[str, str, str], Tree | Refused]:
        return {}

    def _everywhere(self) -> list[tuple[str, Tree]]:
        """The repository's tree and every submodule's that is here, nested ones too, each with its path prefix."""
        found: list[tuple[str, Tree]] = []
        pending = [("", self._tree)]
        while pending and len(found) < MAX_SUBMODULES:
            prefix, tree = pending.pop(0)
            found.append((prefix, tree))
            for path in tree.gitlinks:
                try:
                    pending.append((prefix + path + "/", self._submodule(tree, path, prefix + path)))
                except Refused:
                    continue  # a submodule that is not here has nothing to find
        return found

    def _read(self, path: str, start: int, end: int | None) -> str:
        where = self._inside(path)
        source, inner, path = where.tree.source, where.inner, where.outer
        text = source.read(inner) if inner in source.paths() else None
        if text is None:
            kind = "a folder" if where.tree.is_folder(inner) else "not a text file"
            raise Refused("not-found", f"{path!r} is {kind} of the repository's commit")
        lines = text.splitlines()
        first = max(1, start)
        last = min(len(lines), end if end is not None else first + MAX_LINES - 1, first + MAX_LINES - 1)
        if first > len(lines):
            raise Refused("out-of-range", f"{path} has {len(lines)} lines; start at most at line {len(lines)}")
        numbered = "\n".join(f"{n:>5}  {lines[n - 1]}" for n in range(first, last + 1))
        if len(numbered) > MAX_CHARS:
            numbered = numbered[:MAX_CHARS] + f"\n[…cut at {MAX_CHARS} characters: ask for fewer lines]"
        shown = f"lines {first}-{last} of {len(lines)}"
        return data.block("file", numbered, redactor=self.redactor, path=path, lines=shown)

    def _list(self, path: str) -> str:
        where = self._inside(path)
        prefix = "" if where.inner == "" else where.inner + "/"
        entries: dict[str, None] = {}
        for inside in where.tree.source.paths():
            if inside.startswith(prefix):
                rest = inside[len(prefix) :]
                folder = "/" in rest or inside in where.tree.gitlinks  # a submodule is a folder too
                entries[rest.split("/", 1)[0] + ("/" if folder else "")] = None
        if not entries:
            raise Refused("not-found", f"{where.outer!r} is not a folder of the repository's commit")
        shown = list(entries)[:MAX_ENTRIES]
        more = f"\n… and {len(entries) - MAX_ENTRIES} more" if len(entries) > MAX_ENTRIES else ""
        return data.block("folder", "\n".join(shown) + more, redactor=self.redactor, path=where.outer or ".")

    def _find(self, name: str) -> str:
        name = name.rsplit(".", 1)[-1]  # Class.method: the method
        if not _NAME.fullmatch(name):
            raise Refused("malformed-arguments", "name must be an identifier, e.g. parse_date")
        matches = [line for prefix, tree in self._everywhere() for line in _grep(tree.source, name, prefix)]
        definition = re.compile(rf"^\d+:\s*(?:async\s+def|def|class)\s+{name}\b|^\d+:{name}\s*[:=]")
        defined = [m for m in matches if definition.search(m.split(":", 1)[1] if ":" in m else "")]
        used = [m for m in matches if m not in defined]
        if not matches:
            return data.block("symbol", f"{name} appears nowhere in the repository", redactor=self.redactor)
        text = "defined at:\n" + ("\n".join(defined[:MAX_MATCHES]) or "(no definition found)")
        text += "\n\nused at:\n" + "\n".join(used[: max(0, MAX_MATCHES - len(defined))])
        if len(matches) > MAX_MATCHES:
            text += f"\n… and {len(matches) - MAX_MATCHES} more"
        return data.block("symbol", text, redactor=self.redactor, name=name)

    # -- the tests ---------------------------------------------------------------------------

    def _failing(self) -> Mapping[str, CheckRun]:
        assert self.build is not None  # the tool is offered only with a build
        return {t.test_id: c for c in self.build.checks for t in c.tests if t.outcome in ("failed", "error")}

    def _test_output(self, test_id: str) -> str:
        failing = self._failing()
        check = failing.get(test_id)
        if check is None:
            shown = ", ".join(list(failing)[:10]) or "none (no test failed)"
            raise Refused("not-a-failing-test", f"{one_line(test_id, 200)!r} did not fail; the failing tests: {shown}")
        output = _relative(check)
        return data.block("test-output", section(output, test_id), redactor=self.redactor, test=test_id)

    def _run(self, test_id: str, seconds: float) -> str:
        assert self.build is not None and self.run_test is not None
        check = next((c for c in self.build.checks if test_id in c.collected), None)
        if check is None:
            raise Refused("unknown-test", f"pytest did not collect {one_line(test_id, 200)!r} on this commit")
        ran = self.run_test(f"{check.command} {shlex.quote(test_id)}", seconds)
        outcome = "timed out" if ran.timed_out else f"exit code {ran.exit_code}"
        output = _relative(ran)[-MAX_OUTPUT:]
        return data.block("test-run", output, redactor=self.redactor, test=test_id, result=outcome)


@dataclass(frozen=True)
class Tree:
    """The files of one commit (the repository's or a submodule's), its symbolic links and gitlinks."""

    source: Source
    links: frozenset[str]
    gitlinks: Mapping[str, str]  # a submodule's path -> the commit it is at

    @classmethod
    def of(cls, source: Source) -> Tree:
        listing = run_git(source.repo, "ls-tree", "-r", "-z", source.sha, check=True).stdout
        links, gitlinks = set(), {}
        for entry in filter(None, listing.split("\0")):
            meta, _, path = entry.partition("\t")
            mode, _, rest = meta.partition(" ")
            if mode == SYMLINK_MODE:
                links.add(path)
            elif mode == GITLINK_MODE:
                gitlinks[path] = rest.rpartition(" ")[2]
        return cls(source, frozenset(links), gitlinks)

    def is_folder(self, path: str) -> bool:
        return path == "" or path in self.gitlinks or any(p.startswith(path + "/") for p in self.source.paths())


@dataclass(frozen=True)
class Located:
    tree: Tree
    inner: str  # the path within the tree
    outer: str  # the path as the model gave it, normalised


def _open_submodule(tree: Tree, path: str, outer: str) -> Tree | Refused:
    """The tree of the submodule at `path` of `tree`, from `<its git dir>/modules/<name>` (as
    `git submodule update` leaves it, nested ones inside their parent's), or why it is not here."""
    name = _module_names(tree.source).get(path)
    modules = common_dir(tree.source.repo) / "modules"
    folder = modules / name if name and _safe_module_name(name) else None
    here = folder is not None and folder.is_dir() and not folder.is_symlink()
    if folder is None or not here or not folder.resolve().is_relative_to(modules.resolve()):
        return Refused("not-found", f"{outer!r} is a submodule whose files are not here (it was not checked out)")
    sha = tree.gitlinks[path]
    try:
        if run_git(folder, "cat-file", "-e", f"{sha}^{{commit}}").returncode != 0:
            return Refused("not-found", f"{outer!r} is a submodule whose commit {sha[:12]} is not here (not fetched)")
        return Tree.of(Source(folder, sha))
    except SutureError as exc:  # a git directory git will not read: said, like a missing one
        return Refused("not-found", f"{outer!r} is a submodule whose objects cannot be read: {one_line(str(exc), 200)}")


def _module_names(source: Source) -> dict[str, str]:
    """The submodules of `source`'s commit, path to name, from its .gitmodules (none when it has none)."""
    if ".gitmodules" not in source.paths():
        return {}
    pattern = r"^submodule\..*\.path$"
    done = run_git(source.repo, "config", "--blob", f"{source.sha}:.gitmodules", "-z", "--get-regexp", pattern)
    found: dict[str, str] = {}
    for entry in done.stdout.split("\0"):
        key, _, value = entry.partition("\n")
        if key.startswith("submodule.") and key.endswith(".path") and value:
            found.setdefault(value.strip("/"), key[len("submodule.") : -len(".path")])
    return found


def _safe_module_name(name: str) -> bool:
    """git's own rule for a submodule's name, which names a folder of .git/modules: no `..`."""
    parts = name.replace("\\", "/").split("/")
    return bool(name) and len(name) <= 255 and "\0" not in name and not name.startswith("/") and ".." not in parts


def _grep(source: Source, name: str, prefix: str) -> list[str]:
    """`path:line:text` of every line of `source`'s commit using the word `name`, paths after `prefix`."""
    done = run_git(source.repo, "grep", "-n", "-I", "-w", "-e", name, source.sha, "--")
    head = source.sha + ":"
    found = (line.removeprefix(head) for line in done.stdout.splitlines() if line.startswith(head))
    return [(prefix + line)[:MAX_MATCH_CHARS] for line in found]


def section(output: str, test_id: str) -> str:
    """The part of pytest's output about `test_id`: its `____ name ____` section up to the next
    one (or the short summary); the output's end when there is none."""
    name = test_id.split("::", 1)[-1].replace("::", ".")
    lines = output.splitlines()
    header = re.compile(rf"^_{{3,}} {re.escape(name)} _{{3,}}$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        return output[-MAX_OUTPUT:]
    end = next(
        (i for i in range(start + 1, len(lines)) if re.match(r"^(_{3,} .+ _{3,}|={3,} .+ ={3,})$", lines[i])),
        len(lines),
    )
    return "\n".join(lines[start:end])[-MAX_OUTPUT:]


def _relative(check: CheckRun) -> str:
    return check.output.replace(check.root + "/", "") if check.root else check.output


def sandboxed(build: Build, sandbox: Sandbox, timeout: float) -> RunTest:
    """Runs one test command on the build's commit in a fresh worktree, in `sandbox`, for at
    most `timeout` seconds (or the model's seconds left, if fewer)."""

    def run(command: str, seconds: float) -> CheckRun:
        with worktree(Path(build.repo), build.base_sha) as tree:
            return run_check(tree, command, sandbox=sandbox, timeout=min(timeout, max(1.0, seconds)))

    return run
