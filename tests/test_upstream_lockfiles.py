"""A lockfile that pins the broken release moves forward to the one that fixed it (run/lockfiles.py):
uv.lock by uv itself (`uv lock --upgrade-package`, nothing built, in a directory of suture's holding
only pyproject.toml and uv.lock, from the user's index); pip-tools' hashed pins with the hashes the
index lists for the new release, which real pip then installs with --require-hashes. A lock that
cannot be moved safely (the commit's [tool.uv] names its own index) is a reason in the result."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import PASSWORD, heal, index, project, user_env
from test_upstream_userindex import trap
from upstream_index import Index

from suture.run import environments, lockfiles
from suture.run.source import Source

__all__ = ["index", "trap"]

bwrap = pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
PYPROJECT = '[project]\nname = "demo"\nversion = "0.1"\nrequires-python = ">=3.11"\ndependencies = ["fakedist"]\n'


def wheel_hash(served: Index, version: str) -> str:
    data = served.files["fakedist"][f"fakedist-{version}-py3-none-any.whl"][0]
    return "sha256:" + hashlib.sha256(data).hexdigest()


def uv_lock(tmp_path: Path, served: Index, pyproject: str, pin: str) -> str:
    """The uv.lock real uv writes for `pyproject` with `pin`, from the index (as the project's CI would)."""
    folder = tmp_path / "locking"
    folder.mkdir()
    (folder / "pyproject.toml").write_text(pyproject)
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "UV_NO_CONFIG": "1",
        "UV_CACHE_DIR": str(tmp_path / "uvc"),
    }
    env["UV_INDEX_URL"] = served.with_credentials("ci", PASSWORD)
    subprocess.run(
        ["uv", "lock", "--quiet", "--python", sys.executable, "--upgrade-package", pin],
        cwd=folder,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return (folder / "uv.lock").read_text()


HASHED_INSTALL = [sys.executable, "-m", "pip", "install", "--dry-run", "--quiet", "--require-hashes", "--no-deps"]
ALLOWED = '\n[tool.suture]\nallow-paths = ["uv.lock"]\n'  # lockfiles are protected unless the base allows


@bwrap
def test_a_uv_lock_moves_forward_by_uv_and_only_the_lock_changes(tmp_path: Path, index: Index) -> None:
    lock = uv_lock(tmp_path, index, PYPROJECT, "fakedist==2.0")
    assert lockfiles.locked(lock)["fakedist"] == "2.0"
    repo = project(tmp_path / "repo", extra={"pyproject.toml": PYPROJECT + ALLOWED, "uv.lock": lock})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    checkout = snapshot(repo)
    outcome, stderr = heal(repo, venv, index, "--dry-run")
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-lock"
    patch = str(outcome["patch"])
    assert [line for line in patch.splitlines() if line.startswith("+++")] == ["+++ b/uv.lock"]
    assert '+version = "2.1"' in patch.splitlines() and wheel_hash(index, "2.1") in patch
    rationale = outcome["verification"][0]["candidate"]["rationale"]  # type: ignore[index]
    assert "`uv lock --upgrade-package fakedist==2.1 --no-build`, nothing built: fakedist 2.0 -> 2.1" in rationale
    assert PASSWORD not in json.dumps(outcome) and PASSWORD not in stderr
    assert snapshot(repo) == checkout


@bwrap
def test_a_uv_lock_the_policy_protects_is_not_moved_and_the_result_says_how_to_allow_it(
    tmp_path: Path, index: Index
) -> None:
    lock = uv_lock(tmp_path, index, PYPROJECT, "fakedist==2.0")
    repo = project(tmp_path / "repo", extra={"pyproject.toml": PYPROJECT, "uv.lock": lock})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index, "--dry-run")
    refused = [v for v in outcome["verification"] if v["candidate"]["origin"] == "upstream-lock"]  # type: ignore[union-attr]
    assert [v["passed"] for v in refused] == [False], stderr
    assert (
        "uv.lock is a lockfile, which no fix may change unless the trusted configuration says "
        '[tool.suture] allow-paths = ["uv.lock"]' in refused[0]["reason"]
    )
    assert '+version = "2.1"' in refused[0]["candidate"]["diff"]  # moved, shown, not tried
    assert outcome["fixer"] == "upstream-pin"


@bwrap
def test_a_uv_lock_whose_project_names_its_own_index_is_not_moved_and_says_why(
    tmp_path: Path, index: Index, trap: list[str]
) -> None:
    lock = uv_lock(tmp_path, index, PYPROJECT, "fakedist==2.0")
    steered = PYPROJECT + f'\n[tool.uv]\nindex-url = "{trap[0]}"\n'
    repo = project(tmp_path / "repo", extra={"pyproject.toml": steered, "uv.lock": lock})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index, "--dry-run")
    refused = [v["reason"] for v in outcome["verification"] if v["candidate"]["origin"] == "upstream-lock"]  # type: ignore[union-attr]
    assert refused and "[tool.uv] names index-url: suture installs from your index only" in refused[0], stderr
    assert outcome["fixer"] == "upstream-pin"  # the stop-gap, verified; the lock left to its owner
    assert trap[1:] == []


