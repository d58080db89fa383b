"""ModuleNotFoundError for a third-party module: declare the distribution that provides it.

    No module named 'yaml'   ->   "PyYAML" in pyproject's [project] dependencies
                                  (or [tool.poetry.dependencies], or requirements.txt)

The distribution's name comes from a table of the well-known mismatches (`yaml` is
PyYAML, `PIL` is Pillow), else from the distributions installed beside suture
(importlib.metadata.packages_distributions), else it is guessed from the module's name.
A test's import goes to the test extra or requirements file when the project has one.

Declaring a dependency installs nothing: the candidate verifies only where the checks
install the project (`pip install -e .`, tox, nox), so it ranks behind every fix of code.
"""

from __future__ import annotations

import functools
import importlib.metadata
import posixpath
import re
import shlex
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from suture import tomlfile
from suture.fixers import _common, _project
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

_NO_MODULE = re.compile(r"No module named '(?P<module>[\w.]+)'")
# Import names whose distribution is called something else, for the ones everybody meets.
_WELL_KNOWN = {
    "yaml": "PyYAML",
    "PIL": "Pillow",
    "cv2": "opencv-python",
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "jwt": "PyJWT",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "slugify": "python-slugify",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "magic": "python-magic",
    "Crypto": "pycryptodome",
    "OpenSSL": "pyOpenSSL",
    "nacl": "PyNaCl",
    "serial": "pyserial",
    "usb": "pyusb",
    "zmq": "pyzmq",
    "git": "GitPython",
    "attr": "attrs",
    "MySQLdb": "mysqlclient",
    "fitz": "PyMuPDF",
    "socks": "PySocks",
    "Levenshtein": "python-Levenshtein",
    "google.protobuf": "protobuf",
    "googleapiclient": "google-api-python-client",
    "win32api": "pywin32",
    "markdown": "Markdown",
    "jinja2": "Jinja2",
    "flask": "Flask",
    "mpl_toolkits": "matplotlib",
    "pkg_resources": "setuptools",
}
# Extras and requirements files a test's dependency goes to, when the project has one.
_TEST_GROUPS = ("test", "tests", "testing", "dev")
# Requirements files: beside pyproject.toml, or in a folder of them (requirements/base.txt).
_REQUIREMENTS = re.compile(r"requirements[\w.-]*\.txt|requirements/[\w./-]+\.txt")
# Where a project's own dependencies go when no check says which file it installs from.
_MAIN = ("requirements.txt", "requirements/base.txt", "requirements/common.txt", "requirements/main.txt")
_HEADER = re.compile(r"^\s*\[(?P<name>[^\[\]]+)\]\s*(#.*)?$")
_UNVERIFIABLE = "it verifies only where the checks install the project's dependencies"


def distribution(module: str) -> str | None:
    """The distribution that installs the import name `module`, when known."""
    for name in (module, module.partition(".")[0]):
        if name in _WELL_KNOWN:
            return _WELL_KNOWN[name]
    found = _installed().get(module.partition(".")[0], [])
    return found[0] if len(set(found)) == 1 else None


@functools.cache
def _installed() -> dict[str, list[str]]:
    # What is installed beside suture: a module name's distribution, as far as this machine knows.
    return dict(importlib.metadata.packages_distributions())


@dataclass(frozen=True)
class _Declaration:
    path: str
    new: str  # the file with the dependency added
    where: str  # for the rationale: "[project] dependencies"


class DependenciesFixer:
    name = "dependencies"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        found = _NO_MODULE.fullmatch(failure.message.strip()) if failure.error_type == "ModuleNotFoundError" else None
        if found is None:
            return []
        module = found["module"]
        root = module.partition(".")[0]
        if root in sys.stdlib_module_names or root in _project.roots(source):
            return []
        known = distribution(module)
        name = known or root.replace("_", "-")
        for_tests = failure.location is not None and is_test_path(failure.location.path)
        declarations = _declarations(source, name, for_tests=for_tests, check=failure.check)
        return _common.unique(
            self._candidate(failure, source, declaration, module, name, guessed=known is None, rank=1 + index)
            for index, declaration in enumerate(declarations)
        )

    def _candidate(
        self,
        failure: Failure,
        source: Source,
        declaration: _Declaration,
        module: str,
        name: str,
        *,
        guessed: bool,
        rank: int,
    ) -> Candidate | None:
        how = "guessed from the module's name" if guessed else "the distribution that provides it"
        return _common.candidate(
            failure,
            origin=self.name,
            path=declaration.path,
            old=source.read(declaration.path) or "",
            new=declaration.new,
            rationale=f"{module} is not installed; declare {name} ({how}) in {declaration.path}'s "
            f"{declaration.where} ({_UNVERIFIABLE})",
            rank=rank + 1 if guessed else rank,
        )


