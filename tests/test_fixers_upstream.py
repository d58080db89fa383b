"""The upstream fixer's edits, over real repositories: the bound a pin takes, where it goes (each
declaring file, keeping the rest of the line; a constraint when the project does not declare it),
and a lock moved forward only where a file pins the broken release exactly."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import git, make_repo

from suture.fixers.upstream import UpstreamFixer, bound
from suture.records import Failure, Frame, Upstream
from suture.run.source import Source

BROKE = Upstream(
    distribution="fakedist",
    installed="2.0",
    good="1.0",
    how="by date",
    released="2026-06-01",
    name="api",
    replacement="",
    module="fakedist",
    newer="2.1",
)


def failure(upstream: Upstream = BROKE) -> Failure:
    return Failure(
        tool="pytest",
        kind="test-failure",
        check="python -m pytest",
        error_type="AttributeError",
        message="module 'fakedist' has no attribute 'api'",
        test_ids=("tests/test_app.py::test_value",),
        frames=(Frame("app.py", 5, "value"),),
        excerpt="",
        fingerprint="f",
        upstream=upstream,
    )


def diffs(tmp_path: Path, files: dict[str, str], upstream: Upstream = BROKE) -> dict[str, str]:
    repo = make_repo(tmp_path / "repo", {"app.py": "import fakedist\n", **files})
    found = UpstreamFixer().propose(failure(upstream), Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    return {candidate.origin: candidate.diff for candidate in found}


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("2.0", "<2"),
        ("3.0.0", "<3"),
        ("2.1.3", "<2.1.3"),
        ("1!2.0", "<1!2"),
        ("3.0rc1", "<3.0rc1"),
        ("weird", "!=weird"),
    ],
)
def test_the_bound_excludes_the_release_and_what_followed(version: str, expected: str) -> None:
    assert bound(version) == expected


@pytest.mark.parametrize(
    ("files", "path", "added"),
    [
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = [\n    "fakedist>=1.0",\n]\n'},
            "pyproject.toml",
            '+    "fakedist>=1.0,<2",',
        ),
        (
            {"pyproject.toml": '[project]\nname = "x"\n[project.optional-dependencies]\nfast = ["Fake_Dist[x]"]\n'},
            "pyproject.toml",
            None,
        ),
        (
            {"requirements.txt": "click\nfakedist ; python_version >= '3.8'  # ours\n"},
            "requirements.txt",
            "+fakedist<2 ; python_version >= '3.8'  # ours",
        ),
        ({"requirements-dev.txt": "fakedist==2.0\n"}, "requirements-dev.txt", "+fakedist<2"),
        ({"constraints.txt": "click<9\n", "requirements.txt": "click\n"}, "constraints.txt", "+fakedist<2"),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["click"]\n'},
            "pyproject.toml",
            '+dependencies = ["click", "fakedist<2"]',
        ),
    ],
)
def test_a_pin_goes_where_the_project_declares_it_else_as_a_constraint(
    tmp_path: Path, files: dict[str, str], path: str, added: str | None
) -> None:
    pin = diffs(tmp_path, files).get("upstream-pin", "")
    if added is None:  # Fake_Dist is another distribution's name only to the eye: fakedist is not declared
        assert f"+++ b/{path}" in pin and '"fakedist<2"' in pin
        return
    assert f"+++ b/{path}" in pin
    assert added in pin.splitlines()


def test_a_lock_moves_forward_only_where_a_file_pins_the_release(tmp_path: Path) -> None:
    found = diffs(tmp_path, {"requirements.txt": "fakedist==2.0  # locked\nclick==8.1.7\n"})
    assert "+fakedist==2.1  # locked" in found["upstream-lock"].splitlines()
    assert "-fakedist==2.0  # locked" in found["upstream-lock"].splitlines()
    assert "upstream-lock" not in diffs(tmp_path / "b", {"requirements.txt": "fakedist>=1\n"})
    assert "upstream-lock" not in diffs(
        tmp_path / "c", {"requirements.txt": "fakedist==2.0\n"}, BROKE.__class__(**{**BROKE.__dict__, "newer": ""})
    )


def test_nothing_for_a_failure_no_release_explains(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"app.py": "x = 1\n"})
    plain = Failure(**{**failure().__dict__, "upstream": None})
    assert UpstreamFixer().propose(plain, Source(repo, git(repo, "rev-parse", "HEAD").strip())) == []


NUMPY_1_24 = (
    "module 'numpy' has no attribute 'float'.\n`np.float` was a deprecated alias for the builtin `float`. To avoid "
    "this error in existing code, use `float` by itself. Doing this will not modify any behavior and is safe."
)


def test_numpy_s_alias_of_a_builtin_is_migrated_to_the_builtin(tmp_path: Path) -> None:
    from suture.diagnose.upstream import replacement

    numpy = Upstream(
        "numpy", "1.24.0", "1.23.5", "by date", "2022-12-18", "float", replacement(NUMPY_1_24, "float"), "numpy"
    )
    app = "import numpy as np\n\n\ndef ratio(a):\n    return np.float(a) / np.float_(2) + np.floating(1)\n"
    repo = make_repo(tmp_path / "repo", {"calc.py": app, "tests/test_calc.py": "import numpy as np\nnp.float\n"})
    found = UpstreamFixer().propose(failure(numpy), Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    migrate = next(candidate for candidate in found if candidate.origin == "upstream-migrate")
    assert "+    return float(a) / np.float_(2) + np.floating(1)" in migrate.diff.splitlines()
    assert migrate.paths == ("calc.py",)  # the test is read-only


@pytest.mark.parametrize(
    ("message", "module", "gone", "instead"),
    [
        (NUMPY_1_24, "numpy", "float", "builtins.float"),
        (
            "movedist.old_name was removed in movedist 2.0; use movedist.new_name instead",
            "movedist",
            "old_name",
            "movedist.new_name",
        ),
        ("'DataFrame' object has no attribute 'append'", "pandas", "append", ""),
        ("`api` is deprecated and goes in deprdist 3; use `new_api` instead", "deprdist", "api", "new_api"),
        ("module 'fakedist' has no attribute 'apl'. Did you mean: 'api'?", "fakedist", "apl", "api"),
        ("'flask.escape' is deprecated. Import 'markupsafe.escape' instead.", "flask", "escape", "markupsafe.escape"),
        ("'fakedist.api' is deprecated; use 'fakedist.api' instead", "fakedist", "api", ""),
        ("`np.NaN` was removed in the NumPy 2.0 release. Use `np.nan` instead.", "numpy", "NaN", "np.nan"),
    ],
)
def test_what_a_release_s_message_says_is_gone_and_what_instead(
    message: str, module: str, gone: str, instead: str
) -> None:
    from suture.diagnose.upstream import gone_name, replacement

    assert gone_name(message, module) == gone
    assert replacement(message, gone, module) == instead


@pytest.mark.parametrize(
    ("app", "gone", "module", "replacement", "expected"),
    [
        (
            "from flask import Flask, escape\n",
            "escape",
            "flask",
            "markupsafe.escape",
            "from flask import Flask\nfrom markupsafe import escape\n",
        ),
        (
            "from werkzeug.urls import url_quote  # old\n",
            "url_quote",
            "werkzeug.urls",
            "urllib.parse.quote",
            "from urllib.parse import quote as url_quote\n",
        ),
        (
            "from flask import escape as esc\n",
            "escape",
            "flask",
            "markupsafe.escape",
            "from markupsafe import escape as esc\n",
        ),
        (
            "import flask\n\nx = flask.escape('<')\n",
            "escape",
            "flask",
            "markupsafe.escape",
            "import flask\nimport markupsafe\n\nx = markupsafe.escape('<')\n",
        ),
    ],
)
def test_a_name_moved_to_another_module_is_imported_from_there(
    tmp_path: Path, app: str, gone: str, module: str, replacement: str, expected: str
) -> None:
    moved = Upstream(module.split(".")[0], "3.0.0", "2.3.7", "by date", "", gone, replacement, module)
    repo = make_repo(tmp_path / "repo", {"web.py": app})
    found = UpstreamFixer().propose(failure(moved), Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    migrate = next(candidate for candidate in found if candidate.origin == "upstream-migrate")
    applied = subprocess.run(["git", "apply"], input=migrate.diff, text=True, cwd=repo, capture_output=True)
    assert applied.returncode == 0, applied.stderr
    assert (repo / "web.py").read_text() == expected


def test_a_replacement_named_by_the_module_s_usual_alias_is_the_module_s_own(tmp_path: Path) -> None:
    message = "`np.NaN` was removed in the NumPy 2.0 release. Use `np.nan` instead."
    from suture.diagnose.upstream import replacement

    numpy = Upstream("numpy", "2.0.0", "1.26.4", "by date", "", "NaN", replacement(message, "NaN", "numpy"), "numpy")
    repo = make_repo(tmp_path / "repo", {"calc.py": "import numpy as np\n\nMISSING = np.NaN\n"})
    found = UpstreamFixer().propose(failure(numpy), Source(repo, git(repo, "rev-parse", "HEAD").strip()))
    migrate = next(candidate for candidate in found if candidate.origin == "upstream-migrate")
    assert "+MISSING = np.nan" in migrate.diff.splitlines()
