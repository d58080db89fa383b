"""`[tool.suture]` in pyproject.toml, or the same keys at the top of suture.toml.

Read from a commit, never the working tree: the commit being healed, or, when a base is
given (`suture heal --base REF`, a pull request's target), the base commit. A fork's head
cannot then weaken anything: the sandbox, the variables let through, the policy, the
checks and the model's endpoint all come from the base. Validated up front with messages
that name the key and the fix. Every option is also a flag; flags win, in one place
(`Config.over`): a run reads its configuration once (`resolve`) and passes the one object on.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suture import tomlfile
from suture.errors import ConfigError, SutureError, UsageError
from suture.llm import providers
from suture.llm import settings as llm_settings
from suture.publish.forges import settings as publish_settings
from suture.records import DEFAULT_MAX_FILES, DEFAULT_MAX_LINES, Rules
from suture.redact import Redactor, looks_random
from suture.run import git
from suture.run.sandbox import DEFAULT, SANDBOXES, SECRET_NAME, Limits
from suture.run.source import Source

DEFAULT_TIMEOUT = 600.0
FLAKY_RERUNS = 3
DEFAULT_ROUNDS = 5


@dataclass(frozen=True)
class Flags:
    """The command line's say over `[tool.suture]`; None or empty: the configuration decides."""

    test_cmds: tuple[str, ...] = ()
    timeout: float | None = None
    sandbox: str | None = None  # a key of sandbox.SANDBOXES
    env_allow: tuple[str, ...] = ()  # added to the configuration's
    flaky_reruns: int | None = None
    max_processes: int | None = None  # --max-processes; no configuration key: a repository cannot raise it
    llm: llm_settings.Flags = field(default_factory=llm_settings.Flags)  # --provider, --model, ...
    forge: str | None = None
    labels: tuple[str, ...] = ()
    draft: bool | None = None


@dataclass(frozen=True)
class Config:
    test_cmds: tuple[str, ...] = ()  # empty: detect
    timeout: float = DEFAULT_TIMEOUT  # seconds, per check run
    rounds: int = DEFAULT_ROUNDS  # fixes composed at most when one is not enough (see rounds.py)
    sandbox: str = DEFAULT  # a key of sandbox.SANDBOXES
    env_allow: tuple[str, ...] = ()  # variables the sandbox lets through, beyond its own list
    flaky_reruns: int = FLAKY_RERUNS  # reruns of failing tests on the base, to tell flaky ones (see flaky.py)
    max_processes: int = Limits().processes  # of one check at once (sandbox.Limits); from the flag only
    origin: str = "defaults"  # where it was read from, for messages
    llm: Mapping[str, Any] = field(default_factory=dict)  # the language model's keys, see llm.settings
    publish: publish_settings.PublishSettings = field(
        default_factory=publish_settings.PublishSettings
    )  # see forges.settings
    policy: Rules = field(default_factory=Rules)  # protect, allow-paths, max-files, max-lines
    llm_flags: llm_settings.Flags = field(default_factory=llm_settings.Flags)  # the model's flags, over `llm`
    ignored: tuple[str, ...] = ()  # what the configuration said that does not apply, and why: the CLI warns
    trusted_sha: str = ""  # the trusted base commit the configuration was read from ('' when none was named)

    def over(self, flags: Flags) -> Config:
        """This configuration with the command line's flags over it: the one place they meet."""
        publish = dataclasses.replace(
            self.publish,
            forge=flags.forge or self.publish.forge,
            labels=flags.labels or self.publish.labels,
            draft=self.publish.draft if flags.draft is None else flags.draft,
        )
        return dataclasses.replace(
            self,
            test_cmds=flags.test_cmds or self.test_cmds,
            timeout=flags.timeout or self.timeout,
            sandbox=flags.sandbox or self.sandbox,
            env_allow=(*self.env_allow, *flags.env_allow),
            flaky_reruns=self.flaky_reruns if flags.flaky_reruns is None else flags.flaky_reruns,
            max_processes=self.max_processes if flags.max_processes is None else flags.max_processes,
            llm_flags=flags.llm,
            publish=publish,
        )

    def model(self) -> llm_settings.ModelSettings | None:
        """The language model's settings, flags over keys; None when the run stays offline."""
        return llm_settings.resolve(self.llm, self.llm_flags, self.origin)


