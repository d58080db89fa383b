"""snapshot / put_back: what one check writes in a worktree is undone before the next one runs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo

from suture.records import Candidate
from suture.run.sandbox import Bubblewrap
from suture.run.snapshot import FILE_CAP, TOTAL_CAP, NotStored, put_back, snapshot
from suture.verify.trial import trial

FILES = {"a.py": "A = 1\n", "b.py": "B = 2\n", ".gitignore": "cache/\n"}


def test_changed_and_deleted_files_come_back_and_new_ones_stay(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "c.py").write_text("C = 3\n")  # a candidate's new file, not in the index
    index = (repo / ".git" / "index").read_bytes()
    before = snapshot(repo, ["c.py"])
    (repo / "a.py").write_text("A = 10\n")
    (repo / "b.py").unlink()
    (repo / "c.py").write_text("C = 30\n")
    (repo / "built.txt").write_text("made by a build step\n")
    (repo / "cache").mkdir()
    (repo / "cache" / "x").write_text("ignored\n")
    assert sorted(put_back(repo, before)) == ["a.py", "b.py", "c.py"]
    assert (repo / "a.py").read_text() == "A = 1\n"
    assert (repo / "b.py").read_text() == "B = 2\n"
    assert (repo / "c.py").read_text() == "C = 3\n"
    assert (repo / "built.txt").exists()  # what a check builds for the next one is kept
    assert (repo / ".git" / "index").read_bytes() == index  # the real index is untouched
    assert git(repo, "status", "--porcelain") == "?? built.txt\n?? c.py\n"


def test_nothing_changed_nothing_restored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    before = snapshot(repo)
    (repo / "cache").mkdir()
    (repo / "cache" / "x").write_text("ignored\n")
    assert put_back(repo, before) == []
    assert snapshot(repo) == before


def test_a_file_name_with_spaces_and_unicode_is_restored(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"dir with space/ü n.py": "X = 1\n"})
    before = snapshot(repo)
    (repo / "dir with space" / "ü n.py").write_text("X = 2\n")
    assert put_back(repo, before) == ["dir with space/ü n.py"]
    assert (repo / "dir with space" / "ü n.py").read_text() == "X = 1\n"


def stored(repo: Path) -> int:
    """KiB of the repository's objects, loose and packed."""
    counts = dict(line.split(": ") for line in git(repo, "count-objects", "-v").splitlines())
    return int(counts["size"]) + int(counts["size-pack"])


def test_what_a_check_writes_never_reaches_the_objects(tmp_path: Path) -> None:
    """Generated output, a tracked file rewritten: compared and put back, never stored."""
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "a.py").write_text("A = 5\n")  # the candidate's patch: a changed file, a new one
    (repo / "c.py").write_text("C = 3\n")
    before = snapshot(repo, ["a.py", "c.py"])
    size = stored(repo)
    (repo / "generated").mkdir()
    for index in range(3):
        (repo / "generated" / f"blob{index}.bin").write_bytes(os.urandom(2 * 2**20))
    (repo / "a.py").write_bytes(os.urandom(2 * 2**20))
    (repo / "c.py").write_bytes(os.urandom(2 * 2**20))
    assert sorted(put_back(repo, before)) == ["a.py", "c.py"]
    assert put_back(repo, before) == []
    assert snapshot(repo, ["a.py", "c.py"]) == before
    assert stored(repo) == size
    assert (repo / "a.py").read_text() == "A = 5\n"
    assert (repo / "c.py").read_text() == "C = 3\n"
    git(repo, "add", "--all")  # what suture did before: every file the check wrote, stored
    assert stored(repo) > size + 6 * 1024


