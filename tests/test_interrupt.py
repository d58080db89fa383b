"""Ctrl-C or a CI's cancel (SIGTERM) mid-run: exit 130, no check left running, nothing changed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from projects import PYTEST

HANGING = {
    "slow.py": (
        "import os\nimport time\n\n\n"
        "def wait():\n"
        "    with open(os.environ['SUTURE_TEST_MARKER'], 'a') as f:\n"
        "        f.write(f'{os.getpid()}\\n')\n"
        "    time.sleep(120)\n"
    ),
    "tests/test_slow.py": "from slow import wait\n\n\ndef test_wait():\n    wait()\n",
}


# suture as a terminal starts it, where Ctrl-C is SIGINT's default. A process started in the
# background by a shell without job control (`cmd &` in a script, as a CI harness may run the
# suite) inherits SIGINT ignored, Python then leaves it ignored, and so does everything this
# suite starts: with that, suture rightly ignores the signal and the test could only time out.
SUTURE = [
    sys.executable,
    "-c",
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from suture.cli.commands import main; sys.argv[0] = 'suture'; raise SystemExit(main())",
]


def _descendants(pid: int) -> set[int]:
    """Every process below `pid`, seen from outside any sandbox (pids inside one are not ours)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie waiting for its parent counts as gone.
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_interrupt_mid_capture(tmp_path: Path, signum: int) -> None:
    repo = make_repo(tmp_path / "repo", HANGING)
    temp = tmp_path / "tmp"
    temp.mkdir()
    before = snapshot(repo)
    # In the sandbox only the worktree is writable: the check marks its start there, by a
    # relative path, in a variable let through by name.
    proc = subprocess.Popen(
        [*SUTURE, "heal", "--test-cmd", PYTEST, "--env-allow", "SUTURE_TEST_MARKER"],
        cwd=repo,
        env={**os.environ, "SUTURE_TEST_MARKER": "started.pids", "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(temp.glob("suture-wt-*/tree/started.pids")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(temp.glob("suture-wt-*/tree/started.pids")), "the check never started"
    started = _descendants(proc.pid)
    assert started, "no check process found"

    proc.send_signal(signum)
    try:
        _, stderr = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGUSR1)  # suture prints every thread's stack
        time.sleep(1)
        proc.kill()
        _, stderr = proc.communicate()
        pytest.fail(f"suture did not exit within 30 s of the signal; where its threads were:\n{stderr}")

    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    time.sleep(0.5)
    assert not [pid for pid in started if _alive(pid)], "a check's process outlived suture"
    assert snapshot(repo) == before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1


def test_usr1_prints_every_thread_and_the_run_goes_on(tmp_path: Path) -> None:
    """`kill -USR1` on a run that seems stuck shows where its threads are, and stops nothing."""
    repo = make_repo(tmp_path / "repo", HANGING)
    temp = tmp_path / "tmp"
    temp.mkdir()
    proc = subprocess.Popen(
        [*SUTURE, "heal", "--test-cmd", PYTEST, "--env-allow", "SUTURE_TEST_MARKER"],
        cwd=repo,
        env={**os.environ, "SUTURE_TEST_MARKER": "started.pids", "TMPDIR": str(temp)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not list(temp.glob("suture-wt-*/tree/started.pids")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert list(temp.glob("suture-wt-*/tree/started.pids")), "the check never started"
    proc.send_signal(signal.SIGUSR1)
    time.sleep(1)
    assert proc.poll() is None, "SIGUSR1 ended the run"
    proc.send_signal(signal.SIGINT)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 130, stderr
    assert "Current thread" in stderr or "Thread 0x" in stderr, stderr
    assert "suture/run/process.py" in stderr  # a thread waiting on the check
