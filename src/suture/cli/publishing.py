"""The command line of publishing: how `heal` publishes, and `publish`, `propose`, `sweep`.

This is the CLI layer: it reads the environment (the token, the CI's variables) and
prints; the library below it (`suture.publish.forges`, `suture.ci`) receives what it needs.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import click

from suture import ci, config
from suture.cli import options
from suture.cli.options import ForgeFlags
from suture.cli.output import Progress, progress
from suture.errors import SutureError, UsageError
from suture.publish.forges import outfile, registry, sweep
from suture.publish.forges.publish import Publisher, PullRequestRules
from suture.records import Proposal, Published, to_dict
from suture.run import git
from suture.run.source import Source


@dataclass(frozen=True)
class Plan:
    publisher: Callable[[Path, Proposal], Published] | None  # None: the local forge
    dry_run: bool  # publish nothing (a fork's pull request)


def plan(
    flags: ForgeFlags,
    settings: config.Config,
    directory: Path,
    *,
    run: ci.Run | None,
    push_only: bool,
    out: Path | None,
    progress: Progress,
) -> Plan:
    """How `heal` publishes, by the configuration `settings` (forge flags over it already)."""
    if run is not None and run.fork:
        progress(f"the {run.provider} run builds a fork's pull request: suture verifies but publishes nothing")
        return Plan(None, dry_run=True)
    if out is not None:
        if flags.forge not in (None, registry.LOCAL) or push_only:
            raise UsageError("--out hands the proposal to `suture publish FILE`: give --forge/--push-only there")
        return Plan(outfile.OutFile(out.resolve(), run.url if run else ""), dry_run=False)
    if settings.publish.forge == registry.LOCAL:
        if push_only:
            raise UsageError(f"--push-only needs a network forge: --forge {options.one_of(registry.names())}")
        return Plan(None, dry_run=False)
    chosen = publisher(flags, settings, directory, run=run, push_only=push_only, progress=progress)
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
    flags: ForgeFlags,
    settings: config.Config,
    directory: Path,
    *,
    run: ci.Run | None,
    push_only: bool,
    progress: Progress,
    rules: bool = True,
) -> Publisher:
    """A Publisher for the forge the configuration `settings` (flags over it) and the CI name.

    `rules`: the policy's rules come from `settings`; False: from each proposal's base commit.
    """
    name = settings.publish.forge
    if name == registry.LOCAL:
        raise UsageError(f"publishing needs a network forge: --forge {options.one_of(registry.names())}")
    kind = registry.lookup(name)
    same_forge = run is not None and run.forge == name
    slug = flags.repo_slug or (run.slug if run and same_forge else "") or slug_from_remote(directory)
    url = flags.forge_url or (run.forge_url if run and same_forge else None)
    secret = token(f"the {name} forge", flags.token_env or kind.token_env, os.environ)
    pull_requests = PullRequestRules(
        labels=settings.publish.labels,
        draft=settings.publish.draft,
        max_new_per_hour=settings.publish.max_new_per_hour,
        max_open=settings.publish.max_open,
    )
    return Publisher(
        kind.connect(url=url, slug=slug, token=secret, timeout=30.0),
        pull_requests,
        run_url=run.url if run else "",
        push_only=push_only,
        progress=progress,
        rules=settings.policy if rules else None,
    )


def forge_settings(flags: ForgeFlags, directory: Path, sha: str | None = None) -> config.Config:
    """The configuration of commit `sha` (default HEAD) with the forge flags over it."""
    repo = git.toplevel(directory)
    found = config.load(Source(repo, sha or git.head_sha(repo)))
    return found.over(config.Flags(forge=flags.forge, labels=flags.labels, draft=flags.draft))


def token(what: str, name: str, env: Mapping[str, str]) -> str:
    """The token in the variable `name`; a UsageError that says what needs it and how to set it."""
    value = env.get(name, "").strip()
    if not value:
        raise UsageError(
            f"{what} needs a token in the environment variable {name}: set it (in CI, from a secret) "
            "or name another variable with --token-env"
        )
    return value


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


def nothing(reason: str, as_json: bool) -> None:
    """Say there is nothing to do, and exit 0."""
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


common = options.bundle(options.json_output, options.quiet, options.directory())


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@options.forge_options
@click.option("--push-only", is_flag=True, help="Push the branch only; `suture propose` opens the pull request.")
@common
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
        nothing(f"the {run.provider} run is on suture's own branch or a fork: nothing is published", as_json)
    repo = git.toplevel(directory)
    settings = forge_settings(publishing, directory, proposal.base_sha)  # read once: the forge and the policy
    if settings.publish.forge == registry.LOCAL:
        report(local.publish(repo, proposal), as_json)
        return
    chosen = publisher(publishing, settings, directory, run=run, push_only=push_only, progress=progress(quiet))
    report(Sweeping(dataclasses.replace(chosen, run_url=run_url or chosen.run_url))(repo, proposal), as_json)


@click.command()
@options.forge_options
@click.option("--branch", metavar="NAME", help="The suture branch CI passed on (default: the CI's, else HEAD's).")
@common
def propose(publishing: ForgeFlags, branch: str | None, as_json: bool, quiet: bool, directory: Path) -> None:
    """Open the pull request of a suture branch on which CI passed (the verify-in-CI flow).

    Everything comes from the branch's commit: the title, the body and the fingerprint.
    On any other branch this does nothing (exit 0), so it can run on every green build.
    """
    run = ci.detect(os.environ)
    if run is not None and run.fork:
        nothing("a fork's pull request: nothing is proposed", as_json)
    repo = git.toplevel(directory)
    branch = branch or (run.branch if run else "") or git.current_branch(repo) or ""
    if not branch.startswith(git.BRANCH_PREFIX):
        nothing(f"{branch or 'HEAD'} is not a suture branch: nothing to propose", as_json)
    sha = git.head_sha(repo)
    if not git.healed_by_suture(repo, sha):
        raise UsageError(f"{branch} at {sha[:12]} is not a commit suture made (no trailer): not proposing it")
    # The policy's rules are read from the parent of the branch's commit: the commit may change them.
    settings = forge_settings(publishing, directory)
    chosen = publisher(publishing, settings, directory, run=run, push_only=False, progress=progress(quiet), rules=False)
    published = chosen.propose(repo, sha)
    sweep.quietly(repo, chosen.forge, retrying=chosen.retrying, progress=chosen.progress)
    report(published, as_json)


@click.command(name="sweep")
@options.forge_options
@common
def sweep_command(publishing: ForgeFlags, as_json: bool, quiet: bool, directory: Path) -> None:
    """Delete suture's branches whose pull requests were closed or merged (also done after every publish).

    Only branches under suture/ with a closed or merged pull request that carries their
    fingerprint, and no open one, are deleted; any other branch is left alone.
    """
    run = ci.detect(os.environ)
    if run is not None and (run.ours or run.fork):
        nothing(f"the {run.provider} run is on suture's own branch or a fork: nothing is swept", as_json)
    repo = git.toplevel(directory)
    settings = forge_settings(publishing, directory)
    chosen = publisher(publishing, settings, directory, run=run, push_only=False, progress=progress(quiet))
    deleted = sweep.sweep(repo, chosen.forge, retrying=chosen.retrying, progress=chosen.progress)
    if as_json:
        click.echo(json.dumps({"status": "swept", "deleted": deleted}))
    else:
        click.echo(f"deleted {len(deleted)} stale suture branch(es)" + "".join(f"\n  {b}" for b in deleted))


# The commands `suture.cli.commands` adds to the group.
COMMANDS = (propose, publish, sweep_command)
