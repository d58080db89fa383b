"""Limits in the sandbox: file size, memory, processes, wall time; on a timeout the whole process
tree goes. Each test runs a real check in bubblewrap that tries to take more."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest
from sandbox_helpers import require_bubblewrap

from suture.capture.run import run_check
from suture.records import CheckRun
from suture.run.sandbox import Bubblewrap, Limits

require_bubblewrap()

MiB = 1024 * 1024


def check(tree: Path, code: str, limits: Limits, timeout: float = 60) -> CheckRun:
    tree.mkdir(exist_ok=True)
    (tree / "probe.py").write_text(code)
    return run_check(tree, f"{sys.executable} probe.py", sandbox=Bubblewrap(limits=limits), timeout=timeout)


def test_a_check_cannot_write_a_file_larger_than_the_limit(tmp_path: Path) -> None:
    code = (
        "import signal\nsignal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
        "try:\n    open('big', 'wb').write(b'x' * (3 * 1024 * 1024)); print('WROTE')\n"
        "except OSError as exc:\n    print('refused', exc.errno)\n"
    )
    done = check(tmp_path / "tree", code, Limits(file_size=MiB))
    assert "WROTE" not in done.output and "refused" in done.output, done.output
    assert (tmp_path / "tree" / "big").stat().st_size <= MiB


def test_a_check_cannot_take_more_memory_than_the_limit(tmp_path: Path) -> None:
    code = "try:\n    block = bytearray(2 * 1024**3); print('TOOK')\nexcept MemoryError:\n    print('refused')\n"
    done = check(tmp_path / "tree", code, Limits(memory=1024 * MiB))
    assert "TOOK" not in done.output and "refused" in done.output, done.output


@pytest.mark.skipif(os.getuid() == 0, reason="the kernel applies no process limit to real root (INIT_USER)")
def test_a_fork_bomb_stops_at_the_process_limit(tmp_path: Path) -> None:
    code = (
        "import os, time\nn = 0\ntry:\n    while n < 5000:\n        if os.fork() == 0:\n"
        "            time.sleep(5); os._exit(0)\n        n += 1\nexcept OSError:\n    pass\nprint('forked', n)\n"
    )
    done = check(tmp_path / "tree", code, Limits(processes=64))
    forked = int(done.output.split("forked", 1)[1].split()[0])
    assert forked < 64, done.output


def test_the_default_limits_reach_the_check(tmp_path: Path) -> None:
    limits = Limits()
    code = (
        "import resource\n"
        "for name in ('RLIMIT_NPROC', 'RLIMIT_AS', 'RLIMIT_FSIZE', 'RLIMIT_CORE'):\n"
        "    print(name, resource.getrlimit(getattr(resource, name))[0])\n"
    )
    output = check(tmp_path / "tree", code, limits).output
    assert f"RLIMIT_NPROC {limits.tasks}" in output, output
    assert f"RLIMIT_AS {limits.memory}" in output and f"RLIMIT_FSIZE {limits.file_size}" in output, output
    assert "RLIMIT_CORE 0" in output, output


def test_on_timeout_the_whole_process_tree_is_killed(tmp_path: Path) -> None:
    """Children that left the session and ignore SIGTERM are killed with bubblewrap's pid namespace."""
    marker = f"suture-orphan-{os.getpid()}-{time.monotonic_ns()}"
    code = (
        "import os, signal, subprocess, sys, time\n"
        "for _ in range(20):\n"
        f"    subprocess.Popen([sys.executable, '-c', 'import signal, time; signal.signal(signal.SIGTERM, "
        f"signal.SIG_IGN); time.sleep(600)', {marker!r}], start_new_session=True)\n"
        "print('started', flush=True)\ntime.sleep(600)\n"
    )
    start = time.monotonic()
    done = check(tmp_path / "tree", code, Limits(), timeout=5)
    assert done.timed_out and time.monotonic() - start < 60
    time.sleep(1)
    left = [pid for pid in os.listdir("/proc") if pid.isdigit() and marker.encode() in _cmdline(pid)]
    assert left == [], f"{len(left)} processes of the check outlived its timeout"


def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""
