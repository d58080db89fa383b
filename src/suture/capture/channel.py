"""The descriptors a check run shares with suture's pytest plugin, the same in every phase.

    with Channel(files) as channel:       report, JUnit and order files of suture's, in `files`
        channel.send({"first": [...]})     what the plugin reads as it collects (held until sent)
        argv, fds = channel.wrap(argv, env)   the command, started with the descriptors at fixed numbers
        ...run...
        channel.report() / channel.junit()  read back from suture's own descriptors

Repository code must not tell capture from verification (docs/security.md, "forged
verdicts"): so no variable and no file names a phase. The plugin finds three descriptors at
fixed numbers in every run: the order (the tests to run first, and for a held run the
candidate's changed files, or an abandon), the report it writes, and pytest's JUnit file
(`--junitxml=/dev/fd/N`). The order and JUnit files have no name (nothing to swap for a link,
nothing that tells one run from another); the report's copy is written to suture's files dir,
which the sandbox does not show, once the run is over.

The report is a stream, not a file: one end of a socket pair, read by a thread of suture's as
the plugin writes it. What was read cannot be taken back: the code under test, which runs in
the plugin's process, can append lines (agreement.py judges them) but cannot truncate, rewrite
or seek in what suture already holds. A socket rather than a pipe: a pipe's other end can be
opened again through /proc/self/fd/N, for reading, to take events before suture reads them;
a socket's cannot.

Descriptors keep their numbers through bubblewrap and the shell; a small trampoline (suture's
own interpreter, isolated, no site) moves them to the fixed numbers before it starts the
sandbox. The numbers are the plugin's (`_suture_pytest.ORDER_FD` and its kin).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from suture.capture import report
from suture.run import readback
from suture.run.process import program

ORDER_FD, REPORT_FD, JUNIT_FD = 197, 198, 199  # _suture_pytest.py's
REPORT_FILE = "report.jsonl"  # the report's copy a run leaves in its files dir
MAX_JUNIT = 64 * 1024 * 1024
REPORT_GRACE = 5.0  # seconds the report is still read after the run ended (a child still holding it)

# Runs on the host with suture's own interpreter (-I -S: no site, no PYTHON* variables, no
# current directory on sys.path): nothing of the repository is imported.
_TRAMPOLINE = """\
import os, sys
pairs = [tuple(map(int, pair.split(":"))) for pair in sys.argv[1].split(",")]
held = [(target, os.dup(source)) for target, source in pairs]
for _, source in pairs:
    os.close(source)
for target, copy in held:
    os.dup2(copy, target)
    os.close(copy)
os.execv(sys.argv[2], sys.argv[2:])
"""


class Channel:
    def __init__(self, files: Path) -> None:
        files.mkdir(parents=True, exist_ok=True)
        self._files = files
        self._lock = threading.Lock()
        self._sent = False
        self._closed = False
        # Files without a name: behind the plugin's descriptors the code sees '/tmp/#123 (deleted)'
        # and 'socket:[N]' in every phase, never a path that says which run this is.
        self._junit, self._order = _anonymous(), _anonymous()
        self._stream = _Stream(cap=report.MAX_BYTES)
        with _LOCK:
            _LIVE[files] = self

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()

    @property
    def sent(self) -> bool:
        return self._sent

    def send(self, order: Mapping[str, object]) -> bool:
        """Give the plugin its order (once: later orders are dropped); False if it was given already."""
        with self._lock:
            if self._sent or self._closed:
                return False
            self._sent = True
            data = (json.dumps(dict(order)) + "\n").encode("utf-8")
            offset = 0
            while offset < len(data):  # the plugin reads the order once it ends with a newline
                offset += os.pwrite(self._order, data[offset:], offset)
            return True

    def wrap(self, argv: Sequence[str], env: Mapping[str, str]) -> tuple[list[str], tuple[int, ...]]:
        """`argv` started so that the plugin's descriptors are at their numbers; the descriptors to pass."""
        pairs = {ORDER_FD: self._order, REPORT_FD: self._stream.writer, JUNIT_FD: self._junit}
        spec = ",".join(f"{target}:{source}" for target, source in pairs.items())
        start = [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, spec, program(argv[0], env), *argv[1:]]
        return start, tuple(pairs.values())

    def report(self) -> str:
        """The report's event lines once the run is over (capped, events only): suture's end of the
        stream is closed, and what the plugin wrote is read to its end (or for REPORT_GRACE seconds)."""
        self._stream.finish()
        return self._report_text(whole_lines=False)

    def _report_text(self, *, whole_lines: bool) -> str:
        data, cut = self._stream.read()
        return report.kept_lines(data, cut=cut or whole_lines)

    def junit(self) -> str:
        data, _ = readback.read_fd(self._junit, cap=MAX_JUNIT)
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        """Close the descriptors; the report stays in `files` for watchers (`live_report`)."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        try:
            readback.write_new(self._files / REPORT_FILE, self._report_text(whole_lines=False))
        finally:
            with _LOCK:
                _LIVE.pop(self._files, None)
            self._stream.finish(grace=0.0)
            for fd in (self._junit, self._order):
                os.close(fd)


_LIVE: dict[Path, Channel] = {}  # the files dir of each run under way in this process, and its channel
_LOCK = threading.Lock()


def live_report(files: Path) -> str:
    """The report of the run keeping its files in `files`: while it runs, its whole lines so far; after,
    the copy it left there ('' if none)."""
    with _LOCK:
        channel = _LIVE.get(files)
    if channel is not None:
        with channel._lock:
            if not channel._closed:
                return channel._report_text(whole_lines=True)
    return report.load(files / REPORT_FILE)


class _Stream:
    """The report's socket pair: the plugin's end to pass, and a thread reading suture's as it comes."""

    def __init__(self, *, cap: int) -> None:
        mine, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        theirs.shutdown(socket.SHUT_RD)  # the plugin writes, and reads nothing
        mine.shutdown(socket.SHUT_WR)
        self._mine, self._theirs, self._cap = mine, theirs, cap
        self._data = bytearray()
        self._cut = False
        self._lock = threading.Lock()
        self._ended = threading.Event()
        self._thread = threading.Thread(target=self._read, daemon=True, name="suture-report")
        self._thread.start()

    @property
    def writer(self) -> int:
        return self._theirs.fileno()

    def _read(self) -> None:
        try:
            while chunk := self._mine.recv(readback.CHUNK):
                with self._lock:
                    room = self._cap - len(self._data)
                    self._data += chunk[: max(room, 0)]
                    self._cut = self._cut or len(chunk) > room  # past the cap: read on, keep nothing
        except OSError:  # closed by finish(), a child still holding the other end
            pass
        finally:
            self._ended.set()

    def read(self) -> tuple[bytes, bool]:
        """What the plugin wrote so far, and whether some was past the cap."""
        with self._lock:
            return bytes(self._data), self._cut

    def finish(self, *, grace: float = REPORT_GRACE) -> None:
        """The run is over: close the plugin's end here, read to the end, then stop reading."""
        if self._theirs.fileno() >= 0:
            self._theirs.close()
        if not self._ended.wait(grace):
            self._mine.shutdown(socket.SHUT_RDWR)  # wakes the thread: what came later does not count
        self._thread.join()
        if self._mine.fileno() >= 0:
            self._mine.close()


def _anonymous() -> int:
    """A read-write file without a name, in suture's temp dir."""
    with tempfile.TemporaryFile(prefix="suture-") as handle:
        return os.dup(handle.fileno())
