"""A release upstream broke the checks (`Failure.upstream`, diagnose/upstream.py): migrate the code,
move the lock forward, or pin, in that order of preference.

    fakedist 2.0 removed `api`, names `new_api`   ->  the project's uses of `fakedist.api` renamed (rank 0)
    requirements.txt pins fakedist==2.0, 2.1 out  ->  fakedist==2.1 (rank 1)
    anything else                                 ->  fakedist<2 where the project declares it (rank 2): a
                                                      stop-gap the rationale says is one

A pin on a distribution the project does not declare (a transitive one) goes in its
constraints.txt, else its requirements.txt, else pyproject's [project] dependencies, and the
rationale says why. A candidate that changes a requirement verifies only in an environment
prepared with it (run/environments.py): the loop makes one for it.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Callable, Iterator

from packaging.version import InvalidVersion, Version

from suture import knownmoves
from suture.fixers import _common, dependencies, lint, moves
from suture.records import Candidate, Failure, Upstream
from suture.run.sandbox import Bubblewrap, Sandbox
from suture.run.source import Source
from suture.run.venv import normal
from suture.verify.policy import is_test_path

# One requirement line: name, extras, specifier, then markers or a comment.
_LINE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?\s*(?P<spec>[^;#\s][^;#]*?)?(?P<gap>\s*)(?P<rest>[;#].*)?$"
)
_REQUIREMENTS = re.compile(r"(?:requirements[\w.-]*|constraints[\w.-]*)\.txt|requirements/[\w./-]+\.txt")
_Change = Callable[[str], str | None]  # a requirement's specifier -> the new one (None: leave the line)
ORIGINS = ("upstream-migrate", "upstream-lock", "upstream-pin")  # what a candidate does: the proposal's label


class UpstreamFixer:
    name = "upstream"

    def __init__(self, sandbox: Sandbox | None = None) -> None:
        self.sandbox = sandbox  # where ruff runs for NumPy 2's NPY201 (bubblewrap when None)

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        found = failure.upstream
        if found is None:
            return []
        return _common.unique(
            [
                _migration(failure, found, source),
                _known(failure, found, source),
                _npy201(failure, found, source, self.sandbox),
                *_forward(failure, found, source),
                _pin(failure, found, source),
            ]
        )


def bound(version: str, good: str = "") -> str:
    """The upper bound that excludes `version` and what followed it: 2.0 -> <2, 3.0.0 -> <3, 2.1.3 -> <2.1.3.
    With the last good version known, the shortest one above it, so that the releases between the two
    are excluded too: 3.4.1 with 3.3.7 good -> <3.4 (Markdown 3.4 broke as 3.4.1 did)."""
    try:
        parsed = Version(version)
        worked = Version(good) if good else None
    except InvalidVersion:
        return f"!={version}"
    epoch = f"{parsed.epoch}!" if parsed.epoch else ""
    if worked is not None and worked < parsed and not parsed.is_prerelease:
        for length in range(1, len(parsed.release) + 1):
            prefix = ".".join(map(str, parsed.release[:length]))
            if Version(f"{epoch}{prefix}") > worked:
                return f"<{epoch}{prefix}"
    if all(part == 0 for part in parsed.release[1:]) and not parsed.is_prerelease:
        return f"<{epoch}{parsed.release[0]}"
    return f"<{version}"


def title(candidate: Candidate, found: Upstream) -> str:
    """The proposal's title for an upstream fix: 'suture: pin fakedist<2 (2.0 removed api)'."""
    what = f"{found.installed} removed {found.name}" if found.name else f"{found.installed} broke the checks"
    if candidate.origin == "upstream-migrate":
        instead = found.replacement.removeprefix("builtins.")
        return f"suture: migrate to {instead} for {found.distribution} {found.installed}"
    if candidate.origin == "upstream-lock":
        return f"suture: move {found.distribution} to {found.newer} ({what})"
    return f"suture: pin {found.distribution}{bound(found.installed, found.good)} ({what})"


# --- migrate --------------------------------------------------------------------------------


def _migration(failure: Failure, found: Upstream, source: Source) -> Candidate | None:
    """The project's uses of the removed name renamed to what the release names instead."""
    edit = _named_edit(failure, found, source)
    if edit is None:
        return None
    if found.replacement.startswith("builtins."):
        how = f"`{found.name}` was an alias of the builtin `{found.replacement[9:]}`, used by itself now"
    else:
        how = f"the code moves to `{found.replacement}`"
    said = "the interpreter's closest name" if found.guessed else "as the release's message says"
    # A closest name is a guess (numpy's `float` -> `cfloat`): tried after the pin, not before.
    return _rewritten(
        failure, source, edit, rationale=f"{found.sentence}: {how}, {said}", rank=3 if found.guessed else 0
    )


