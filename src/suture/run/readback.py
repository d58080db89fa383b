"""Files suture reads back after repository code ran: read so that the code cannot choose them.

    read(path, *, cap, what) -> bytes | None      a regular file with one name, at most `cap` bytes
    read_fd(fd, *, cap) -> tuple[bytes, bool]     from an open descriptor, from its start: the bytes, cut short?
    create(path) -> int                           a new file of suture's, never through a link
    write_new(path, text)                         replace a file of suture's, never writing through a link

Every file suture writes and reads back (a check's output, JUnit XML, the plugin's report, a
patch) lives in a directory of suture's that the sandbox cannot see. These functions hold even
when a file there was swapped anyway (a check without sandbox, a bug): a name that is a
symbolic link is refused (`O_NOFOLLOW`), so are a FIFO (whose read would hang), a device, a
directory, and a file with a second name (a hard link the code made to ~/.netrc); at most
`cap` bytes are read, so a 64 GiB sparse file costs nothing.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from suture.errors import SutureError

CHUNK = 1024 * 1024


class Refused(SutureError):
    """A file suture reads back is not one suture wrote: a link, a FIFO, a device, a directory."""


def read(path: Path, *, cap: int, what: str = "file") -> bytes | None:
    """Up to `cap` bytes of the regular file `path` (None when there is none); Refused for anything else."""
    data, _ = read_cut(path, cap=cap, what=what)
    return data


def read_cut(path: Path, *, cap: int, what: str = "file") -> tuple[bytes | None, bool]:
    """As `read`, and whether the file held more than `cap` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None, False
    except OSError as exc:  # ELOOP: the name is a symbolic link
        raise Refused(f"refused to read the {what} {path}: {exc.strerror or exc}") from exc
    try:
        check_regular(os.fstat(fd), path, what=what)
        return read_fd(fd, cap=cap)
    finally:
        os.close(fd)


def check_regular(info: os.stat_result, path: Path | str, *, what: str = "file") -> None:
    if not stat.S_ISREG(info.st_mode):
        raise Refused(
            f"refused to read the {what} {path}: it is not a regular file (a FIFO, device or "
            "directory put there by the code under test)"
        )
    if info.st_nlink != 1:
        raise Refused(
            f"refused to read the {what} {path}: it has {info.st_nlink} names (a hard link the code "
            "under test made to another file)"
        )


def read_fd(fd: int, *, cap: int) -> tuple[bytes, bool]:
    """Up to `cap` bytes of the open file `fd` from its start, and whether there was more."""
    chunks: list[bytes] = []
    size = 0
    while size <= cap:
        chunk = os.pread(fd, min(CHUNK, cap + 1 - size), size)
        if not chunk:
            return b"".join(chunks), False
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)[:cap], True


def create(path: Path, *, append: bool = False) -> int:
    """A new, empty file at `path` open for writing; whatever had that name (a planted link) goes first."""
    if os.path.lexists(path):
        os.unlink(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC | (os.O_APPEND if append else 0)
    return os.open(path, flags, 0o600)


def write_new(path: Path, text: str) -> None:
    """`text` in a new file at `path`, never written through a link someone put there."""
    fd = create(path)
    try:
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)
