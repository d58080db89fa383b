"""The commands that run the checks: `heal`, `demo`, `doctor` (and `diagnose`, in diagnose.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import click

from suture import ci, config
from suture.cli import options
from suture.cli import publishing as cli_publishing
from suture.cli.diagnose import log_input
from suture.cli.output import Progress, progress, stdout, warn
from suture.errors import RepoError
from suture.llm import settings as llm_settings


def check_flags(
    test_cmds: tuple[str, ...],
    timeout: float | None,
    sandbox: str | None,
    env_allow: tuple[str, ...],
    max_processes: int | None,
    **more: Any,
) -> config.Flags:
    """The flags of `options.checks` (and `more`) as the configuration takes them."""
    allowed = config.check_env_names(env_allow, "--env-allow")
    return config.Flags(
        test_cmds=test_cmds, timeout=timeout, sandbox=sandbox, env_allow=allowed, max_processes=max_processes, **more
    )


def configured(
    directory: Path, flags: config.Flags, base: str | None, run: ci.Run | None, say: Progress
) -> config.Config:
    """The configuration, read once from the trusted commit (--base, else a pull request's target,
    else HEAD), with the flags over it."""
    if base is None:
        base = ci.trusted_base(run, directory, say)
    try:
        settings = config.resolve(directory, flags, base=base)
    except RepoError:  # not a repository, no commit: the run says so, in its own words
        settings = config.Config().over(flags)
    for note in settings.ignored:  # keys that would steer a secret, from a commit not trusted
        warn(note)
    config.check_env_values(settings.env_allow, os.environ)
    return settings


@click.command()
@options.checks
@options.model
@click.option("--dry-run", is_flag=True, help="Verify and show the fix, but create no branch or proposal.")
@options.forge_options
@click.option("--push-only", is_flag=True, help="Push the verified branch, no pull request: `suture propose` opens it.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the verified proposal to this file for `suture publish FILE` (a separate job, with the token).",
)
@options.log
@click.option(
    "--flaky-reruns",
    type=click.IntRange(min=0),
    metavar="N",
    help="Rerun failing tests on the unchanged base up to N times; one that passes is flaky and not fixed "
    "(default: [tool.suture] flaky-reruns, else 3; 0: never).",
)
@options.bisect
def heal(
    test_cmds: tuple[str, ...],
    timeout: float | None,
    sandbox: str | None,
    env_allow: tuple[str, ...],
    max_processes: int | None,
    dry_run: bool,
    as_json: bool,
    quiet: bool,
    directory: Path,
    publishing: options.ForgeFlags,
    push_only: bool,
    out: Path | None,
    log: str | None,
    flaky_reruns: int | None,
    bisect: bool,
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
    from suture.loop import heal as loop

    say = progress(quiet)
    flags = check_flags(
        test_cmds,
        timeout,
        sandbox,
        env_allow,
        max_processes,
        flaky_reruns=flaky_reruns,
        llm=llm_settings.Flags(**model),
        forge=publishing.forge,
        labels=publishing.labels,
        draft=publishing.draft,
    )
    run = ci.detect(os.environ)
    if run is not None and run.ours:
        cli_publishing.nothing(f"the {run.provider} run is on {run.branch}, a suture branch: nothing to do", as_json)
    settings = configured(directory, flags, base, run, say)
    plan = cli_publishing.plan(publishing, settings, directory, run=run, push_only=push_only, out=out, progress=say)
    outcome = loop.heal(
        directory,
        loop.Options(
            settings=settings,
            dry_run=dry_run or plan.dry_run,
            publisher=plan.publisher,
            environ=dict(os.environ),  # the model's key is read from it, and its secrets kept out of prompts
            log=log_input(log) if log is not None else None,
            bisect=bisect,
        ),
        progress=say,
        warn=warn,
    )
    if as_json:
        click.echo(json.dumps(outcome.to_json()))
    else:
        render.outcome(stdout(), outcome)
    raise SystemExit(outcome.exit_code)


@click.command()
@click.option("--clean", is_flag=True, help="Remove the demo project afterwards (default: keep it to look at).")
@options.json_output
@options.sandbox
def demo(clean: bool, as_json: bool, sandbox: str | None) -> None:
    """Build a small broken project in a temp dir and heal it, offline.

    The project has the classic bug: a function returns "The result is: " + result
    with an int result, and its test fails with a TypeError.
    """
    from suture.cli import render
    from suture.loop.demo import run_demo

    console = stdout()
    outcome, project = run_demo(keep=not clean, progress=progress(False), sandbox=sandbox, warn=warn)
    if as_json:
        click.echo(json.dumps({**outcome.to_json(), "project": None if clean else str(project)}))
    else:
        render.outcome(console, outcome)
        if not clean and outcome.published:
            console.print(f"the demo project is kept in {project}", markup=False)
    raise SystemExit(outcome.exit_code)


@click.command()
@options.sandbox
@options.directory("Look from this directory instead of the current one.")
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


# The commands `suture.cli.commands` adds to the group, in the order `--help` lists them.
COMMANDS = (heal, demo, doctor)