def test_a_patched_file_over_the_cap_is_not_stored_and_says_why(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "big.bin").write_bytes(b"x" * (FILE_CAP + 1))
    size = stored(repo)
    with pytest.raises(NotStored, match=r"big\.bin, which the patch touches, holds more than"):
        snapshot(repo, ["big.bin"])
    for index in range(TOTAL_CAP // FILE_CAP + 1):
        (repo / f"part{index}.bin").write_bytes(b"y" * FILE_CAP)
    with pytest.raises(NotStored, match=r"more than the \d+ a snapshot between checks stores"):
        snapshot(repo, [f"part{index}.bin" for index in range(TOTAL_CAP // FILE_CAP + 1)])
    assert stored(repo) == size


def test_a_patched_path_behind_a_link_or_not_a_file_is_refused(tmp_path: Path) -> None:
    """A check (a warm pytest) turns the patch's directory into a link to a secret elsewhere."""
    repo = make_repo(tmp_path / "repo", {**FILES, "pkg/mod.py": "M = 1\n"})
    secret = tmp_path / "outside"
    secret.mkdir()
    (secret / "mod.py").write_text("sutcan-secret\n")
    shutil.rmtree(repo / "pkg")
    (repo / "pkg").symlink_to(secret)
    with pytest.raises(NotStored, match=r"pkg/mod\.py, which the patch touches, lies behind a link"):
        snapshot(repo, ["pkg/mod.py"])
    (repo / "pkg").unlink()
    (repo / "pkg").mkdir()
    os.mkfifo(repo / "pkg" / "mod.py")
    with pytest.raises(NotStored, match="no longer a file"):
        snapshot(repo, ["pkg/mod.py"])
    objects = subprocess.run(["git", "cat-file", "--batch-all-objects", "--batch"], cwd=repo, capture_output=True)
    assert objects.stdout and b"sutcan-secret" not in objects.stdout


def test_a_patched_link_is_stored_as_a_link_and_a_deleted_file_as_gone(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "link").symlink_to("/etc/passwd")
    (repo / "b.py").unlink()
    tree = snapshot(repo, ["link", "b.py"])
    listing = git(repo, "ls-tree", tree)
    assert "120000 blob" in listing and "\tlink\n" in listing and "b.py" not in listing
    assert git(repo, "cat-file", "-p", f"{tree}:link") == "/etc/passwd"


def test_a_candidates_new_file_is_put_back_for_the_next_check(tmp_path: Path) -> None:
    """A trial of two checks: the first overwrites the candidate's new module and leaves 6 MB
    of output; the second still imports the module the candidate wrote, and the repository
    stores none of the output."""
    repo = make_repo(tmp_path / "repo", {"app.py": "from helper import X\n"})
    diff = "diff --git a/helper.py b/helper.py\nnew file mode 100644\n"
    diff += "--- /dev/null\n+++ b/helper.py\n@@ -0,0 +1 @@\n+X = 1\n"
    candidate = Candidate(origin="test", diff=diff, rationale="a new module", fingerprint="f")
    spoil = "import os; open('helper.py', 'w').write('X = 2'); open('out.bin', 'wb').write(os.urandom(6 << 20))"
    commands = [f'{sys.executable} -c "{spoil}"', f'{sys.executable} -c "import app, helper; assert helper.X == 1"']
    size = stored(repo)
    ran = trial(
        repo, git(repo, "rev-parse", "HEAD").strip(), candidate, commands, first=(), sandbox=Bubblewrap(), timeout=60
    )
    assert ran.problem == "" and [check.passed for check in ran.after] == [True, True], ran
    assert stored(repo) < size + 1024


def test_the_bases_infrastructure_stays_for_every_check_of_a_trial(tmp_path: Path) -> None:
    """The commit under test added a conftest.py the trusted base has not: the trial runs without it,
    and a first check that writes one back does not bring it back for the second."""
    repo = make_repo(tmp_path / "repo", {"app.py": "X = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "conftest.py").write_text("HOSTILE = True\n")
    git(repo, "add", "conftest.py")
    git(repo, "commit", "-qm", "a conftest of the pull request's")
    diff = "diff --git a/app.py b/app.py\n--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-X = 1\n+X = 2\n"
    candidate = Candidate(origin="test", diff=diff, rationale="two", fingerprint="f")
    plant = "open('conftest.py', 'w').write('HOSTILE = True')"
    absent = "import os, sys; sys.exit(os.path.exists('conftest.py'))"
    commands = [f'{sys.executable} -c "{plant}"', f'{sys.executable} -c "{absent}"']
    head = git(repo, "rev-parse", "HEAD").strip()
    ran = trial(
        repo, head, candidate, commands, first=(), sandbox=Bubblewrap(), timeout=60, trusted=(base, ("conftest.py",))
    )
    assert ran.problem == "" and [check.passed for check in ran.after] == [True, True], ran
