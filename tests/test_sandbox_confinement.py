"""Inside the sandbox: no capabilities, no new privileges, no mounts, a read-only root,
the user's home and checkout out of sight, and only the worktree writable.

Each property is one test of a probe repository, run by capture in the sandbox; writes
aimed at the user's checkout and home are looked for from outside afterwards. The same
probe without the sandbox (only its harmless tests) shows that it can fail.
"""

from __future__ import annotations

import os
import pwd
from pathlib import Path

from helpers import git, make_repo, snapshot
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.records import CheckRun
from suture.run.sandbox import Bubblewrap, Sandbox, Unsandboxed

require_bubblewrap()

PROBE = '''\
import ctypes
import os
import pathlib
import sys

CHECKOUT = pathlib.Path(__CHECKOUT__)
HOME_SECRET = pathlib.Path(__HOME_SECRET__)
PASSWD_HOME = pathlib.Path(__PASSWD_HOME__)
MS_REMOUNT, MS_BIND = 32, 4096
CLONE_NEWUSER, CLONE_NEWNS = 0x10000000, 0x00020000


def _status(field):
    line = next(line for line in open("/proc/self/status") if line.startswith(field + ":"))
    return line.split(":", 1)[1].strip()


def _mount(source, target, fstype, flags):
    return ctypes.CDLL(None, use_errno=True).mount(source, target, fstype, flags, None)


def _fails_to_write(path):
    try:
        path.write_text("written by the check")
    except OSError:
        return True
    return False


def test_no_capabilities():
    assert [int(_status(cap), 16) for cap in ("CapEff", "CapPrm", "CapBnd", "CapAmb")] == [0, 0, 0, 0]


def test_no_new_privileges():
    assert _status("NoNewPrivs") == "1"


def test_the_worktree_is_writable():
    pathlib.Path("written-by-the-check.txt").write_text("ok")


def test_the_root_is_read_only():
    assert _fails_to_write(pathlib.Path("/etc/written-by-the-check"))
    assert _fails_to_write(pathlib.Path(sys.base_prefix) / "written-by-the-check")


def test_remounts_fail():
    assert _mount(None, b"/", None, MS_REMOUNT | MS_BIND) != 0  # / read-write again
    assert _mount(b"none", b"/etc", b"tmpfs", 0) != 0
    # Not in a user namespace of its own either, where it would hold every capability.
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS) == 0:
        assert _mount(None, b"/", None, MS_REMOUNT | MS_BIND) != 0
        assert _mount(b"none", b"/etc", b"tmpfs", 0) != 0


def test_the_users_checkout_and_home_are_out_of_sight():
    assert not (CHECKOUT / "calc.py").exists()
    assert not HOME_SECRET.exists()
    if PASSWD_HOME.is_dir():  # only what the check needs comes back from there: directories
        assert [p.name for p in PASSWD_HOME.iterdir() if p.is_file()] == []


def test_writes_aimed_outside_the_worktree():
    """No assertion: the test module looks from outside for what arrived."""
    for target in (CHECKOUT, pathlib.Path(os.environ["HOME"])):
        _fails_to_write(target / "written-by-the-check.txt")
'''
SAFE_OUTSIDE = "-k 'not remount and not read_only and not capabilities'"  # as root, unsandboxed, these would work


def make_probe_repo(tmp_path: Path, home: Path) -> Path:
    (home / ".git-credentials").write_text("https://x:ghp_SutureFakeHomeToken@github.com\n")
    checkout = tmp_path / "repo"
    probe = (
        PROBE.replace("__CHECKOUT__", repr(str(checkout)))
        .replace("__HOME_SECRET__", repr(str(home / ".git-credentials")))
        .replace("__PASSWD_HOME__", repr(pwd.getpwuid(os.getuid()).pw_dir))
    )
    return make_repo(checkout, {"calc.py": "x = 1\n", "tests/test_probe.py": probe})


def run_probe(repo: Path, sandbox: Sandbox, command: str = PYTEST) -> CheckRun:
    return capture(repo, git(repo, "rev-parse", "HEAD").strip(), [command], sandbox=sandbox, timeout=120).checks[0]


def outcomes(check: CheckRun) -> dict[str, str]:
    return {test.test_id.split("::")[-1]: test.outcome for test in check.tests}


def test_the_sandbox_confines_the_check(tmp_path: Path) -> None:
    home = Path.home()  # the conftest's private home: the "user's home" of this test
    repo = make_probe_repo(tmp_path, home)
    before = snapshot(repo)

    check = run_probe(repo, Bubblewrap())

    assert set(outcomes(check).values()) == {"passed"}, check.output
    assert len(check.tests) == 7
    assert snapshot(repo) == before
    assert not (home / "written-by-the-check.txt").exists()


def test_without_the_sandbox_the_probe_fails(tmp_path: Path) -> None:
    """The control: unconfined, the probe sees the checkout and home and writes into them."""
    home = Path.home()
    repo = make_probe_repo(tmp_path, home)

    check = run_probe(repo, Unsandboxed(), f"{PYTEST} {SAFE_OUTSIDE}")

    found = outcomes(check)
    assert found["test_no_new_privileges"] == "failed", check.output
    assert found["test_the_users_checkout_and_home_are_out_of_sight"] == "failed"
    assert (repo / "written-by-the-check.txt").exists()
    assert (home / "written-by-the-check.txt").exists()
