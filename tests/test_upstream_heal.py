"""Breakage from upstream, end to end through `suture heal`: a project green with fakedist 1.0 is red
in an environment with 2.0 (installed from the loopback index of upstream_index.py with real uv).
suture names the release and the last good version, pins or migrates, verifies the pin in an
environment it prepared from wheels in its own cache, and leaves the user's checkout and
environment byte-identical. No test reaches a public index."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import make_repo, snapshot
from sandbox_helpers import bubblewrap_problem
from upstream_index import Index, serve

pytestmark = pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")

COMMITTED = "2026-03-01T12:00:00+00:00"  # after fakedist 1.0 (2026-01-10), before 2.0 (2026-06-01)
PASSWORD = "idx-pw-7f3a9c1e5b"
# Runs in the checks, before and after: the index's password is in no variable and no file of the
# environment they run with (a leak fails the check, and the heal with it).
NO_SECRET = f"""import os, sys
from pathlib import Path


def test_the_index_password_is_out_of_reach():
    assert not any({PASSWORD[:6]!r} + {PASSWORD[6:]!r} in value for value in os.environ.values())
    files = [path for path in Path(sys.prefix).rglob("*") if path.is_file() and "__pycache__" not in path.parts]
    assert files and not any(({PASSWORD[:6]!r} + {PASSWORD[6:]!r}).encode() in path.read_bytes() for path in files)
"""
TEST = "def test_value():\n    from app import value\n\n    assert value() == 'api'\n"


def project(
    root: Path, *, dependencies: str = '"fakedist"', app: str = "", extra: dict[str, str] | None = None
) -> Path:
    files = {
        "pyproject.toml": f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{dependencies}]\n',
        "app.py": app or "import fakedist\n\n\ndef value():\n    return fakedist.api()\n",
        "tests/test_app.py": TEST,
        **(extra or {}),
    }
    env = {**os.environ, "GIT_AUTHOR_DATE": COMMITTED, "GIT_COMMITTER_DATE": COMMITTED}
    old = dict(os.environ)
    os.environ.update(env)
    try:
        return make_repo(root, files)
    finally:
        os.environ.clear()
        os.environ.update(old)


def user_env(tmp: Path, index: Index, *requirements: str) -> Path:
    """The user's own virtualenv, installed from the index with real uv."""
    venv = tmp / "user-venv"
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp), "UV_NO_CONFIG": "1", "UV_CACHE_DIR": str(tmp / "uvc")}
    url = index.with_credentials("ci", PASSWORD)
    for argv in (
        ["uv", "venv", "--quiet", "--python", sys.executable, str(venv)],
        ["uv", "pip", "install", "--quiet", "--python", str(venv / "bin/python"), "--index-url", url, *requirements],
    ):
        subprocess.run(argv, check=True, env=env, capture_output=True, timeout=120)
    return venv


def tree_hash(root: Path) -> str:
    """Every path, link target and file's bytes under `root`: a venv changed in any way hashes otherwise."""
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        digest.update(str(path.relative_to(root)).encode())
        if path.is_symlink():
            digest.update(os.readlink(path).encode())
        elif path.is_file():
            digest.update(path.read_bytes())
    return digest.hexdigest()


def heal(
    repo: Path,
    venv: Path,
    index: Index | None,
    *args: str,
    environ: dict[str, str] | None = None,
    test_cmd: str = "python -m pytest -q",
) -> tuple[dict[str, object], str]:
    """`suture heal --json` in `repo` with `venv` active; the index named by PIP_INDEX_URL (with `index`)
    or by what `environ` (os.environ without the index variables, say) configures."""
    env = {
        **(os.environ if environ is None else environ),
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        **({"PIP_INDEX_URL": index.with_credentials("ci", PASSWORD)} if index is not None else {}),
        "PYTHONPATH": str(Path(__file__).parents[1] / "src"),
    }
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--json", "--test-cmd", test_cmd, *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    return json.loads(lines[-1]), done.stderr


@pytest.fixture
def index(tmp_path: Path):  # type: ignore[no-untyped-def]
    with serve(tmp_path / "canary", password=PASSWORD) as served:
        yield served


