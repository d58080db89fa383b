"""`suture diagnose`: why the checks fail, from a run of them or from a saved CI log.

`diagnose --log` is a command people time (a log piped in from CI): its path imports the
distiller, the parsers and git, not the heal loop, the fixers, the forges or rich (with
--json); tests/test_cli_startup.py holds it to that.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from suture.cli import options
from suture.errors import UsageError

if TYPE_CHECKING:
    from suture.diagnose.fromlog import Logged


def log_input(value: str) -> Any:
    """`--log FILE|-` as the library takes it: a path, or stdin's bytes."""
    if value != "-":
        return Path(value)
    if sys.stdin.isatty():
        raise UsageError("--log - reads the log from stdin, but stdin is a terminal: pipe a log in, or give a file")
    return sys.stdin.buffer


@click.command()
@options.checks
@options.log
@options.bisect
def diagnose(
    test_cmds: tuple[str, ...],
    timeout: float | None,
    sandbox: str | None,
    env_allow: tuple[str, ...],
    max_processes: int | None,
    as_json: bool,
    quiet: bool,
    base: str | None,
    directory: Path,
    log: str | None,
    bisect: bool,
) -> None:
    """Explain why the checks fail, without fixing anything: run them, or read a CI log.

    \b
    Examples:
      suture diagnose                          run the checks in a worktree and explain
      suture diagnose --log ci.log             explain a saved CI log (nothing runs)
      gh run view RUN --log-failed | suture diagnose --log - --json

    Prints the class (code, lint/format, flaky, environment, unknown), the failures grouped
    by root cause and, for a log, the lines that explain it (redacted), and the deprecation
    warnings it shows by distribution, with the replacement each names (a green run's are
    tomorrow's breakage). With --json the last line of stdout is one object: excerpt, lines,
    failures, class, fingerprint, deprecations.

    Exit codes: 0 nothing failed, 1 a failure was explained, 2 usage error (a bad log).
    """
    if log is not None:
        _from_log(log_input(log), "stdin" if log == "-" else log, directory, as_json=as_json)
    from suture import ci
    from suture.cli import render
    from suture.cli.heal import check_flags, configured
    from suture.cli.output import progress, stdout, warn
    from suture.loop import heal as loop
    from suture.records import to_dict

    say = progress(quiet)
    flags = check_flags(test_cmds, timeout, sandbox, env_allow, max_processes)
    settings = configured(directory, flags, base, ci.detect(os.environ), say)
    chosen = loop.Options(settings=settings, environ=dict(os.environ), bisect=bisect)
    found = loop.examine(directory, chosen, progress=say, warn=warn)
    if found is None:
        message = {"status": "nothing-to-do", "reason": "every check passes"}
        click.echo(json.dumps(message) if as_json else "every check passes: nothing to diagnose")
        return
    if as_json:
        click.echo(json.dumps({**to_dict(found), "class": found.classification}))
    else:
        render.diagnosis(stdout(), found)
    raise SystemExit(1)


def _from_log(log: Any, name: str, directory: Path, *, as_json: bool) -> None:
    """`suture diagnose --log`: distil, parse and triage the log; exit 1 if it shows a failure."""
    from suture.diagnose import ahead, fromlog
    from suture.redact import Redactor

    redactor = Redactor(os.environ)
    tail = ahead.Tail(log)  # the log's last bytes, where pytest prints its warnings summary
    logged = fromlog.read(tail.stream, name=name, redactor=redactor, paths=_checkout_files(directory))
    failed = bool(logged.diagnosis.failures) or logged.diagnosis.classification != "unknown"
    text = redactor.redact(tail.text())
    found = ahead.deprecations(text, owner=ahead.local_owner(os.environ), installed_log=text)
    if as_json:
        click.echo(json.dumps({**logged.to_json(), "deprecations": [item.to_dict() for item in found]}))
    else:
        _show(logged, name, failed=failed)
        _show_deprecations(found)
    raise SystemExit(1 if failed else 0)


def _show_deprecations(found: list[Any]) -> None:
    """The log's deprecation warnings by distribution, with what each names instead: tomorrow's breakage."""
    from suture.cli.output import stdout
    from suture.diagnose import ahead
    from suture.untrusted import one_line

    if not found:
        return
    console = stdout()
    console.print(f"deprecations ahead of the break ({len(found)} in the log's warnings):", markup=False)
    for distribution, items in ahead.grouped(found).items():
        version = f" {items[0].version}" if items[0].version else ""
        console.print(f"  {one_line(distribution + version) if distribution else '(not attributed)'}", markup=False)
        for item in items:
            times = f" (x{item.count})" if item.count > 1 else ""
            console.print(f"    {one_line(f'{item.category}: {item.message}', 300)}{times}", markup=False)
            if item.replacement:
                console.print(f"      instead: {one_line(item.replacement, 120)}", markup=False)


def _checkout_files(directory: Path) -> Iterator[str]:
    """The files of the checkout `directory` is in (none outside one): where the CI had them is
    told by the log's absolute paths. Asked of git only when the log has such a path."""
    from suture.errors import RepoError
    from suture.run import git
    from suture.run.source import Source

    try:
        repo = git.toplevel(directory)
        yield from Source(repo, git.head_sha(repo)).paths()
    except RepoError:
        return


def _show(logged: Logged, name: str, *, failed: bool) -> None:
    """The diagnosis and the excerpt in a panel, for a terminal."""
    from rich.markup import escape
    from rich.panel import Panel

    from suture.cli import render
    from suture.cli.output import stdout
    from suture.untrusted import invisible_gone as clean

    excerpt = logged.excerpt
    console = stdout()
    render.diagnosis(console, logged.diagnosis)
    title = f"{name}: {len(excerpt.lines)} of {excerpt.total_lines} lines" + (", cut" if excerpt.truncated else "")
    # The log's own lines, cleaned where they are printed whatever the distiller did (no escape sequence).
    panel = Panel(escape(clean(excerpt.numbered())), title=escape(clean(title)), title_align="left", expand=False)
    console.print(panel)
    if not failed:
        console.print("no failure found in the log: the lines above are its last", markup=False)


COMMANDS = (diagnose,)