def resolve(path: Path, flags: Flags, *, base: str | None = None) -> Config:
    """The configuration of the repository at `path`, read once from the trusted commit (`base`,
    else HEAD), with the flags over it. Without a base, HEAD's keys that steer a secret do not
    apply (`untrusted`), and `ignored` says so."""
    repo = git.toplevel(path)
    found = trusted(repo, git.head_sha(repo), base)
    settings = (found if base is not None else untrusted(found, flags)).over(flags)
    return dataclasses.replace(settings, ignored=(*settings.ignored, *_withheld(settings)))


def trusted(repo: Path, sha: str, base: str | None) -> Config:
    """The configuration that applies: the base commit's when there is one (a fork's head may not
    turn the sandbox off, let variables through or loosen the policy), else that of `sha`."""
    if base is None:
        return load(Source(repo, sha))
    found = git.ref_sha(repo, base)
    if found is None:
        raise UsageError(f"--base {base!r} is not a commit of this repository: fetch it, or name a branch or sha")
    return dataclasses.replace(load(Source(repo, found)), trusted_sha=found)


# Keys that route a secret or admit one (docs/security.md, "configuration steering a secret"),
# and how a user sets them instead. The commit under test could otherwise send the user's model
# key to a server of its own (base-url, api-key-env, provider) or let a token into the sandbox
# (env-allow, sandbox = "none"): they apply only from the command line, the environment or a
# trusted base's configuration (--base, a pull request's target). Forge URLs are flags only.
STEERING = {
    "base-url": "--base-url URL",
    "api-key-env": "--api-key-env VAR",
    "provider": "--provider NAME",
    "env-allow": "--env-allow NAME",
    "sandbox": "--sandbox none",
    "max-attempts": "--max-attempts N",
    "max-tokens": "--max-tokens N",
    "max-cost-usd": "--max-cost-usd USD",
    "max-seconds": "--max-seconds N",
    "max-tool-calls": "--max-tool-calls N",
    "max-prompt-tokens": "",
    "prices": "",
}
# Keys that spend the user's money on the model: from the commit under test, a value that
# tightens the default applies, one that loosens it (and any price table, which decides what
# max-cost-usd counts) is ignored like the keys above.
BUDGET = ("max-attempts", "max-tokens", "max-cost-usd", "max-seconds", "max-prompt-tokens", "max-tool-calls")


def untrusted(found: Config, flags: Flags) -> Config:
    """`found`, read from a commit that is not a trusted base, without the keys that steer a secret."""
    llm = dict(found.llm)
    dropped = [key for key in ("base-url", "api-key-env") if llm.pop(key, None) is not None]
    default = llm_settings.Budget()
    for key in BUDGET:
        if key in llm and _number(llm[key]) > getattr(default, key.replace("-", "_")):
            del llm[key]
            dropped.append(key)
    if llm.pop("prices", None) is not None:
        dropped.append("prices")
    if "provider" in llm and _provider_steers(flags.llm):
        del llm["provider"]
        dropped.append("provider")
    if found.env_allow:
        dropped.append("env-allow")
    if found.sandbox != DEFAULT:
        dropped.append("sandbox")
    notes = tuple(
        f"{key} in {found.origin} is ignored: the commit under test is not a trusted base, and its "
        f"configuration may not {_WHY.get(key, 'raise what the model may spend')}; "
        f"{f'pass {STEERING[key]}, or keep' if STEERING[key] else 'keep'} it in the configuration of a "
        "trusted base commit named with --base REF (in CI, a pull request's target)"
        for key in dropped
    )
    return dataclasses.replace(
        found,
        llm=llm,
        env_allow=() if "env-allow" in dropped else found.env_allow,
        sandbox=DEFAULT,
        ignored=(*found.ignored, *notes),
    )


