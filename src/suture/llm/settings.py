"""The language model's settings: `[tool.suture]` keys, then flags over them, validated.

    [tool.suture]
    provider = "openai"                     # or "anthropic", a plugin's name, "none"
    model = "gpt-4o-mini"
    base-url = "http://127.0.0.1:11434/v1"  # any OpenAI-compatible server (Ollama here)
    api-key-env = "OPENROUTER_API_KEY"      # the variable holding the key (default: the provider's)
    max-attempts = 3                        # replies judged per failure
    max-tokens = 60000                      # input + output tokens, the whole run
    max-cost-usd = 0.5
    max-seconds = 600                       # the model's part of the run: requests and verifying
    max-prompt-tokens = 8000                # one prompt
    max-tool-calls = 12                     # the whole run's tool calls (0: never investigate)
    prices = { "my-model" = { input = 0.2, output = 0.8 } }   # USD per million tokens

No provider configured, or "none": the run stays offline. `base-url`, `api-key-env` (and
`provider`, where it would pick the key for a `--base-url`) steer the user's key: they apply
from flags or a trusted base's configuration only, never from the commit under test
(config.untrusted); a provider's own variable is not sent to a loopback port unless named.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any
from urllib.parse import urlsplit

from suture.errors import ConfigError

KEYS = (
    "provider",
    "model",
    "base-url",
    "api-key-env",
    "max-attempts",
    "max-tokens",
    "max-cost-usd",
    "max-seconds",
    "max-prompt-tokens",
    "max-tool-calls",
    "prices",
)
# A repository's configuration may only name key variables of this shape: otherwise a commit
# could point `api-key-env` at a CI token and `base-url` at its own server. The flag may name any.
KEY_VAR_FROM_CONFIG = re.compile(r"[A-Z][A-Z0-9_]*_API_KEY")


@dataclass(frozen=True)
class Price:
    input: float  # USD per million input tokens
    output: float  # USD per million output tokens

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input + output_tokens * self.output) / 1_000_000


# List prices in USD per million tokens (input, output) as the providers published them in
# 2025; a model is priced by the longest name it starts with. `prices` in the configuration
# adds models or overrides these.
PRICES: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00),
    "gpt-4o-mini": Price(0.15, 0.60),
    "gpt-4.1": Price(2.00, 8.00),
    "gpt-4.1-mini": Price(0.40, 1.60),
    "gpt-4.1-nano": Price(0.10, 0.40),
    "gpt-5": Price(1.25, 10.00),
    "gpt-5-mini": Price(0.25, 2.00),
    "o4-mini": Price(1.10, 4.40),
    "claude-opus-4": Price(15.00, 75.00),
    "claude-sonnet-4": Price(3.00, 15.00),
    "claude-3-7-sonnet": Price(3.00, 15.00),
    "claude-3-5-sonnet": Price(3.00, 15.00),
    "claude-haiku-4-5": Price(1.00, 5.00),
    "claude-3-5-haiku": Price(0.80, 4.00),
}


@dataclass(frozen=True)
class Budget:
    max_attempts: int = 3
    max_tokens: int = 60_000
    max_cost_usd: float = 0.50
    max_seconds: float = 600.0
    max_prompt_tokens: int = 8_000
    max_tool_calls: int = 12  # what an investigating model may ask for, in the whole run


@dataclass(frozen=True)
class Flags:
    """The command line's say; None: the configuration decides."""

    provider: str | None = None
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    max_attempts: int | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    max_seconds: float | None = None
    max_tool_calls: int | None = None

    def keys(self) -> dict[str, Any]:
        """The flags given, as the `[tool.suture]` keys they stand for."""
        given = {f.name.replace("_", "-"): getattr(self, f.name) for f in fields(self)}
        return {key: value for key, value in given.items() if value is not None and value != ""}


@dataclass(frozen=True)
class ModelSettings:
    provider: str
    model: str
    base_url: str | None
    api_key_env: str | None  # None: the provider's own variable
    budget: Budget = Budget()
    prices: Mapping[str, Price] = field(default_factory=dict)  # configured, beside PRICES

    @property
    def local(self) -> bool:
        """A server on this machine: it may need no key and costs nothing."""
        return is_loopback(self.base_url)

    def withheld(self, variable: str) -> str:
        """Why the key in `variable` is not sent to this endpoint; '' when it may be.

        A provider's own variable (OPENAI_API_KEY) holds a key for the provider's service: it
        goes to the official URL or to a server the user named, never to a port on this machine,
        where any local user may listen, unless the user named the variable too (--api-key-env).
        """
        if not self.local or self.api_key_env is not None:
            return ""
        return (
            f"{variable} is not sent to {self.base_url}: a server on this machine needs no key, and any "
            f"local user may listen on its port; to send one, name its variable: --api-key-env {variable}"
        )

    def price(self) -> Price | None:
        """What the model costs; free on a local server unless configured; None when unknown."""
        name = self.model.rsplit("/", 1)[-1]  # OpenRouter's "openai/gpt-4o"
        for table in (self.prices, {} if self.local else PRICES):
            found = [key for key in table if name == key or name.startswith(key)]
            if found:
                return table[max(found, key=len)]
        return Price(0.0, 0.0) if self.local else None


