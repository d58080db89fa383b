"""What the checks of one run see, kept between them: a snapshot of a worktree, and putting it back.

    snapshot(tree, patched) -> str    the tree object of the commit's files with `patched` as they are now
    put_back(tree, before) -> list    the files a check changed or deleted since, restored

A check can write its worktree (a formatter run without --check, `ruff --fix`, a build step);
the next check must still see the commit and the candidate under test. The snapshot stores
only what suture put there: the commit's files are in the repository already, and the files
the candidate's patch touches (`patched`) are read by suture itself — beneath the worktree
without following a link, regular files and links only, at most `FILE_CAP` bytes each and
`TOTAL_CAP` in all (`NotStored` says which is over). Nothing else of the worktree is read
into the repository: what the checks write (60 MB of generated output, say) never reaches
the user's `.git/objects`. `put_back` finds what changed by comparing the worktree with an
index of the snapshot (git hashes in memory, writing no object) and restores those files;
new files stay, since a check may build what the next one needs.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from suture.errors import SutureError
from suture.run import readback
from suture.run.git import git, locate, run_git

FILE_CAP = 4 * 2**20  # bytes of one file the candidate's patch touches that a snapshot stores
TOTAL_CAP = 16 * 2**20  # bytes of all of them
LITERAL = {"GIT_LITERAL_PATHSPECS": "1"}  # a path named ':(glob)**' is that path, not every file
NO_FILE = "0" * 40


class NotStored(SutureError):
    """A file the candidate's patch touches that a snapshot does not store: too large, or not a
    regular file or link (a directory, a FIFO, a path through a link) — the message says which."""


def snapshot(tree: Path, patched: Sequence[str] = ()) -> str:
    """The tree object of `tree`'s commit with the files `patched` (paths relative to `tree`)
    as they are now; a `patched` path that is gone is a deletion. Through a copy of the
    worktree's index: its real index is left as it is."""
    with _index(tree) as env:
        entries = _entries(tree, patched, Path(env["GIT_INDEX_FILE"]).parent)
        if entries:
            git(tree, "update-index", "-z", "--index-info", input="".join(entries), env=env)
        return git(tree, "write-tree", env=env).strip()


def put_back(tree: Path, before: str, patched: Sequence[str] = ()) -> list[str]:
    """Restore the files of `tree` that were changed or deleted since `snapshot` gave `before`.

    New files stay: a check may build what the next one needs; but not one of `patched` that
    `before` has not (a file suture removed, such as a conftest.py the trusted base has not).
    Returns the restored (or removed) paths.
    """
    removed = _remove_again(tree, before, patched)
    with _index(tree) as env:
        # One-tree read-tree keeps the stat data of entries whose blob is unchanged, so
        # the refresh reads only files whose stat changed; neither writes an object.
        git(tree, "read-tree", "--reset", before, env=env)
        run_git(tree, "update-index", "-q", "--refresh", "--ignore-missing", env=env)  # exit 1: files changed
        listing = git(tree, "diff-files", "-z", "--name-status", "--no-renames", env=env)
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
            env=LITERAL,
        )
    return [*removed, *paths]


def _remove_again(tree: Path, before: str, patched: Sequence[str]) -> list[str]:
    """The `patched` paths `before` has not that a check made again, removed (never through a link)."""
    wanted = [path for path in dict.fromkeys(patched) if path]
    if not wanted:
        return []
    listing = git(tree, "ls-tree", "-r", "-z", "--name-only", before, "--", *wanted, env=LITERAL)
    kept = set(listing.split("\0"))
    removed = []
    for path in wanted:
        if path in kept:
            continue
        *parents, name = path.split("/")
        try:
            directory = _beneath(tree, parents)
        except OSError:
            continue  # no such directory (nothing to remove), or one behind a link (not ours to follow)
        try:
            os.unlink(name, dir_fd=directory)
            removed.append(path)
        except OSError:
            pass  # absent, or a directory: nothing git would restore there either
        finally:
            os.close(directory)
    return removed


@contextlib.contextmanager
def _index(tree: Path) -> Iterator[dict[str, str]]:
    """The environment of git calls on a private copy of `tree`'s index (its stat cache kept)."""
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        index = Path(scratch) / "index"
        real = Path(locate(tree).git_dir) / "index"
        if real.is_file() and not real.is_symlink():
            shutil.copyfile(real, index)
        yield {"GIT_INDEX_FILE": str(index), **LITERAL}


def _entries(tree: Path, patched: Sequence[str], scratch: Path) -> list[str]:
    """`update-index --index-info` records (NUL-ended) for `patched`: each file's blob, or its removal."""
    paths = list(dict.fromkeys(path for path in patched if path))
    found = [_read(tree, path) for path in paths]
    total = sum(len(data) for _, data in found if data is not None)
    if total > TOTAL_CAP:
        raise NotStored(
            f"the files the patch touches hold {total} bytes, more than the {TOTAL_CAP} a snapshot "
            "between checks stores; verify a smaller patch"
        )
    blobs = []
    for index, (_, data) in enumerate(found):
        if data is not None:
            blob = scratch / f"blob-{index}"
            blob.write_bytes(data)
            blobs.append(str(blob))
    shas = iter(git(tree, "hash-object", "-w", "--no-filters", "--stdin-paths", input="\n".join(blobs)).split())
    return [
        f"0 {NO_FILE}\t{path}\0" if data is None else f"{mode} {next(shas)}\t{path}\0"
        for path, (mode, data) in zip(paths, found, strict=True)
    ]


def _read(tree: Path, path: str) -> tuple[str, bytes | None]:
    """(git's mode, content) of `tree`/`path` read beneath `tree` without following a link;
    ("0", None) when it is gone. NotStored for anything but a regular file or a link, and for
    a file over FILE_CAP."""
    *parents, name = path.split("/")
    try:
        directory = _beneath(tree, parents)
    except FileNotFoundError:
        return "0", None
    except OSError as exc:
        raise NotStored(f"{path}, which the patch touches, lies behind a link or a file ({exc.strerror})") from exc
    try:
        info = os.lstat(name, dir_fd=directory)
        if stat.S_ISLNK(info.st_mode):
            return "120000", os.fsencode(os.readlink(name, dir_fd=directory))
        if not stat.S_ISREG(info.st_mode):
            raise NotStored(f"{path}, which the patch touches, is no longer a file (a directory, FIFO or device)")
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=directory)
    except FileNotFoundError:
        return "0", None
    finally:
        os.close(directory)
    try:
        opened = os.fstat(fd)
        readback.check_regular(opened, path, what="file the patch touches")
        data, cut = readback.read_fd(fd, cap=FILE_CAP)
    except readback.Refused as exc:
        raise NotStored(str(exc)) from exc
    finally:
        os.close(fd)
    if cut:
        raise NotStored(
            f"{path}, which the patch touches, holds more than the {FILE_CAP} bytes a snapshot between "
            "checks stores of one file; verify a smaller patch"
        )
    return ("100755" if opened.st_mode & stat.S_IXUSR else "100644"), data


def _beneath(tree: Path, parents: Sequence[str]) -> int:
    """A descriptor of the directory `tree`/`parents`, each step opened without following a link."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tree, flags)
    for part in parents:
        try:
            if part in ("", ".", ".."):
                raise OSError(0, f"a path with {part!r} in it")
            step = os.open(part, flags, dir_fd=fd)
        finally:
            os.close(fd)
        fd = step
    return fd
