"""The loopback index of the upstream tests: real pip and real uv install from it, uv resolves by its
upload times, and build code of an sdist never runs where only wheels are allowed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from upstream_index import serve

UV = "uv"


def installer_env(home: Path) -> dict[str, str]:
    """No configuration of this machine's pip or uv (find-links, extra indexes) reaches the installers."""
    return {"PATH": os.environ["PATH"], "HOME": str(home), "PIP_CONFIG_FILE": os.devnull, "UV_NO_CONFIG": "1"}


def install(tool: list[str], index: str, target: Path, *requirements: str) -> subprocess.CompletedProcess[str]:
    """`tool install` of wheels only from `index` into `target`."""
    argv = [*tool, "install", "--only-binary", ":all:", "--index-url", index, "--target", str(target), *requirements]
    return run(argv, target.parent)


def compile_(index: str, home: Path, requirements: str, *options: str) -> subprocess.CompletedProcess[str]:
    return run([UV, "pip", "compile", "-", "--no-cache", "--index-url", index, *options], home, requirements)


def run(argv: list[str], home: Path, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, input=stdin, capture_output=True, text=True, env=installer_env(home), timeout=120)


def test_pip_installs_wheels_from_the_index(tmp_path: Path) -> None:
    pip = [sys.executable, "-m", "pip", "--no-cache-dir"]
    with serve(tmp_path / "canary") as index:
        done = install(pip, index.url, tmp_path / "site", "fakedist<2", "parentdist")
    assert done.returncode == 0, done.stderr
    assert "Successfully installed childdist-2.0 fakedist-1.0 parentdist-1.0" in done.stdout
    assert "def api" in (tmp_path / "site" / "fakedist" / "__init__.py").read_text()


def test_uv_resolves_by_upload_time_and_installs_pytest(tmp_path: Path) -> None:
    with serve(tmp_path / "canary") as index:
        dated = compile_(index.url, tmp_path, "fakedist\npytest\n", "--exclude-newer", "2026-03-01T00:00:00Z")
        newest = compile_(index.url, tmp_path, "fakedist\n")
        assert "/simple/fakedist/" in index.seen
    assert dated.returncode == 0, dated.stderr
    assert "fakedist==1.0" in dated.stdout.splitlines()
    assert any(line.startswith("pytest==") for line in dated.stdout.splitlines())
    assert "fakedist==2.1" in newest.stdout.splitlines()


def test_an_sdist_only_release_is_refused_without_running_its_build(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    with serve(canary) as index:
        done = install([UV, "pip", "--no-cache"], index.url, tmp_path / "site", "sdistonly==2.0")
    assert done.returncode != 0
    assert "sdistonly" in done.stderr
    assert not canary.exists()


def test_a_private_index_wants_its_credentials(tmp_path: Path) -> None:
    with serve(tmp_path / "canary", password="s3cret-index-pw") as index:
        refused = compile_(index.url, tmp_path, "fakedist\n")
        allowed = compile_(index.with_credentials("ci", "s3cret-index-pw"), tmp_path, "fakedist\n")
    assert refused.returncode != 0
    assert allowed.returncode == 0, allowed.stderr
    assert "fakedist==2.1" in allowed.stdout.splitlines()


@pytest.fixture(autouse=True)
def _uv_installed() -> None:
    if subprocess.run([UV, "--version"], capture_output=True).returncode != 0:
        pytest.fail("uv is part of the test extra: pip install -e '.[test]'")
