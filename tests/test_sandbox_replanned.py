"""A sandbox whose plan went stale before it started: a Unix socket suture planned to mask
vanished (its directory too) between the plan and bubblewrap's start. bubblewrap then fails to
set up ("Can't mkdir parents for ..."), which is nothing of the check's: the run is planned and
started once more, and the check's own result is what is recorded."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_helpers import require_bubblewrap

from suture.capture.run import run_check
from suture.run import sandbox
from suture.run.sandbox import Bubblewrap

require_bubblewrap()
GONE = Path("/usr/share/suture-gone")  # under a read-only mount: bubblewrap cannot make the directory


def stale_first_plan(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[int]:
    """The first plan names a socket under a directory that is gone; later plans are real."""
    real = sandbox._reachable_sockets
    plans: list[int] = []

    def planned(*args: object, **kwargs: object) -> list[str]:
        plans.append(1)
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        return [*found, str(GONE / tmp_path.name / "agent.sock")] if len(plans) == 1 else found

    monkeypatch.setattr(sandbox, "_reachable_sockets", planned)
    return plans


def test_a_stale_plan_is_made_again(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    plans = stale_first_plan(monkeypatch, tmp_path)

    ran = run_check(tree, "echo the check ran", sandbox=Bubblewrap(), timeout=60)

    assert ran.exit_code == 0 and "the check ran" in ran.output, ran.output
    assert len(plans) == 2


def test_without_a_second_start_the_stale_plan_fails_the_check(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The control: the first plan really is stale (bubblewrap refuses it)."""
    tree = tmp_path / "tree"
    tree.mkdir()
    stale_first_plan(monkeypatch, tmp_path)
    monkeypatch.setattr("suture.capture.run.SANDBOX_STARTS", 1)

    ran = run_check(tree, "echo the check ran", sandbox=Bubblewrap(), timeout=60)

    assert ran.exit_code == 1 and "the check ran" not in ran.output and ran.output.startswith("bwrap: "), ran.output


def test_a_check_that_fails_is_started_once(tmp_path: Path) -> None:
    """Only bubblewrap's own failure to start (its one line, exit 1) is retried: a check's exit 1
    is its result. (A check that prints exactly such a line and exits is started twice, in every
    phase alike: it learns nothing from it.)"""
    tree = tmp_path / "tree"
    tree.mkdir()
    count = tree / "count"
    command = f'echo x >> {count}; echo "bwrap: Can\'t mkdir parents"; echo more; exit 1'

    ran = run_check(tree, command, sandbox=Bubblewrap(), timeout=60)

    assert ran.exit_code == 1
    assert count.read_text() == "x\n"
