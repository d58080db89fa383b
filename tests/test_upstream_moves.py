"""The table of well-known moves (knownmoves.py, applied by fixers/moves.py), kept honest: each row
has a sample of code written for the old API, and wheels built here give each distribution the new
API (as its release notes describe it), served from the loopback index and installed by real uv into
a fresh virtualenv. For each row the sample fails there as it is, and passes once the upstream
fixer's migration (a real `git apply` of its diff) has moved it. A row without a sample fails the test."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo
from upstream_index import Release, serve

from suture import knownmoves as table
from suture.diagnose import upstream
from suture.fixers.upstream import UpstreamFixer, bound
from suture.publish import compose
from suture.records import Candidate, Failure, Frame, Upstream, Verdict
from suture.run import environments
from suture.run.source import Source

NEW_API = (  # the releases that removed the old API, reduced to what the samples touch
    Release(
        "pandas",
        "2.0",
        "2023-04-03T00:00:00Z",
        {
            "pandas/__init__.py": "class DataFrame:\n    def __init__(self, rows):\n        self.rows = list(rows)\n\n"
            "    def __len__(self):\n        return len(self.rows)\n\n    def items(self):\n"
            "        return iter([('a', self.rows)])\n\n\n"
            "def concat(frames, ignore_index=False):\n    rows = [row for frame in frames for row in frame.rows]\n"
            "    return DataFrame(range(len(rows)) if ignore_index else rows)\n"
        },
    ),
    Release(
        "importlib-metadata",
        "5.0",
        "2022-10-02T00:00:00Z",
        {
            "importlib_metadata/__init__.py": "class EntryPoints(tuple):\n    def __getitem__(self, name):\n"
            "        if isinstance(name, str):\n            raise KeyError(name)\n"
            "        return super().__getitem__(name)\n\n\n"
            "def entry_points(**params):\n"
            "    found = ('black', 'ruff') if params == {'group': 'console_scripts'} else ()\n"
            "    return EntryPoints(found)\n"
        },
    ),
    Release(
        "PyYAML",
        "6.0",
        "2021-10-13T00:00:00Z",
        {
            "yaml/__init__.py": "class FullLoader:\n    pass\n\n\ndef load(stream, Loader):\n"
            "    return {'a': 1} if Loader is FullLoader else None\n\n\n"
            "def load_all(stream, Loader):\n    return iter([load(stream, Loader)])\n"
        },
    ),
    Release("setuptools", "82.0", "2026-02-08T00:00:00Z", {"setuptools/__init__.py": "VERSION = '82.0'\n"}),
    Release(
        "MarkupSafe",
        "2.1",
        "2022-02-17T00:00:00Z",
        {
            "markupsafe/__init__.py": "class Markup(str):\n    pass\n\n\ndef escape(s):\n"
            "    return Markup(str(s).replace('<', '&lt;'))\n\n\ndef soft_str(s):\n    return str(s)\n"
        },
    ),
    Release(
        "Jinja2",
        "3.1",
        "2022-03-24T00:00:00Z",
        {
            "jinja2/__init__.py": "".join(
                f"def {name}(f):\n    f.jinja_pass_arg = {arg!r}\n    return f\n\n\n"
                for name, arg in (
                    ("pass_context", "context"),
                    ("pass_eval_context", "eval_context"),
                    ("pass_environment", "environment"),
                )
            )
        },
    ),
    Release(
        "Werkzeug",
        "3.0",
        "2023-09-30T00:00:00Z",
        {
            "werkzeug/__init__.py": "",
            "werkzeug/security.py": "def check_password_hash(a, b):\n    return False\n",
            "werkzeug/urls.py": "def iri_to_uri(s):\n    return s\n",
        },
    ),
    Release("Flask", "3.0", "2023-09-30T00:00:00Z", {"flask/__init__.py": "class Flask:\n    pass\n"}),
    Release(
        "numpy",
        "1.24",
        "2022-12-18T00:00:00Z",
        {
            "numpy/__init__.py": "def prod(values):\n    return values[0]\n\n\nclass array(list):\n"
            "    def item(self):\n        return self[0]\n"
        },
    ),
    Release(
        "importlib-resources",
        "6.0",
        "2023-07-07T00:00:00Z",
        {
            "importlib_resources/__init__.py": "class _Path:\n    def __init__(self, name):\n"
            "        self.name = name\n\n"
            "    def joinpath(self, name):\n        return _Path(name)\n\n    def read_text(self):\n"
            "        return 'text:' + self.name\n\n    def read_bytes(self):\n        return self.name.encode()\n\n\n"
            "def files(package):\n    return _Path(package)\n"
        },
    ),
)

# Per row (distribution, old): code written for the old API, and what value() gives once moved.
# A line ending in `# here` is one the failure points at (a located row moves only those).
SAMPLES: dict[tuple[str, str, str], tuple[str, object]] = {
    ("pandas", "", "{a}.append({b}, ignore_index=True)"): (
        "import pandas as pd\n\n\ndef value():\n    df = pd.DataFrame([1])\n"
        "    return len(df.append(df, ignore_index=True))  # here\n",
        2,
    ),
    ("pandas", "", "{a}.append({b})"): (
        "import pandas as pd\n\n\ndef value():\n    df = pd.DataFrame([1])\n    seen = []\n    seen.append(df)\n"
        "    return len(df.append(pd.DataFrame([2, 3]))) + len(seen)  # here\n",
        4,
    ),
    ("pandas", "", "{a}.iteritems()"): (
        "import pandas\n\n\ndef value():\n    return [name for name, _ in pandas.DataFrame([1]).iteritems()]  # here\n",
        ["a"],
    ),
    ("importlib-metadata", "entry_points", "{api}()[{a}]"): (
        "from importlib_metadata import entry_points\n\n\ndef value():\n"
        "    return list(entry_points()['console_scripts'])\n",
        ["black", "ruff"],
    ),
    ("importlib-metadata", "entry_points", "{api}().get({a}, [])"): (
        "import importlib_metadata\n\n\ndef value():\n"
        "    return list(importlib_metadata.entry_points().get('console_scripts', []))\n",
        ["black", "ruff"],
    ),
    ("importlib-metadata", "entry_points", "{api}().get({a}, ())"): (
        "from importlib_metadata import entry_points as eps\n\n\ndef value():\n"
        "    return list(eps().get('console_scripts', ()))\n",
        ["black", "ruff"],
    ),
    ("PyYAML", "load", "{api}({a})"): ("import yaml\n\n\ndef value():\n    return yaml.load('a: 1')\n", {"a": 1}),
    ("PyYAML", "load_all", "{api}({a})"): (
        "import yaml\n\n\ndef value():\n    return list(yaml.load_all('a: 1'))\n",
        [{"a": 1}],
    ),
    ("setuptools", "get_distribution", "{api}({a}).version"): (
        "import pkg_resources\n\n\ndef value():\n    return pkg_resources.get_distribution('setuptools').version\n",
        "82.0",
    ),
    ("setuptools", "parse_version", "{api}({a})"): (
        "import pkg_resources\n\n\ndef value():\n"
        "    return pkg_resources.parse_version('1.10') > pkg_resources.parse_version('1.9')\n",
        True,
    ),
    ("MarkupSafe", "", "soft_unicode"): (
        "from markupsafe import soft_unicode\n\n\ndef value():\n    return soft_unicode(1)\n",
        "1",
    ),
    **{
        ("Jinja2", "", old): (
            f"import jinja2\n\n\n@jinja2.{old}\ndef hello(context):\n    return context\n\n\n"
            "def value():\n    return hello.jinja_pass_arg\n",
            arg,
        )
        for old, arg in (
            ("contextfunction", "context"),
            ("contextfilter", "context"),
            ("evalcontextfunction", "eval_context"),
            ("evalcontextfilter", "eval_context"),
            ("environmentfunction", "environment"),
            ("environmentfilter", "environment"),
        )
    },
    ("Jinja2", "", "Markup"): (
        "from jinja2 import Markup\n\n\ndef value():\n    return isinstance(Markup('x'), str)\n",
        True,
    ),
    ("Jinja2", "", "escape"): ("from jinja2 import escape\n\n\ndef value():\n    return str(escape('<b'))\n", "&lt;b"),
    ("Werkzeug", "", "safe_str_cmp"): (
        "from werkzeug.security import safe_str_cmp\n\n\ndef value():\n    return safe_str_cmp('a', 'a')\n",
        True,
    ),
    ("Werkzeug", "", "url_quote"): (
        "from werkzeug.urls import url_quote\n\n\ndef value():\n    return url_quote('a b')\n",
        "a%20b",
    ),
    ("Werkzeug", "", "url_unquote"): (
        "import werkzeug.urls\n\n\ndef value():\n    return werkzeug.urls.url_unquote('a%20b')\n",
        "a b",
    ),
    ("Flask", "", "escape"): ("import flask\n\n\ndef value():\n    return str(flask.escape('<b'))\n", "&lt;b"),
    ("Flask", "", "Markup"): (
        "from flask import Flask, Markup\n\n\ndef value():\n    return Markup('x') + Flask.__name__\n",
        "xFlask",
    ),
    **{
        ("numpy", "", name): (f"import numpy as np\n\n\ndef value():\n    return np.{name}({arg!r})\n", result)
        for name, arg, result in (
            ("float", "1.5", 1.5),
            ("int", "3", 3),
            ("bool", "", False),
            ("object", "", "object"),
            ("str", "x", "x"),
            ("complex", "1j", 1j),
        )
    },
}
SAMPLES[("numpy", "asscalar", "{api}({a})")] = (
    "import numpy as np\n\n\ndef value():\n    return np.asscalar(np.array([7]))\n",
    7,
)
SAMPLES[("importlib-resources", "read_text", "{api}({a}, {b})")] = (
    "import importlib_resources\n\n\ndef value():\n    return importlib_resources.read_text('pkg', 'data.txt')\n",
    "text:data.txt",
)
SAMPLES[("importlib-resources", "read_binary", "{api}({a}, {b})")] = (
    "from importlib_resources import read_binary\n\n\ndef value():\n    return read_binary('pkg', 'x.bin')\n",
    b"x.bin",
)
SAMPLES[("numpy", "", "object")] = (
    "import numpy as np\n\n\ndef value():\n    return type(np.object()).__name__\n",
    "object",
)
SAMPLES[("numpy", "", "bool")] = ("import numpy as np\n\n\ndef value():\n    return np.bool(0)\n", False)


def _key(move: table.Move) -> tuple[str, str, str]:
    return move.distribution, move.api, move.old


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A virtualenv with the new-API wheels (and pytest's `packaging`), installed by uv from the loopback index."""
    root = tmp_path_factory.mktemp("moves")
    uv = environments.find_uv(os.environ)
    env = {**os.environ, "UV_CACHE_DIR": str(root / "uv-cache"), "UV_NO_CONFIG": "1"}
    with serve(root / "canary", releases=NEW_API) as index:
        subprocess.run([uv, "venv", "--quiet", "--python", sys.executable, str(root / "venv")], check=True, env=env)
        names = [release.name for release in NEW_API] + ["packaging"]
        argv = [uv, "pip", "install", "--quiet", "--python", str(root / "venv/bin/python"), "--index-url", index.url]
        subprocess.run([*argv, *names], check=True, env=env)
    return root / "venv/bin/python"


