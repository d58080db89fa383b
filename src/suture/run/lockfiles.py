"""Move a lockfile forward for one distribution, to the release that fixed what broke.

    uv_forward(source, distribution, version, installer) -> Moved | None     uv.lock, with uv itself
    rehashed(text, distribution, version, hashes) -> str                     pip-tools' `--hash` lines

uv.lock is moved by the project's own tool, `uv lock --upgrade-package NAME==VERSION`, and
nothing of the project runs while it does:
- on the host, in a new directory of suture's cache holding only the commit's pyproject.toml
  and uv.lock (no other file of the checkout, no uv.toml), with uv's configuration off;
- `--no-build`: no build backend runs, neither the project's (its metadata must be static; a
  `dynamic` one is reported, not built) nor a dependency's;
- from the *user's* index (run/userindex.py), credentials in the installer's environment only;
  a pyproject whose `[tool.uv]` names its own index or sources is reported, not moved (the
  commit must not steer where the user's credentials go), and so is a lock whose packages come
  from another registry than the user's (the lock would be rewritten whole);
- the new lock is refused if it holds the index's credentials.

pip-tools' requirements.txt with hashes is rewritten for the one distribution with the hashes the
index lists for the new release's files (what `pip-compile --generate-hashes` writes); the tool
itself is not installed here, and it would build the project's metadata to run.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suture import tomlfile
from suture.run import environments, index
from suture.run.source import Source
from suture.run.venv import normal

UV_LOCK = "uv.lock"
# [tool.uv] keys that say where packages come from: the commit's word, not the user's.
STEERING = ("index", "index-url", "extra-index-url", "find-links", "sources", "workspace", "no-index")
# A package from git, a URL or a path: moving the lock would fetch it (the project's own "." aside).
_ELSEWHERE = re.compile(r'source = \{ (?P<kind>git|url|path|directory) = "(?!\.")')
_REGISTRY = re.compile(r'source = \{ registry = "(?P<url>[^"]+)" \}')


@dataclass(frozen=True)
class Moved:
    path: str
    old: str
    new: str = ""  # '' when the lock was not moved
    changed: tuple[str, ...] = ()  # "fakedist 2.0 -> 2.1", each package whose version changed
    problem: str = ""  # why not, when it was not


def uv_forward(source: Source, distribution: str, version: str, installer: environments.Installer) -> Moved | None:
    """The commit's uv.lock with `distribution` at `version`, moved by uv; None when there is none."""
    lock, pyproject = source.read(UV_LOCK), source.read("pyproject.toml")
    if lock is None or pyproject is None:
        return None
    problem = _refused(lock, pyproject, installer)
    if problem:
        return Moved(UV_LOCK, lock, problem=problem)
    installer.cache.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="lock.", dir=installer.cache))  # new, ours alone
    try:
        (scratch / "pyproject.toml").write_text(pyproject, encoding="utf-8")
        (scratch / UV_LOCK).write_text(lock, encoding="utf-8")
        argv = [installer.uv, "lock", "--quiet", "--no-build", "--python", installer.python]
        argv += ["--upgrade-package", f"{distribution}=={version}"]
        done = environments.run_installer(argv, installer, cwd=scratch)
        if isinstance(done, str):
            return Moved(UV_LOCK, lock, problem=f"uv could not move {UV_LOCK} without building anything: {done}")
        new = (scratch / UV_LOCK).read_text(encoding="utf-8")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if index.public(installer.index_url) != installer.index_url and _secret(installer.index_url) in new:
        return Moved(UV_LOCK, lock, problem=f"the moved {UV_LOCK} holds the index's credentials: not proposed")
    return Moved(UV_LOCK, lock, new, changed=_changed(lock, new))


# Lockfiles whose tools may build a dependency's sdist to read its metadata (its code, on this host, with
# the network): not moved here; the result says how to move them.
UNMOVED = {"poetry.lock": "poetry update {name} --lock", "pdm.lock": "pdm update --update-reuse {name}"}


def unmoved(source: Source, distribution: str, version: str) -> list[tuple[str, str]]:
    """(path, why) for each poetry.lock or pdm.lock of the commit that pins `distribution` at `version`."""
    found = []
    for path, command in UNMOVED.items():
        text = source.read(path)
        if text is not None and locked(text).get(normal(distribution)) == version:
            how = command.format(name=distribution)
            found.append(
                (
                    path,
                    f"{path} pins {distribution} {version}: suture does not move it, because its tool may build a "
                    f"dependency's sdist to read its metadata (that code would run on this host); run `{how}`",
                )
            )
    return found


