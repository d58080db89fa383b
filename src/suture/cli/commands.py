"""The command line: parse flags, call the library, print, map outcomes to exit codes.

Exit codes: 0 fixed (or nothing to do), 1 no verified fix, 2 usage or configuration
error, 3 unexpected error (traceback in a log file), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import errno
import faulthandler
import json
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

import click
from rich.console import Console
from rich.markup import escape

from suture import __version__, ci
from suture.cli import publishing as cli_forges
from suture.errors import SutureError
from suture.redact import Redactor
from suture.run.sandbox import SANDBOXES


def _stdout() -> Console:
    # Piped output (a CI log) gets a wider page than rich's 80 columns: tables stay readable.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def _progress(quiet: bool) -> Callable[[str], None]:
    err = Console(stderr=True, highlight=False)

    def say(message: str) -> None:
        if not quiet:
            err.print(f"[dim]suture:[/] {escape(message)}", soft_wrap=True)

    return say


def _warn(message: str) -> None:
    """What must be said on every run, --quiet or not (running without a sandbox, say)."""
    Console(stderr=True, highlight=False).print(f"[bold red]suture: {escape(message)}[/]", soft_wrap=True)


_sandbox_option = click.option(
    "--sandbox",
    type=click.Choice(list(SANDBOXES)),
    default=None,
    help="Where repository code runs: bwrap (bubblewrap: no network, no secrets, read-only root; the default, "
    "also [tool.suture] sandbox) or none (your files, network and environment; warned about on every run).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


def _check_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every command that runs the checks shares."""
    for option in reversed(
        [
            click.option(
                "--test-cmd",
                "test_cmds",
                multiple=True,
                metavar="CMD",
                help="A check to run (repeatable), e.g. --test-cmd 'pytest -q' --test-cmd 'ruff check .'. "
                "Default: [tool.suture] test-cmd, else python -m pytest (and ruff check . if configured).",
            ),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0, min_open=True),
                default=None,
                metavar="SECONDS",
                help="Time limit of one check run (default 600).",
            ),
            _sandbox_option,
            click.option(
                "--env-allow",
                "env_allow",
                multiple=True,
                metavar="NAME",
                help="An environment variable the checks may see inside the sandbox (repeatable), besides PATH, "
                "locale, TERM, TZ, VIRTUAL_ENV and [tool.suture] env-allow. Secret-looking names are refused.",
            ),
            click.option(
                "--base",
                metavar="REF",
                envvar="SUTURE_BASE",
                help="The trusted commit whose [tool.suture] applies (a pull request's target, e.g. origin/main; "
                "also SUTURE_BASE): a fork's head cannot then turn the sandbox off, let variables through or loosen "
                "the policy. Default in CI: the pull request's target, read from the provider's variables.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line of stdout."),
            click.option("-q", "--quiet", is_flag=True, help="No progress on stderr."),
            click.option(
                "-C",
                "directory",
                type=click.Path(file_okay=False, path_type=Path),
                default=Path("."),
                help="Run in this directory instead of the current one.",
            ),
        ]
    ):
        command = option(command)
    return command


_log_option = click.option(
    "--log",
    metavar="FILE|-",
    help="A CI log to start from (a file, or - for stdin), e.g. from `gh run view RUN --log-failed`.",
)


def _log_input(value: str) -> Any:
    """`--log FILE|-` as the library takes it: a path, or stdin's bytes."""
    from suture.errors import UsageError

    if value != "-":
        return Path(value)
    if sys.stdin.isatty():
        raise UsageError("--log - reads the log from stdin, but stdin is a terminal: pipe a log in, or give a file")
    return sys.stdin.buffer


def _model_options(command: Callable[..., None]) -> Callable[..., None]:
    """The language model's options; each is also a [tool.suture] key (see the README)."""
    positive = click.FloatRange(min=0, min_open=True)
    for option in reversed(
        [
            click.option(
                "--provider",
                metavar="NAME",
                help="Ask a language model when the built-in fixers cannot fix the failure: openai (any "
                "OpenAI-compatible endpoint), anthropic, a plugin's name, or none (offline). Default: "
                "[tool.suture] provider, else none.",
            ),
            click.option("--model", metavar="NAME", help="The model, e.g. gpt-4o-mini or claude-sonnet-4-5."),
            click.option(
                "--base-url",
                metavar="URL",
                help="The endpoint, e.g. http://127.0.0.1:11434/v1 (Ollama); a server on this machine needs no key.",
            ),
            click.option(
                "--api-key-env",
                metavar="VAR",
                help="The environment variable holding the key (default OPENAI_API_KEY, ANTHROPIC_API_KEY).",
            ),
            click.option("--max-attempts", type=click.IntRange(min=1), metavar="N", help="Replies per failure (3)."),
            click.option("--max-tokens", type=click.IntRange(min=1), metavar="N", help="Tokens, the run (60000)."),
            click.option("--max-cost-usd", type=positive, metavar="USD", help="Spend, the run (0.50)."),
            click.option(
                "--max-seconds", type=positive, metavar="S", help="The model's requests and verifications (600)."
            ),
        ]
    ):
        command = option(command)
    return command