def _named_edit(failure: Failure, found: Upstream, source: Source) -> moves.Edit | None:
    """The edit moving the gone `found.name` to `found.replacement` (another module's, a builtin, the same module's)."""
    if not found.name or not found.replacement:
        return None
    module, _, new = found.replacement.rpartition(".")
    if module == "builtins":  # `np.float` -> `float`: the module's alias goes with the name
        return _to_builtin(found, new)
    own = {found.module, found.module.partition(".")[0], *_aliases(source, found.module.partition(".")[0])}
    if module and module not in own:  # numpy 2's "Use `np.nan` instead" names its usual alias: its own
        return _to_module(found, module, new)  # werkzeug.urls.url_quote -> urllib.parse.quote
    if not new.isidentifier() or not found.name.isidentifier():
        return None
    return _renamed(failure, found, new)


def _renamed(failure: Failure, found: Upstream, new: str) -> moves.Edit:
    """A name renamed in its own module: where a file imports it from the module (`from jinja2 import
    contextfunction`), where it is reached through the module (`np.NaN`), and where the failure points
    at it as a method of an object (pydantic's `.dict()`) or a keyword of a call (`missing=`): only
    those lines, a method's or a keyword's name being anybody's (`.json()` is a response's as much as
    a model's)."""
    gone, root = found.name, found.module.partition(".")[0]
    importing = re.compile(rf"^[ \t]*from {re.escape(root)}[\w.]* import [^\n]*\b{gone}\b", re.MULTILINE)

    def edit(path: str, text: str) -> str:
        if importing.search(text):
            text = _common.rename(text, gone, new, attribute=False)
        parent, _, last = found.module.rpartition(".")  # `from PIL import Image` reaches PIL.Image as Image
        submodule = moves.imported_names(text, parent, last) if parent else []
        for alias in {*moves.aliases(text, root), *moves.aliases(text, found.module), *submodule}:
            text = re.sub(rf"(?<![\w.]){re.escape(alias)}\.{gone}(?!\w)", f"{alias}.{new}", text)
        located = _located(failure, path)
        if not located:
            return text
        text = _common.rename(text, gone, new, attribute=True, only=located)
        return "".join(  # a keyword the call no longer takes (marshmallow 4's `missing=`): on those lines too
            re.sub(rf"(?<=[(,])(\s*){gone}(\s*=)(?!=)", rf"\g<1>{new}\g<2>", line) if row in located else line
            for row, line in enumerate(_common.lines(text), 1)
        )

    return edit


def _located(failure: Failure, path: str) -> set[int]:
    """The lines of `path` the failure's frames point at."""
    return {frame.line for frame in failure.frames if frame.path == path}


def _known(failure: Failure, found: Upstream, source: Source) -> Candidate | None:
    """The table's well-known moves for the release (fixers/moves.py), all at once."""
    edits: list[moves.Edit] = []
    for row in knownmoves.applicable(found.distribution, found.installed):
        if row.shape:
            edits.append(_shape_edit(failure, row))
            continue
        named = dataclasses.replace(found, module=row.module, name=row.old, replacement=row.new, guessed=False)
        edit = _named_edit(failure, named, source)
        if edit is not None:
            edits.append(edit)
    if not edits:
        return None

    def every(path: str, text: str) -> str:
        for one in edits:
            text = one(path, text)
        return text

    rationale = f"{found.sentence}: the code moves as {found.distribution} {found.installed}'s release notes say"
    return _rewritten(failure, source, every, rationale=rationale)


def _shape_edit(failure: Failure, row: knownmoves.Move) -> moves.Edit:
    return lambda path, text: moves.rewrite(row, path, text, _located(failure, path))


def _npy201(failure: Failure, found: Upstream, source: Source, sandbox: Sandbox | None) -> Candidate | None:
    """NumPy 2's removals fixed by ruff's NPY201 rule, with the project's own ruff configuration, in
    the sandbox (fixers/lint.py runs it: a worktree of the base, test files left out)."""
    if normal(found.distribution) != "numpy" or not _at_least(found.installed, "2"):
        return None
    files = [path for path in source.paths() if path.endswith(".py") and not is_test_path(path)]
    if not files:
        return None
    command = ["ruff", "check", "--fix", "--select=NPY201", "--exit-zero", "--", *files]
    diff, _notes = lint._diff_after([command], source, sandbox or Bubblewrap())
    if not diff:
        return None
    rationale = f"{found.sentence}: `ruff check --fix --select=NPY201` (NumPy 2's removals), with the project's config"
    return Candidate(origin="upstream-migrate", diff=diff, rationale=rationale, fingerprint=failure.fingerprint, rank=0)


