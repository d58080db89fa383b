"""The command line of publishing: forge flags for `heal`, and `propose`, `publish`, `init`.

This is the CLI layer: it reads the environment (the token, the CI's variables) and
prints; the library below it (`suture.publish.forges`, `suture.ci`) receives what it needs.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import json
import os
import re
import sys
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from suture import ci
from suture.ci import logs as joblogs
from suture.errors import RepoError, SutureError, UsageError
from suture.publish.forges import base, outfile, sweep
from suture.publish.forges.publish import Policy, Publisher
from suture.publish.forges.settings import FORGE_NAMES, Settings
from suture.records import Proposal, Published, to_dict
from suture.redact import Redactor
from suture.run import git

Progress = Callable[[str], None]


@dataclass(frozen=True)
class ForgeFlags:
    forge: str | None = None
    forge_url: str | None = None
    repo_slug: str | None = None
    token_env: str | None = None
    labels: tuple[str, ...] = ()
    draft: bool | None = None


_FORGE_OPTIONS = [
    click.option(
        "--forge",
        type=click.Choice(list(FORGE_NAMES)),
        default=None,
        help="Where the fix is proposed: local (a branch and a proposal file, the default; also [tool.suture] "
        "forge), github, gitlab or gitea (a branch suture/<fingerprint> and a pull request).",
    ),
    click.option(
        "--forge-url",
        metavar="URL",
        help="The forge's server, for GitHub Enterprise, self-managed GitLab, any Gitea/Forgejo "
        "(default: github.com, gitlab.com, or the CI's server).",
    ),
    click.option(
        "--repo-slug", metavar="OWNER/NAME", help="The repository on the forge (default: the CI's, else from origin)."
    ),
    click.option(
        "--token-env",
        metavar="VAR",
        help="The environment variable holding the forge token (default GITHUB_TOKEN, GITLAB_TOKEN, GITEA_TOKEN).",
    ),
    click.option("--label", "labels", multiple=True, metavar="NAME", help="A label for the pull request (repeatable)."),
    click.option("--draft/--no-draft", default=None, help="Open the pull request as a draft."),
]


def forge_options(command: Callable[..., None]) -> Callable[..., None]:
    """Add the forge flags to `command`, handed to it as one `publishing: ForgeFlags` argument."""

    @functools.wraps(command)
    def bundled(**kwargs: Any) -> None:
        fields = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(ForgeFlags)}
        command(publishing=ForgeFlags(**fields), **kwargs)

    for option in reversed(_FORGE_OPTIONS):
        bundled = option(bundled)
    return bundled


@dataclass(frozen=True)
class Plan:
    publisher: Callable[[Path, Proposal], Published] | None  # None: the local forge
    dry_run: bool  # publish nothing (a fork's pull request)


def plan(
    flags: ForgeFlags,
    directory: Path,
    *,
    push_only: bool,
    out: Path | None,
    as_json: bool,
    progress: Progress,
) -> Plan:
    """How `heal` publishes; exits 0 at once when the CI run is on one of suture's own branches."""
    run = ci.detect(os.environ)
    if run is not None and run.ours:
        _nothing(f"the {run.provider} run is on {run.branch}, a suture branch: nothing to do", as_json)
    if run is not None and run.fork:
        progress(f"the {run.provider} run builds a fork's pull request: suture verifies but publishes nothing")
        return Plan(None, dry_run=True)
    if out is not None:
        if flags.forge not in (None, "local") or push_only:
            raise UsageError("--out hands the proposal to `suture publish FILE`: give --forge/--push-only there")
        return Plan(outfile.OutFile(out.resolve(), run.url if run else ""), dry_run=False)
    try:
        settings = _settings(directory)
    except RepoError:  # not a repository, no commit: heal says so, in its own words
        settings = Settings()
    if (flags.forge or settings.forge) == "local":
        if push_only:
            raise UsageError("--push-only needs a network forge: --forge github, gitlab or gitea")
        return Plan(None, dry_run=False)
    chosen = publisher(flags, directory, run=run, push_only=push_only, progress=progress)
    return Plan(Sweeping(chosen), dry_run=False)


@dataclass(frozen=True)
class Sweeping:
    """A publisher that, once it has published, deletes suture's branches whose pull requests are closed."""

    publisher: Publisher

    def __call__(self, repo: Path, proposal: Proposal) -> Published:
        published = self.publisher(repo, proposal)
        sweep.quietly(repo, self.publisher.forge, retrying=self.publisher.retrying, progress=self.publisher.progress)
        return published