_WHY = {
    "base-url": "choose where the model's key is sent",
    "api-key-env": "choose which secret is sent as the model's key",
    "provider": "choose which key goes to the --base-url you gave",
    "env-allow": "let variables into the sandbox",
    "sandbox": "turn the sandbox off",
}


def _number(value: Any) -> float:
    """A budget key's value as a number; what is not one (load has refused it already) counts as loose."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("inf")


def _provider_steers(flags: llm_settings.Flags) -> bool:
    """Whether a provider named by the commit would pick which key goes to the user's --base-url:
    the user named a remote endpoint but neither the provider nor the key's variable."""
    url = flags.base_url
    return bool(url) and not llm_settings.is_loopback(url) and not flags.provider and not flags.api_key_env


def _withheld(settings: Config) -> tuple[str, ...]:
    """Why the model's key is not sent, when it is not (see llm.settings.ModelSettings.withheld)."""
    try:
        model = settings.model()
    except ConfigError:
        return ()  # the run reports the bad setting itself, in its own words
    if model is None:
        return ()
    try:
        variable = model.api_key_env or providers.lookup(model.provider).key_env_var
    except SutureError:
        return ()
    why = model.withheld(variable)
    return (why,) if why else ()


def load(source: Source) -> Config:
    for path, table_of in (("suture.toml", _whole), ("pyproject.toml", _tool_suture)):
        text = source.read(path)
        if text is None:
            continue
        try:
            document = tomlfile.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file or remove it") from exc
        table = table_of(document)
        if table is not None:
            return _validate(table, path if path == "suture.toml" else f"{path} [tool.suture]")
    return Config()


def _whole(document: dict[str, Any]) -> dict[str, Any]:
    return document


def _tool_suture(document: dict[str, Any]) -> dict[str, Any] | None:
    table = document.get("tool", {}).get("suture")
    return table if isinstance(table, dict) else None


POLICY_KEYS = ("protect", "allow-paths", "max-files", "max-lines")
_KEYS = (
    "test-cmd",
    "timeout",
    "rounds",
    "sandbox",
    "env-allow",
    "flaky-reruns",
    *POLICY_KEYS,
    *llm_settings.KEYS,
    *publish_settings.KEYS,
)


def _validate(table: dict[str, Any], origin: str) -> Config:
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{origin}: unknown key {key!r}; the keys suture knows are {', '.join(_KEYS)}")
    return Config(
        test_cmds=_commands(table, origin),
        timeout=_timeout(table, origin),
        rounds=_rounds(table, origin),
        sandbox=_sandbox(table, origin),
        env_allow=_env_allow(table, origin),
        flaky_reruns=_flaky_reruns(table, origin),
        origin=origin,
        llm=_llm(table, origin),
        publish=publish_settings.parse(table, origin),
        policy=_policy(table, origin),
    )