def _at_least(version: str, least: str) -> bool:
    try:
        return Version(version) >= Version(least)
    except InvalidVersion:
        return False


def _aliases(source: Source, module: str) -> set[str]:
    """The names the project imports `module` as (`import numpy as np` -> np)."""
    pattern = re.compile(rf"^\s*import {re.escape(module)} as (\w+)\s*$", re.MULTILINE)
    found: set[str] = set()
    for path in (p for p in source.paths() if p.endswith(".py")):
        found.update(pattern.findall(source.read(path) or ""))
    return found


def _rewritten(
    failure: Failure, source: Source, edit: moves.Edit, *, rationale: str, rank: int = 0
) -> Candidate | None:
    """The migration: `edit` applied to every Python file of the project but its tests (read-only)."""
    edits = {}
    for path in (p for p in source.paths() if p.endswith(".py") and not is_test_path(p)):
        text = source.read(path) or ""
        new = edit(path, text)
        if new != text:
            edits[path] = (text, new)
    return _common.candidate_over(failure, origin="upstream-migrate", edits=edits, rationale=rationale, rank=rank)


def _to_module(found: Upstream, module: str, new: str) -> moves.Edit | None:
    """The gone name imported from the module the release names instead: `from flask import escape`
    -> `from markupsafe import escape` (`... import quote as url_quote` when the names differ, so
    the uses stay), `flask.escape(` -> `markupsafe.escape(` with `import markupsafe` beside `import flask`."""
    if not all(part.isidentifier() for part in (*module.split("."), new, found.name)):
        return None
    gone, old = found.name, re.escape(found.module)
    use = re.compile(rf"(?<![\w.]){old}\.{gone}(?!\w)")

    parent, _, last = module.rpartition(".")
    # Through an alias (`import pandas as pd`, `import matplotlib.cm as cm`): the new module as
    # `from parent import last` (a submodule or an attribute alike: matplotlib.colormaps), else `import module`.
    reference, statement = (last, f"from {parent} import {last}") if parent else (module, f"import {module}")

    def edit(path: str, text: str) -> str:
        edited = "".join(_moved_import(line, found.module, gone, module, new) for line in _common.lines(text))
        if use.search(edited):
            edited = use.sub(f"{module}.{new}", edited)
            edited = re.sub(rf"^([ \t]*)import {old}[ \t]*$", rf"\g<0>\n\1import {module}", edited, count=1, flags=re.M)
        for alias in {*moves.aliases(edited, found.module)} - {found.module}:
            aliased = re.compile(rf"(?<![\w.]){re.escape(alias)}\.{gone}(?!\w)")
            if aliased.search(edited):
                edited = aliased.sub(f"{reference}.{new}", edited)
                at = rf"^([ \t]*)import {old} as {re.escape(alias)}[ \t]*$"
                if not re.search(rf"^[ \t]*{re.escape(statement)}[ \t]*$", edited, re.M):
                    edited = re.sub(at, rf"\g<0>\n\1{statement}", edited, count=1, flags=re.M)
        return edited

    return edit


def _moved_import(line: str, old: str, gone: str, module: str, new: str) -> str:
    """`from old import a, gone, b` -> that line without `gone`, and `from module import new as gone`
    after it (as the alias it had, if any; plainly when the names agree)."""
    pattern = rf"^(?P<indent>\s*)from {re.escape(old)} import (?P<names>[\w ,]+?)\s*(?:#.*)?$"
    match = re.match(pattern, line.rstrip("\n"))
    if match is None:
        return line
    names = [" ".join(name.split()) for name in match["names"].split(",") if name.strip()]
    ours = [name for name in names if name.split(" as ")[0] == gone]
    if not ours:
        return line
    alias = ours[0].partition(" as ")[2] or gone
    imported = new if alias == new else f"{new} as {alias}"
    kept = [name for name in names if name not in ours]
    indent = match["indent"]
    rest = f"{indent}from {old} import {', '.join(kept)}\n" if kept else ""
    return f"{rest}{indent}from {module} import {imported}\n"


def _to_builtin(found: Upstream, builtin: str) -> moves.Edit | None:
    """`alias.name` -> `builtin` in every project file that imports the module (as `np`, say)."""
    if not builtin.isidentifier() or not found.name.isidentifier():
        return None
    module = re.escape(found.module)

    def edit(path: str, text: str) -> str:
        aliases = re.findall(rf"^\s*import {module}(?: as (\w+))?\s*$", text, re.MULTILINE)
        for name in (alias or found.module for alias in aliases):
            text = re.sub(rf"(?<![\w.]){re.escape(name)}\.{found.name}(?!\w)", builtin, text)
        return text

    return edit


