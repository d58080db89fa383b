"""Ranked jobs on two workers: the best-ranked success wins whoever finishes first, and the
jobs ranked after it are cancelled (their real check processes killed)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from suture.loop.parallel import first_success
from suture.run.process import run_logged


def check(tmp_path: Path, name: str, seconds: float, code: int = 0) -> Callable[[], tuple[str, int, float]]:
    """A job that runs a real process the way a check runs, and reports how it ended."""

    def job() -> tuple[str, int, float]:
        script = f"sleep {seconds}; exit {code}"
        done = run_logged(
            ["/bin/sh", "-c", script], cwd=tmp_path, env=dict(os.environ), log=tmp_path / name, timeout=60
        )
        return name, done.returncode, done.seconds

    return job


def passed(result: tuple[str, int, float]) -> bool:
    return result[1] == 0


def test_a_lower_rank_passing_first_waits_for_the_better_rank(tmp_path: Path) -> None:
    jobs = [check(tmp_path, "best", 1.0), check(tmp_path, "second", 0.0)]
    results = first_success(jobs, success=passed)
    assert [name for name, _, _ in results] == ["best"]


def test_a_lower_rank_wins_when_the_better_one_fails(tmp_path: Path) -> None:
    jobs = [check(tmp_path, "best", 0.5, code=1), check(tmp_path, "second", 0.0), check(tmp_path, "third", 0.0)]
    results = first_success(jobs, success=passed)
    assert [(name, code) for name, code, _ in results] == [("best", 1), ("second", 0)]


def test_jobs_after_a_success_are_killed_or_never_started(tmp_path: Path) -> None:
    started: list[str] = []

    def noting(name: str, job: Callable[[], tuple[str, int, float]]) -> Callable[[], tuple[str, int, float]]:
        def run() -> tuple[str, int, float]:
            started.append(name)
            return job()

        return run

    jobs = [
        noting("slow", check(tmp_path, "slow", 1.0)),
        noting("fast", check(tmp_path, "fast", 0.0, code=1)),
        noting("worse", check(tmp_path, "worse", 30.0)),
        noting("worst", check(tmp_path, "worst", 30.0)),
    ]
    start = time.monotonic()
    results = first_success(jobs, success=passed)
    assert [name for name, _, _ in results] == ["slow"]
    # "worse" started on the worker "fast" freed and was killed when "slow" passed; "worst" never ran.
    assert time.monotonic() - start < 10
    assert "worst" not in started


def test_two_jobs_run_at_once(tmp_path: Path) -> None:
    jobs = [check(tmp_path, "one", 1.5, code=1), check(tmp_path, "two", 1.5, code=1)]
    start = time.monotonic()
    results = first_success(jobs, success=passed)
    assert len(results) == 2
    assert time.monotonic() - start < 2.7  # one after the other would take 3 s
