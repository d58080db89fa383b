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
(`--junitxml=/dev/fd/N`). The files behind them live in a directory of suture's that the
sandbox does not show, so the code can neither swap them for links nor read another run's.

Descriptors keep their numbers through bubblewrap and the shell; a small trampoline (suture's
own interpreter, isolated, no site) moves them to the fixed numbers before it starts the
sandbox. The numbers are the plugin's (`_suture_pytest.ORDER_FD` and its kin).
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType

from suture.capture import report
from suture.run import readback
from suture.run.process import program

ORDER_FD, REPORT_FD, JUNIT_FD = 197, 198, 199  # _suture_pytest.py's
REPORT_FILE, JUNIT_FILE, ORDER_FILE = "report.jsonl", "junit.xml", "order.json"
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
        self.report_path = files / REPORT_FILE
        self._lock = threading.Lock()
        self._sent = False
        self._closed = False
        self._report_out = readback.create(self.report_path, append=True)
        self._report_in = os.open(self.report_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self._junit = readback.create(files / JUNIT_FILE)
        self._junit_in = os.open(files / JUNIT_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        self._order_out = readback.create(files / ORDER_FILE)
        self._order_in = os.open(files / ORDER_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)

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
            while data:  # the plugin reads the order once it ends with a newline
                data = data[os.write(self._order_out, data) :]
            return True

    def wrap(self, argv: Sequence[str], env: Mapping[str, str]) -> tuple[list[str], tuple[int, ...]]:
        """`argv` started so that the plugin's descriptors are at their numbers; the descriptors to pass."""
        pairs = {ORDER_FD: self._order_in, REPORT_FD: self._report_out, JUNIT_FD: self._junit}
        spec = ",".join(f"{target}:{source}" for target, source in pairs.items())
        start = [sys.executable, "-I", "-S", "-c", _TRAMPOLINE, spec, program(argv[0], env), *argv[1:]]
        return start, tuple(pairs.values())

    def report(self) -> str:
        """The report's event lines, as report.load reads a file (capped, events only)."""
        data, cut = readback.read_fd(self._report_in, cap=report.MAX_BYTES)
        return report.kept_lines(data, cut=cut)

    def junit(self) -> str:
        data, _ = readback.read_fd(self._junit_in, cap=MAX_JUNIT)
        return data.decode("utf-8", errors="replace")

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        for fd in (self._report_out, self._report_in, self._junit, self._junit_in, self._order_out, self._order_in):
            os.close(fd)