# --- move the lock forward --------------------------------------------------------------------


def _forward(failure: Failure, found: Upstream, source: Source) -> Iterator[Candidate | None]:
    """A requirements file that pins the broken release exactly, moved to the newest release."""
    if not found.newer:
        return
    for path in _requirement_files(source):
        text = source.read(path) or ""
        new = _edit_lines(text, found.distribution, lambda spec: f"=={found.newer}" if spec.startswith("==") else None)
        yield _common.candidate(
            failure,
            origin="upstream-lock",
            path=path,
            old=text,
            new=new,
            rationale=f"{found.sentence}; {path} moves to {found.distribution} {found.newer}, the newest release",
            rank=1,
        )


# --- pin --------------------------------------------------------------------------------------


def _pin(failure: Failure, found: Upstream, source: Source) -> Candidate | None:
    upper = bound(found.installed, found.good)
    edits = {path: (text, new) for path, text, new in _declared_pins(source, found.distribution, upper)}
    how = "where the project declares it"
    if not edits:
        placed = _constraint(source, f"{found.distribution}{upper}")
        if placed is None:
            return None
        edits = {placed[0]: placed[1:]}
        how = f"as a constraint in {placed[0]}: the project does not declare it (a dependency of a dependency)"
    return _common.candidate_over(
        failure,
        origin="upstream-pin",
        edits=edits,
        rationale=f"{found.sentence}. A stop-gap: {found.distribution}{upper} {how}; "
        + (f"migrating the code to {found.distribution} {found.installed} is the lasting fix" if found.name else ""),
        rank=2,
    )


def _declared_pins(source: Source, name: str, upper: str) -> Iterator[tuple[str, str, str]]:
    """(path, old, new) for each file that declares `name`, with the bound added."""

    def bounded(spec: str) -> str:
        if spec.startswith(("==", "===", "~=")) or not spec:
            return upper
        return f"{spec},{upper}"

    for path in _requirement_files(source):
        text = source.read(path) or ""
        new = _edit_lines(text, name, bounded)
        if new != text:
            yield path, text, new
    pyproject = source.read("pyproject.toml")
    if pyproject is not None:
        new = _edit_pyproject(pyproject, name, bounded)
        if new != pyproject:
            yield "pyproject.toml", pyproject, new


def _requirement_files(source: Source) -> list[str]:
    return sorted(path for path in source.paths() if _REQUIREMENTS.fullmatch(path))


def _edit_lines(text: str, name: str, change: _Change) -> str:
    """`text` (a requirements file) with each line naming `name` given the specifier `change` says."""
    out = []
    for line in _common.lines(text):
        body = line.rstrip("\n")
        edited = _edit_requirement(body.strip(), name, change)
        out.append(line if edited is None else body[: len(body) - len(body.lstrip())] + edited + line[len(body) :])
    return "".join(out)


def _edit_requirement(requirement: str, name: str, change: _Change) -> str | None:
    match = _LINE.match(requirement)
    if match is None or normal(match["name"]) != normal(name):
        return None
    spec = change((match["spec"] or "").replace(" ", ""))
    if spec is None:
        return None
    rest = f"{match['gap'] or ' '}{match['rest']}" if match["rest"] else ""
    return f"{match['name']}{match['extras'] or ''}{spec}{rest}"


def _edit_pyproject(text: str, name: str, change: _Change) -> str:
    """pyproject.toml with `name`'s requirement strings in [project] dependencies and extras changed."""
    lines = _common.lines(text)
    tables = dependencies._tables(lines)
    for table in ("project", "project.optional-dependencies"):
        start, end = tables.get(table, (0, 0))
        for row in range(start + 1, end):
            lines[row] = re.sub(
                r"(?P<q>[\"'])(?P<req>[^\"'\n]+)(?P=q)",
                lambda m: f"{m['q']}{_edit_requirement(m['req'].strip(), name, change) or m['req']}{m['q']}",
                lines[row],
            )
    new = "".join(lines)
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        return text
    return new


def _constraint(source: Source, line: str) -> tuple[str, str, str] | None:
    """(path, old, new): `line` added to constraints.txt, else requirements.txt, else [project] dependencies."""
    for path in ("constraints.txt", "requirements.txt"):
        text = source.read(path)
        if text is not None:
            return path, text, text + ("" if not text or text.endswith("\n") else "\n") + line + "\n"
    text = source.read("pyproject.toml")
    tables = dependencies._tables(_common.lines(text or ""))
    if text is None or "project" not in tables:
        return None
    start, end = tables["project"]
    new = dependencies._add_to_table(_common.lines(text), start, end, "dependencies", line)
    return ("pyproject.toml", text, new) if new is not None else None
