"""The git operations suture needs, and disposable worktrees.

Nothing here changes the user's working tree, index or HEAD: suture reads the
repository, adds worktrees of its own under the system temp dir, and writes refs
under refs/heads/suture/.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from suture.errors import CommandError, RepoError, SutureError
from suture.run.process import run

# Worktrees are made in directories named suture-wt-<pid>-<random> so that a later
# run can tell its own from stale ones left by a killed run.
WORKTREE_PREFIX = "suture-wt-"
TRAILER = "Healed-by: suture"
BRANCH_PREFIX = "suture/"


def git(repo: Path, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> str:
    full_env = None if env is None else {**os.environ, **env}
    return run(["git", *args], cwd=repo, input=input, env=full_env).stdout


def toplevel(path: Path) -> Path:
    """The root of the repository containing `path`, or a RepoError that says what to do."""
    done = run(["git", "rev-parse", "--show-toplevel"], cwd=path, check=False)
    if done.returncode != 0:
        raise RepoError(
            f"{path} is not inside a git repository: run suture in the repository to heal "
            "(or `git init` and commit the project first)"
        )
    return Path(done.stdout.strip())


def head_sha(repo: Path) -> str:
    done = run(["git", "rev-parse", "--verify", "-q", "HEAD^{commit}"], cwd=repo, check=False)
    if done.returncode != 0:
        ref = run(["git", "symbolic-ref", "-q", "HEAD"], cwd=repo, check=False).stdout.strip()
        shown = run(["git", "show-ref", "--verify", ref or "HEAD"], cwd=repo, check=False)
        if not ref or "bad ref" in shown.stderr:
            raise RepoError(
                f"the repository at {repo} is corrupt: HEAD ({ref or 'detached'}) does not lead to a commit "
                f"({shown.stderr.strip() or 'no such object'}); see `git fsck`, or heal a fresh clone"
            )
        raise RepoError(
            f"the repository at {repo} has no commits yet: suture heals a commit, "
            "so commit the project first (git add -A && git commit)"
        )
    return done.stdout.strip()


def current_branch(repo: Path) -> str | None:
    done = run(["git", "symbolic-ref", "-q", "--short", "HEAD"], cwd=repo, check=False)
    return done.stdout.strip() or None


def commit_message(repo: Path, sha: str) -> str:
    return git(repo, "log", "-1", "--format=%B", sha)


def healed_by_suture(repo: Path, sha: str) -> bool:
    """Whether `sha` is a commit suture made (it carries the trailer)."""
    return any(line.strip() == TRAILER for line in commit_message(repo, sha).splitlines())


def common_dir(repo: Path) -> Path:
    """The repository's git directory (shared by all worktrees): suture's own files go here."""
    path = Path(git(repo, "rev-parse", "--git-common-dir").strip())
    return path if path.is_absolute() else (repo / path).resolve()


def check_scratch(repo: Path) -> None:
    """A RepoError when the temporary directory is inside `repo`: worktrees, indexes and reports
    made there would show in the user's checkout (TMPDIR pointing into it, or Python falling
    back to the current directory when no temporary directory is writable)."""
    scratch = Path(tempfile.gettempdir()).resolve()
    if scratch == repo.resolve() or repo.resolve() in scratch.parents:
        raise RepoError(
            f"the temporary directory {scratch} is inside the repository: suture works in disposable "
            "directories outside your checkout; set TMPDIR to a writable directory elsewhere (e.g. /tmp)"
        )


def ref_sha(repo: Path, ref: str) -> str | None:
    done = run(["git", "rev-parse", "--verify", "-q", ref + "^{commit}"], cwd=repo, check=False)
    return done.stdout.strip() or None


@contextlib.contextmanager
def worktree(repo: Path, sha: str) -> Iterator[Path]:
    """A detached worktree of `sha` in a fresh temp dir, removed on exit whatever happens."""
    parent = Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{os.getpid()}-"))
    path = parent / "tree"
    try:
        try:
            _add_worktree(repo, path, sha)
        except CommandError as exc:
            raise RepoError(
                f"could not check out {sha[:12]} into a disposable worktree: git says {exc.stderr.strip()!r}; "
                "a corrupt repository (see `git fsck`, or heal a fresh clone) or a full disk "
                f"(free space in {parent.parent}, or point TMPDIR elsewhere)"
            ) from exc
        yield path
    finally:
        _remove_worktree(repo, path)
        shutil.rmtree(parent, ignore_errors=True)


# Threads of one run add and remove worktrees at once (capture beside an early trial, two
# verification workers): git names each one's admin dir after the path's last component and
# `worktree prune` may drop one being added, so these steps take turns within the process,
# and an add that another process raced is retried.
_WORKTREES = threading.Lock()
ADD_ATTEMPTS = 4


def _add_worktree(repo: Path, path: Path, sha: str) -> None:
    for attempt in range(ADD_ATTEMPTS):
        try:
            with _WORKTREES:
                # No hooks: with core.hooksPath pointing into the repository (husky, say), post-checkout
                # would run the commit's own code outside the sandbox, with suture's environment.
                git(repo, "-c", "core.hooksPath=/dev/null", "worktree", "add", "--detach", "--quiet", str(path), sha)
            return
        except CommandError:
            if attempt == ADD_ATTEMPTS - 1:
                raise
            _remove_worktree(repo, path)
            time.sleep(0.1 * 2**attempt)


def _remove_worktree(repo: Path, path: Path) -> None:
    with _WORKTREES:
        with contextlib.suppress(CommandError):
            git(repo, "worktree", "remove", "--force", "--force", str(path))
        shutil.rmtree(path, ignore_errors=True)
        with contextlib.suppress(CommandError):
            git(repo, "worktree", "prune")


def clean_stale_worktrees(repo: Path) -> list[Path]:
    """Remove worktrees left behind by suture runs whose process is gone: those git lists, and
    the directories a run killed between making one and registering it left in the temp dir."""
    removed = []
    for path in _worktree_paths(repo):
        if _dead_run(path.parent):
            _remove_worktree(repo, path)
            shutil.rmtree(path.parent, ignore_errors=True)
            removed.append(path)
    common = common_dir(repo)
    for parent in Path(tempfile.gettempdir()).glob(f"{WORKTREE_PREFIX}*"):
        if parent.is_dir() and _dead_run(parent) and _unclaimed(parent / "tree", common):
            shutil.rmtree(parent, ignore_errors=True)
            removed.append(parent / "tree")
    return removed


def _dead_run(parent: Path) -> bool:
    """Whether `parent` is a worktree's directory (suture-wt-<pid>-...) of a process that is gone."""
    match = re.fullmatch(rf"{WORKTREE_PREFIX}(\d+)-.*", parent.name)
    return match is not None and not _alive(int(match.group(1)))