def _refused(lock: str, pyproject: str, installer: environments.Installer) -> str:
    """Why uv.lock is not moved here ('' when it may be)."""
    if not installer.uv:
        return f"uv is not installed: {UV_LOCK} is moved with uv only"
    try:
        data = tomlfile.loads(pyproject)
    except ValueError as exc:
        return f"pyproject.toml does not parse: {exc}"
    tool = data.get("tool", {})
    uv = tool.get("uv", {}) if isinstance(tool, dict) else {}
    named = sorted(key for key in STEERING if isinstance(uv, dict) and key in uv)
    if named:
        return (
            f"pyproject.toml's [tool.uv] names {', '.join(named)}: suture installs from your index only, "
            f"so it does not move {UV_LOCK} (run `uv lock --upgrade-package` yourself)"
        )
    project = data.get("project", {})
    if isinstance(project, dict) and "dependencies" in (project.get("dynamic") or []):
        return f"the project's dependencies are dynamic: {UV_LOCK} would need its build backend to run"
    direct = next((spec for spec in _requirements(data) if "@" in spec or "://" in spec), "")
    if direct:  # uv would fetch it (git with the user's credential helpers, any host) on the host
        return f"the project requires a direct reference ({direct.split('@')[0].strip()} @ ...): {UV_LOCK} is not moved"
    elsewhere = _ELSEWHERE.search(lock)
    if elsewhere:
        return f"{UV_LOCK} has packages from a {elsewhere['kind']} source, not an index: it is not moved"
    mine = index.public(installer.index_url).rstrip("/")
    theirs = sorted({match["url"].rstrip("/") for match in _REGISTRY.finditer(lock)} - {mine})
    if theirs:
        return f"{UV_LOCK}'s packages come from {theirs[0]}, not your index {mine}: moving it would rewrite it whole"
    return ""


def _requirements(data: dict[str, Any]) -> list[str]:
    """Every requirement string of pyproject's [project] dependencies, extras and dependency groups."""
    found = data.get("project")
    project: dict[str, Any] = found if isinstance(found, dict) else {}
    lists: list[Any] = [project.get("dependencies", [])]
    for table in (project.get("optional-dependencies"), data.get("dependency-groups")):
        lists += list(table.values()) if isinstance(table, dict) else []
    return [spec for group in lists if isinstance(group, list) for spec in group if isinstance(spec, str)]


def _secret(url: str) -> str:
    """The user-information part of an index URL: what must appear in no file suture writes."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0]
    return netloc.rpartition("@")[0] or "\0"


def _versions(lock: str) -> dict[str, str]:
    try:
        packages: Any = tomlfile.loads(lock).get("package", [])
    except ValueError:
        return {}
    if not isinstance(packages, list):
        return {}
    return {
        normal(str(p["name"])): str(p["version"])
        for p in packages
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("version"), str)
    }


def _changed(old: str, new: str) -> tuple[str, ...]:
    before, after = _versions(old), _versions(new)
    return tuple(
        f"{name} {before.get(name, '(absent)')} -> {after.get(name, '(removed)')}"
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    )


def locked(text: str) -> dict[str, str]:
    """A uv.lock's packages: normalised name -> version."""
    return _versions(text)


_HASHED = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?P<extras>\[[^\]]*\])?==(?P<version>[\w.!+]+)\s*\\\s*$")
CONTINUED = " \\"
_HASH = re.compile(r"^\s+--hash=\w+:[0-9a-f]+\s*\\?\s*$")


def has_hashes(text: str, distribution: str) -> bool:
    """Whether `text` (a requirements file) pins `distribution` with `--hash` lines after it."""
    lines = text.splitlines()
    return any(
        (match := _HASHED.match(line)) is not None
        and normal(match["name"]) == normal(distribution)
        and i + 1 < len(lines)
        and _HASH.match(lines[i + 1]) is not None
        for i, line in enumerate(lines)
    )


def rehashed(text: str, distribution: str, version: str, hashes: tuple[str, ...]) -> str:
    """`text` with `distribution`'s pin at `version` and its `--hash` lines the new release's
    (sorted, one a line, as pip-compile writes them); the rest of the file as it was."""
    out: list[str] = []
    lines = text.splitlines(keepends=True)
    i = 0
    while i < len(lines):
        match = _HASHED.match(lines[i].rstrip("\n"))
        if match is None or normal(match["name"]) != normal(distribution) or not hashes:
            out.append(lines[i])
            i += 1
            continue
        i += 1
        indent = "    "
        while i < len(lines) and _HASH.match(lines[i].rstrip("\n")):
            indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
            i += 1
        out.append(f"{match['name']}{match['extras'] or ''}=={version} \\\n")
        ordered = sorted(hashes)
        out += [f"{indent}--hash={h}{CONTINUED if n < len(ordered) - 1 else ''}\n" for n, h in enumerate(ordered)]
    return "".join(out)
