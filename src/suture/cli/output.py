"""What the command line prints besides results: progress and warnings on stderr, the page on stdout.

Messages carry the repository's text (test ids, paths, commands, reasons): printed through
`invisible_gone` (no escape sequence reaches the terminal) and escaped (no rich markup).
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from rich.console import Console
from rich.markup import escape

from suture.untrusted import invisible_gone

Progress = Callable[[str], None]


def stdout() -> Console:
    # Piped output (a CI log) gets a wider page than rich's 80 columns: tables stay readable.
    return Console(highlight=False, width=None if sys.stdout.isatty() else 120)


def progress(quiet: bool) -> Progress:
    """The one progress printer: `suture: <message>` on stderr, nothing with --quiet."""
    if quiet:
        return lambda _: None
    err = Console(stderr=True, highlight=False, emoji=False)

    def say(message: str) -> None:
        err.print(f"[dim]suture:[/] {escape(invisible_gone(message))}", soft_wrap=True)

    return say


def warn(message: str) -> None:
    """What must be said on every run, --quiet or not (running without a sandbox, say)."""
    text = escape(invisible_gone(message))
    Console(stderr=True, highlight=False, emoji=False).print(f"[bold red]suture: {text}[/]", soft_wrap=True)
