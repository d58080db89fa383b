"""The language model's settings from [tool.suture] and flags, prices, and the budget's arithmetic."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixer_helpers import commit

from suture import config
from suture.errors import ConfigError
from suture.llm.base import Exhausted, Reply
from suture.llm.budget import Meter
from suture.llm.settings import Budget, Flags, ModelSettings, Price, resolve


def load(tmp_path: Path, table: str) -> config.Config:
    return config.load(commit(tmp_path, {"pyproject.toml": f"[tool.suture]\n{table}"}))


def test_configuration_then_flags(tmp_path: Path) -> None:
    loaded = load(
        tmp_path,
        'provider = "openai"\nmodel = "gpt-4o-mini"\nbase-url = "https://openrouter.ai/api/v1"\n'
        'api-key-env = "OPENROUTER_API_KEY"\nmax-attempts = 5\nmax-cost-usd = 2\n'
        'prices = { "my-model" = { input = 0.2, output = 0.8 } }\n',
    )

    chosen = resolve(loaded.llm, Flags(model="my-model", max_attempts=2), loaded.origin)

    assert chosen is not None
    assert (chosen.provider, chosen.model, chosen.api_key_env) == ("openai", "my-model", "OPENROUTER_API_KEY")
    assert chosen.base_url == "https://openrouter.ai/api/v1"
    assert chosen.budget == Budget(max_attempts=2, max_cost_usd=2.0)
    assert chosen.price() == Price(0.2, 0.8)


def test_max_tool_calls_from_the_configuration_then_the_flag(tmp_path: Path) -> None:
    loaded = load(tmp_path, 'provider = "openai"\nmodel = "m"\nmax-tool-calls = 3\n')

    configured = resolve(loaded.llm, Flags(), loaded.origin)
    flagged = resolve(loaded.llm, Flags(max_tool_calls=0), loaded.origin)

    assert configured is not None and configured.budget.max_tool_calls == 3
    assert flagged is not None and flagged.budget.max_tool_calls == 0  # 0 is a value: never investigate
    assert resolve({"provider": "openai", "model": "m"}, Flags(), "here").budget.max_tool_calls == 12  # type: ignore[union-attr]


def test_no_provider_or_none_is_offline(tmp_path: Path) -> None:
    assert resolve({}, Flags(), "here") is None
    loaded = load(tmp_path, 'provider = "openai"\nmodel = "m"\n')
    assert resolve(loaded.llm, Flags(provider="none"), loaded.origin) is None


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('provider = ""', 'provider must be a non-empty string, e.g. provider = "openai"'),
        ('base-url = "127.0.0.1:8080"', "base-url must be an http(s) URL"),
        ('api-key-env = "GITHUB_TOKEN"', "api-key-env must name a variable ending in _API_KEY"),
        ("max-attempts = 0", "max-attempts must be a positive whole number, e.g. max-attempts = 3"),
        ("max-tokens = 1.5", "max-tokens must be a positive whole number"),
        ("max-cost-usd = -1", "max-cost-usd must be a positive number, e.g. max-cost-usd = 0.5"),
        ('prices = { "m" = 3 }', "prices.m must give input and output"),
        ("maxtokens = 5", "unknown key 'maxtokens'"),
        ("max-tool-calls = -1", "max-tool-calls must be a whole number, 0 or more, e.g. max-tool-calls = 12"),
        ('max-tool-calls = "all"', "max-tool-calls must be a whole number, 0 or more"),
    ],
)
def test_a_bad_value_names_the_key_and_the_fix(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("(", r"\(").replace(")", r"\)")):
        load(tmp_path, table)


def test_a_provider_without_a_model_says_how_to_give_one() -> None:
    with pytest.raises(ConfigError, match="the anthropic provider needs a model: pass --model NAME"):
        resolve({}, Flags(provider="anthropic"), "here")


@pytest.mark.parametrize(
    ("model", "base_url", "price"),
    [
        ("gpt-4o-mini-2024-07-18", None, Price(0.15, 0.60)),  # the longest matching name, not gpt-4o
        ("openai/gpt-4o", "https://openrouter.ai/api/v1", Price(2.50, 10.00)),
        ("claude-sonnet-4-5-20250929", None, Price(3.00, 15.00)),
        ("qwen2.5-coder:7b", "http://127.0.0.1:11434/v1", Price(0.0, 0.0)),  # local: free
        ("some-new-model", "https://example.com/v1", None),  # unknown: cost not tracked
    ],
)
def test_prices(model: str, base_url: str | None, price: Price | None) -> None:
    assert ModelSettings("openai", model, base_url, None).price() == price


def test_the_meter_stops_before_the_cost_cap_is_passed() -> None:
    meter = Meter(ModelSettings("openai", "gpt-4o", None, None, Budget(max_cost_usd=0.03)))

    assert meter.allowance(1_000) == 2_750  # ($0.03 - 1,000 x $2.50/M) / $10/M per output token
    meter.charge(Reply("x", 2_000, 500))
    assert meter.cost == pytest.approx(0.01)
    assert meter.allowance(1_000) == 1_750
    meter.charge(Reply("x", 2_000, 1_000))
    with pytest.raises(Exhausted, match=r"the cost budget is spent: \$0.0250 of max-cost-usd 0.03"):
        meter.allowance(1_000)


def test_the_meter_caps_the_reply_by_the_tokens_left() -> None:
    meter = Meter(ModelSettings("openai", "m", "http://127.0.0.1:1/v1", None, Budget(max_tokens=6_000)))

    assert meter.allowance(1_000) == 4_096  # a reply never needs more
    meter.charge(Reply("x", 3_000, 500))
    assert meter.allowance(1_000) == 1_500
    with pytest.raises(Exhausted, match="the token budget is spent: 3500 of max-tokens 6000 used"):
        meter.allowance(2_400)