def _policy(table: dict[str, Any], origin: str) -> Rules:
    lists = {}
    for key in ("protect", "allow-paths"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise ConfigError(f'{origin}: {key} must be a list of path patterns, e.g. {key} = ["docs/*.py"]')
        lists[key] = tuple(value)
    budget = {}
    for key, default in (("max-files", DEFAULT_MAX_FILES), ("max-lines", DEFAULT_MAX_LINES)):
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ConfigError(f"{origin}: {key} must be a positive whole number, e.g. {key} = {default}")
        budget[key] = value
    return Rules(
        protect=lists["protect"],
        allow=lists["allow-paths"],
        max_files=budget["max-files"],
        max_lines=budget["max-lines"],
    )


def _llm(table: dict[str, Any], origin: str) -> dict[str, Any]:
    llm_settings.check(table, origin)
    return {key: value for key, value in table.items() if key in llm_settings.KEYS}


def _commands(table: dict[str, Any], origin: str) -> tuple[str, ...]:
    value = table.get("test-cmd", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f'{origin}: test-cmd must be a command or a list of commands, e.g. test-cmd = ["pytest -q"]')
    return tuple(value)


def _flaky_reruns(table: dict[str, Any], origin: str) -> int:
    value = table.get("flaky-reruns", FLAKY_RERUNS)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(
            f"{origin}: flaky-reruns must be a whole number of reruns, e.g. flaky-reruns = 3 (0: never rerun)"
        )
    return value


def _timeout(table: dict[str, Any], origin: str) -> float:
    value = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{origin}: timeout must be a positive number of seconds, e.g. timeout = 600")
    return float(value)


def _rounds(table: dict[str, Any], origin: str) -> int:
    value = table.get("rounds", DEFAULT_ROUNDS)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 20:
        raise ConfigError(f"{origin}: rounds must be a whole number from 1 to 20 (fixes composed), e.g. rounds = 5")
    return value


def _sandbox(table: dict[str, Any], origin: str) -> str:
    value = table.get("sandbox", DEFAULT)
    if value not in SANDBOXES:
        raise ConfigError(f'{origin}: sandbox must be one of {", ".join(map(repr, SANDBOXES))}, e.g. sandbox = "bwrap"')
    return str(value)


def _env_allow(table: dict[str, Any], origin: str) -> tuple[str, ...]:
    value = table.get("env-allow", [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f'{origin}: env-allow must be a list of variable names, e.g. env-allow = ["DJANGO_SETTINGS"]')
    return check_env_names(value, f"{origin}: env-allow")


VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Credentials by well-known name, beyond the sandbox's TOKEN|KEY|SECRET|PASSW|CREDENTIAL: CI
# identity tokens (CI_JOB_JWT), connection strings with their passwords (DATABASE_URL,
# SENTRY_DSN, *CONNECTION_STRING*), webhooks whose URL is the secret, registry logins.
CREDENTIAL_NAME = re.compile(
    r"(?:^|_)(?:JWT|DSN|AUTH|PAT|COOKIE|SESSION|PRIVATE|CERT)(?:_|$)|WEBHOOK|CONNECTION_?STRING"
    r"|(?:^|_)DATABASE_URL$|^DOCKER_AUTH_CONFIG$|_AUTH_",
    re.IGNORECASE,
)
_REFUSED = (
    "and suture never lets credentials reach repository code; a check that needs a secret cannot be verified by suture"
)


def check_env_names(names: Sequence[str], where: str) -> tuple[str, ...]:
    """`names` if each is a variable name that does not look like a credential, else a ConfigError."""
    for name in names:
        if not VARIABLE_NAME.fullmatch(name):
            raise ConfigError(f"{where}: {name!r} is not an environment variable name")
        if SECRET_NAME.search(name) or CREDENTIAL_NAME.search(name):
            raise ConfigError(f"{where}: {name!r} looks like a credential, {_REFUSED}")
    return tuple(names)


def check_env_values(names: Sequence[str], environ: Mapping[str, str]) -> None:
    """A ConfigError for a variable let into the sandbox whose value looks like a credential: a
    token's shape, a URL with a password, a JWT, a private key, a long random string."""
    redactor = Redactor({})
    for name in names:
        value = environ.get(name, "")
        pieces = (value, *_PIECES.split(value))  # a webhook's URL: its secret is a path segment
        if value and (redactor.redact(value) != value or any(map(_random_token, pieces))):
            raise ConfigError(
                f"env-allow: the value of {name} looks like a credential (a token, a password in a URL, "
                f"a key), {_REFUSED}; let through only variables whose values are not secret"
            )


_PIECES = re.compile(r"[/?&#=:@,;\s]+")
_TOKENISH = re.compile(r"[A-Za-z0-9+/=_.-]{24,}")
_HEX = re.compile(r"[0-9a-fA-F-]+")


def _random_token(value: str) -> bool:
    """One long random word (a generated key); not a path, a sha or a uuid."""
    return (
        bool(_TOKENISH.fullmatch(value))
        and not value.startswith(("/", "."))
        and not _HEX.fullmatch(value)
        and looks_random(value, min_length=24)
    )
