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

import ast
import configparser
import tomllib
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from suture import tomlfile
from suture.run import git
from suture.run.source import Source
from suture.verify import policy

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
MAX_FOLLOWED = 400  # modules read while following what the conftest files load
TEST_MODULES = ("test_*.py", "*_test.py")  # collected by pytest: tests, not infrastructure


def changed(repo: Path, trusted: str, head: str) -> tuple[str, ...]:
    """The files of test infrastructure that differ between `trusted` and `head` (none when no trusted
    base is named, or it is `head` itself): added, changed or deleted, as repository paths."""
    if not trusted or trusted == head:
        return ()
    listing = git.git(repo, "diff", "--name-only", "-z", "--no-renames", trusted, head, "--")
    paths = [path for path in listing.split("\0") if path][:MAX_LISTED]
    base, ours = Source(repo, trusted), Source(repo, head)
    plugins = _plugins(base) | _plugins(ours)
    loaded = _loaded(base) | _loaded(ours)
    sections = [name for name in SECTIONS if name in paths and _section(base, name) != _section(ours, name)]
    return tuple(path for path in paths if path in sections or path in loaded or is_infrastructure(path, plugins))


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


def _loaded(source: Source) -> frozenset[str]:
    """The repository files the conftest.py files of `source`'s commit load, followed from module to
    module: every module `pytest_plugins` names, and the helper modules they import from the test
    folders (tests/, test/, testing/; not the test modules pytest collects). A helper runs in pytest's
    process before any test, like the conftest that imports it; the code under test, which a
    conftest imports too, is not followed: it is what a candidate changes."""
    files = set(source.paths())
    queue = [path for path in sorted(files) if PurePosixPath(path).name == "conftest.py"][:MAX_FOLLOWED]
    loaded: set[str] = set()
    while queue and len(loaded) < MAX_FOLLOWED:
        path = queue.pop()
        if path in loaded:
            continue
        loaded.add(path)
        for module, named in _imports(path, source.read(path)):
            for found in _module_files(path, module, files):
                if named or (_is_helper(found) and found not in loaded):
                    queue.append(found)
    return frozenset(loaded)


def _imports(path: str, text: str | None) -> Iterator[tuple[str, bool]]:
    """The modules the file at `path` imports, absolute (a relative import resolved against the
    file's package), each with whether `pytest_plugins` names it."""
    try:
        tree = ast.parse(text or "", filename=path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return
    package = str(PurePosixPath(path).parent).replace("/", ".").strip(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, False) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package if node.level else ""
            module = ".".join(part for part in (base, node.module or "") if part)
            yield module, False
            yield from ((f"{module}.{alias.name}".strip("."), False) for alias in node.names)
        elif isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "pytest_plugins" for target in node.targets
        ):
            value = node.value
            items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
            names = [item.value for item in items if isinstance(item, ast.Constant)]
            yield from ((name, True) for name in names if isinstance(name, str))


def _module_files(importer: str, module: str, files: set[str]) -> Iterator[str]:
    """The repository files that `module` may be, imported from the file `importer`: found from an
    import root (the tree, src/) or from a folder above the importer (pytest puts a conftest's
    folder on sys.path)."""
    relative = module.replace(".", "/")
    folders = [str(parent) for parent in PurePosixPath(importer).parents if str(parent) != "."]
    for root in (*ROOTS, *(folder + "/" for folder in folders)):
        for candidate in (f"{root}{relative}.py", f"{root}{relative}/__init__.py"):
            if candidate in files:
                yield candidate


def _is_helper(path: str) -> bool:
    """A module of the test folders that pytest does not collect: a fixture or helper module."""
    parts = PurePosixPath(path).parts
    in_tests = any(part + "/" in policy.PROTECTED_DIRS for part in parts[:-1])
    return in_tests and not any(fnmatch(parts[-1], pattern) for pattern in TEST_MODULES)


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
