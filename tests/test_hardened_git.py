"""suture's git calls run no configuration a repository (or a check run in its worktree) planted.

Every attack points git at a program that records it ran (core.fsmonitor, a hook, a clean
filter, a textconv); then suture's own git calls on the worktree or the checkout must not
run it. Real repositories, real git.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from helpers import git as plain_git
from helpers import make_repo

from suture.errors import RepoError
from suture.run import git
from suture.run.snapshot import put_back, snapshot

FILES = {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_calc.py": "def test_add():\n    assert 1\n"}


def payload(tmp_path: Path) -> tuple[Path, Path]:
    """A program that records each run in a sentinel file; (program, sentinel)."""
    sentinel = tmp_path / "ran-on-host"
    program = tmp_path / "payload.sh"
    program.write_text(f'#!/bin/sh\necho "$0 $*" >> {sentinel}\ncat\n')
    program.chmod(0o755)
    return program, sentinel


def ran(sentinel: Path) -> str:
    return sentinel.read_text() if sentinel.exists() else ""


def hostile_dot_git(tree: Path, config: str) -> None:
    """What a check can do to its worktree: replace the .git file by a repository of its own."""
    (tree / ".git").unlink()
    subprocess.run(["git", "init", "-q", str(tree)], check=True, capture_output=True)
    with (tree / ".git" / "config").open("a") as handle:
        handle.write(config)


def test_a_worktree_whose_gitfile_became_a_repository_gets_no_git_call(tmp_path: Path) -> None:
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    with git.worktree(repo, git.head_sha(repo)) as tree:
        hostile_dot_git(tree, f"[core]\n\tfsmonitor = {program}\n")
        (tree / "new.py").write_text("x = 1\n")
        with pytest.raises(RepoError, match="no longer the file git wrote"):
            snapshot(tree)
        with pytest.raises(RepoError, match="no longer the file git wrote"):
            git.apply(tree, "")
    assert ran(sentinel) == ""


def test_a_gitfile_pointed_elsewhere_is_refused(tmp_path: Path) -> None:
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    elsewhere = make_repo(tmp_path / "elsewhere", FILES)
    plain_git(elsewhere, "config", "core.fsmonitor", str(program))
    with git.worktree(repo, git.head_sha(repo)) as tree:
        (tree / ".git").write_text(f"gitdir: {elsewhere / '.git'}\n")
        with pytest.raises(RepoError):
            git.git(tree, "status", "--porcelain", "-z")
    assert ran(sentinel) == ""


def test_a_nested_repository_planted_in_a_submodule_folder_is_not_entered(tmp_path: Path) -> None:
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    gitlink = "160000,1111111111111111111111111111111111111111,vendor/lib"
    plain_git(repo, "update-index", "--add", "--cacheinfo", gitlink)
    plain_git(repo, "commit", "-q", "-m", "vendor lib")
    with git.worktree(repo, git.head_sha(repo)) as tree:
        nested = tree / "vendor" / "lib"
        nested.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", str(nested)], check=True, capture_output=True)
        plain_git(nested, "config", "core.fsmonitor", str(program))
        git.git(tree, "status", "--porcelain", "-z", "--untracked-files=all")
        snapshot(tree)
    assert ran(sentinel) == ""


def test_filters_and_textconv_the_configuration_names_never_run(tmp_path: Path) -> None:
    """The user's config defines drivers (git lfs install --local, a textconv); the commit's
    .gitattributes routes every file through them; suture's add, diff and log run none."""
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", {**FILES, ".gitattributes": "* filter=evil diff=evil\n"})
    for key in ("filter.evil.clean", "filter.evil.smudge", "diff.evil.textconv", "diff.evil.command"):
        plain_git(repo, "config", key, str(program))
    plain_git(repo, "config", "filter.evil.required", "true")
    sentinel.unlink(missing_ok=True)  # the helper's own commit may have run it: what counts is suture's
    with git.worktree(repo, git.head_sha(repo)) as tree:
        (tree / "calc.py").write_text("def add(a, b):\n    return b + a\n")
        before = git.git(tree, "write-tree").strip()
        snapshot(tree)
        git.git(tree, "diff", "HEAD")
        put_back(tree, before)
    git.git(repo, "log", "-p", "-1")
    assert ran(sentinel) == ""


def test_a_relative_hooks_path_in_the_checkout_runs_no_hook(tmp_path: Path) -> None:
    """husky sets core.hooksPath=.husky (relative); a pull request adds hooks there."""
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    hooks = repo / ".husky"
    hooks.mkdir()
    for name in ("reference-transaction", "post-checkout", "pre-commit", "post-commit", "post-index-change"):
        shutil.copy(program, hooks / name)
    plain_git(repo, "config", "core.hooksPath", ".husky")
    sha = git.head_sha(repo)
    patch = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return b + a\n"
    commit = git.commit_patch(repo, sha, patch, "swap")
    git.git(repo, "update-ref", "refs/heads/suture/x", commit)
    with git.worktree(repo, sha) as tree:
        git.git(tree, "checkout", sha, "--", "calc.py")
    assert ran(sentinel) == ""


