"""The command line of CI: `suture logs` (the failed jobs' logs, through the CI's API) and
`suture init` (the CI configuration that runs suture). The providers come from the registry."""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import click

from suture import ci
from suture.ci import logs as joblogs
from suture.ci import registry
from suture.cli import options
from suture.cli.output import progress
from suture.cli.publishing import token
from suture.errors import UsageError
from suture.mcp import clients
from suture.publish.forges import registry as forges
from suture.redact import Redactor

_PROVIDERS = registry.every()
_TITLES = options.one_of([provider.title for provider in _PROVIDERS])
_LOGS_HELP = f"""Download the logs of the failed jobs of the CI run this runs in, through the CI's API.

\b
{chr(10).join(f"{provider.title}: {provider.logs_note}." for provider in _PROVIDERS)}

\b
In a CI step:
  suture logs --out failure.log && suture heal --log failure.log

Only reads: no call it makes changes anything. On one of suture's own branches it
does nothing at all (an empty file, exit 0).
"""


@click.command(name="logs", help=_LOGS_HELP)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the logs to this file (default: stdout), for `suture heal --log FILE`.",
)
@options.ci_token_env()
@options.quiet
def logs_command(out: Path | None, token_env: str | None, quiet: bool) -> None:
    say = progress(quiet)
    run = ci.detect(os.environ)
    if run is None:
        raise UsageError(f"suture logs reads the CI run it is part of: run it in {_TITLES}")
    if run.ours:
        if out is not None:
            out.write_bytes(b"")
        click.echo(f"nothing-to-do: the {run.provider} run is on {run.branch}, a suture branch", err=True)
        return
    provider = registry.lookup(run.provider)
    secret = token(f"reading {run.provider} logs", token_env or provider.token_env, os.environ)
    source = provider.logs(os.environ, token=secret, timeout=joblogs.TIMEOUT)
    # Secrets are redacted here already: the file may become a CI artifact, readable by more people.
    redact = Redactor(os.environ).redact
    if out is None:
        with tempfile.TemporaryFile() as buffer:  # then through stdout, which may be a redacting text stream
            jobs = joblogs.write(source, buffer, redact=redact, progress=say)
            buffer.seek(0)
            for line in io.TextIOWrapper(buffer, encoding="utf-8", errors="replace", newline=""):
                sys.stdout.write(line)
            sys.stdout.flush()
    else:
        partial = out.with_name(out.name + ".part")  # a download cut short leaves no half log behind
        with partial.open("wb") as sink:
            jobs = joblogs.write(source, sink, redact=redact, progress=say)
        partial.replace(out)
    where = f" to {out}" if out else ""
    say(
        f"wrote the logs of {len(jobs)} failed job(s) of {source.run}{where}"
        if jobs
        else f"no failed job in {source.run}"
    )


MCP = "mcp"  # `suture init mcp --client NAME`: a coding agent's set-up, not a CI provider's
_CLIENTS = list(clients.CLIENTS)


@click.command(
    help="Write the CI configuration that runs suture (GitHub Actions, GitLab CI, Semaphore), or a coding "
    "agent's (init mcp --client NAME).\n\nA CI provider: " + _TITLES + ". `suture init mcp --client NAME` "
    "prints (with --write: merges into its file) the agent's configuration that starts `suture mcp`."
)
@click.argument("provider", type=click.Choice([*(provider.init_name for provider in _PROVIDERS), MCP]))
@click.option(
    "--flow",
    type=click.Choice(["direct", "ci"]),
    default=None,
    help="direct (the default): verify in the job and open the pull request; ci: push the branch, let CI "
    "run on it, and open the pull request when it passes (Semaphore always uses ci).",
)
@click.option("--workflow", default=None, metavar="NAME", help="GitHub: the workflow whose failures suture heals.")
@click.option("--forge", type=click.Choice(list(forges.names())), default=None, help="Semaphore: the forge.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option("--client", type=click.Choice(_CLIENTS), default=None, help="mcp: the coding agent.")
@click.option("--write", is_flag=True, help="mcp: merge into the client's configuration file instead of printing.")
@options.directory("The repository (default: the current directory).")
def init(
    provider: str,
    flow: str | None,
    workflow: str | None,
    forge: str | None,
    force: bool,
    client: str | None,
    write: bool,
    directory: Path,
) -> None:
    if provider == MCP:
        ci_only = [name for name, value in (("--flow", flow), ("--workflow", workflow), ("--forge", forge)) if value]
        if ci_only or force:
            raise UsageError(
                f"{', '.join(ci_only) or '--force'}: CI option(s); `suture init mcp` takes --client and --write"
            )
        if client is None:
            raise UsageError(f"suture init mcp needs the coding agent: --client {'|'.join(_CLIENTS)}")
        from suture.cli.mcp import set_up

        set_up(client, write=write, directory=directory)
        return
    if client is not None or write:
        raise UsageError(f"--client and --write set up a coding agent: `suture init mcp`, not `suture init {provider}`")
    from suture.ci import init as templates

    made = templates.files(provider, flow=flow or "direct", workflow=workflow or "CI", forge=forge or "")
    for path in templates.write(directory, made, force=force):
        click.echo(f"wrote {path}")


# The commands `suture.cli.commands` adds to the group.
COMMANDS = (logs_command, init)
