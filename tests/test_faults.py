"""When the machine or the repository misbehaves, suture says what is wrong and loses nothing:
a missing `git`, a corrupt repository, a hung test, a test printing gigabytes, a full disk.

Each run is the real CLI on a real repository holding uncommitted work of the user's; after
each, the checkout (files, index, HEAD, refs, stash) is byte-identical and no worktree is left.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot, write
from projects import CLASSIC, PYTEST
from sandbox_helpers import require_bubblewrap, suture

require_bubblewrap()


def users_repo(root: Path, files: dict[str, str] = CLASSIC) -> Path:
    """A repository with a staged and an unstaged change and a stash, as a user's would have."""
    repo = make_repo(root, files)
    write(repo, {"notes.txt": "stashed\n"})
    git(repo, "add", "notes.txt")
    git(repo, "stash", "-q")
    write(repo, {"staged.txt": "mine\n", "calc.py": files["calc.py"] + "# editing\n"})
    git(repo, "add", "staged.txt")
    return repo


def state(repo: Path) -> dict[str, object]:
    return {**snapshot(repo), "refs": git(repo, "for-each-ref"), "worktrees": git(repo, "worktree", "list")}


def test_a_missing_git_is_named(tmp_path: Path) -> None:
    repo = users_repo(tmp_path / "repo")
    before = state(repo)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "bwrap").symlink_to("/usr/bin/bwrap")

    done = suture(repo, "heal", "--test-cmd", PYTEST, env={"PATH": str(bin_dir)})

    assert done.returncode == 2, done.stderr
    assert done.stderr.strip() == "suture: error: 'git' is not installed or not on PATH"
    assert state(repo) == before


def test_a_temporary_directory_inside_the_checkout_is_refused(tmp_path: Path) -> None:
    """Worktrees made under TMPDIR (or the current directory, Python's last resort when no temporary
    directory is writable) would appear in the user's checkout: refused before anything is made."""
    repo = users_repo(tmp_path / "repo")
    (repo / "scratch").mkdir()
    before = state(repo)

    done = suture(repo, "heal", "--test-cmd", PYTEST, env={"TMPDIR": str(repo / "scratch")})

    assert done.returncode == 2, done.stderr
    assert f"the temporary directory {repo / 'scratch'} is inside the repository" in done.stderr
    assert "set TMPDIR" in done.stderr
    assert state(repo) == before and list((repo / "scratch").iterdir()) == []


def test_a_head_that_leads_nowhere_is_called_corrupt(tmp_path: Path) -> None:
    repo = users_repo(tmp_path / "repo")
    before = snapshot(repo)
    (repo / ".git" / "refs" / "heads" / "main").write_text("0123456789" * 4 + "\n")

    done = suture(repo, "heal", "--test-cmd", PYTEST)

    assert done.returncode == 2, done.stderr
    assert "is corrupt: HEAD (refs/heads/main) does not lead to a commit" in done.stderr
    assert "git fsck" in done.stderr
    files = {str(p.relative_to(repo)): p.read_bytes() for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts}
    assert files == before["files"] and (repo / ".git" / "index").read_bytes() == before["index"]


def test_a_corrupt_object_is_a_clear_error(tmp_path: Path) -> None:
    repo = users_repo(tmp_path / "repo")
    blob = git(repo, "rev-parse", "HEAD:calc.py").strip()
    stored = repo / ".git" / "objects" / blob[:2] / blob[2:]
    stored.chmod(0o644)
    stored.write_bytes(b"not zlib")

    done = suture(repo, "heal", "--test-cmd", PYTEST)

    assert done.returncode == 2, done.stderr
    assert "could not check out" in done.stderr and "a corrupt repository (see `git fsck`" in done.stderr
    assert "Traceback" not in done.stderr
    assert git(repo, "worktree", "list").count("\n") == 1


def test_a_hung_test_times_out_and_leaves_nothing_running(tmp_path: Path) -> None:
    files = {
        "calc.py": "def add(a, b):\n    return a + b\n",
        "tests/test_calc.py": "import time\n\n\ndef test_hangs():\n    time.sleep(600)\n",
    }
    repo = users_repo(tmp_path / "repo", files)
    before = state(repo)

    done = suture(repo, "heal", "--json", "--timeout", "3", "--test-cmd", PYTEST, timeout=120)

    assert done.returncode == 1, done.stderr
    assert "timed out after 3s" in done.stderr
    assert state(repo) == before
    stray = subprocess.run(["pgrep", "-f", "time.sleep\\(600\\)|test_hangs"], capture_output=True, text=True)
    assert stray.stdout == ""


GIGABYTES = 2 * 1024**3


def test_a_check_printing_gigabytes_is_bounded(tmp_path: Path) -> None:
    """2 GB of output: suture's memory stays small, the check's failure is still diagnosed."""
    repo = users_repo(tmp_path / "repo")
    before = state(repo)
    flood = f"sh -c 'head -c {GIGABYTES} /dev/zero | tr \"\\0\" x; echo; echo flooded-and-failed; exit 1'"

    done = suture(repo, "diagnose", "--json", "--test-cmd", flood, timeout=300)
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024

    assert done.returncode == 1, done.stderr[-2000:]
    assert "flooded-and-failed" in done.stdout  # the end of the output is kept
    assert peak_mb < 400, f"suture held {peak_mb:.0f} MB for {GIGABYTES >> 20} MB of output"
    assert len(done.stdout) < 2_000_000
    assert state(repo) == before


@pytest.fixture
def full_disk(tmp_path: Path) -> Path:
    """A tmpfs of 1 MB, filled to the last byte (skipped where nothing can be mounted)."""
    mount = tmp_path / "full"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    try:
        with open(mount / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 65536)
    except OSError:
        pass
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_full_disk_is_a_clear_error(tmp_path: Path, full_disk: Path) -> None:
    repo = users_repo(tmp_path / "repo")
    before = state(repo)
    # tempfile falls back to /tmp when TMPDIR is full: pin it, as a full /tmp would.
    code = f"import sys, tempfile; tempfile.tempdir = {str(full_disk)!r}; from suture.cli import main; sys.exit(main())"

    done = subprocess.run(
        [sys.executable, "-c", code, "heal", "--test-cmd", PYTEST],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
    )

    assert done.returncode == 2, done.stderr
    assert "No space left on device" in done.stderr and "full disk" in done.stderr
    assert "Traceback" not in done.stderr
    assert state(repo) == before
    assert [p.name for p in full_disk.iterdir()] == ["filler"]