def publisher(
    flags: ForgeFlags, directory: Path, *, run: ci.Run | None, push_only: bool, progress: Progress
) -> Publisher:
    """A Publisher for the forge the flags, the configuration and the CI name."""
    settings = _settings(directory)
    name = flags.forge or settings.forge
    if name == "local":
        raise UsageError("publishing needs a network forge: --forge github, gitlab or gitea")
    same_forge = run is not None and run.forge == name
    slug = flags.repo_slug or (run.slug if run and same_forge else "") or slug_from_remote(directory)
    url = flags.forge_url or (run.forge_url if run and same_forge else None)
    forge = base.connect(
        name,
        url=url,
        slug=slug,
        token=_token(f"the {name} forge", flags.token_env or base.DEFAULT_TOKEN_ENV[name], os.environ),
    )
    policy = Policy(
        labels=flags.labels or settings.labels,
        draft=settings.draft if flags.draft is None else flags.draft,
        max_new_per_hour=settings.max_new_per_hour,
        max_open=settings.max_open,
    )
    return Publisher(forge, policy, run_url=run.url if run else "", push_only=push_only, progress=progress)


def _settings(directory: Path) -> Settings:
    from suture import config
    from suture.run.source import Source

    repo = git.toplevel(directory)
    return config.load(Source(repo, git.head_sha(repo))).publish


def _token(what: str, name: str, env: Mapping[str, str]) -> str:
    """The token in the variable `name`; a UsageError that says what needs it and how to set it."""
    token = env.get(name, "").strip()
    if not token:
        raise UsageError(
            f"{what} needs a token in the environment variable {name}: set it (in CI, from a secret) "
            "or name another variable with --token-env"
        )
    return token


def slug_from_remote(directory: Path) -> str:
    """owner/name from the `origin` remote's URL."""
    repo = git.toplevel(directory)
    try:
        url = git.git(repo, "remote", "get-url", "origin").strip()
    except SutureError:
        url = ""
    slug = slug_from_url(url)
    if slug is None:
        raise UsageError("cannot tell the repository on the forge from the origin remote: pass --repo-slug owner/name")
    return slug


def slug_from_url(url: str) -> str | None:
    """owner/name (or group/subgroup/name) of an https, ssh or scp-like git URL; credentials in it are dropped."""
    match = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?[^/:]+(?::\d+)?[:/](.+?)(?:\.git)?/?$", url)
    return match.group(1) if match and "/" in match.group(1) else None


def _nothing(reason: str, as_json: bool) -> None:
    click.echo(json.dumps({"status": "nothing-to-do", "reason": reason}) if as_json else f"nothing-to-do: {reason}")
    raise SystemExit(0)


def report(published: Published, as_json: bool) -> None:
    """One line per fact of a publication, or its JSON."""
    if as_json:
        click.echo(json.dumps(to_dict(published)))
        return
    action = published.extra.get("action", "published")
    click.echo(f"{action}: {published.extra.get('reason') or published.location}")
    if published.commit:
        click.echo(f"branch {published.branch} at {published.commit[:12]}")


