"""Breakages whose failure does not name the package plainly, diagnosed for real (`suture diagnose`
in the sandbox, the user's environment installed by real uv from the loopback index):

- a package's own deprecation class, issued through another distribution's helper (pydantic 2's
  PydanticDeprecatedSince20 through typing_extensions' @deprecated): the package is named, not the helper;
- a module a release took away with it (setuptools 82's pkg_resources): no installed file owns it,
  the table of moves says whose it was;
- a call the release no longer takes, raised at the project's own line (PyYAML 6's load() without
  Loader): the module is read from that line;
- a keyword a class no longer takes, through a submodule the project imported from its package
  (marshmallow 4's `fields.Str(missing=...)`): `Field.__init__()` names neither; the line's keyword does.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from test_upstream_diagnose import CHECK, _dated, diagnose, needs_sandbox
from test_upstream_heal import PASSWORD, project, user_env
from upstream_index import RELEASES, Index, Release, serve

HELPER = (  # typing_extensions' @deprecated, reduced: it warns on behalf of whichever package uses it
    "import functools\nimport warnings\n\n\ndef deprecated(message, category):\n    def wrap(f):\n"
    "        @functools.wraps(f)\n        def inner(*a, **k):\n            warnings.warn(message, category, 2)\n"
    "            return f(*a, **k)\n\n        return inner\n\n    return wrap\n"
)
WARNDIST_2 = (
    "from helperdist import deprecated\n\n\nclass WarndistDeprecatedSince20(DeprecationWarning):\n    pass\n\n\n"
    "def new_api():\n    return 'api'\n\n\n"
    "@deprecated('`api` is deprecated; use `new_api` instead. See https://errors.warndist.dev/2.0/', "
    "WarndistDeprecatedSince20)\ndef api():\n    return new_api()\n"
)
FIELDS = (
    "class Field:\n    def __init__(self, {0}=None):\n        self.default = {0}\n\n\nclass Str(Field):\n    pass\n"
)
KW_1, KW_2 = FIELDS.format("missing"), FIELDS.format("load_default")
MINE = (
    Release("helperdist", "1.0", "2025-06-01T10:00:00Z", {"helperdist/__init__.py": HELPER}),
    Release("warndist", "1.0", "2026-01-10T10:00:00Z", {"warndist/__init__.py": "def api():\n    return 'api'\n"}),
    Release("warndist", "2.0", "2026-06-01T10:00:00Z", {"warndist/__init__.py": WARNDIST_2}, ("helperdist",)),
    Release(
        "setuptools",
        "81.0",
        "2026-01-10T10:00:00Z",
        {"setuptools/__init__.py": "", "pkg_resources/__init__.py": "def get_distribution(name):\n    pass\n"},
    ),
    Release("setuptools", "82.0", "2026-06-01T10:00:00Z", {"setuptools/__init__.py": ""}),
    Release(
        "PyYAML", "5.4", "2026-01-10T10:00:00Z", {"yaml/__init__.py": "def load(stream, Loader=None):\n    pass\n"}
    ),
    Release("PyYAML", "6.0", "2026-06-01T10:00:00Z", {"yaml/__init__.py": "def load(stream, Loader):\n    pass\n"}),
    Release("kwdist", "1.0", "2026-01-10T10:00:00Z", {"kwdist/__init__.py": "", "kwdist/fields.py": KW_1}),
    Release("kwdist", "2.0", "2026-06-01T10:00:00Z", {"kwdist/__init__.py": "", "kwdist/fields.py": KW_2}),
)
APP = (
    "import yaml\n\nimport warndist\n\n\ndef warned():\n    return warndist.api()\n\n\n"
    "def gone():\n    import pkg_resources\n\n    return pkg_resources\n\n\n"
    "def called():\n    return yaml.load('a: 1')\n\n\n"
    "def keyword():\n    from kwdist import fields\n\n    return fields.Str(missing='x')\n"
)
TESTS = "from app import called, gone, keyword, warned\n\n\n" + "".join(
    f"def test_{name}():\n    {name}()\n\n\n" for name in ("warned", "gone", "called", "keyword")
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    """The diagnosis of the three failures, by test name: each failure's `upstream` ({} when none)."""
    tmp = tmp_path_factory.mktemp("diagnose-moves")
    with serve(tmp / "canary", password=PASSWORD, releases=RELEASES + MINE) as index:
        return _diagnosed(tmp, index)


def _diagnosed(tmp: Path, index: Index) -> dict[str, dict[str, str]]:
    repo = project(tmp / "repo", dependencies='"warndist", "setuptools", "pyyaml", "kwdist"', app=APP)
    (repo / "tests/test_app.py").write_text(TESTS)
    config = '\n[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n'
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + config)
    subprocess.run(["git", "commit", "-qam", "three uses"], cwd=repo, check=True, env=_dated())
    venv = user_env(tmp, index, "warndist==2.0", "setuptools==82.0", "pyyaml==6.0", "kwdist==2.0", "pytest")
    found = diagnose(repo, venv, index, *CHECK)
    failures = found["failures"]
    assert isinstance(failures, list) and len(failures) == 4, found
    return {f["test_ids"][0].rpartition("::")[2]: f.get("upstream") or {} for f in failures}


@needs_sandbox
def test_a_package_s_own_deprecation_class_names_the_package_not_its_helper(result: dict[str, dict[str, str]]) -> None:
    found = result["test_warned"]
    assert (found["distribution"], found["installed"], found["good"]) == ("warndist", "2.0", "1.0")
    assert (found["name"], found["replacement"]) == ("api", "new_api")  # not `dev`, the URL's host


@needs_sandbox
def test_a_module_a_release_took_away_is_named_by_the_table(result: dict[str, dict[str, str]]) -> None:
    found = result["test_gone"]
    assert (found["distribution"], found["installed"], found["good"]) == ("setuptools", "82.0", "81.0")


@needs_sandbox
def test_a_call_the_release_no_longer_takes_is_named_from_the_project_s_line(
    result: dict[str, dict[str, str]],
) -> None:
    found = result["test_called"]
    assert (found["distribution"], found["installed"], found["good"]) == ("PyYAML", "6.0", "5.4")
    assert found["name"] == "load"


@needs_sandbox
def test_a_keyword_a_class_no_longer_takes_is_named_through_the_submodule_the_line_uses(
    result: dict[str, dict[str, str]],
) -> None:
    found = result["test_keyword"]
    assert (found["distribution"], found["installed"], found["good"]) == ("kwdist", "2.0", "1.0")
    assert (found["name"], found["module"]) == ("missing", "kwdist.fields")