def _declarations(source: Source, name: str, *, for_tests: bool, check: str) -> Iterator[_Declaration]:
    """Where the dependency can be declared, the project's main declaration first; nothing
    when it is declared already (then it is an environment problem, not the code's).

    Of the requirements files, those the failing `check` installs from (`pip install -r
    requirements/ci.txt`) when it names any, else the project's main one (requirements.txt,
    requirements/base.txt); a test's import goes to a test or dev file among them first.
    """
    text = source.read("pyproject.toml")
    requirements = sorted(path for path in source.paths() if _REQUIREMENTS.fullmatch(path))
    listed = {path: source.read(path) or "" for path in requirements}
    declared = _pyproject_requirements(text or "") + [line for lines in listed.values() for line in lines.splitlines()]
    if any(_requirement(spec) == _normal(name) for spec in declared):
        return
    found = _in_pyproject(text, name, for_tests=for_tests) if text is not None else None
    if found is not None:
        yield found
    installed = [path for path in _installed_from(check) if path in listed]
    testing = [path for path in installed or requirements if any(group in path for group in _TEST_GROUPS)]
    main = [path for path in installed if path not in testing] or installed or [p for p in _MAIN if p in listed]
    for path in (testing if for_tests else []) or main:
        yield _Declaration(path, _append_line(listed[path], name), "requirements")


def _installed_from(check: str) -> list[str]:
    """The requirements files a check's command installs from: `-r path`, `-rpath`,
    `--requirement path`, `--requirement=path`; paths as the repository lists them."""
    try:
        words = shlex.split(check)
    except ValueError:  # an unbalanced quote: a log's job name, not a command
        words = check.split()
    found = []
    for index, word in enumerate(words):
        following = words[index + 1] if index + 1 < len(words) else ""
        if word in ("-r", "--requirement"):
            found.append(following)
        elif word.startswith("--requirement="):
            found.append(word.partition("=")[2])
        elif word.startswith("-r") and not word.startswith("--") and len(word) > 2:
            found.append(word[2:])
    return [posixpath.normpath(path) for path in found if path]


def _pyproject_requirements(text: str) -> list[str]:
    """Every requirement pyproject.toml declares: [project] dependencies and extras, Poetry's."""
    try:
        data = tomlfile.loads(text)
    except tomllib.TOMLDecodeError:
        return []
    extras = _table(data, "project", "optional-dependencies")
    groups = _table(data, "tool", "poetry", "group")
    found = [
        *_list(_table(data, "project").get("dependencies")),
        *(spec for extra in extras.values() for spec in _list(extra)),
        *_table(data, "tool", "poetry", "dependencies"),
        *_table(data, "tool", "poetry", "dev-dependencies"),
        *(name for group in groups for name in _table(groups, group, "dependencies")),
    ]
    return [spec for spec in found if isinstance(spec, str)]


def _table(data: dict[str, Any], *keys: str) -> dict[str, Any]:
    """data[key][key]...; {} where a key is missing or not a table (the file is the user's)."""
    for key in keys:
        value = data.get(key)
        data = value if isinstance(value, dict) else {}
    return data


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def _requirement(spec: str) -> str:
    """The normalised distribution name a requirement line names ('' for comments, options)."""
    found = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    return _normal(found.group(1)) if found else ""


def _normal(name: str) -> str:
    # As pip compares names: case, and runs of "-", "_" and "." do not matter.
    return re.sub(r"[-_.]+", "-", name).lower()


def _append_line(text: str, line: str) -> str:
    """`line` added to a requirements file: in its place when the file keeps its names sorted, else last."""
    lines = text.splitlines(keepends=True)
    named = [(i, _requirement(row)) for i, row in enumerate(lines) if re.match(r"\s*[A-Za-z0-9]", row)]
    names = [name for _, name in named]
    if len(names) >= 2 and names == sorted(names):
        after = next((i for i, name in named if name > _normal(line)), None)
        if after is not None:
            return "".join([*lines[:after], line + "\n", *lines[after:]])
    return text + ("" if not text or text.endswith("\n") else "\n") + line + "\n"


# --- pyproject.toml, edited as text so its layout and comments stay ------------------------


