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
(`--junitxml=/dev/fd/N`). The files behind them have no name (nothing to swap for a link,
nothing that tells one run from another); the report's copy is written to suture's files dir,
which the sandbox does not show, once the run is over.

Descriptors keep their numbers through bubblewrap and the shell; a small trampoline (suture's
own interpreter, isolated, no site) moves them to the fixed numbers before it starts the
sandbox. The numbers are the plugin's (`_suture_pytest.ORDER_FD` and its kin).
"""

from __future__ import annotations

import json
import os
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
        # in every phase, never a path that says which run this is.
        self._report, self._junit, self._order = (_anonymous() for _ in range(3))
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
        pairs = {ORDER_FD: self._order, REPORT_FD: self._report, JUNIT_FD: self._junit}
        spec = ",".join(f"{target}:{source}" for target, source in pairs.items())
        start = [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, spec, program(argv[0], env), *argv[1:]]
        return start, tuple(pairs.values())

    def report(self) -> str:
        """The report's event lines, as report.load reads a file (capped, events only)."""
        return self._report_text(whole_lines=False)

    def _report_text(self, *, whole_lines: bool) -> str:
        data, cut = readback.read_fd(self._report, cap=report.MAX_BYTES)
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
            for fd in (self._report, self._junit, self._order):
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


def _anonymous() -> int:
    """A read-write file without a name, in suture's temp dir."""
    with tempfile.TemporaryFile(prefix="suture-") as handle:
        return os.dup(handle.fileno())