@cli.command()
@_check_options
@_model_options
@click.option("--dry-run", is_flag=True, help="Verify and show the fix, but create no branch or proposal.")
@cli_forges.forge_options
@click.option("--push-only", is_flag=True, help="Push the verified branch, no pull request: `suture propose` opens it.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the verified proposal to this file for `suture publish FILE` (a separate job, with the token).",
)
@_log_option
@click.option(
    "--flaky-reruns",
    type=click.IntRange(min=0),
    metavar="N",
    help="Rerun failing tests on the unchanged base up to N times; one that passes is flaky and not fixed "
    "(default: [tool.suture] flaky-reruns, else 3; 0: never).",
)
def heal(
    test_cmds: tuple[str, ...],
    timeout: float | None,
    sandbox: str | None,
    env_allow: tuple[str, ...],
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    directory: Path,
    publishing: cli_forges.ForgeFlags,
    push_only: bool,
    out: Path | None,
    log: str | None,
    flaky_reruns: int | None,
    base: str | None,
    **model: Any,
) -> None:
    """Heal the current repository: capture, diagnose, fix, verify, propose.

    \b
    Examples:
      suture heal
      suture heal --test-cmd "pytest -q" --test-cmd "ruff check ." --json
      suture heal --dry-run
      suture heal --log ci.log          (the failure is reproduced in the sandbox before any fix)
      suture heal --provider openai --model gpt-4o-mini          (key from OPENAI_API_KEY)
      suture heal --provider openai --base-url http://127.0.0.1:11434/v1 --model qwen2.5-coder

    The verified fix is committed on the branch suture/<fingerprint> and described in
    .git/suture/proposals/; your working tree, index and HEAD are never changed.

    Exit codes: 0 fixed (or nothing to do), 1 no verified fix (or, with --log, the
    failure did not reproduce), 2 usage or configuration error, 3 unexpected error
    (the log path is printed), 130 interrupted.
    """
    from suture.cli import render
    from suture.config import check_env_names
    from suture.llm.settings import Flags
    from suture.loop.heal import Options
    from suture.loop.heal import heal as run_heal

    allowed = check_env_names(env_allow, "--env-allow")
    plan = cli_forges.plan(
        publishing, directory, push_only=push_only, out=out, as_json=as_json, progress=_progress(quiet)
    )
    if base is None:
        base = ci.trusted_base(ci.detect(os.environ), directory, _progress(quiet))
    options = Options(
        test_cmds=test_cmds,
        timeout=timeout,
        dry_run=dry_run or plan.dry_run,
        publisher=plan.publisher,
        sandbox=sandbox,
        env_allow=allowed,
        llm=Flags(**model),
        environ=dict(os.environ),  # the model's key is read from it, and its secrets kept out of prompts
        log=_log_input(log) if log is not None else None,
        flaky_reruns=flaky_reruns,
        base=base,
    )
    outcome = run_heal(directory, options, progress=_progress(quiet), warn=_warn)
    if as_json:
        click.echo(json.dumps(outcome.to_json()))
    else:
        render.outcome(_stdout(), outcome)
    raise SystemExit(outcome.exit_code)


