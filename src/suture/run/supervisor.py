"""The process limit of one check, held from outside its sandbox.

A fork bomb in a test must stop at a bound a real suite never meets (pytest-xdist's
workers and their subprocesses stay far below it). RLIMIT_NPROC alone is no such bound:
the kernel never applies it to real root (uid 0 in the initial user namespace, whatever
its capabilities — suture often runs as root in CI), and it counts threads. So a check's
processes are bounded three ways:

- `processes`: suture's supervisor (this module's SOURCE, started by `Bubblewrap.argv` in
  front of bwrap, outside the sandbox) counts the processes of the check's pid namespace
  every POLL seconds, through /proc/<its init>/root/proc, and kills the whole check when
  there are more — as root and as any user. The check's log says why.
- `tasks` (threads included, four times `processes`): where a pids cgroup can be made
  (root on a host or a VM: cgroup v2 with the pids controller, or v1's pids hierarchy) the
  supervisor moves bwrap into one of its own with pids.max = tasks, and the kernel refuses
  the fork past it; the cgroup is removed when the check ends (stale ones of dead
  supervisors on the next run).
- the same `tasks` as RLIMIT_NPROC inside the sandbox (sandbox.Limits.shell): for a user
  other than root, in the check's own user namespace it counts the check's tasks only.

SOURCE runs with `python -I -S` (no site, no user paths) and uses the standard library only.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

POLL = 0.05  # seconds between counts: a bomb past the kernel's bound lives at most this long
STOPPED = 137  # the exit status of a check the supervisor stopped (128 + SIGKILL, as a shell says)

SOURCE = r"""
import os, signal, sys, time

PARENT, PROCESSES, TASKS, ARGV = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
POLL, STOPPED = {poll!r}, {stopped!r}
CGROUPS = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")


def controller_root():
    for root in CGROUPS:
        v1 = root.endswith("/pids")
        try:
            if not v1 and "pids" not in open(root + "/cgroup.subtree_control").read().split():
                continue
            if os.access(root, os.W_OK) and os.path.isfile(root + "/cgroup.procs"):
                return root
        except OSError:
            continue
    return None


def own_cgroup():
    root = controller_root()
    if root is None or TASKS <= 0:
        return None
    for name in os.listdir(root):  # left by a supervisor killed with its check (a timeout's SIGKILL)
        if name.startswith("suture-check-") and name[13:].isdigit() and not os.path.exists("/proc/" + name[13:]):
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
    path = os.path.join(root, "suture-check-%d" % os.getpid())
    try:
        os.mkdir(path, 0o755)
        with open(path + "/pids.max", "w") as handle:
            handle.write(str(TASKS))
    except OSError:
        remove(path)
        return None
    return path


def remove(path):
    for _ in range(50):
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.02)


def count(pid):
    # The processes of the check's pid namespace: its /proc, seen through its init's root.
    try:
        with open("/proc/%d/task/%d/children" % (pid, pid)) as handle:
            init = handle.read().split()
        if not init:
            return 0
        return sum(1 for name in os.listdir("/proc/%s/root/proc" % init[0]) if name.isdigit())
    except OSError:
        return 0


cgroup = own_cgroup()
signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # waited for below: the check's end wakes us at once
child = os.fork()
if child == 0:
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
    if cgroup is not None:
        try:
            with open(cgroup + "/cgroup.procs", "w") as handle:
                handle.write(str(os.getpid()))
        except OSError:
            pass
    try:
        os.execv(ARGV[0], ARGV)
    finally:
        os._exit(127)
stopped, orphaned = 0, False
while True:
    done, status = os.waitpid(child, os.WNOHANG)
    if done:
        break
    found = count(child) if PROCESSES > 0 else 0
    orphaned = os.getppid() != PARENT  # suture was killed: the check goes too (bwrap's --die-with-parent did so)
    if found > PROCESSES or orphaned:
        stopped = found if found > PROCESSES else 0
        try:
            with open("/proc/%d/task/%d/children" % (child, child)) as handle:
                for init in handle.read().split():
                    os.kill(int(init), signal.SIGKILL)
        except OSError:
            pass
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        break
    signal.sigtimedwait({signal.SIGCHLD}, POLL)
if cgroup is not None:
    remove(cgroup)
if orphaned:
    os._exit(STOPPED)
if stopped:
    sys.stderr.write(
        "\n[suture stopped this check: %d processes at once, more than the %d a check may start "
        "(a fork bomb?); a suite that needs more: --max-processes]\n" % (stopped, PROCESSES)
    )
    sys.stderr.flush()
    os._exit(STOPPED)
code = os.waitstatus_to_exitcode(status)
os._exit(code if code >= 0 else 128 - code)
"""


def supervised(argv: Sequence[str], *, processes: int, tasks: int) -> list[str]:
    """`argv` (bwrap and its arguments) started by the supervisor, with these bounds (0: none)."""
    source = SOURCE.replace("{poll!r}", repr(POLL)).replace("{stopped!r}", repr(STOPPED))
    return [sys.executable, "-I", "-S", "-c", source, str(os.getpid()), str(processes), str(tasks), *argv]
