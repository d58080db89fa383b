"""A check's processes are bounded, as root and as any other user (run/supervisor.py).

Each test runs a real check (bubblewrap, the supervisor in front of it) whose code forks
children that sleep; the bound must stop it, and a suite's ordinary load (workers with
threads and subprocesses) must fit under the default one.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import git as plain_git
from helpers import make_repo
from sandbox_helpers import require_bubblewrap

import suture
from suture.capture.run import run_check
from suture.run.process import run_logged
from suture.run.sandbox import Bubblewrap, Limits
from suture.run.supervisor import STOPPED, Limit

require_bubblewrap()

FORKS = """\
import os, sys, time
children = []
try:
    for _ in range(int(sys.argv[1])):
        pid = os.fork()
        if pid == 0:
            time.sleep(2)
            os._exit(0)
        children.append(pid)
except OSError as exc:
    print("fork refused:", exc)
for pid in children:
    os.waitpid(pid, 0)
print("forked", len(children))
"""
# What a suite under pytest-xdist does at its busiest: 8 workers, each with a pool of 16
# threads and a subprocess of its own.
LOAD = """\
import subprocess, sys, threading, time
from concurrent.futures import ThreadPoolExecutor
if len(sys.argv) > 1:
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(time.sleep, [0.5] * 16))
    subprocess.run([sys.executable, "-c", "import time; time.sleep(0.5)"], check=True)
    sys.exit(0)
workers = [subprocess.Popen([sys.executable, __file__, "worker"]) for _ in range(8)]
sys.exit(max(worker.wait() for worker in workers))
"""


@pytest.fixture
def tree() -> Iterator[Path]:
    """A directory any user can enter (a test below runs the check as nobody)."""
    with tempfile.TemporaryDirectory(prefix="suture-limit-") as where:
        os.chmod(where, 0o755)
        (Path(where) / "forks.py").write_text(FORKS)
        (Path(where) / "load.py").write_text(LOAD)
        for name in ("forks.py", "load.py"):
            os.chmod(Path(where) / name, 0o644)
        yield Path(where)


def check(tree: Path, command: str, limits: Limits) -> tuple[int, str]:
    ran = run_check(tree, command, sandbox=Bubblewrap(limits=limits), timeout=60)
    return ran.exit_code, ran.output


def test_a_fork_bomb_is_stopped_at_the_limit(tree: Path) -> None:
    code, output = check(tree, f"{sys.executable} forks.py 100", Limits(processes=40))
    assert code == STOPPED, output
    assert "suture stopped this check" in output and "more than the 40 a check may start" in output
    assert "forked 100" not in output


def test_without_a_limit_the_same_forks_run(tree: Path) -> None:
    """The control: the judge above sees the limit, not something else failing."""
    code, output = check(tree, f"{sys.executable} forks.py 100", Limits(processes=0))
    assert code == 0 and "forked 100" in output, output


def test_a_busy_suite_fits_the_default_limit(tree: Path) -> None:
    code, output = check(tree, f"{sys.executable} load.py", Limits())
    assert code == 0, output
    assert Limits().processes == 256 and Limits().tasks == 1024


# suture's side of a run, as another user: bubblewrap's argv started, and watched by a Limit.
AS_USER = """\
import json, os, signal, subprocess, sys
from suture.run.supervisor import Limit
argv, processes = json.loads(sys.argv[1]), int(sys.argv[2])
proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
limit = Limit(processes, 4 * processes) if processes else None
reason = ""
while proc.poll() is None and not reason:
    reason = limit.poll(proc.pid) if limit else ""
    try:
        proc.wait(timeout=0.05)
    except subprocess.TimeoutExpired:
        pass
if reason:
    os.killpg(proc.pid, signal.SIGKILL)
print(proc.communicate()[0], reason)
"""


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root to become nobody")
def test_a_fork_bomb_is_stopped_for_a_user_other_than_root(tree: Path) -> None:
    """suture's watch and the sandbox as nobody (uid 65534): the check's pid namespace is counted
    by its owner; RLIMIT_NPROC applies there too, in the check's own user namespace."""
    python = "/usr/bin/python3"  # this user cannot enter root's home, where the test's own lives
    if not os.access(python, os.X_OK):
        pytest.skip("no system python for another user")
    done = as_nobody(tree, python, 40)
    assert "suture stopped this check" in done.stdout and "forked 100" not in done.stdout, done.stdout + done.stderr
    done = as_nobody(tree, python, 0)
    assert "forked 100" in done.stdout and "suture stopped" not in done.stdout, done.stdout + done.stderr


