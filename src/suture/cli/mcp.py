"""The command line of coding agents: `suture mcp` (the MCP server over stdio) and `suture init mcp`
(the configuration that makes an agent start it; `suture init-mcp` is the same command).

`suture init` writes set-up files: a CI provider's (`suture init github`) or a coding agent's
(`suture init mcp --client NAME`); the CI options (--flow, --workflow, --forge) are refused with
`mcp`, and --client with a CI provider (cli/ci.py).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import click

from suture import ci
from suture.cli import options
from suture.cli import publishing as cli_publishing
from suture.config import Config, Flags
from suture.errors import UsageError
from suture.llm import settings as llm_settings
from suture.mcp import clients
from suture.mcp.base import Publisher, Publishers


@click.command(name="mcp")
@click.option(
    "--base",
    metavar="REF",
    envvar="SUTURE_BASE",
    help="The trusted commit whose [tool.suture] applies (default: HEAD's, read on every call).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="propose writes the accepted proposal to this file, for `suture publish FILE` in a job that holds "
    "the forge token (CI), instead of committing it here or publishing it.",
)
@options.model
@options.forge_options
@options.directory("The repository to serve (default: the current directory).")
def mcp_command(
    base: str | None, out: Path | None, publishing: options.ForgeFlags, directory: Path, **model: Any
) -> None:
    """Serve this repository to a coding agent over the Model Context Protocol (stdio).

    \b
    Tools: ci_failure, ci_logs, run_checks, verify_patch, propose, heal.
    Set up an agent with `suture init mcp --client claude|codex|cursor|vscode`.

    Repository code runs only in the sandbox (bubblewrap), whatever the configuration says;
    every output is redacted; the one tool that writes is propose, to suture/<fingerprint>,
    and with a network forge (--forge or [tool.suture] forge) its pull request. The heal
    tool asks the model the model flags name (as `suture heal` does) when its fixers cannot.
    """
    try:
        import mcp  # noqa: F401
    except ImportError as exc:  # the SDK is an extra
        raise UsageError(f"suture mcp needs the MCP SDK ({exc}): pip install 'suture[mcp]'") from exc
    from suture.mcp import server
    from suture.mcp.base import Session
    from suture.run import git

    if out is not None and publishing != options.ForgeFlags():
        raise UsageError("--out hands the proposal to `suture publish FILE`: give the forge flags to that command")
    repo = git.toplevel(directory)
    try:
        with tempfile.TemporaryDirectory(prefix="suture-mcp-") as scratch:
            chosen = _publishers(repo, publishing) if out is None else _handing_over(out.resolve())
            llm = llm_settings.Flags(**model)
            flags = Flags(forge=publishing.forge, labels=publishing.labels, draft=publishing.draft, llm=llm)
            session = Session(repo, dict(os.environ), Path(scratch), publishers=chosen, base=base, flags=flags)
            # stdout is the protocol's channel: the SDK takes its descriptor (and sends stray output to stderr),
            # which the redacting stream of `main` has not; every message the server sends is redacted by it.
            saved, sys.stdout = sys.stdout, sys.__stdout__
            try:
                server.serve(session)
            finally:
                sys.stdout = saved
    except KeyboardInterrupt:  # Ctrl-C, or SIGTERM from a supervisor: the calls are stopped, their worktrees gone
        click.echo("suture: interrupted; the checkout is unchanged", err=True)
        sys.stderr.flush()
        # The SDK reads stdin in a worker thread the interpreter waits for at exit, and that read
        # returns only when the client closes the pipe: without this the server outlives its SIGTERM.
        os._exit(130)


def _publishers(repo: Path, flags: options.ForgeFlags) -> Publishers:
    """The publisher of the configured network forge (the forge flags over [tool.suture]), made
    when `propose` needs it (None: local). Its server, repository and token variable are flags
    or the CI's, never the commit's configuration."""
    from suture.publish.forges import registry

    def chosen(settings: Config) -> Publisher | None:
        if settings.publish.forge == registry.LOCAL:
            return None
        run = ci.detect(os.environ)
        if run is not None and run.fork:
            raise UsageError(f"the {run.provider} run builds a fork's pull request: nothing is published")
        made = cli_publishing.publisher(flags, settings, repo, run=run, push_only=False, progress=lambda _: None)
        return cli_publishing.Sweeping(made)

    return chosen


CLIENT_HELP = "The coding agent: " + ", ".join(clients.CLIENTS) + "."
WRITE_HELP = "Write (merge into) the client's configuration file instead of printing."


def _handing_over(out: Path) -> Publishers:
    """propose writes the proposal file `suture publish` reads (the run's link with it, in CI)."""
    from suture.publish.forges.outfile import OutFile

    run = ci.detect(os.environ)
    return lambda _: OutFile(out, run.url if run else "")


@click.command(name="init-mcp")
@click.option("--client", "client_name", type=click.Choice(list(clients.CLIENTS)), required=True, help=CLIENT_HELP)
@click.option("--write", is_flag=True, help=WRITE_HELP)
@options.directory("The project (default: the current directory); Codex's file is in your home.")
def init_mcp(client_name: str, write: bool, directory: Path) -> None:
    """The same as `suture init mcp`: a coding agent's configuration for `suture mcp`.

    Printed, or with --write merged into the client's file:

    \b
      claude  .mcp.json            cursor  .cursor/mcp.json
      vscode  .vscode/mcp.json     codex   ~/.codex/config.toml
    """
    set_up(client_name, write=write, directory=directory)


def set_up(client_name: str, *, write: bool, directory: Path) -> None:
    """Print the client's snippet, or merge it into the client's file with `write`."""
    client = clients.CLIENTS[client_name]
    if not write:
        click.echo(f"{client.title} reads this from {'~/' if client.home else ''}{client.path}:", err=True)
        click.echo(clients.snippet(client), nl=False)
        return
    path = directory / client.path
    if client.home:  # Codex reads $CODEX_HOME/config.toml, ~/.codex/ by default
        path = Path(os.environ.get("CODEX_HOME") or Path.home() / ".codex") / Path(client.path).name
    existing = path.read_text(encoding="utf-8") if path.is_file() else None
    text = clients.merged(client, existing, where=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {path}")


# The commands `suture.cli.commands` adds to the group.
COMMANDS = (mcp_command, init_mcp)