def test_hashed_pins_are_rewritten_for_the_one_distribution() -> None:
    text = (
        "# pip-compile --generate-hashes\n"
        "fakedist==2.0 \\\n    --hash=sha256:" + "a" * 64 + " \\\n    --hash=sha256:" + "b" * 64 + "\n"
        "    # via -r requirements.in\n"
        "other==1.0 \\\n    --hash=sha256:" + "c" * 64 + "\n"
    )
    assert lockfiles.has_hashes(text, "FakeDist") and not lockfiles.has_hashes(text, "nothere")
    new = lockfiles.rehashed(text, "fakedist", "2.1", ("sha256:" + "e" * 64, "sha256:" + "d" * 64))
    assert new == (
        "# pip-compile --generate-hashes\n"
        "fakedist==2.1 \\\n    --hash=sha256:" + "d" * 64 + " \\\n    --hash=sha256:" + "e" * 64 + "\n"
        "    # via -r requirements.in\n"
        "other==1.0 \\\n    --hash=sha256:" + "c" * 64 + "\n"
    )


@bwrap
def test_pip_tools_hashed_pins_move_forward_with_the_new_release_s_hashes(tmp_path: Path, index: Index) -> None:
    requirements = f"fakedist==2.0 \\\n    --hash={wheel_hash(index, '2.0')}\n    # via -r requirements.in\n"
    repo = project(tmp_path / "repo", dependencies="", extra={"requirements.txt": requirements})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index, "--dry-run")
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-lock"
    patch = str(outcome["patch"])
    assert "+fakedist==2.1 \\" in patch.splitlines() and f"+    --hash={wheel_hash(index, '2.1')}" in patch.splitlines()
    moved = tmp_path / "moved.txt"  # the file as the patch leaves it: real pip installs it, hashes required
    moved.write_text(requirements.replace("==2.0", "==2.1").replace(wheel_hash(index, "2.0"), wheel_hash(index, "2.1")))
    done = subprocess.run(
        [*HASHED_INSTALL, "--index-url", index.with_credentials("ci", PASSWORD), "-r", str(moved)],
        capture_output=True,
        text=True,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull, "PIP_IGNORE_INSTALLED": "1"},
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize(
    ("pyproject", "lock", "said"),
    [
        (
            PYPROJECT.replace('["fakedist"]', '["fakedist", "evil @ git+https://127.0.0.1:9/evil.git"]'),
            "",
            "direct reference (evil @ ...)",
        ),
        (
            PYPROJECT + '\n[dependency-groups]\ndev = ["tool @ https://127.0.0.1:9/tool.whl"]\n',
            "",
            "direct reference (tool @ ...)",
        ),
        (
            PYPROJECT,
            '[[package]]\nname = "evil"\nversion = "1"\nsource = { git = "https://127.0.0.1:9/evil.git" }\n',
            "from a git source",
        ),
        (
            PYPROJECT.replace('dependencies = ["fakedist"]', 'dynamic = ["dependencies"]'),
            "",
            "dependencies are dynamic",
        ),
        (PYPROJECT + '\n[[tool.uv.index]]\nurl = "http://127.0.0.1:9/simple"\n', "", "[tool.uv] names index"),
    ],
    ids=["git-dependency", "url-in-a-group", "git-in-the-lock", "dynamic", "tool-uv-index"],
)
def test_a_lock_that_would_fetch_or_build_what_the_commit_names_is_not_moved(
    tmp_path: Path, pyproject: str, lock: str, said: str
) -> None:
    repo = make_repo(tmp_path / "repo", {"pyproject.toml": pyproject, "uv.lock": lock or "version = 1\n"})
    sha = git(repo, "rev-parse", "HEAD").strip()
    installer = environments.Installer(
        python=sys.executable, index_url="http://127.0.0.1:9/simple", cache=tmp_path / "cache", uv="/bin/false"
    )
    moved = lockfiles.uv_forward(Source(repo, sha), "fakedist", "2.1", installer)
    assert moved is not None and moved.new == ""
    assert said in moved.problem
    assert not (tmp_path / "cache").exists()  # refused before any directory was made or anything ran


@bwrap
def test_a_poetry_lock_that_pins_the_broken_release_is_said_not_moved(tmp_path: Path, index: Index) -> None:
    poetry = '[[package]]\nname = "fakedist"\nversion = "2.0"\ndescription = ""\noptional = false\n'
    repo = project(tmp_path / "repo", extra={"poetry.lock": poetry})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    checkout = snapshot(repo)
    outcome, stderr = heal(repo, venv, index, "--dry-run")
    reasons = [v["reason"] for v in outcome["verification"] if v["candidate"]["origin"] == "upstream-lock"]  # type: ignore[union-attr]
    assert reasons == [
        "poetry.lock pins fakedist 2.0: suture does not move it, because its tool may build a dependency's sdist "
        "to read its metadata (that code would run on this host); run `poetry update fakedist --lock`"
    ], stderr
    assert outcome["fixer"] == "upstream-pin" and "poetry.lock" not in str(outcome["patch"])
    assert snapshot(repo) == checkout
