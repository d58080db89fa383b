"""The process limit of one check, held from outside its sandbox.

A fork bomb in a test must stop at a bound a real suite never meets (pytest-xdist's
workers and their subprocesses stay far below it). RLIMIT_NPROC alone is no such bound:
the kernel never applies it to real root (uid 0 in the initial user namespace, whatever
its capabilities — suture often runs as root in CI), and it counts threads. So a check's
processes are bounded three ways:

- `processes`: while the check runs, suture (process.run_logged, with a `Limit` from the
  sandbox) counts the processes of the check's pid namespace every POLL seconds, through
  /proc/<its init>/root/proc, and kills the whole check when there are more — as root and as
  any user. The check's log says why.
- `tasks` (threads included, four times `processes`): where a pids cgroup can be made (root
  on a host or a VM: cgroup v2 with the pids controller, or v1's pids hierarchy) the check is
  moved into one of its own with pids.max = tasks as soon as it starts (before bubblewrap
  forks anything), and the kernel refuses the fork past it; the cgroup is removed when the
  check ends, and stale ones of killed runs on the next.
- the same `tasks` as RLIMIT_NPROC inside the sandbox (sandbox.Limits.shell): for a user
  other than root, in the check's own user namespace it counts the check's tasks only.

Standard library only, so that a test can run it as another user.
"""

from __future__ import annotations

import contextlib
import os
import time

POLL = 0.05  # seconds between counts: a bomb past the kernel's bound lives at most this long
STOPPED = 137  # the exit status of a check stopped for its processes (128 + SIGKILL, as a shell says)
CGROUPS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")  # cgroup v1's pids hierarchy, v2's root
PREFIX = "suture-check-"


class Limit:
    """The process limit of one check run: `poll` it with the run's pid until it ends, then `close`."""

    def __init__(self, processes: int, tasks: int) -> None:
        self.processes = processes
        self.tasks = tasks
        self._cgroup: str | None = None
        self._started = False

    def poll(self, pid: int) -> str:
        """Why the run `pid` must stop now ('' to go on). The first call puts it in a pids cgroup."""
        if not self._started:
            self._started = True
            self._cgroup = _join_cgroup(pid, self.tasks) if self.tasks > 0 else None
        found = count(pid) if self.processes > 0 else 0
        if found <= self.processes:
            return ""
        return (
            f"suture stopped this check: {found} processes at once, more than the {self.processes} "
            "a check may start (a fork bomb?); a suite that needs more: --max-processes"
        )

    def close(self) -> None:
        """Remove the run's cgroup (its processes are gone or going: wait for them a moment)."""
        if self._cgroup is not None:
            _remove(self._cgroup)
            self._cgroup = None


def count(pid: int) -> int:
    """The processes of the pid namespace whose init `pid` (bubblewrap outside it) started: its /proc,
    seen through that init's root. 0 while there is none (the run has not reached bubblewrap yet)."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as handle:
            init = handle.read().split()
        if not init:
            return 0
        return sum(1 for name in os.listdir(f"/proc/{init[0]}/root/proc") if name.isdigit())
    except OSError:
        return 0


def _join_cgroup(pid: int, tasks: int) -> str | None:
    """A fresh pids cgroup with pids.max = `tasks` holding `pid`, where this user can make one."""
    root = _controller_root()
    if root is None:
        return None
    for name in os.listdir(root):  # left by a run killed before it could remove its own
        if name.startswith(PREFIX) and not os.path.exists(f"/proc/{name[len(PREFIX) :].split('-')[0]}"):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(root, name))
    path = os.path.join(root, f"{PREFIX}{os.getpid()}-{pid}")
    try:
        os.mkdir(path, 0o755)
        with open(os.path.join(path, "pids.max"), "w") as handle:
            handle.write(str(tasks))
        with open(os.path.join(path, "cgroup.procs"), "w") as handle:
            handle.write(str(pid))
    except OSError:
        _remove(path)
        return None
    return path


def _controller_root() -> str | None:
    for root in CGROUPS:
        try:
            if not root.endswith("/pids"):
                with open(os.path.join(root, "cgroup.subtree_control")) as handle:
                    if "pids" not in handle.read().split():
                        continue
            if os.access(root, os.W_OK) and os.path.isfile(os.path.join(root, "cgroup.procs")):
                return root
        except OSError:
            continue
    return None


def _remove(path: str) -> None:
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)
