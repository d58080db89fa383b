"""The options the commands share, each defined once, and the bundles they come in.

A bundle adds its options to a command in the order given, as click lists them in
`--help`. `forge_options` hands its flags to the command as one `publishing: ForgeFlags`.
The forge and CI names in choices and help come from the registries, plugins included.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

Command = Callable[..., None]
Decorator = Callable[[Command], Command]
F = TypeVar("F", bound=Callable[..., Any])


def bundle(*options: Callable[[F], F]) -> Callable[[F], F]:
    """One decorator that adds `options`, listed in this order in `--help`."""

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


def one_of(names: Sequence[str]) -> str:
    """'a, b or c'."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def directory(help: str = "Run in this directory instead of the current one.") -> Decorator:
    """`-C DIR`: the repository to work in."""
    return click.option(
        "-C", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), help=help
    )


class Names(click.Choice[str]):
    """A choice among names looked up when a value or the command's help needs them, not when
    the command is defined: the sandboxes' table imports the sandbox, a registry its plugins."""

    def __init__(self, names: Callable[[], Sequence[str]]) -> None:
        super().__init__(())
        self._names = names

    @functools.cached_property
    def _looked_up(self) -> tuple[str, ...]:
        return tuple(self._names())

    @property
    def choices(self) -> tuple[str, ...]:
        return self._looked_up

    @choices.setter
    def choices(self, value: Sequence[str]) -> None:
        pass  # click.Choice's own __init__ sets them; the lookup is the truth


def _sandboxes() -> list[str]:
    from suture.run.sandbox import SANDBOXES

    return list(SANDBOXES)


json_output = click.option("--json", "as_json", is_flag=True, help="Print one JSON object as the last line of stdout.")
quiet = click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
sandbox = click.option(
    "--sandbox",
    type=Names(_sandboxes),
    default=None,
    help="Where repository code runs: bwrap (bubblewrap: no network, no secrets, read-only root; the default, "
    "also [tool.suture] sandbox) or none (your files, network and environment; warned about on every run).",
)
log = click.option(
    "--log",
    metavar="FILE|-",
    help="A CI log to start from (a file, or - for stdin), e.g. from `gh run view RUN --log-failed`.",
)
bisect = click.option(
    "--bisect",
    "bisect",
    is_flag=True,
    help="Find which of the releases installed since the last commit breaks the failing tests (as "
    "`git bisect` does over commits): each step an environment from wheels and a sandboxed run.",
)

# What every command that runs the checks takes.
checks = bundle(
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
    sandbox,
    click.option(
        "--env-allow",
        "env_allow",
        multiple=True,
        metavar="NAME",
        help="An environment variable the checks may see inside the sandbox (repeatable), besides PATH, "
        "locale, TERM, TZ, VIRTUAL_ENV and [tool.suture] env-allow. Secret-looking names are refused.",
    ),
    click.option(
        "--max-processes",
        type=click.IntRange(min=0),
        default=None,
        metavar="N",
        help="Processes one check may run at once; past it the check is stopped (a fork bomb). Default 256, "
        "0: no limit of suture's. A flag only: a repository's configuration cannot raise it.",
    ),
    click.option(
        "--base",
        metavar="REF",
        envvar="SUTURE_BASE",
        help="The trusted commit whose [tool.suture] applies (a pull request's target, e.g. origin/main; "
        "also SUTURE_BASE): a fork's head cannot then turn the sandbox off, let variables through or loosen "
        "the policy. Default in CI: the pull request's target, read from the provider's variables.",
    ),
    json_output,
    quiet,
    directory(),
)

_positive = click.FloatRange(min=0, min_open=True)

# The language model's options; each is also a [tool.suture] key (see the README).
model = bundle(
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
    click.option("--max-cost-usd", type=_positive, metavar="USD", help="Spend, the run (0.50)."),
    click.option("--max-seconds", type=_positive, metavar="S", help="The model's requests and verifications (600)."),
    click.option(
        "--max-tool-calls",
        type=click.IntRange(min=0),
        metavar="N",
        help="Files, symbols and tests the model may ask for after its first attempt, the run (12; 0: none).",
    ),
)


@dataclass(frozen=True)
class ForgeFlags:
    forge: str | None = None
    forge_url: str | None = None
    repo_slug: str | None = None
    token_env: str | None = None
    labels: tuple[str, ...] = ()
    draft: bool | None = None


@functools.cache
def _forge_options() -> Callable[[F], F]:
    from suture.publish.forges import registry as forges

    names = forges.names()
    known = forges.every()
    hosted = [forge.public_url.split("://", 1)[-1] for forge in known if forge.public_url]
    return bundle(
        click.option(
            "--forge",
            type=click.Choice([forges.LOCAL, *names]),
            default=None,
            help=f"Where the fix is proposed: {forges.LOCAL} (a branch and a proposal file, the default; also "
            f"[tool.suture] forge), {one_of(names)} (a branch suture/<fingerprint> and a pull request).",
        ),
        click.option(
            "--forge-url",
            metavar="URL",
            help=f"The forge's server, for a self-hosted {one_of([forge.title for forge in known])} "
            f"(default: {', '.join(hosted)}, or the CI's server).",
        ),
        click.option(
            "--repo-slug",
            metavar="OWNER/NAME",
            help="The repository on the forge (default: the CI's, else from origin).",
        ),
        click.option(
            "--token-env",
            metavar="VAR",
            help="The environment variable holding the forge token "
            f"(default {', '.join(forge.token_env for forge in known)}).",
        ),
        click.option(
            "--label", "labels", multiple=True, metavar="NAME", help="A label for the pull request (repeatable)."
        ),
        click.option("--draft/--no-draft", default=None, help="Open the pull request as a draft."),
    )


def forge_options(command: Command) -> Command:
    """Add the forge flags to `command`, handed to it as one `publishing: ForgeFlags` argument."""

    @functools.wraps(command)
    def bundled(**kwargs: Any) -> None:
        fields = {f.name: kwargs.pop(f.name) for f in dataclasses.fields(ForgeFlags)}
        command(publishing=ForgeFlags(**fields), **kwargs)

    return _forge_options()(bundled)


def ci_token_env() -> Decorator:
    """`--token-env` of the commands that call a CI's API."""
    from suture.ci import registry as ci_registry

    defaults = ", ".join(f"{provider.token_env} in {provider.title}" for provider in ci_registry.every())
    return click.option(
        "--token-env", metavar="VAR", help=f"The environment variable holding the CI API token (default {defaults})."
    )
