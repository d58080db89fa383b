"""Bad input for an upstream heal: each a clear reason in the result, and the user's checkout as it
was. (A good release yanked since: tests/test_upstream_userindex.py; an index that is down and an
sdist-only release: tests/test_upstream_heal.py, tests/test_upstream_environments.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import snapshot
from sandbox_helpers import bubblewrap_problem
from test_upstream_heal import PASSWORD, heal, index, project, user_env
from upstream_index import Index

__all__ = ["index"]


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
