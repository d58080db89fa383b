"""Bisect over releases (loop/bisect.py): four distributions changed between the environment of
the last commit's date and the checks' one; only gamma 2.0's behaviour breaks the failing test.
Each step is a real environment from the loopback index's wheels (real uv) and a real sandboxed
pytest run; the environments differ from the good one only in the versions a step upgrades."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, snapshot
from sandbox_helpers import bubblewrap_problem
from test_upstream_bad_input import OLDSDIST
from test_upstream_heal import PASSWORD, environments, heal, index, project, tree_hash, user_env
from upstream_index import RELEASES, Index, serve

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.loop.bisect import bisect, good_versions, smallest
from suture.redact import Redactor
from suture.run.environments import Installer, InVenv, prepare
from suture.run.index import releases
from suture.run.sandbox import Bubblewrap
from suture.run.venv import installed as venv_installed
from suture.run.venv import site_packages

__all__ = ["index"]  # the fixture, shared with test_upstream_heal

APP = (
    "import alpha\nimport beta\nimport delta\nimport gamma\n\n\n"
    "def value():\n    return 'api' if gamma.scale(alpha.one() + beta.one() + delta.one()) == 6 else 'wrong'\n"
)
FOUR = '"alpha", "beta", "gamma", "delta"'


@pytest.mark.parametrize(
    ("culprits", "expected"),
    [({"gamma"}, ("gamma",)), ({"alpha", "delta"}, ("delta", "alpha")), ({"epsilon"}, ("epsilon",))],
)
def test_smallest_finds_the_fewest_upgrades_that_break(culprits: set[str], expected: tuple[str, ...]) -> None:
    names = ("alpha", "beta", "delta", "epsilon", "gamma", "zeta")
    asked: list[tuple[str, ...]] = []

    def breaks(upgraded: tuple[str, ...]) -> bool:
        asked.append(upgraded)
        return culprits <= set(upgraded)

    assert smallest(names, breaks) == expected
    assert len(asked) <= 2 * 3 + 2  # a binary search per culprit, not one step per distribution


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_a_bisect_over_four_changed_distributions_finds_the_one(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", dependencies=FOUR, app=APP)
    venv = user_env(tmp_path, index, "alpha==2.0", "beta==2.0", "gamma==2.0", "delta==2.0", "pytest")
    before, checkout = tree_hash(venv), snapshot(repo)
    outcome, stderr = heal(repo, venv, index, "--bisect")
    # A changed behaviour, nothing named: without the bisect this is the project's code.
    assert "bisect: 4 distribution(s) changed since 2026-03-01" in stderr
    assert outcome["classification"] == "dependency", stderr
    found = outcome["failures"][0]["upstream"]
    assert (found["distribution"], found["installed"], found["good"]) == ("gamma", "2.0", "1.0")
    sentence = (
        "bisect over 4 changed distribution(s) (alpha 1.0 -> 2.0, beta 1.0 -> 2.0, delta 1.0 -> 2.0, "
        "gamma 1.0 -> 2.0): gamma 2.0 alone breaks the failing tests (5 runs in 5 environments)"
    )
    assert found["bisected"] == sentence
    assert outcome["status"] == "fixed", stderr
    assert outcome["fixer"] == "upstream-pin"
    assert '"gamma<2"' in str(outcome["patch"])
    proposal = Path(str(outcome["proposal"])).read_text()  # the proposal says how the release was found
    assert proposal.splitlines()[0] == "# suture: pin gamma<2 (2.0 broke the checks)"
    assert sentence in proposal
    # The pin's environment (gamma 1.0, the others 2.0) is the bisect's last step's: reused, not made again.
    assert "reusing the prepared environment" in stderr
    made = [path.read_text().split() for path in environments().glob("*/.suture-ready")]
    good = {"alpha==1.0", "beta==1.0", "gamma==1.0", "delta==1.0"}
    assert len(made) == 5
    for resolved in made:  # each differs from the good environment only in the four versions
        assert {line for line in resolved if line.split("==")[0] not in ("alpha", "beta", "gamma", "delta")} == {
            line for line in made[0] if line.split("==")[0] not in ("alpha", "beta", "gamma", "delta")
        }
        assert len(good - set(resolved)) == len({line for line in resolved if line.endswith("==2.0")})
    assert tree_hash(venv) == before and snapshot(repo) == checkout
    assert PASSWORD not in json.dumps(outcome) and PASSWORD not in stderr


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_a_bisect_that_finds_the_old_releases_failing_too_leaves_the_diagnosis(tmp_path: Path, index: Index) -> None:
    app = APP.replace("== 6", "== 7")  # the project's own bug: wrong with every release
    repo = project(tmp_path / "repo", dependencies=FOUR, app=app)
    venv = user_env(tmp_path, index, "alpha==2.0", "beta==1.0", "gamma==1.0", "delta==2.0", "pytest")
    outcome, stderr = heal(repo, venv, index, "--bisect", "--dry-run")
    assert "the failing tests fail with the releases before it too" in stderr
    assert outcome["classification"] == "code"
    assert outcome["failures"][0]["upstream"] is None


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_the_bisect_through_real_pip_finds_the_one_and_reuses_its_environments(tmp_path: Path, index: Index) -> None:
    """The library's bisect with pip as the installer (no uv): captured and diagnosed in the user's
    venv, then the four changed releases bisected; an environment asked again is the one made."""
    repo = project(tmp_path / "repo", dependencies=FOUR, app=APP)
    venv = user_env(tmp_path, index, "alpha==2.0", "beta==2.0", "gamma==2.0", "delta==2.0", "pytest")
    sha = git(repo, "rev-parse", "HEAD").strip()
    build = capture(repo, sha, ["python -m pytest -q"], sandbox=InVenv(Bubblewrap(), venv), timeout=120)
    diagnosis = diagnose(build, redactor=Redactor({}))
    assert diagnosis.failing_tests == ("tests/test_app.py::test_value",)
    installed = {key: d for site in site_packages(venv) for key, d in venv_installed(site).items()}
    url = index.with_credentials("ci", PASSWORD)
    changes = good_versions(installed, lambda name: releases(url, name), "2026-03-01T12:00:00Z")
    assert changes.versions == {name: ("1.0", "2.0") for name in ("alpha", "beta", "delta", "gamma")}
    pip = Installer(python=sys.executable, index_url=url, cache=tmp_path / "envs", uv="")
    found = bisect(build, diagnosis, changes, pip, sandbox=Bubblewrap(), timeout=120)
    assert found.culprits == ("gamma",) and found.problem == ""
    assert [step.broke for step in found.steps] == [False, True, False, False, True]
    made = sorted(path.name for path in (tmp_path / "envs").iterdir() if (path / ".suture-ready").is_file())
    assert len(made) == len({step.resolved for step in found.steps}) == 5
    good = prepare(list(found.steps[0].resolved), pip)  # the good end asked again: the same environment
    assert good.reused and good.venv is not None and good.venv.name in made


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_a_changed_release_whose_old_one_has_no_wheel_is_kept_new_and_the_bisect_goes_on(tmp_path: Path) -> None:
    with serve(tmp_path / "canary", password=PASSWORD, releases=(*RELEASES, *OLDSDIST)) as served:
        app = "import oldsdist\n" + APP.replace("import delta\n", "").replace(" + delta.one()", " + 1")
        repo = project(tmp_path / "repo", dependencies='"alpha", "beta", "gamma", "oldsdist"', app=app)
        venv = user_env(tmp_path, served, "alpha==2.0", "beta==2.0", "gamma==2.0", "oldsdist==2.0", "pytest")
        outcome, stderr = heal(repo, venv, served, "--bisect", "--dry-run")
    found = outcome["failures"][0]["upstream"]
    assert found is not None, stderr
    assert (found["distribution"], found["installed"], found["good"]) == ("gamma", "2.0", "1.0"), stderr
    assert found["bisected"].startswith(
        "bisect over 3 changed distribution(s) (alpha 1.0 -> 2.0, beta 1.0 -> 2.0, gamma 1.0 -> 2.0); "
        "kept at their new release, the old one does not install here: oldsdist 1.0: gamma 2.0 alone breaks"
    )
    assert not (tmp_path / "canary").exists()  # oldsdist 1.0's sdist was never built


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_diagnose_bisect_names_the_release_without_fixing(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", dependencies=FOUR, app=APP)
    venv = user_env(tmp_path, index, "alpha==2.0", "beta==2.0", "gamma==2.0", "delta==2.0", "pytest")
    env = {
        **os.environ,
        "PATH": f"{venv / 'bin'}:{os.environ['PATH']}",
        "VIRTUAL_ENV": str(venv),
        "PIP_INDEX_URL": index.with_credentials("ci", PASSWORD),
    }
    argv = [sys.executable, "-m", "suture", "diagnose", "--bisect", "--json", "--test-cmd", "python -m pytest -q"]
    done = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr  # a failure explained
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["class"] == "dependency"
    named = found["failures"][0]["upstream"]
    assert (named["distribution"], named["installed"], named["good"]) == ("gamma", "2.0", "1.0")
    assert "gamma 2.0 alone breaks the failing tests" in named["bisected"]
    assert git(repo, "branch", "--list", "suture/*").strip() == ""  # nothing proposed