HOOKS = (
    "reference-transaction",
    "post-checkout",
    "post-index-change",
    "pre-commit",
    "post-commit",
    "pre-push",
    "post-rewrite",
    "pre-auto-gc",
)


def test_no_hook_runs_from_the_global_configuration_or_the_default_hooks_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """core.hooksPath = .husky in the user's ~/.gitconfig, hooks also in .git/hooks: worktrees,
    snapshots, put_back, commits, refs and a forge's push (the one call that keeps the user's
    http settings) run none of them."""
    from suture.publish.forges import gitpush

    program, sentinel = payload(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[core]\n\thooksPath = .husky\n")
    repo = make_repo(tmp_path / "repo", FILES)
    for hooks in (repo / ".husky", repo / ".git" / "hooks"):
        hooks.mkdir(exist_ok=True)
        for name in HOOKS:
            shutil.copy(program, hooks / name)
    forge = tmp_path / "forge.git"
    subprocess.run(["git", "init", "-q", "--bare", str(forge)], check=True, capture_output=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setattr(git, "_USER", [])
    sha = git.head_sha(repo)
    patch = "--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,2 @@\n def add(a, b):\n-    return a + b\n+    return b + a\n"
    commit = git.commit_patch(repo, sha, patch, "swap")
    git.git(repo, "update-ref", "-m", "suture", "refs/heads/suture/x", commit)
    with git.worktree(repo, sha) as tree:
        before = snapshot(tree)
        (tree / "calc.py").write_text("changed = True\n")
        assert put_back(tree, before) == ["calc.py"]
    gitpush.push(repo, f"file://{forge}", gitpush.basic("x", "token-123456"), commit, "suture/x")
    assert plain_git(forge, "rev-parse", "refs/heads/suture/x").strip() == commit
    assert ran(sentinel) == ""
    plain_git(repo, "update-ref", "refs/heads/plain", sha)  # the same hooks run for plain git
    assert "reference-transaction" in ran(sentinel)


def test_the_users_git_variables_do_not_steer_suture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    program, sentinel = payload(tmp_path)
    repo = make_repo(tmp_path / "repo", FILES)
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='{program}'")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", str(program))
    with git.worktree(repo, git.head_sha(repo)) as tree:
        (tree / "calc.py").write_text("changed = True\n")
        snapshot(tree)
        git.git(tree, "diff")
    assert ran(sentinel) == ""


def test_global_configuration_is_ignored_but_the_users_identity_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    program, sentinel = payload(tmp_path)
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text(
        f"[user]\n\tname = Ada Lovelace\n\temail = ada@example.com\n[core]\n\tfsmonitor = {program}\n"
        f"[diff]\n\texternal = {program}\n[core]\n\texcludesFile = {home / 'ignored'}\n"
    )
    (home / "ignored").write_text("new.py\n")  # read, the listing of a candidate's files would miss new.py
    repo = make_repo(tmp_path / "repo", FILES)
    monkeypatch.setenv("HOME", str(home))
    for name in ("AUTHOR", "COMMITTER"):
        monkeypatch.delenv(f"GIT_{name}_NAME")
        monkeypatch.delenv(f"GIT_{name}_EMAIL")
    monkeypatch.setattr(git, "_USER", [])  # read the user's configuration afresh, from this HOME
    with git.worktree(repo, git.head_sha(repo)) as tree:
        (tree / "calc.py").write_text("changed = True\n")
        (tree / "new.py").write_text("made = True\n")
        assert "?? new.py" in git.git(tree, "status", "--porcelain", "-z", "--untracked-files=all").split("\0")
        assert git.git(tree, "ls-tree", "--name-only", snapshot(tree, ["new.py"]), "new.py").strip() == "new.py"
        git.git(tree, "diff")
    tree_sha = git.git(repo, "write-tree").strip()
    commit = git.git(repo, "commit-tree", tree_sha, "-m", "by the user").strip()
    assert git.git(repo, "log", "-1", "--format=%an <%ae>", commit).strip() == "Ada Lovelace <ada@example.com>"
    assert ran(sentinel) == ""


def test_no_transport_but_a_forges_push(tmp_path: Path) -> None:
    """protocol.allow=never: a .gitmodules URL, an alternate or a promisor fetch reaches nothing."""
    repo = make_repo(tmp_path / "repo", FILES)
    other = make_repo(tmp_path / "other", FILES)
    refused = git.run_git(repo, "ls-remote", str(other))
    assert refused.returncode != 0 and "not allowed" in refused.stderr
    assert git.run_git(repo, "ls-remote", f"file://{other}").returncode != 0


def test_git_listings_are_read_with_nul_separators(tmp_path: Path) -> None:
    """A file name with a newline is one path, not two (a check may create any name)."""
    repo = make_repo(tmp_path / "repo", {**FILES, "odd\nname.py": "x = 1\n"})
    with git.worktree(repo, git.head_sha(repo)) as tree:
        before = snapshot(tree)
        (tree / "odd\nname.py").write_text("x = 2\n")
        assert put_back(tree, before) == ["odd\nname.py"]
        assert (tree / "odd\nname.py").read_text() == "x = 1\n"