def _in_pyproject(text: str, name: str, *, for_tests: bool) -> _Declaration | None:
    lines = _common.lines(text)
    tables = _tables(lines)
    edits = []
    if for_tests and "project.optional-dependencies" in tables:
        edits += [
            (f"[project.optional-dependencies] {group}", "project.optional-dependencies", group, "array")
            for group in _TEST_GROUPS
        ]
    edits += [
        ("[project] dependencies", "project", "dependencies", "array"),
        ("[tool.poetry.dependencies]", "tool.poetry.dependencies", "", "poetry"),
    ]
    for where, table, key, kind in edits:
        if table not in tables:
            continue
        start, end = tables[table]
        new = _add_to_table(lines, start, end, key, name) if kind == "array" else _add_key(lines, end, name)
        if new is not None and _valid(new, table, key, name):
            return _Declaration("pyproject.toml", new, where)
    return None


def _tables(lines: list[str]) -> dict[str, tuple[int, int]]:
    """Each table's lines: header index -> the index after its last line of content."""
    found: dict[str, tuple[int, int]] = {}
    current: str | None = None
    for index, line in enumerate(lines):
        header = _HEADER.match(line)
        if header:
            current = header["name"].strip()
            found[current] = (index, index + 1)
        elif current is not None and line.strip() and not line.lstrip().startswith("#"):
            found[current] = (found[current][0], index + 1)
    return found


def _add_to_table(lines: list[str], start: int, end: int, key: str, name: str) -> str | None:
    """The file with `name` added to the array `key` of the table at `start`; a missing
    `dependencies` key is created at the table's end."""
    for index in range(start + 1, end):
        if re.match(rf"\s*{re.escape(key)}\s*=\s*\[", lines[index]):
            return _add_to_array(lines, index, name)
    if key != "dependencies":
        return None
    return "".join([*lines[:end], f'dependencies = [\n    "{name}",\n]\n', *lines[end:]])


def _add_to_array(lines: list[str], index: int, name: str) -> str | None:
    """`name` appended to the array opened on line `index`, in the array's own layout."""
    close = _closing(lines, index)
    if close is None:
        return None
    row, column = close
    quote = "'" if re.search(r"\[\s*'|^\s*'", "".join(lines[index : row + 1]), re.MULTILINE) else '"'
    before = lines[row][:column].rstrip()
    if row == index or before.strip():  # the last item and the "]" share a line: `["a", "b"]`
        opened = before.endswith("[")
        joint = "" if opened else (" " if before.endswith(",") else ", ")
        lines = [*lines]
        lines[row] = f"{before}{joint}{quote}{name}{quote}{lines[row][column:]}"
        return "".join(lines)
    items = [i for i in range(index + 1, row) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
    last = lines[items[-1]] if items else "    "
    indent = last[: len(last) - len(last.lstrip())]
    lines = [*lines]
    if items:
        code = lines[items[-1]][: _comment_start(lines[items[-1]])].rstrip()
        if not code.endswith(","):  # the last item gets its comma, before any comment
            lines[items[-1]] = code + "," + lines[items[-1]][len(code) :]
    lines.insert(row, f"{indent}{quote}{name}{quote},\n")
    return "".join(lines)


def _closing(lines: list[str], index: int) -> tuple[int, int] | None:
    """(line, column) of the "]" closing the array opened on line `index`: strings
    (`"pkg[extra]"`) and comments do not count."""
    depth = 0
    for row in range(index, len(lines)):
        line = lines[row]
        for column, char in _code(line):
            depth += {"[": 1, "]": -1}.get(char, 0)
            if char == "]" and depth == 0:
                return row, column
    return None


def _comment_start(line: str) -> int:
    """Where a TOML line's comment starts (its length when it has none)."""
    return next((column for column, char in _code(line) if char == "#"), len(line))


def _code(line: str) -> Iterator[tuple[int, str]]:
    """The characters of a TOML line outside its strings, up to and including a comment's "#"."""
    quote = ""
    for column, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        else:
            yield column, char
            if char == "#":
                return


def _add_key(lines: list[str], end: int, name: str) -> str:
    return "".join([*lines[:end], f'{name} = "*"\n', *lines[end:]])


def _valid(text: str, table: str, key: str, name: str) -> bool:
    """Whether the edited file is TOML that declares `name` where it was meant to go."""
    try:
        found = _table(tomlfile.loads(text), *table.split("."))
    except tomllib.TOMLDecodeError:
        return False
    declared = _list(found.get(key)) if key else list(found)  # Poetry's table is keyed by name
    return any(isinstance(item, str) and _requirement(item) == _normal(name) for item in declared)