def is_loopback(url: str | None) -> bool:
    host = urlsplit(url).hostname if url else None
    return host in ("localhost", "::1") or bool(host and host.startswith("127."))


def resolve(table: Mapping[str, Any], flags: Flags, origin: str) -> ModelSettings | None:
    """The settings, flags over configuration; None when the run stays offline."""
    check(table, origin)
    chosen = {**table, **flags.keys()}
    provider = chosen.get("provider")
    if provider is None or provider == "none":
        return None
    model = chosen.get("model")
    if not model:
        raise ConfigError(
            f'the {provider} provider needs a model: pass --model NAME or set model = "NAME" in [tool.suture]'
        )
    budget = Budget(
        max_attempts=chosen.get("max-attempts", Budget.max_attempts),
        max_tokens=chosen.get("max-tokens", Budget.max_tokens),
        max_cost_usd=float(chosen.get("max-cost-usd", Budget.max_cost_usd)),
        max_seconds=float(chosen.get("max-seconds", Budget.max_seconds)),
        max_prompt_tokens=int(chosen.get("max-prompt-tokens", Budget.max_prompt_tokens)),
        max_tool_calls=int(chosen.get("max-tool-calls", Budget.max_tool_calls)),
    )
    return ModelSettings(
        provider=provider,
        model=model,
        base_url=chosen.get("base-url"),
        api_key_env=chosen.get("api-key-env"),
        budget=budget,
        prices=_prices(chosen.get("prices", {}), origin),
    )


def check(table: Mapping[str, Any], origin: str) -> None:
    """Raise ConfigError, naming the key and the fix, for a value suture cannot use."""
    for key in ("provider", "model", "base-url"):
        if key in table and not (isinstance(table[key], str) and table[key].strip()):
            raise ConfigError(f'{origin}: {key} must be a non-empty string, e.g. {key} = "{_EXAMPLES[key]}"')
    url = table.get("base-url")
    if isinstance(url, str) and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f'{origin}: base-url must be an http(s) URL, e.g. base-url = "{_EXAMPLES["base-url"]}"')
    variable = table.get("api-key-env")
    if variable is not None and not (isinstance(variable, str) and KEY_VAR_FROM_CONFIG.fullmatch(variable)):
        raise ConfigError(
            f"{origin}: api-key-env must name a variable ending in _API_KEY, e.g. api-key-env = "
            '"OPENROUTER_API_KEY" (a repository may not send another credential to an endpoint); '
            "pass --api-key-env on the command line to use another name"
        )
    for key in ("max-attempts", "max-tokens", "max-prompt-tokens"):
        _positive(table, key, origin, whole=True)
    for key in ("max-cost-usd", "max-seconds"):
        _positive(table, key, origin, whole=False)
    calls = table.get("max-tool-calls", 0)
    if not isinstance(calls, int) or isinstance(calls, bool) or calls < 0:
        raise ConfigError(f"{origin}: max-tool-calls must be a whole number, 0 or more, e.g. max-tool-calls = 12")
    _prices(table.get("prices", {}), origin)


_EXAMPLES = {"provider": "openai", "model": "gpt-4o-mini", "base-url": "http://127.0.0.1:11434/v1"}


def _positive(table: Mapping[str, Any], key: str, origin: str, *, whole: bool) -> None:
    if key not in table:
        return
    value = table[key]
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or (whole and not isinstance(value, int)) or value <= 0:
        noun = "a positive whole number" if whole else "a positive number"
        raise ConfigError(f"{origin}: {key} must be {noun}, e.g. {key} = {getattr(Budget(), _field(key))}")


def _field(key: str) -> str:
    return key.replace("-", "_")


def _prices(value: Any, origin: str) -> dict[str, Price]:
    example = 'prices = { "my-model" = { input = 0.2, output = 0.8 } }  (USD per million tokens)'
    if not isinstance(value, dict):
        raise ConfigError(f"{origin}: prices must be a table, e.g. {example}")
    prices = {}
    for model, entry in value.items():
        numbers = [entry.get(side) for side in ("input", "output")] if isinstance(entry, dict) else []
        if len(numbers) != 2 or not all(_non_negative(n) for n in numbers) or len(entry) != 2:
            raise ConfigError(f"{origin}: prices.{model} must give input and output, e.g. {example}")
        prices[model] = Price(float(entry["input"]), float(entry["output"]))
    return prices


def _non_negative(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
