"""A pytest check started before its candidate exists, so that pytest's start-up overlaps the wait.

    Warm(repo, sha, command, sandbox=..., timeout=..., files=..., checks=N)  run `warm.live()` in a thread
    warm.claim() -> Path | None        the held run's worktree, for one trial
    warm.run(changed, first) -> CheckRun | None   release it into the patched tree (None: run afresh)
    warm.done()                        the trial is over, or there is none: end it, remove the tree

Before pytest runs a test it starts the interpreter, imports itself and the plugins the
environment installs, reads its configuration and the root conftest.py: about a second
here, before any project code matters. The early trial (speculate.py) paid that second on
the critical path, after capture had shown the failure and a fixer had made the candidate.
So when capture starts, a second worktree of the base gets the pytest check started too,
and suture's plugin holds it before it collects anything. When the candidate comes it is
applied to that worktree, the test files are reset, and the run is released: it collects
and runs the patched code. What keeps it sound:

- only a check that runs pytest alone (`pytest -q`, `python -m pytest tests`); a command
  that does something first (`pip install -r requirements.txt && pytest`, where the
  candidate may change the requirements) runs afresh;
- only a candidate that changes Python files; the plugin, once released, looks for any of
  them among the modules already imported (by a conftest.py, a plugin) and exits STALE if
  it finds one, and the check then runs afresh in the same tree; the import system's
  caches are cleared for the files the candidate added;
- the check timeout counts from the release: a run still going `timeout` seconds after
  it is killed and recorded as timed out, as a fresh run would be (a backstop of the
  timeout times the checks plus one, counted from the start, covers a release that
  never comes).

A held run nobody claims (no candidate came early) is abandoned: the plugin exits, the
worktree goes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from suture.capture.channel import Channel
from suture.capture.run import run_check
from suture.records import CheckRun
from suture.run.checks import plain_pytest
from suture.run.git import worktree
from suture.run.process import Scope, scoped
from suture.run.sandbox import Sandbox

STALE = 86  # the plugin's exit status for a held run that cannot be used (_suture_pytest.STALE)


class Warm:
    def __init__(
        self, repo: Path, sha: str, command: str, *, sandbox: Sandbox, timeout: float, files: Path, checks: int
    ) -> None:
        self.command = command
        self._repo, self._sha, self._sandbox, self._files = repo, sha, sandbox, files
        self._timeout = timeout  # from the release
        self._backstop = timeout * (checks + 1)  # from the start: capture's checks, then this one
        self._scope = Scope()
        self._channel = Channel(files)  # the order goes over it on release (or abandon), never before
        self._tree: Path | None = None
        self._result: CheckRun | None = None
        self._started = self._released = 0.0
        self._ready = threading.Event()  # the worktree exists (or never will)
        self._ended = threading.Event()  # the held run returned
        self._over = threading.Event()  # the trial is done with the worktree
        self._lock = threading.Lock()
        self._claimed = False

    @staticmethod
    def wanted(commands: Sequence[str]) -> str | None:
        """The check worth starting early: the first that runs pytest alone."""
        return next((command for command in commands if plain_pytest(command)), None)

    def live(self) -> None:
        """The held run, from its worktree to its end (run it in a thread of its own)."""
        try:
            with worktree(self._repo, self._sha) as tree:
                self._tree = tree
                self._ready.set()
                try:
                    self._started = time.monotonic()
                    box, limit = self._sandbox, self._backstop
                    with scoped(self._scope):
                        self._result = run_check(
                            tree, self.command, sandbox=box, timeout=limit, files=self._files, channel=self._channel
                        )
                finally:
                    self._ended.set()
                self._over.wait()
        finally:
            self._ready.set()
            self._ended.set()
            self._channel.close()

    def claim(self) -> Path | None:
        """The held run's worktree, for the one trial that asks first; None when it is taken or
        the run has ended already (it could not start)."""
        with self._lock:
            if self._claimed:
                return None
            self._claimed = True
        self._ready.wait()
        return None if self._tree is None or self._ended.is_set() else self._tree

    def run(self, changed: Sequence[str], first: Sequence[str]) -> CheckRun | None:
        """Release the held run into the claimed, patched worktree; its record, or None when the
        check has to run afresh (a changed file was imported before the release)."""
        if self._tree is None:
            return None
        self._released = time.monotonic()
        self._channel.send({"changed": [str(self._tree / path) for path in changed], "first": list(first)})
        timed_out = not self._ended.wait(self._timeout)
        if timed_out:
            self._scope.cancel()  # killed, as run_check kills a fresh run at its timeout
            self._ended.wait()
        result = self._result
        if result is None or (result.exit_code == STALE and not timed_out):
            return None
        held = self._released - self._started
        seconds = round(max(result.seconds - held, 0.0), 3)  # the wait was not the check's
        return replace(result, seconds=seconds, timed_out=result.timed_out or timed_out)

    def done(self) -> None:
        """End the held run if it was never released, and let its worktree go."""
        try:
            self._channel.send({"abandon": True})  # dropped if the run was released
        except OSError:  # a full disk, say: the run cannot be told, so it is stopped
            self._scope.cancel()
        self._over.set()
