"""snapshot / put_back: what one check writes in a worktree is undone before the next one runs."""

from __future__ import annotations

from pathlib import Path

from helpers import git, make_repo

from suture.run.git import put_back, snapshot

FILES = {"a.py": "A = 1\n", "b.py": "B = 2\n", ".gitignore": "cache/\n"}


def test_changed_and_deleted_files_come_back_and_new_ones_stay(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    (repo / "c.py").write_text("C = 3\n")  # a candidate's new file, not in the index
    index = (repo / ".git" / "index").read_bytes()
    before = snapshot(repo)
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