_common = [
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


def _with(options: list[Callable[[Any], Any]]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def _progress(quiet: bool) -> Progress:
    return (lambda _: None) if quiet else (lambda message: click.echo(f"suture: {message}", err=True))


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@forge_options
@click.option("--push-only", is_flag=True, help="Push the branch only; `suture propose` opens the pull request.")
@_with(_common)
def publish(file: Path, publishing: ForgeFlags, push_only: bool, as_json: bool, quiet: bool, directory: Path) -> None:
    """Publish a proposal written by `suture heal --out FILE`: push its branch and open its pull request.

    Runs no repository code: the commit is made from the file's patch with git plumbing.
    The patch is checked against the policy again (no test files) before anything is pushed.
    """
    from suture.publish.forges import local
    from suture.records import Candidate
    from suture.verify import policy

    proposal, run_url = outfile.read(file)
    candidate = Candidate(origin="file", diff=proposal.patch, rationale="", fingerprint=proposal.fingerprint)
    problems = policy.findings(candidate)
    if problems:
        raise UsageError(f"{file}: the patch breaks the policy: {'; '.join(problems)}")
    run = ci.detect(os.environ)
    if run is not None and (run.ours or run.fork):
        _nothing(f"the {run.provider} run is on suture's own branch or a fork: nothing is published", as_json)
    repo = git.toplevel(directory)
    if (publishing.forge or _settings(directory).forge) == "local":
        report(local.publish(repo, proposal), as_json)
        return
    chosen = publisher(publishing, directory, run=run, push_only=push_only, progress=_progress(quiet))
    report(Sweeping(dataclasses.replace(chosen, run_url=run_url or chosen.run_url))(repo, proposal), as_json)


@click.command()
@forge_options
@click.option("--branch", metavar="NAME", help="The suture branch CI passed on (default: the CI's, else HEAD's).")
@_with(_common)
def propose(publishing: ForgeFlags, branch: str | None, as_json: bool, quiet: bool, directory: Path) -> None:
    """Open the pull request of a suture branch on which CI passed (the verify-in-CI flow).

    Everything comes from the branch's commit: the title, the body and the fingerprint.
    On any other branch this does nothing (exit 0), so it can run on every green build.
    """
    run = ci.detect(os.environ)
    if run is not None and run.fork:
        _nothing("a fork's pull request: nothing is proposed", as_json)
    repo = git.toplevel(directory)
    branch = branch or (run.branch if run else "") or git.current_branch(repo) or ""
    if not branch.startswith(git.BRANCH_PREFIX):
        _nothing(f"{branch or 'HEAD'} is not a suture branch: nothing to propose", as_json)
    sha = git.head_sha(repo)
    if not git.healed_by_suture(repo, sha):
        raise UsageError(f"{branch} at {sha[:12]} is not a commit suture made (no trailer): not proposing it")
    chosen = publisher(publishing, directory, run=run, push_only=False, progress=_progress(quiet))
    published = chosen.propose(repo, sha)
    sweep.quietly(repo, chosen.forge, retrying=chosen.retrying, progress=chosen.progress)
    report(published, as_json)


@click.command(name="sweep")
@forge_options
@_with(_common)
def sweep_command(publishing: ForgeFlags, as_json: bool, quiet: bool, directory: Path) -> None:
    """Delete suture's branches whose pull requests were closed or merged (also done after every publish).

    Only branches under suture/ with a closed or merged pull request that carries their
    fingerprint, and no open one, are deleted; any other branch is left alone.
    """
    run = ci.detect(os.environ)
    if run is not None and (run.ours or run.fork):
        _nothing(f"the {run.provider} run is on suture's own branch or a fork: nothing is swept", as_json)
    repo = git.toplevel(directory)
    chosen = publisher(publishing, directory, run=run, push_only=False, progress=_progress(quiet))
    deleted = sweep.sweep(repo, chosen.forge, retrying=chosen.retrying, progress=chosen.progress)
    if as_json:
        click.echo(json.dumps({"status": "swept", "deleted": deleted}))
    else:
        click.echo(f"deleted {len(deleted)} stale suture branch(es)" + "".join(f"\n  {b}" for b in deleted))


@click.command(name="logs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the logs to this file (default: stdout), for `suture heal --log FILE`.",
)
@click.option(
    "--token-env",
    metavar="VAR",
    help="The environment variable holding the CI API token (default GITHUB_TOKEN in GitHub Actions, "
    "GITLAB_TOKEN in GitLab CI, SEMAPHORE_API_TOKEN in Semaphore).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
def logs_command(out: Path | None, token_env: str | None, quiet: bool) -> None:
    """Download the logs of the failed jobs of the CI run this runs in, through the CI's API.

    \b
    GitHub Actions: the run a workflow_run event names, else this run (needs actions: read).
    GitLab CI: the failed jobs of this pipeline (a token with read_api).
    Semaphore: the failed jobs of the pipeline that promoted this one, else of this one.

    \b
    In a CI step:
      suture logs --out failure.log && suture heal --log failure.log

    Only reads: no call it makes changes anything. On one of suture's own branches it
    does nothing at all (an empty file, exit 0).
    """
    say = _progress(quiet)
    run = ci.detect(os.environ)
    if run is None:
        raise UsageError("suture logs reads the CI run it is part of: run it in GitHub Actions, GitLab CI or Semaphore")
    if run.ours:
        if out is not None:
            out.write_bytes(b"")
        click.echo(f"nothing-to-do: the {run.provider} run is on {run.branch}, a suture branch", err=True)
        return
    token = _token(f"reading {run.provider} logs", token_env or joblogs.DEFAULT_TOKEN_ENV[run.provider], os.environ)
    source = joblogs.connect(run.provider, os.environ, token=token)
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


@click.command()
@click.argument("provider", type=click.Choice(["github", "gitlab", "semaphore"]))
@click.option(
    "--flow",
    type=click.Choice(["direct", "ci"]),
    default="direct",
    help="direct: verify in the job and open the pull request; ci: push the branch, let CI run on it, "
    "and open the pull request when it passes (Semaphore always uses ci).",
)
@click.option("--workflow", default="CI", metavar="NAME", help="GitHub: the workflow whose failures suture heals.")
@click.option("--forge", type=click.Choice(["github", "gitlab", "gitea"]), default=None, help="Semaphore: the forge.")
@click.option("--force", is_flag=True, help="Overwrite files that exist.")
@click.option(
    "-C",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    help="The repository (default: the current directory).",
)
def init(provider: str, flow: str, workflow: str, forge: str | None, force: bool, directory: Path) -> None:
    """Write the CI configuration that runs suture: GitHub Actions, GitLab CI or Semaphore."""
    from suture.ci import init as templates

    written = templates.write(
        directory, templates.files(provider, flow=flow, workflow=workflow, forge=forge or ""), force=force
    )
    for path in written:
        click.echo(f"wrote {path}")


# The commands `suture.cli.commands` adds to the group.
COMMANDS = (propose, publish, init, logs_command, sweep_command)