def _unclaimed(tree: Path, common: Path) -> bool:
    """Whether `tree` is no other repository's worktree: not made yet, made without its `.git`
    file, or one of `common`'s (another repository's run cleans its own)."""
    dot = tree / ".git"
    if not dot.is_file():
        return not dot.exists()
    pointer = dot.read_text(encoding="utf-8", errors="replace").removeprefix("gitdir:").strip()
    return Path(pointer).is_relative_to(common)


def _worktree_paths(repo: Path) -> list[Path]:
    listing = git(repo, "worktree", "list", "--porcelain")
    return [Path(line[len("worktree ") :]) for line in listing.splitlines() if line.startswith("worktree ")]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def apply(tree: Path, patch: str, *, cached: bool = False, env: dict[str, str] | None = None) -> str | None:
    """Apply `patch` in `tree`; None on success, else git's reason."""
    args = ["git", "apply", "--whitespace=nowarn"] + (["--cached"] if cached else [])
    full_env = None if env is None else {**os.environ, **env}
    done = run([*args, "-"], cwd=tree, input=patch, env=full_env, check=False)
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())


def snapshot(tree: Path) -> str:
    """The tree object of `tree`'s files as they are now: tracked and new ones, .gitignore respected.

    Written through a copy of the worktree's index, so its real index is left as it is;
    the copy keeps git's stat cache, so unchanged files are not read again.
    """
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        index = Path(scratch) / "index"
        real = Path(git(tree, "rev-parse", "--path-format=absolute", "--git-path", "index").strip())
        if real.exists():
            shutil.copyfile(real, index)
        env = {"GIT_INDEX_FILE": str(index)}
        git(tree, "add", "--all", "--", ".", env=env)
        return git(tree, "write-tree", env=env).strip()


def put_back(tree: Path, before: str) -> list[str]:
    """Restore the files of `tree` that were changed or deleted since `snapshot` gave `before`.

    New files stay: a check may build what the next one needs. Returns the restored paths.
    """
    now = snapshot(tree)
    if now == before:
        return []
    listing = git(tree, "diff-tree", "-r", "-z", "--no-renames", "--name-status", before, now)
    fields = listing.split("\0")
    paths = [path for status, path in zip(fields[::2], fields[1::2], strict=False) if status in ("M", "D", "T")]
    if paths:
        git(
            tree,
            "restore",
            f"--source={before}",
            "--worktree",
            "--pathspec-from-file=-",
            "--pathspec-file-nul",
            input="\0".join(paths),
        )
    return paths


# The author and committer of the commits suture makes.
IDENTITY = {
    "GIT_AUTHOR_NAME": "suture",
    "GIT_AUTHOR_EMAIL": "suture@localhost",
    "GIT_COMMITTER_NAME": "suture",
    "GIT_COMMITTER_EMAIL": "suture@localhost",
}


class NotApplied(SutureError):
    """A patch does not apply to the commit it was meant for; the message is git's reason."""


def commit_patch(repo: Path, parent: str, patch: str, message: str) -> str:
    """A commit object of `parent` plus `patch`, built with plumbing in a private index: the
    working tree, the index, HEAD and every ref stay as they are. NotApplied when it does not apply."""
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        env = {**IDENTITY, "GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git(repo, "read-tree", parent, env=env)
        problem = apply(repo, patch, cached=True, env=env)
        if problem is not None:
            raise NotApplied(problem)
        tree = git(repo, "write-tree", env=env).strip()
        return git(repo, "commit-tree", tree, "-p", parent, "-F", "-", input=message, env=env).strip()