def as_nobody(tree: Path, python: str, processes: int) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/home/nobody", "PYTHONPATH": str(Path(suture.__file__).parents[1])}
    with tempfile.TemporaryDirectory(prefix="suture-box-") as scratch:
        limits = Limits(processes=processes)
        argv = Bubblewrap(limits=limits).argv(f"{python} forks.py 100", tree=tree, scratch=Path(scratch), env=env)
        argv = unreachable_sockets_left_out(argv)
        subprocess.run(["chmod", "-R", "a+rX", scratch], check=True)
        nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        script = [python, "-c", AS_USER, json.dumps(argv), str(processes)]
        return subprocess.run([*nobody, *script], cwd=tree, capture_output=True, text=True, timeout=60, env=env)


def test_the_kernel_bound_where_a_pids_cgroup_can_be_made(tree: Path) -> None:
    """Root on a host: the run's own pids cgroup refuses the fork past `tasks`, and goes with the run."""
    roots = ("/sys/fs/cgroup/pids", "/sys/fs/cgroup")
    if os.geteuid() != 0 or not any(os.access(root, os.W_OK) for root in roots):
        pytest.skip("no pids cgroup this user can make")
    log = tree / "log"
    # The run joins its cgroup on the watch's first poll, just after it starts: a check's bubblewrap,
    # shell and interpreter start long before its tests fork; the sleep stands for that start (a bare
    # interpreter forks at once, some children before the join, and the count here would vary).
    argv = ["/bin/sh", "-c", f"sleep 0.5; exec {shlex.quote(sys.executable)} forks.py 100"]
    timed = run_logged(argv, cwd=tree, env=dict(os.environ), log=log, timeout=60, watch=Limit(0, 30))
    output = log.read_text()
    assert timed.returncode == 0 and "fork refused" in output, output
    forked = int(output.rsplit("forked", 1)[1])
    assert 20 <= forked < 30
    left = [name for root in roots if os.path.isdir(root) for name in os.listdir(root)]
    assert not [name for name in left if name.startswith(f"suture-check-{os.getpid()}-")]


def test_the_limit_is_a_flag_and_no_repository_key(tmp_path: Path) -> None:
    test = "import os, time\n\n\ndef test_forks():\n" + "".join(
        f"    {line}\n" for line in FORKS.replace("int(sys.argv[1])", "100").splitlines()
    )
    repo = make_repo(tmp_path / "repo", {"tests/test_forks.py": test})
    suture = [sys.executable, "-m", "suture", "diagnose", "--json", "--timeout", "60"]
    done = subprocess.run([*suture, "--max-processes", "40"], cwd=repo, capture_output=True, text=True, timeout=120)
    assert "more than the 40 a check may start" in done.stdout + done.stderr, done.stdout + done.stderr
    (repo / "pyproject.toml").write_text("[tool.suture]\nmax-processes = 100000\n")
    plain_git(repo, "add", "-A")
    plain_git(repo, "commit", "-qm", "raise the limit")
    done = subprocess.run(suture, cwd=repo, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "unknown key 'max-processes'" in done.stderr, done.stderr


def unreachable_sockets_left_out(argv: list[str]) -> list[str]:
    """`argv` without the masks over sockets nobody cannot reach (another test's, in a 0700
    directory): built by nobody, the sandbox would not have seen them to mask them."""
    kept: list[str] = []
    at = 0
    while at < len(argv):
        if argv[at : at + 2] == ["--ro-bind", "/dev/null"] and not world_searchable(Path(argv[at + 2]).parent):
            at += 3
            continue
        kept.append(argv[at])
        at += 1
    return kept


def world_searchable(directory: Path) -> bool:
    return all(os.stat(part).st_mode & stat.S_IXOTH for part in (directory, *directory.parents))
