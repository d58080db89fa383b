"""`suture diagnose` on upstream breakages: the checks run for real (in the sandbox, with a user
environment installed by real uv from the loopback index), and the diagnosis names the distribution,
the installed version, its release date and the last version known to work; a CI log is named from
pip's own `Successfully installed` line, offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import PASSWORD, project, user_env
from upstream_index import Index, serve

needs_sandbox = pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")


def diagnose(repo: Path, venv: Path | None, index: Index | None, *args: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1] / "src")}
    if venv is not None and index is not None:
        env.update(PATH=f"{venv / 'bin'}:{os.environ['PATH']}", VIRTUAL_ENV=str(venv))
        env["PIP_INDEX_URL"] = index.with_credentials("ci", PASSWORD)
    done = subprocess.run(
        [sys.executable, "-m", "suture", "diagnose", "--json", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.stdout.strip(), done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def upstream_of(result: dict[str, object]) -> dict[str, str]:
    failures = result["failures"]
    assert isinstance(failures, list) and failures, result
    found: dict[str, str] = failures[0]["upstream"]
    assert found is not None, failures[0]
    return found


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    with serve(tmp_path / "canary", password=PASSWORD) as served:
        yield served


CHECK = ("--test-cmd", "python -m pytest -q -p no:cacheprovider")


@needs_sandbox
def test_a_deprecation_turned_error_names_the_release_and_the_replacement(tmp_path: Path, index: Index) -> None:
    app = "import deprdist\n\n\ndef value():\n    return deprdist.api()\n"
    config = '\n[tool.pytest.ini_options]\nfilterwarnings = ["error"]\n'
    repo = project(tmp_path / "repo", dependencies='"deprdist"', app=app)
    (repo / "pyproject.toml").write_text((repo / "pyproject.toml").read_text() + config)
    subprocess.run(["git", "commit", "-qam", "warnings are errors"], cwd=repo, check=True, env=_dated())
    venv = user_env(tmp_path, index, "deprdist==2.0", "pytest")
    result = diagnose(repo, venv, index, *CHECK)
    assert result["class"] == "dependency"
    found = upstream_of(result)
    assert (found["distribution"], found["installed"], found["good"]) == ("deprdist", "2.0", "1.0")
    assert (found["name"], found["replacement"]) == ("api", "new_api")
    assert result["failures"][0]["error_type"] == "DeprecationWarning"  # type: ignore[index]


@needs_sandbox
def test_an_import_of_a_removed_name_and_a_transitive_release_are_named(tmp_path: Path, index: Index) -> None:
    imports = project(tmp_path / "imports", app="from fakedist import api\n\n\ndef value():\n    return api()\n")
    parent = project(
        tmp_path / "parent",
        dependencies='"parentdist"',
        app="import parentdist\n\n\ndef value():\n    return parentdist.work() and 'api'\n",
    )
    venv = user_env(tmp_path, index, "fakedist==2.0", "parentdist", "pytest")  # parentdist brings childdist 2.0
    found = upstream_of(diagnose(imports, venv, index, *CHECK))
    assert (found["distribution"], found["installed"], found["released"]) == ("fakedist", "2.0", "2026-06-01")
    assert found["good"] == "1.0" and found["how"].startswith("by date")
    found = upstream_of(diagnose(parent, venv, index, *CHECK))
    assert (found["distribution"], found["installed"], found["good"], found["name"]) == (
        "childdist",
        "2.0",
        "1.0",
        "helper",
    )


LOG = """\
2026-06-02T10:00:01Z Collecting fakedist
2026-06-02T10:00:02Z Installing collected packages: fakedist, pytest
2026-06-02T10:00:03Z Successfully installed fakedist-2.0 pytest-9.0.3
2026-06-02T10:00:04Z ============================= test session starts ==============================
2026-06-02T10:00:05Z collected 1 item
2026-06-02T10:00:05Z tests/test_app.py F                                                      [100%]
2026-06-02T10:00:05Z =================================== FAILURES ===================================
2026-06-02T10:00:05Z __________________________________ test_value __________________________________
2026-06-02T10:00:05Z     def test_value():
2026-06-02T10:00:05Z         from app import value
2026-06-02T10:00:05Z >       assert value() == 'api'
2026-06-02T10:00:05Z tests/test_app.py:4:
2026-06-02T10:00:05Z _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
2026-06-02T10:00:05Z     def value():
2026-06-02T10:00:05Z >       return fakedist.api()
2026-06-02T10:00:05Z E       AttributeError: module 'fakedist' has no attribute 'api'
2026-06-02T10:00:05Z app.py:5: AttributeError
2026-06-02T10:00:05Z =========================== short test summary info ============================
2026-06-02T10:00:05Z FAILED tests/test_app.py::test_value - AttributeError: module 'fakedist' has no attribute 'api'
2026-06-02T10:00:05Z ============================== 1 failed in 0.05s ===============================
2026-06-02T10:00:06Z Error: Process completed with exit code 1.
"""


def test_a_ci_log_is_named_from_pips_successfully_installed_line(tmp_path: Path) -> None:
    repo = project(tmp_path / "repo")
    (tmp_path / "ci.log").write_text(LOG)
    result = diagnose(repo, None, None, "--log", str(tmp_path / "ci.log"))
    assert result["class"] == "dependency", result
    found = upstream_of(result)
    assert (found["distribution"], found["installed"], found["name"]) == ("fakedist", "2.0", "api")
    assert "Successfully installed fakedist-2.0" in str(result["excerpt"])


def _dated() -> dict[str, str]:
    return {
        **os.environ,
        "GIT_AUTHOR_DATE": "2026-03-01T12:00:00+00:00",
        "GIT_COMMITTER_DATE": "2026-03-01T12:00:00+00:00",
    }


@needs_sandbox
def test_the_last_good_version_is_the_pin_before_the_bump(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", dependencies="", extra={"requirements.txt": "fakedist==1.0  # locked\n"})
    first = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True).stdout.strip()
    (repo / "requirements.txt").write_text("fakedist==2.0  # locked\n")
    subprocess.run(["git", "commit", "-qam", "Bump fakedist to 2.0"], cwd=repo, check=True)  # a bot's bump, today
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    found = upstream_of(diagnose(repo, venv, index, *CHECK))
    assert (found["installed"], found["good"]) == ("2.0", "1.0")
    assert found["how"] == f"pinned in requirements.txt at {first[:12]}"  # not by date: the bump is today's


@needs_sandbox
def test_a_typo_in_a_package_s_name_is_the_project_s_not_an_older_release_s(tmp_path: Path, index: Index) -> None:
    # fakedist 1.0 came out before the commit that misspelt `api`: the code broke, not the release.
    repo = project(tmp_path / "repo", app="import fakedist\n\n\ndef value():\n    return fakedist.apl()\n")
    venv = user_env(tmp_path, index, "fakedist==1.0", "pytest")
    result = diagnose(repo, venv, index, *CHECK)
    assert result["class"] == "code"
    assert [failure["upstream"] for failure in result["failures"]] == [None]  # type: ignore[union-attr]


@needs_sandbox
def test_a_method_gone_from_a_package_s_class_is_named_by_the_class_s_module(tmp_path: Path, index: Index) -> None:
    app = "import objdist\n\n\ndef value():\n    return objdist.Engine().execute()\n"
    repo = project(tmp_path / "repo", dependencies='"objdist"', app=app)
    venv = user_env(tmp_path, index, "objdist==2.0", "pytest")
    result = diagnose(repo, venv, index, *CHECK)
    assert result["class"] == "dependency"
    found = upstream_of(result)
    assert (found["distribution"], found["installed"], found["good"], found["name"]) == (
        "objdist",
        "2.0",
        "1.0",
        "execute",
    )
    assert result["failures"][0]["owner"] == "objdist"  # type: ignore[index]