def _value(python: Path, repo: Path) -> subprocess.CompletedProcess[str]:
    code = "import app; print(repr(app.value()))"
    return subprocess.run([str(python), "-c", code], cwd=repo, capture_output=True, text=True, check=False)


def test_every_row_has_a_sample() -> None:
    assert sorted(map(_key, table.MOVES)) == sorted(SAMPLES)


@pytest.mark.parametrize("move", table.MOVES, ids=lambda m: f"{m.distribution}:{m.api or m.old}")
def test_a_row_moves_its_sample_to_the_new_api(tmp_path: Path, python: Path, move: table.Move) -> None:
    code, expected = SAMPLES[_key(move)]
    repo = make_repo(tmp_path / "repo", {"app.py": code, "tests/test_app.py": "from app import value\n"})
    assert _value(python, repo).returncode != 0  # the new release breaks the sample as written
    here = tuple(Frame("app.py", row, "value") for row, line in enumerate(code.splitlines(), 1) if "# here" in line)
    found = Upstream(
        distribution=move.distribution,
        installed=move.since,
        good="",
        how="",
        released="",
        name="" if move.shape else move.old,
        replacement="",
        module=move.module,
    )
    failure = Failure("pytest", "test-failure", "pytest", "AttributeError", "", (), here, "", "f", upstream=found)
    proposed = UpstreamFixer().propose(failure, Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    migration = next(c for c in proposed if c.origin == "upstream-migrate")
    assert "tests/" not in migration.diff
    subprocess.run(["git", "apply"], input=migration.diff, text=True, cwd=repo, check=True)
    moved = _value(python, repo)
    assert moved.returncode == 0, (migration.diff, moved.stderr)
    assert moved.stdout.strip() == repr(expected), migration.diff


def test_the_first_of_two_names_offered_and_a_message_s_second_line_are_read() -> None:
    # Pillow 9.5: "Use LANCZOS or Resampling.LANCZOS instead"; NetworkX 2.8 says it on the next line.
    pillow = "ANTIALIAS is deprecated and will be removed in Pillow 10 (2023-07-01). Use LANCZOS or X.LANCZOS instead."
    assert upstream.replacement_of(pillow, "ANTIALIAS", "PIL.Image") == ("LANCZOS", False)
    found = Upstream("networkx", "3.0", "2.8.8", "", "", "to_numpy_matrix", "", module="networkx")
    summary = (
        "  /v/site-packages/networkx/convert_matrix.py:579: DeprecationWarning: to_numpy_matrix is deprecated.\n"
        "  Use to_numpy_array instead, e.g. np.asmatrix(to_numpy_array(G, **kwargs))\n    warnings.warn(\n"
    )
    assert (upstream.warned([summary], found) or found).replacement == "to_numpy_array"
    code_under = "  /repo/app.py:3: DeprecationWarning: api is deprecated\n    use(new_api) instead\n"
    assert upstream.warned([code_under], dataclasses.replace(found, name="api")) is None  # code, not the message


def test_a_submodule_imported_from_its_package_is_renamed_through(tmp_path: Path) -> None:
    code = "from PIL import Image\n\n\ndef value():\n    return Image.ANTIALIAS\n"
    found = Upstream("Pillow", "10.0.0", "9.5.0", "", "", "ANTIALIAS", "LANCZOS", module="PIL.Image")
    _, migration = migrated(tmp_path, code, found)
    assert "+    return Image.LANCZOS" in migration.diff


@pytest.mark.parametrize(
    ("version", "good", "expected"),
    [
        ("3.4.1", "3.3.7", "<3.4"),  # Markdown 3.4 broke as 3.4.1 did: the pin excludes both
        ("3.0.0", "2.3.7", "<3"),
        ("2.1.3", "2.1.2", "<2.1.3"),
        ("1.24.0", "1.23.5", "<1.24"),
        ("1!2.0", "1!1.9", "<1!2"),
        ("2.0", "", "<2"),
        ("3.0rc1", "2.9", "<3.0rc1"),
        ("2.0", "2.5", "<2"),  # a "good" newer than the broken release says nothing about the bound
    ],
)
def test_the_bound_excludes_every_release_after_the_last_good(version: str, good: str, expected: str) -> None:
    assert bound(version, good) == expected


def test_a_keyword_is_renamed_on_the_failure_s_lines_only(tmp_path: Path) -> None:
    code = "from kwdist import fields\n\nA = fields.Str(missing='x')\nB = dict(missing=1)\nC = f(x == missing)\n"
    repo = make_repo(tmp_path / "repo", {"app.py": code})
    found = Upstream("kwdist", "2.0", "1.0", "", "", "missing", "load_default", module="kwdist.fields")
    here = (Frame("app.py", 3, "<module>"), Frame("app.py", 5, "<module>"))
    failure = Failure("pytest", "test-failure", "pytest", "TypeError", "", (), here, "", "f", upstream=found)
    proposed = UpstreamFixer().propose(failure, Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    diff = next(c for c in proposed if c.origin == "upstream-migrate").diff
    assert "+A = fields.Str(load_default='x')" in diff
    assert "-B = dict(" not in diff and "-C = f(" not in diff  # not a failure's line; not a keyword there


def test_a_verified_migration_wins_over_a_smaller_pin() -> None:
    def verdict(origin: str, diff: str, rank: int) -> Verdict:
        return Verdict(Candidate(origin, diff, "", "f", rank), True, "ok", (), (), 1, 1, 0.0)

    pin = verdict("upstream-pin", "--- a/r.txt\n+++ b/r.txt\n-click\n+click<8.1\n", 2)
    migrate = verdict("upstream-migrate", "--- a/app.py\n+++ b/app.py\n+import shutil\n-a\n+b\n", 0)
    lock = verdict("upstream-lock", "--- a/r.txt\n+++ b/r.txt\n-click==8.1.0\n+click==8.1.2\n", 1)
    assert compose.winner([pin, lock, migrate]) is migrate
    assert compose.winner([pin, lock]) is lock
    assert (
        compose.winner([verdict("names", "-a\n+b\n", 0), verdict("calls", "-a\n+b\n+c\n", 0)]).candidate.origin
        == "names"
    )


@pytest.mark.parametrize(
    ("message", "gone", "module", "expected"),
    [
        ("force_text() is deprecated in favor of force_str().", "force_text", "django.utils.encoding", "force_str"),
        (
            "The pandas.datetime class is deprecated. Import from datetime module instead.",
            "datetime",
            "pandas",
            "datetime.datetime",
        ),
        (
            "Use ``matplotlib.colormaps[name]`` or ``matplotlib.colormaps.get_cmap(obj)`` instead.",
            "get_cmap",
            "matplotlib.cm",
            "matplotlib.colormaps.get_cmap",
        ),
        ("Use ``matplotlib.colormaps[name]`` instead.", "get_cmap", "matplotlib.cm", ""),  # a subscript: no name
        ("Use 'shutil.get_terminal_size()' instead.", "get_terminal_size", "click", "shutil.get_terminal_size"),
        ("Use pandas.Index with the appropriate dtype instead.", "Int64Index", "pandas", "pandas.Index"),
    ],
)
def test_how_releases_say_what_replaces_a_name(message: str, gone: str, module: str, expected: str) -> None:
    assert upstream.replacement_of(message, gone, module) == (expected, False)


@pytest.mark.parametrize(
    ("code", "found", "expected"),
    [
        (
            "import matplotlib.cm as cm\n\nx = cm.get_cmap('viridis')\n",
            ("matplotlib", "get_cmap", "matplotlib.colormaps.get_cmap", "matplotlib.cm"),
            "import matplotlib.cm as cm\nfrom matplotlib import colormaps\n\nx = colormaps.get_cmap('viridis')\n",
        ),
        (
            "import pandas as pd\n\nx = pd.datetime(2020, 1, 1)\n",
            ("pandas", "datetime", "datetime.datetime", "pandas"),
            "import pandas as pd\nimport datetime\n\nx = datetime.datetime(2020, 1, 1)\n",
        ),
    ],
)
def test_a_name_reached_through_an_alias_moves_to_its_new_module(
    tmp_path: Path, code: str, found: tuple[str, str, str, str], expected: str
) -> None:
    distribution, gone, replacement, module = found
    moved = Upstream(distribution, "9.0", "8.0", "", "", gone, replacement, module=module)
    repo, migration = migrated(tmp_path, code, moved)
    subprocess.run(["git", "apply"], input=migration.diff, text=True, cwd=repo, check=True)
    assert (repo / "app.py").read_text() == expected


def test_a_name_imported_for_a_shape_goes_when_nothing_uses_it(tmp_path: Path) -> None:
    code = "from importlib_resources import files, read_binary\n\n\ndef value():\n    return read_binary('p', 'x')\n"
    found = Upstream("importlib-resources", "6.0", "5.13.0", "", "", "", "", module="importlib_resources")
    repo, migration = migrated(tmp_path, code, found)
    subprocess.run(["git", "apply"], input=migration.diff, text=True, cwd=repo, check=True)
    assert (repo / "app.py").read_text() == (
        "import importlib_resources\nfrom importlib_resources import files\n\n\n"
        "def value():\n    return importlib_resources.files('p').joinpath('x').read_bytes()\n"
    )


def migrated(tmp_path: Path, code: str, found: Upstream) -> tuple[Path, Candidate]:
    """A repository with `code` as app.py, and the upstream fixer's migration for `found` (no frames)."""
    repo = make_repo(tmp_path / "repo", {"app.py": code})
    failure = Failure("pytest", "test-failure", "pytest", "AttributeError", "", (), (), "", "f", upstream=found)
    proposed = UpstreamFixer().propose(failure, Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    return repo, next(c for c in proposed if c.origin == "upstream-migrate")
