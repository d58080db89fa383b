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
    marker = tmp_path / "pids"
    before = snapshot(repo)
    proc = subprocess.Popen(
        [sys.executable, "-m", "suture", "heal", "--test-cmd", PYTEST],
        cwd=repo,
        env={**os.environ, "SUTURE_TEST_MARKER": str(marker)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert marker.exists(), "the check never started"
    test_pid = int(marker.read_text().split()[0])

    proc.send_signal(signum)
    _, stderr = proc.communicate(timeout=30)

    assert proc.returncode == 130, stderr
    assert "interrupted" in stderr
    time.sleep(0.5)
    assert not _alive(test_pid), "the check's process outlived suture"
    assert snapshot(repo) == before
    assert git(repo, "worktree", "list", "--porcelain").count("worktree ") == 1
