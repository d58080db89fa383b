"""Test infrastructure the commit under test changed against the trusted base.

    changed(repo, trusted, head) -> tuple[str, ...]    the files of test infrastructure that differ
    put_trusted(tree, trusted, paths)                  those files in `tree` as the trusted base has them

The code under test decides a verdict through more than its tests: a `conftest.py` can hash
the code and pass the test whenever it is patched, a plugin named in `addopts` can rewrite
outcomes, a `sitecustomize.py` or a root `pytest.py` can stand in for the runner. None of it
leaves a witness that disagrees (capture/agreement.py): pytest itself believes the forged
outcome. So where the commit under test changed such a file against the trusted base (the
commit `--base` names, in CI a pull request's target: config.resolve), a candidate that passes
is verified a second time with those files as the base has them, and is accepted only if both
runs pass (verify/trial.py `confirm`); the proposal names the files. Without a trusted base
there is nothing to compare with: the commit's own infrastructure decides, and so does a base's
own (its owner's definition of passing; docs/security.md says what that leaves open).
"""

from __future__ import annotations

import configparser
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

from suture import tomlfile
from suture.run import git
from suture.run.source import Source

# Files that configure pytest or run inside it before any test does, by name at any depth; and
# files that configure pytest in one section among others, at the root: infrastructure when that
# section differs (a pull request that bumps a dependency in pyproject.toml changes no test rule).
NAMES = frozenset({"conftest.py", "pytest.ini", ".pytest.ini"})
SECTIONS = {"pyproject.toml": "tool.pytest.ini_options", "setup.cfg": "tool:pytest", "tox.ini": "pytest"}
# Modules that run at interpreter start or stand in for the runner, at an import root (the
# tree, or src/ which capture/run.py puts on PYTHONPATH too).
SHADOWS = frozenset({"sitecustomize", "usercustomize", "pytest", "_pytest", "pluggy", "py", "iniconfig"})
ROOTS = ("", "src/")
MAX_LISTED = 2000  # changed files looked at: a commit of more is judged on its first ones


def changed(repo: Path, trusted: str, head: str) -> tuple[str, ...]:
    """The files of test infrastructure that differ between `trusted` and `head` (none when no trusted
    base is named, or it is `head` itself): added, changed or deleted, as repository paths."""
    if not trusted or trusted == head:
        return ()
    listing = git.git(repo, "diff", "--name-only", "-z", "--no-renames", trusted, head, "--")
    paths = [path for path in listing.split("\0") if path][:MAX_LISTED]
    base, ours = Source(repo, trusted), Source(repo, head)
    plugins = _plugins(base) | _plugins(ours)
    sections = [name for name in SECTIONS if name in paths and _section(base, name) != _section(ours, name)]
    return tuple(path for path in paths if path in sections or is_infrastructure(path, plugins))


def is_infrastructure(path: str, plugins: frozenset[str] = frozenset()) -> bool:
    """Whether `path` configures pytest or runs in its process before the tests: a conftest.py, a
    pytest configuration file, a module shadowing the runner or run at start, a plugin `-p` names."""
    if PurePosixPath(path).name in NAMES:
        return True
    modules = SHADOWS | plugins
    for root in ROOTS:
        if path.startswith(root):
            inside = path[len(root) :]
            module = inside.removesuffix(".py").replace("/", ".") if inside.endswith(".py") else ""
            if module in modules or any(inside.startswith(m.replace(".", "/") + "/") for m in modules):
                return True
    return False


def _section(source: Source, name: str) -> Any:
    """The pytest section of the configuration file `name` at `source`'s commit (None: none, or unreadable)."""
    text = source.read(name)
    if text is None:
        return None
    if name == "pyproject.toml":
        try:
            found: Any = tomlfile.loads(text)
        except tomllib.TOMLDecodeError:
            return None
        for key in SECTIONS[name].split("."):
            found = found.get(key) if isinstance(found, dict) else None
        return found
    return _ini(text, SECTIONS.get(name, "pytest"))


def _plugins(source: Source) -> frozenset[str]:
    """The top-level modules `-p NAME` loads in the pytest configuration of `source`'s commit."""
    words: list[str] = []
    for name in (*SECTIONS, "pytest.ini", ".pytest.ini"):
        section = _section(source, name)
        addopts = section.get("addopts", "") if isinstance(section, dict) else ""
        words += addopts.split() if isinstance(addopts, str) else [str(word) for word in addopts]
    names = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "-p"]
    names += [word[2:] for word in words if word.startswith("-p") and len(word) > 2]
    return frozenset(name for name in names if name and not name.startswith("no:"))


def _ini(text: str, section: str) -> dict[str, str] | None:
    """The section `section` of an ini file's text (None: none, or not an ini file)."""
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(text)
    except (configparser.Error, RecursionError):
        return None
    return dict(parser[section]) if parser.has_section(section) else None


def put_trusted(tree: Path, trusted: str, paths: tuple[str, ...]) -> None:
    """`paths` in the worktree `tree` as the commit `trusted` has them: restored, or removed where
    the base has no such file."""
    present = set(git.git(tree, "ls-tree", "-r", "-z", "--name-only", trusted, "--", *paths).split("\0")) - {""}
    if present:
        git.git(tree, "checkout", trusted, "--", *sorted(present))
    for path in paths:
        if path not in present:
            (tree / path).unlink(missing_ok=True)