# The issue found `--sandbox none` verifying a pin by downgrading the user's own venv: both sandboxes here.
@pytest.mark.parametrize("sandbox", ["bwrap", "none"])
def test_a_removed_api_is_named_and_pinned_in_an_environment_suture_prepared(
    tmp_path: Path, index: Index, sandbox: str
) -> None:
    # Without a sandbox the checks see the user's environment, the index's URL included: no such promise.
    repo = project(tmp_path / "repo", extra={"tests/test_secret.py": NO_SECRET} if sandbox == "bwrap" else {})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    before, checkout = tree_hash(venv), snapshot(repo)
    outcome, stderr = heal(repo, venv, index, "--sandbox", sandbox)
    assert outcome["classification"] == "dependency", stderr
    failure = outcome["failures"][0]  # type: ignore[index]
    assert failure["upstream"]["distribution"] == "fakedist"
    assert (failure["upstream"]["installed"], failure["upstream"]["good"]) == ("2.0", "1.0")
    assert failure["upstream"]["released"] == "2026-06-01"
    assert failure["upstream"]["name"] == "api"
    assert "fakedist 2.0 (released 2026-06-01) removed `api`; 1.0 worked (by date" in stderr
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-pin"
    assert '+dependencies = ["fakedist<2"]' in str(outcome["patch"])
    proposal = Path(str(outcome["proposal"])).read_text()
    assert proposal.splitlines()[0] == "# suture: pin fakedist<2 (2.0 removed api)"
    assert "Upstream breakage: fakedist 2.0 (released 2026-06-01) removed `api`" in proposal
    # The user's environment and checkout are as they were; the password is nowhere suture wrote.
    assert tree_hash(venv) == before
    assert snapshot(repo) == checkout
    assert PASSWORD not in proposal and PASSWORD not in json.dumps(outcome) and PASSWORD not in stderr
    prepared = [path.parent.parent for path in environments().glob("*/bin/python")]
    assert prepared, "the pin was verified in an environment of suture's own"
    for environment in prepared:  # the index's password reached no file of it (the sandbox sees them)
        assert not any(PASSWORD.encode() in path.read_bytes() for path in environment.rglob("*") if path.is_file())


def environments() -> Path:
    return Path(os.environ["XDG_CACHE_HOME"]) / "suture" / "environments"


def test_a_replacement_the_release_names_is_migrated_to_rather_than_pinned(tmp_path: Path, index: Index) -> None:
    app = "import movedist\n\n\ndef value():\n    return movedist.old_name() and 'api'\n"
    repo = project(tmp_path / "repo", dependencies='"movedist"', app=app)
    venv = user_env(tmp_path, index, "movedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index)
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-migrate"
    assert "+    return movedist.new_name() and 'api'" in str(outcome["patch"])
    assert "pyproject.toml" not in str(outcome["patch"])
    proposal = Path(str(outcome["proposal"])).read_text()
    assert proposal.splitlines()[0] == "# suture: migrate to movedist.new_name for movedist 2.0"


def test_a_transitive_release_is_pinned_in_the_constraints_file(tmp_path: Path, index: Index) -> None:
    app = "import parentdist\n\n\ndef value():\n    return parentdist.work() and 'api'\n"
    repo = project(tmp_path / "repo", dependencies='"parentdist"', app=app, extra={"constraints.txt": "pytest>=8\n"})
    venv = user_env(tmp_path, index, "parentdist", "pytest")  # childdist 2.0 comes with it
    outcome, stderr = heal(repo, venv, index)
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-pin"
    assert "+childdist<2" in str(outcome["patch"]) and "+++ b/constraints.txt" in str(outcome["patch"])
    assert "a dependency of a dependency" in stderr or "dependency of a dependency" in json.dumps(outcome)


def test_a_locked_release_moves_forward_to_the_one_that_fixed_it(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", dependencies="", extra={"requirements.txt": "fakedist==2.0\n"})
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index)
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-lock"  # 2.1 brought `api` back: better than a pin to 1.0
    assert "+fakedist==2.1" in str(outcome["patch"]).splitlines()
    proposal = Path(str(outcome["proposal"])).read_text()
    assert proposal.splitlines()[0] == "# suture: move fakedist to 2.1 (2.0 removed api)"


def test_the_migration_the_last_good_release_warned_of_wins_over_the_pin(tmp_path: Path, index: Index) -> None:
    app = "import olddist\n\n\ndef value():\n    return olddist.api()\n"
    repo = project(tmp_path / "repo", dependencies='"olddist"', app=app)
    venv = user_env(tmp_path, index, "olddist==2.0", "pytest")  # 2.0's error names nothing instead
    outcome, stderr = heal(repo, venv, index)
    assert outcome["status"] == "fixed", stderr
    assert "the last good release's warning names `olddist.new_api`" in stderr
    assert outcome["fixer"] == "upstream-migrate"
    assert "+    return olddist.new_api()" in str(outcome["patch"]).splitlines()
    verified = [(v["candidate"]["origin"], v["passed"]) for v in outcome["verification"]]  # type: ignore[union-attr]
    assert verified == [("upstream-pin", True), ("upstream-migrate", True)]


def test_an_index_that_is_down_is_a_reason_and_the_checkout_stays(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo")
    venv = user_env(tmp_path, index, "fakedist==2.0", "pytest")
    checkout = snapshot(repo)
    down = Index(url="http://127.0.0.1:9/simple", files={})  # nothing listens there
    outcome, stderr = heal(repo, venv, down)
    assert outcome["status"] == "unfixed" and outcome["classification"] == "dependency", stderr
    found = outcome["failures"][0]["upstream"]  # type: ignore[index]
    assert (found["distribution"], found["installed"], found["good"]) == ("fakedist", "2.0", "")
    assert "could not be read" in found["how"]
    reasons = [verdict["reason"] for verdict in outcome["verification"]]  # type: ignore[union-attr]
    assert reasons and all("could not be made" in reason for reason in reasons)
    assert snapshot(repo) == checkout
