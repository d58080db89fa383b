"""Candidate environments (run/environments.py) against the loopback index, with real uv and real pip:
wheels only (an sdist-only release is reported and its build never runs), cached by the resolved set,
the index's password in no message, and the checks pointed at the prepared environment, not the user's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from upstream_index import Index, serve

from suture.run import environments
from suture.run.sandbox import Bubblewrap

PASSWORD = "env-pw-41c0d9e2"


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    with serve(tmp_path / "canary", password=PASSWORD) as served:
        yield served


def installer(tmp_path: Path, index: Index, *, uv: bool) -> environments.Installer:
    return environments.Installer(
        python=sys.executable,
        index_url=index.with_credentials("ci", PASSWORD),
        cache=tmp_path / "cache",
        uv=environments.find_uv(os.environ) if uv else "",
    )


@pytest.mark.parametrize("uv", [True, False], ids=["uv", "pip"])
def test_an_environment_is_made_from_wheels_and_reused_for_the_same_set(tmp_path: Path, index: Index, uv: bool) -> None:
    made = environments.prepare(["fakedist<2"], installer(tmp_path, index, uv=uv))
    assert made.problem == "" and made.venv is not None
    assert made.resolved == ("fakedist==1.0",)
    assert made.venv.parent == tmp_path / "cache"
    imported = subprocess.run(
        [str(made.venv / "bin" / "python"), "-c", "import fakedist; print(fakedist.api())"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "api"
    again = environments.prepare(["fakedist<2"], installer(tmp_path, index, uv=uv))
    assert (again.venv, again.reused) == (made.venv, True)


@pytest.mark.parametrize("uv", [True, False], ids=["uv", "pip"])
def test_an_sdist_only_release_is_reported_and_never_built(tmp_path: Path, index: Index, uv: bool) -> None:
    made = environments.prepare(["sdistonly==2.0"], installer(tmp_path, index, uv=uv))
    assert made.venv is None
    assert "wheels only" in made.problem and "sdistonly" in made.problem
    assert not (tmp_path / "canary").exists()
    cache = tmp_path / "cache"  # no environment made, none half made (the installers' own caches aside)
    assert not [path for path in cache.iterdir() if not path.name.startswith(".")] if cache.exists() else True


def test_the_index_password_is_in_no_problem_reported(tmp_path: Path, index: Index) -> None:
    made = environments.prepare(["nosuchdist==1.0"], installer(tmp_path, index, uv=True))
    assert made.venv is None and "nosuchdist" in made.problem
    assert PASSWORD not in made.problem


def test_the_checks_see_the_prepared_environment_and_not_the_users() -> None:
    boxed = environments.InVenv(Bubblewrap(), Path("/cache/suture/environments/abc"))
    base = {"PATH": "/home/me/project/.venv/bin:/usr/bin", "VIRTUAL_ENV": "/home/me/project/.venv", "HOME": "/home/me"}
    env = boxed.environment(base)
    assert env["PATH"].split(":") == ["/cache/suture/environments/abc/bin", "/usr/bin"]
    assert env["VIRTUAL_ENV"] == "/cache/suture/environments/abc"
    assert "PIP_INDEX_URL" not in boxed.environment({**base, "PIP_INDEX_URL": f"https://ci:{PASSWORD}@x/simple"})


def test_a_candidate_environment_is_the_checks_own_but_for_what_the_diff_adds() -> None:
    from suture.diffs import unified
    from suture.loop.upstream import requirements
    from suture.records import Candidate
    from suture.run.venv import Distribution

    old = "fakedist\nother\n"
    new = "fakedist<2 ; python_version >= '3.8'\nother\nevil @ https://x.example/evil.whl\nbad --config-settings=x\n"
    candidate = Candidate("upstream-pin", unified("requirements.txt", old, new), "pin", "f")
    installed = {
        "fakedist": Distribution("fakedist", "2.0", ("fakedist",)),
        "pytest": Distribution("pytest", "9.0.3", ("pytest", "_pytest")),
        "demo": Distribution("demo", "0.1", (), local=True),  # the project itself, installed editable
    }
    assert requirements(candidate, installed) == ["fakedist<2 ; python_version >= '3.8'", "pytest==9.0.3"]


def test_an_index_s_text_reaches_no_record_unless_it_is_a_version_or_a_time(tmp_path: Path, index: Index) -> None:
    from suture.run import index as package_index

    listing = package_index.releases(index.with_credentials("ci", PASSWORD), "FakeDist")
    assert [r.version for r in listing.releases] == ["1.0", "2.0", "2.1"]
    assert listing.get("2.0") is not None and listing.get("2.0").uploaded == "2026-06-01T10:00:00Z"  # type: ignore[union-attr]
    hostile = package_index._releases(
        [
            {"filename": "x-1.0<img src=y>-py3-none-any.whl", "upload-time": "2026"},
            {"filename": "x-2.0.tar.gz", "upload-time": "[link](http://e)"},
        ]
    )
    assert [(r.version, r.uploaded) for r in hostile] == [("2.0", "")]
    down = package_index.releases("http://127.0.0.1:9/simple", "fakedist", timeout=5)
    assert down.releases == () and "could not be read" in down.problem
    assert PASSWORD not in package_index.releases(f"http://ci:{PASSWORD}@127.0.0.1:9/simple", "x", timeout=5).problem
