"""Bad input for an upstream heal: each a clear reason in the result, and the user's checkout as it
was. (A good release yanked since: tests/test_upstream_userindex.py; an index that is down and an
sdist-only release: tests/test_upstream_heal.py, tests/test_upstream_environments.py.)"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import pytest
from helpers import snapshot
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import PASSWORD, heal, index, project, user_env
from upstream_index import RELEASES, Index, Release, serve

from suture.loop.upstream import context

__all__ = ["index"]

# oldsdist 1.0 (the release that worked) is an sdist only, whose setup.py leaves a canary if it runs;
# 2.0, a wheel, removed `api`.
OLDSDIST = (
    Release("oldsdist", "1.0", "2026-01-10T10:00:00Z", {}, sdist_only=True),
    Release("oldsdist", "2.0", "2026-06-01T10:00:00Z", {"oldsdist/__init__.py": "def other():\n    return 1\n"}),
)


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_a_pin_the_resolver_rejects_is_a_reason_and_the_checkout_stays(tmp_path: Path, index: Index) -> None:
    repo = project(tmp_path / "repo", dependencies='"fakedist", "needsnew"')  # needsnew requires fakedist>=2
    venv = user_env(tmp_path, index, "fakedist==2.0", "needsnew", "pytest")
    checkout = snapshot(repo)
    outcome, stderr = heal(repo, venv, index)
    assert outcome["status"] == "unfixed" and outcome["classification"] == "dependency", stderr
    verdicts = outcome["verification"]
    assert [v["candidate"]["origin"] for v in verdicts] == ["upstream-pin"]  # type: ignore[union-attr]
    reason = verdicts[0]["reason"]  # type: ignore[index]
    assert reason.startswith("the environment could not be made (the resolver rejects these requirements together)")
    assert "needsnew" in reason and "fakedist" in reason
    assert snapshot(repo) == checkout
    assert PASSWORD not in json.dumps(outcome) and PASSWORD not in stderr


@pytest.mark.skipif(bool(bubblewrap_problem()), reason="bubblewrap does not start here")
def test_a_good_release_with_no_wheel_is_a_reason_and_never_built(tmp_path: Path) -> None:
    canary = tmp_path / "canary"
    with serve(canary, password=PASSWORD, releases=(*RELEASES, *OLDSDIST)) as served:
        app = "import oldsdist\n\n\ndef value():\n    return oldsdist.api()\n"
        repo = project(tmp_path / "repo", dependencies='"oldsdist"', app=app)
        venv = user_env(tmp_path, served, "oldsdist==2.0", "pytest")
        checkout = snapshot(repo)
        outcome, stderr = heal(repo, venv, served)
    assert outcome["status"] == "unfixed" and outcome["classification"] == "dependency", stderr
    found = outcome["failures"][0]["upstream"]  # type: ignore[index]
    assert (found["distribution"], found["installed"], found["good"]) == ("oldsdist", "2.0", "")
    assert found["how"] == "1.0, the newest release before the last commit, has no wheel: suture installs wheels only"
    reasons = [v["reason"] for v in outcome["verification"]]  # type: ignore[union-attr]
    assert reasons and all("suture installs wheels only" in reason for reason in reasons), reasons
    assert not canary.exists()  # the sdist's setup.py never ran
    assert snapshot(repo) == checkout


@pytest.mark.parametrize("through_a_link", [False, True])
def test_a_committed_pyvenv_cfg_cannot_name_an_interpreter_in_the_checkout(
    tmp_path: Path, through_a_link: bool
) -> None:
    repo = tmp_path / "repo"
    evil = repo / "evil"
    evil.mkdir(parents=True)
    (evil / "python3").write_text(f"#!/bin/sh\ntouch {tmp_path / 'canary'}\n")
    (evil / "python3").chmod(0o755)
    named = tmp_path / "elsewhere"
    named.symlink_to(evil)  # a home outside the checkout that is a link into it
    venv = repo / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {named if through_a_link else evil}\n")
    (venv / "bin" / "python").symlink_to(sys.executable)
    (venv / "bin" / "uv").write_text(f"#!/bin/sh\ntouch {tmp_path / 'canary'}\n")  # first on PATH
    (venv / "bin" / "uv").chmod(0o755)
    environ = {"VIRTUAL_ENV": str(venv), "PATH": f"{venv / 'bin'}:{os.environ['PATH']}", "HOME": str(tmp_path)}
    guarded = context(environ, repo).installer
    assert Path(guarded.python).is_file() and not Path(guarded.python).resolve().is_relative_to(repo.resolve())
    assert guarded.uv == (shutil.which("uv", path=os.environ["PATH"]) or "")  # the user's uv, not the checkout's
    control = context(environ).installer
    assert Path(control.python).resolve() == (evil / "python3").resolve()
    assert control.uv == str(venv / "bin" / "uv")
    assert not (tmp_path / "canary").exists()
