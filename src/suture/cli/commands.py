"""The command line: the `suture` group, its commands (one module per group of them), and
`main`, which maps outcomes and errors to exit codes and redacts everything printed.

Exit codes: 0 fixed (or nothing to do), 1 no verified fix, 2 usage or configuration
error, 3 unexpected error (traceback in a log file), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import importlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TextIO

import click

from suture import __version__
from suture.errors import SutureError
from suture.redact import Redactor

# Every command: the module that defines it (in its COMMANDS) and the line `suture --help`
# shows. A command's module is imported only when that command runs or shows its help, so
# that `suture --help` and `suture diagnose --log` do not pay for the others' imports (the
# fixers, libcst, rich, the forges). tests/test_cli_startup.py holds this table to the modules.
COMMANDS: dict[str, tuple[str, str]] = {
    "demo": ("suture.cli.heal", "Build a small broken project in a temp dir and heal it, offline."),
    "diagnose": (
        "suture.cli.diagnose",
        "Explain why the checks fail, without fixing anything: run them, or read a CI log.",
    ),
    "doctor": (
        "suture.cli.heal",
        "Show which sandbox the checks run in and whether it starts, and the git, python and pytest found.",
    ),
    "heal": ("suture.cli.heal", "Heal the current repository: capture, diagnose, fix, verify, propose."),
    "init": (
        "suture.cli.ci",
        "Write the CI configuration that runs suture (GitHub Actions, GitLab CI, Semaphore), or a coding "
        "agent's (init mcp --client NAME).",
    ),
    "init-mcp": ("suture.cli.mcp", "The same as `suture init mcp`: a coding agent's configuration for `suture mcp`."),
    "logs": (
        "suture.cli.ci",
        "Download the logs of the failed jobs of the CI run this runs in, through the CI's API.",
    ),
    "mcp": ("suture.cli.mcp", "Serve this repository to a coding agent over the Model Context Protocol (stdio)."),
    "propose": (
        "suture.cli.publishing",
        "Open the pull request of a suture branch on which CI passed (the verify-in-CI flow).",
    ),
    "publish": (
        "suture.cli.publishing",
        "Publish a proposal written by `suture heal --out FILE`: push its branch and open its pull request.",
    ),
    "sweep": (
        "suture.cli.publishing",
        "Delete suture's branches whose pull requests were closed or merged (also done after every publish).",
    ),
}


class _Suture(click.Group):
    """The group whose commands are imported when one is asked for; its help lists them from COMMANDS."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module = importlib.import_module(COMMANDS[cmd_name][0])
            self.add_command(next(command for command in module.COMMANDS if command.name == cmd_name))
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(map(len, names))
        rows = [(name, self._stand_in(name).get_short_help_str(limit)) for name in names]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def _stand_in(self, name: str) -> click.Command:
        """The command if it is loaded (a test's, added at run time), else one with its line of help."""
        return self.commands.get(name) or click.Command(name, help=COMMANDS[name][1])


@click.group(cls=_Suture, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="suture")
def cli() -> None:
    """suture heals red builds: it finds why the checks fail, writes a fix, proves it by
    re-running the checks in a disposable worktree, and proposes it on a branch
    suture/<fingerprint> for you to review. Your working tree, index and HEAD are never changed.

    \b
    Start with:
      suture demo          heal a small broken project, offline
      suture heal          heal the repository you are in
      suture doctor        check that the sandbox the checks run in starts
    """


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # CI cancels a job with SIGTERM: clean up as for Ctrl-C


def main(argv: Sequence[str] | None = None) -> int:
    with _redacted_output():
        if threading.current_thread() is not threading.main_thread():
            return _main(argv)
        previous = signal.signal(signal.SIGTERM, _terminate)
        # `kill -USR1 <pid>` prints where every thread of a run that seems stuck is (code, no values).
        faulthandler.register(signal.SIGUSR1, file=2, all_threads=True)
        try:
            return _main(argv)
        finally:
            signal.signal(signal.SIGTERM, previous)
            faulthandler.unregister(signal.SIGUSR1)


class _Redacting:
    """A text stream that redacts what is written before passing it on (docs/security.md: our own output)."""

    def __init__(self, stream: TextIO, redactor: Redactor) -> None:
        self._stream = stream
        self._redactor = redactor
        self.encoding = getattr(stream, "encoding", None) or "utf-8"
        self.errors = getattr(stream, "errors", None) or "strict"

    def write(self, text: str) -> int:
        self._stream.write(self._redactor.redact(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def isatty(self) -> bool:
        return self._stream.isatty()

    def fileno(self) -> int:
        return self._stream.fileno()


@contextlib.contextmanager
def _redacted_output() -> Iterator[None]:
    """stdout and stderr redacted for the whole command: progress, results, JSON, errors, tracebacks."""
    redactor = _redactor()
    saved = sys.stdout, sys.stderr
    sys.stdout = _Redacting(saved[0], redactor)
    sys.stderr = _Redacting(saved[1], redactor)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def _redactor() -> Redactor:
    """Token shapes, and the values of this process's secret-looking variables."""
    return Redactor(os.environ)


def _main(argv: Sequence[str] | None) -> int:
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="suture", standalone_mode=False)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except click.exceptions.Abort:  # click's form of KeyboardInterrupt
        click.echo("suture: interrupted; the checkout is unchanged", err=True)
        return 130
    except click.ClickException as exc:
        exc.show()
        return 2
    except KeyboardInterrupt:
        click.echo("suture: interrupted; the checkout is unchanged", err=True)
        return 130
    except SutureError as exc:
        click.echo(f"suture: error: {exc}", err=True)
        return exc.exit_code
    except Exception as exc:
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
            where = f" writing {exc.filename}" if exc.filename else ""
            click.echo(
                f"suture: error: no space left on the device{where}: free some space, or point TMPDIR at a "
                "larger disk; your checkout is unchanged",
                err=True,
            )
            return 2
        log = crash_log()
        click.echo(f"suture: unexpected error (a bug): the traceback is in {log}", err=True)
        return 3
    return 0


def crash_log() -> Path:
    """Write the current exception's traceback to a log file and return its path."""
    import traceback  # only a crash pays for it

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "suture"
    try:
        base.mkdir(parents=True, exist_ok=True)
    except OSError:
        base = Path("/tmp")
    path = base / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
    text = _redactor().redact(f"suture {__version__} {' '.join(sys.argv)}\n{traceback.format_exc()}")
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:  # a full disk, say: the traceback goes to stderr instead
        sys.stderr.write(f"suture: could not write {path} ({exc.strerror}); the traceback:\n{text}")
        return Path("(stderr)")
    return path