@cli.command()
@_check_options
@_log_option
def diagnose(
    test_cmds: tuple[str, ...],
    timeout: float | None,
    sandbox: str | None,
    env_allow: tuple[str, ...],
    as_json: bool,
    quiet: bool,
    base: str | None,
    directory: Path,
    log: str | None,
) -> None:
    """Explain why the checks fail, without fixing anything: run them, or read a CI log.

    \b
    Examples:
      suture diagnose                          run the checks in a worktree and explain
      suture diagnose --log ci.log             explain a saved CI log (nothing runs)
      gh run view RUN --log-failed | suture diagnose --log - --json

    Prints the class (code, lint/format, flaky, environment, unknown), the failures grouped
    by root cause and, for a log, the lines that explain it (redacted). With --json the last
    line of stdout is one object: excerpt, lines, failures, class, fingerprint.

    Exit codes: 0 nothing failed, 1 a failure was explained, 2 usage error (a bad log).
    """
    from suture.cli import render
    from suture.config import check_env_names
    from suture.loop.heal import Options, examine
    from suture.records import to_dict

    if log is not None:
        _diagnose_log(_log_input(log), "stdin" if log == "-" else log, directory, as_json=as_json)
    allowed = check_env_names(env_allow, "--env-allow")
    if base is None:
        base = ci.trusted_base(ci.detect(os.environ), directory, _progress(quiet))
    options = Options(
        test_cmds=test_cmds,
        timeout=timeout,
        sandbox=sandbox,
        env_allow=allowed,
        environ=dict(os.environ),
        base=base,
    )
    found = examine(directory, options, progress=_progress(quiet), warn=_warn)
    if found is None:
        message = {"status": "nothing-to-do", "reason": "every check passes"}
        click.echo(json.dumps(message) if as_json else "every check passes: nothing to diagnose")
        return
    if as_json:
        click.echo(json.dumps({**to_dict(found), "class": found.classification}))
    else:
        render.diagnosis(_stdout(), found)
    raise SystemExit(1)


def _diagnose_log(log: Any, name: str, directory: Path, *, as_json: bool) -> None:
    """`suture diagnose --log`: distil, parse and triage the log; exit 1 if it shows a failure."""
    from rich.panel import Panel

    from suture.cli import render
    from suture.diagnose import fromlog
    from suture.errors import RepoError
    from suture.records import to_dict
    from suture.redact import Redactor
    from suture.run import git
    from suture.run.source import Source

    try:  # in a checkout, its files tell where the CI had it (absolute paths in the log)
        repo = git.toplevel(directory)
        paths: tuple[str, ...] = Source(repo, git.head_sha(repo)).paths()
    except RepoError:
        paths = ()
    logged = fromlog.read(log, name=name, redactor=Redactor(os.environ), paths=paths)
    found, excerpt = logged.diagnosis, logged.excerpt
    failed = bool(found.failures) or found.classification != "unknown"
    if as_json:
        record = {
            **to_dict(found),
            "class": found.classification,
            "excerpt": excerpt.text,
            "lines": list(excerpt.lines),
            "truncated": excerpt.truncated,
            "total_lines": excerpt.total_lines,
            "root": logged.root,
        }
        click.echo(json.dumps(record))
    else:
        console = _stdout()
        render.diagnosis(console, found)
        title = f"{name}: {len(excerpt.lines)} of {excerpt.total_lines} lines" + (", cut" if excerpt.truncated else "")
        console.print(Panel(escape(excerpt.numbered()), title=escape(title), title_align="left", expand=False))
        if not failed:
            console.print("no failure found in the log: the lines above are its last", markup=False)
    raise SystemExit(1 if failed else 0)


@cli.command()
@click.option("--clean", is_flag=True, help="Remove the demo project afterwards (default: keep it to look at).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line of stdout.")
@_sandbox_option
def demo(clean: bool, as_json: bool, sandbox: str | None) -> None:
    """Build a small broken project in a temp dir and heal it, offline.

    The project has the classic bug: a function returns "The result is: " + result
    with an int result, and its test fails with a TypeError.
    """
    from suture.cli import render
    from suture.loop.demo import run_demo

    console = _stdout()
    outcome, project = run_demo(keep=not clean, progress=_progress(False), sandbox=sandbox, warn=_warn)
    if as_json:
        click.echo(json.dumps({**outcome.to_json(), "project": None if clean else str(project)}))
    else:
        render.outcome(console, outcome)
        if not clean and outcome.published:
            console.print(f"the demo project is kept in {project}", markup=False)
    raise SystemExit(outcome.exit_code)


@cli.command()
@_sandbox_option
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="Look from this directory instead of the current one.",
)
def doctor(sandbox: str | None, directory: Path) -> None:
    """Show which sandbox the checks run in and whether it starts, and the git, python and pytest found.

    Exit code 0 when everything needed is there, 1 when something is missing.
    """
    from suture.run.doctor import examine

    findings = examine(directory, sandbox)
    for finding in findings:
        mark = "ok" if finding.ok else "PROBLEM"
        click.echo(f"{finding.what}: {mark}: {finding.detail}")
    raise SystemExit(0 if all(finding.ok for finding in findings) else 1)


for _command in cli_forges.COMMANDS:
    cli.add_command(_command)


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
    """A text stream that redacts what is written before passing it on (SECURITY.md: our own output)."""

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
