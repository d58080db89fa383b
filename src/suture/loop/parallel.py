"""Ranked jobs on a few workers: the best-ranked success wins, whoever finishes first.

Candidates are verified two at a time (the machine's cores, not more: each check run is
a full test run). A job's result counts only once every better-ranked job has finished
without success: a lower-ranked candidate that passes first waits for the better ones
still running, and wins only if they fail. As soon as one succeeds, every job ranked
after it is pointless: queued ones never start, running ones have their check runs
killed (`process.Scope`) and their results are dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

from suture.run.process import Scope, scoped

T = TypeVar("T")
WORKERS = 2


def first_success(jobs: Sequence[Callable[[], T]], *, success: Callable[[T], bool], workers: int = WORKERS) -> list[T]:
    """Run `jobs` (best first) on up to `workers` threads; the results up to the best-ranked success.

    The list holds, in rank order, every job's result up to and including the first
    success, or all of them when none succeeds.
    """
    scopes = [Scope() for _ in jobs]

    def run(rank: int, job: Callable[[], T]) -> T | None:
        if scopes[rank].cancelled:
            return None  # a better-ranked job succeeded before this one started
        with scoped(scopes[rank]):
            result = job()
        if success(result):
            for later in scopes[rank + 1 :]:
                later.cancel()
        return result

    results: list[T] = []
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="suture-verify") as pool:
        futures: list[Future[T | None]] = [pool.submit(run, rank, job) for rank, job in enumerate(jobs)]
        try:
            for future in futures:
                result = future.result()
                if result is None:  # cancelled: only ever after a success, which ended the loop
                    break
                results.append(result)
                if success(result):
                    break
        finally:
            for rank in range(len(results), len(futures)):
                futures[rank].cancel()
                scopes[rank].cancel()
    return results
