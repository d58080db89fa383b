"""Every subprocess suture starts goes through here."""

from __future__ import annotations

import collections
import contextlib
import os
import select
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from suture.errors import CommandError, SutureError, UsageError


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def program(name: str, env: Mapping[str, str] | None = None) -> str:
    """The absolute path of the program `name`, searched only in the absolute entries of PATH.

    A relative entry ('.', 'bin', an empty one) would be searched from suture's current
    directory, the user's checkout: a `git` or `bwrap` a commit adds there would run on the
    host, with every secret. A name with a slash is taken as given (suture's own paths).
    """
    if "/" in name:
        return name
    search = (os.environ if env is None else env).get("PATH", os.defpath).split(os.pathsep)
    found = shutil.which(name, path=os.pathsep.join(entry for entry in search if os.path.isabs(entry)))
    if found is None:
        raise UsageError(f"{name!r} is not installed or not on PATH")
    return found


def run(
    argv: Sequence[str],
    *,
    cwd: Path | str | None = None,
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    check: bool = True,
    timeout: float | None = None,
) -> Completed:
    """Run a short command and return its output; raise `CommandError` if `check` and it fails."""
    try:
        proc = subprocess.run(
            [program(argv[0], env), *argv[1:]],
            cwd=cwd,
            env=None if env is None else dict(env),
            input=input,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
        )
    except FileNotFoundError as exc:
        if cwd is not None and not os.path.isdir(cwd):
            raise UsageError(f"{cwd} is not a directory") from exc
        raise UsageError(f"{argv[0]!r} is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        raise SutureError(f"{' '.join(argv)} did not finish within {timeout:.0f}s") from exc
    done = Completed(tuple(argv), proc.returncode, proc.stdout, proc.stderr)
    if check and proc.returncode != 0:
        raise CommandError(argv, proc.returncode, proc.stdout, proc.stderr)
    return done


def run_bytes(
    argv: Sequence[str], *, cwd: Path | str, env: Mapping[str, str] | None = None, cap: int | None = None
) -> bytes | None:
    """The raw stdout of a command, or None if it fails (a missing blob, say) or writes more than
    `cap` bytes (it is stopped there: a commit's blob can be gigabytes)."""
    with subprocess.Popen(
        [program(argv[0], env), *argv[1:]],
        cwd=cwd,
        env=None if env is None else dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdout is not None
        data = proc.stdout.read() if cap is None else proc.stdout.read(cap + 1)
        if cap is not None and len(data) > cap:
            proc.kill()
            return None
        return data if proc.wait() == 0 else None


@dataclass(frozen=True)
class Timed:
    """A long-running command whose merged stdout and stderr went to a file."""

    returncode: int
    seconds: float
    timed_out: bool
    stopped: str = ""  # why a `Watch` stopped it ('' when none did)


class Watch(Protocol):
    """What a long-running command is watched for while it runs (supervisor.Limit: its processes)."""

    def poll(self, pid: int) -> str: ...  # why the command `pid` must stop now, '' to go on; often
    def close(self) -> None: ...  # once it has ended


def run_logged(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    log: Path,
    timeout: float,
    pass_fds: Sequence[int] = (),
    watch: Watch | None = None,
) -> Timed:
    """Run a command (a check, as its sandbox wraps it) with stdout and stderr merged into `log`.

    The command gets its own process group so that a timeout kills everything it
    started (a hung test often leaves children behind), not just the shell; a sandbox
    must make killing that group kill everything inside (bubblewrap: --die-with-parent).
    The log keeps the first and the last `KEPT_OUTPUT` bytes: a test printing gigabytes
    fills neither the disk nor the memory. `pass_fds` stay open in the command (suture's
    pytest plugin's descriptors, capture/channel.py). A `watch` is polled while it runs; when it
    says so, the command is killed like a timed-out one and its reason ends the log.
    """
    start = time.monotonic()
    scope: Scope | None = getattr(_CURRENT, "scope", None)
    with log.open("wb") as out:
        with _LOCK:
            if _STOPPING.is_set():
                raise KeyboardInterrupt  # an interrupt is stopping this run: start nothing new
            if scope is not None and scope.cancelled:
                return Timed(-signal.SIGKILL, 0.0, False)  # its job was cancelled: its result is discarded
            proc = subprocess.Popen(
                [program(argv[0], env), *argv[1:]],
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                pass_fds=tuple(pass_fds),
            )
            _RUNNING.add(proc)
            if scope is not None:
                scope.procs.add(proc)
        done = threading.Event()
        drain = threading.Thread(target=_drain, args=(proc, out, done), daemon=True, name="suture-output")
        drain.start()
        timed = Timed(-signal.SIGKILL, 0.0, False)
        try:
            timed = _wait(proc, scope, start, timeout, watch)
            return timed
        finally:
            if watch is not None:
                watch.close()
            drain.join(timeout=DRAIN_GRACE)  # a grandchild still holding the pipe: stop reading it
            done.set()
            drain.join()
            if proc.stdout is not None:
                proc.stdout.close()
            if timed.stopped:
                out.write(f"\n[{timed.stopped}]\n".encode())


KEPT_OUTPUT = 4 * 1024 * 1024  # bytes of a check's output kept at each end of its log
DRAIN_GRACE = 10.0  # seconds the output is still read after the check ended


def _drain(proc: subprocess.Popen[bytes], out: BinaryIO, done: threading.Event) -> None:
    """Copy the check's output to `out`: the first KEPT_OUTPUT bytes, a note, the last KEPT_OUTPUT."""
    assert proc.stdout is not None
    fd, written, dropped = proc.stdout.fileno(), 0, 0
    tail: collections.deque[bytes] = collections.deque()
    kept = 0
    try:
        while not done.is_set():
            if not select.select([fd], [], [], 0.2)[0]:
                continue
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            if written < KEPT_OUTPUT:
                head, chunk = chunk[: KEPT_OUTPUT - written], chunk[KEPT_OUTPUT - written :]
                out.write(head)
                written += len(head)
            if chunk:
                tail.append(chunk)
                kept += len(chunk)
                while kept - len(tail[0]) >= KEPT_OUTPUT:
                    dropped += len(tail[0])
                    kept -= len(tail.popleft())
    except (OSError, ValueError):
        pass  # the pipe was closed under us: what was read is what there is
    if dropped:
        out.write(f"\n[... suture dropped {dropped} bytes of this check's output here ...]\n".encode())
    out.writelines(tail)


def _wait(
    proc: subprocess.Popen[bytes], scope: Scope | None, start: float, timeout: float, watch: Watch | None
) -> Timed:
    stopped = ""
    try:
        code = proc.wait(timeout=timeout) if watch is None else _watched(proc, watch, start + timeout)
        timed_out = code is None
        if code is None:
            _kill_group(proc)
            code = -signal.SIGKILL
        elif isinstance(code, str):
            stopped = code
            _kill_group(proc)
            code = STOPPED
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        code, timed_out = -signal.SIGKILL, True
    except BaseException:
        _kill_group(proc)
        raise
    finally:
        _RUNNING.discard(proc)
        if scope is not None:
            scope.procs.discard(proc)
    return Timed(code, time.monotonic() - start, timed_out, stopped)


WATCH_POLL = 0.05  # seconds between a watch's polls
STOPPED = 137  # the exit status of a command a watch stopped (128 + SIGKILL, as a shell says)


def _watched(proc: subprocess.Popen[bytes], watch: Watch, deadline: float) -> int | str | None:
    """The exit status of `proc`; a watch's reason to stop it; None at the deadline."""
    while True:
        code = proc.poll()
        if code is not None:
            return code
        reason = watch.poll(proc.pid)
        if reason:
            return reason
        left = deadline - time.monotonic()
        if left <= 0:
            return None
        time.sleep(min(WATCH_POLL, left))  # not Popen.wait(timeout): its own short sleeps cost more CPU


# Check runs under way in any thread, so that an interrupt can stop them all: they run
# in sessions of their own, out of reach of the terminal's Ctrl-C.
_RUNNING: set[subprocess.Popen[bytes]] = set()
_LOCK = threading.Lock()
_STOPPING = threading.Event()


def kill_all() -> None:
    """Kill every check run under way and refuse new ones until `resume()`."""
    with _LOCK:
        _STOPPING.set()
        running = list(_RUNNING)
    for proc in running:
        _kill_group(proc)


class Scope:
    """The check runs of one job (a candidate's verification), cancellable without touching the others."""

    def __init__(self) -> None:
        self.cancelled = False
        self.procs: set[subprocess.Popen[bytes]] = set()

    def cancel(self) -> None:
        """Kill the job's check runs under way, and make its later ones return at once, killed."""
        with _LOCK:
            self.cancelled = True
            running = list(self.procs)
        for proc in running:
            _kill_group(proc)


_CURRENT = threading.local()  # .scope: the Scope of the job this thread runs


@contextlib.contextmanager
def scoped(scope: Scope) -> Iterator[None]:
    """Check runs this thread starts inside the block belong to `scope`."""
    _CURRENT.scope = scope
    try:
        yield
    finally:
        _CURRENT.scope = None


def resume() -> None:
    """Allow check runs again (at the start of a run, after an earlier one was stopped)."""
    _STOPPING.clear()


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
