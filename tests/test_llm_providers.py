"""The providers through the real `openai` and `anthropic` client libraries, over HTTP to scripted
servers on 127.0.0.1: requests, usage, retries honouring retry-after, errors that say what to set."""

from __future__ import annotations

import re
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from llm_servers import (
    FakeServer,
    Scripted,
    anthropic_reply,
    openai_reply,
    rate_limited,
    server_error,
    serving,
)

from suture.llm import providers
from suture.llm.ask import ask
from suture.llm.base import Exhausted, Malformed, ProviderError, Reply, Transient
from suture.llm.budget import Meter
from suture.llm.context import Prompt
from suture.llm.settings import Budget, ModelSettings

PROMPT = Prompt(system="the rules", user="the failure", editable=(), tokens=100)


@pytest.fixture
def openai_server() -> Iterator[FakeServer]:
    with serving("openai") as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[FakeServer]:
    with serving("anthropic") as server:
        yield server


def settings(
    provider: str = "openai", *, base_url: str | None = None, api_key_env: str | None = None, **budget: float
) -> ModelSettings:
    return ModelSettings(
        provider=provider, model="fake", base_url=base_url, api_key_env=api_key_env, budget=Budget(**budget)
    )  # type: ignore[arg-type]


def keys(**environ: str) -> dict[str, str]:
    return environ


def test_openai_request_and_usage(openai_server: FakeServer) -> None:
    openai_server.queue(openai_reply("the fix", prompt_tokens=321, completion_tokens=12))
    # The variable named (--api-key-env): a provider's own key goes to a loopback port only then.
    chosen = settings(base_url=openai_server.url, api_key_env="OPENAI_API_KEY")
    provider = providers.connect(chosen, keys(OPENAI_API_KEY="sk-test").get)

    reply = provider.complete("the rules", "the failure", max_tokens=500, timeout=10)

    assert reply == Reply("the fix", 321, 12)
    (request,) = openai_server.requests
    assert request.path == "/v1/chat/completions"
    assert request.headers["authorization"] == "Bearer sk-test"
    assert request.body["model"] == "fake"
    assert request.body["max_tokens"] == 500
    assert request.body["messages"] == [
        {"role": "system", "content": "the rules"},
        {"role": "user", "content": "the failure"},
    ]


def test_anthropic_request_and_usage(anthropic_server: FakeServer) -> None:
    anthropic_server.queue(anthropic_reply("the fix", input_tokens=400, output_tokens=20))
    chosen = settings("anthropic", base_url=anthropic_server.url, api_key_env="ANTHROPIC_API_KEY")
    provider = providers.connect(chosen, keys(ANTHROPIC_API_KEY="sk-ant-test").get)

    reply = provider.complete("the rules", "the failure", max_tokens=500, timeout=10)

    assert reply == Reply("the fix", 400, 20)
    (request,) = anthropic_server.requests
    assert request.path == "/v1/messages"
    assert "sk-ant-test" in request.headers.get("x-api-key", "") + request.headers.get("authorization", "")
    assert request.body["system"] == "the rules"
    assert request.body["max_tokens"] == 500
    assert request.body["messages"] == [{"role": "user", "content": "the failure"}]


def test_a_local_endpoint_needs_no_key(openai_server: FakeServer) -> None:
    openai_server.queue(openai_reply("ok"))
    provider = providers.connect(settings(base_url=openai_server.url.replace("127.0.0.1", "localhost")), {}.get)

    assert provider.complete("s", "p", max_tokens=10, timeout=10).text == "ok"
    assert openai_server.requests[0].headers["authorization"] == "Bearer no-key"


@pytest.mark.parametrize(
    ("provider", "variable", "named"),
    [("openai", None, "OPENAI_API_KEY"), ("anthropic", None, "ANTHROPIC_API_KEY"), ("openai", "MY_API_KEY", None)],
)
def test_a_missing_key_names_the_variable_to_set(provider: str, variable: str | None, named: str | None) -> None:
    chosen = ModelSettings(provider=provider, model="m", base_url=None, api_key_env=variable)

    with pytest.raises(ProviderError) as raised:
        providers.connect(chosen, keys(UNRELATED="x").get)

    assert f"set {named or variable} (export {named or variable}=...)" in str(raised.value)
    assert raised.value.exit_code == 2


def test_a_missing_client_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "anthropic", None)  # what `import anthropic` meets when it is not installed

    with pytest.raises(ProviderError, match=r"pip install 'suture\[anthropic\]'"):
        providers.connect(settings("anthropic", base_url="http://127.0.0.1:9"), {}.get)


def test_an_unknown_provider_lists_the_known_ones() -> None:
    with pytest.raises(ProviderError, match="unknown provider 'gemini': the providers are none, openai, anthropic"):
        providers.connect(settings("gemini"), {}.get)


PLUGIN = """
from suture.llm.base import Endpoint, Reply


class EchoProvider:
    name = "echo"
    key_env_var = "ECHO_API_KEY"
    extra = "echo"

    def __init__(self, endpoint: Endpoint) -> None:
        self.endpoint = endpoint

    def complete(self, system: str, prompt: str, *, max_tokens: int, timeout: float) -> Reply:
        return Reply(f"{self.endpoint.model} got {prompt}", 7, 3)
"""


def test_a_third_party_provider_plugs_in_through_its_entry_point(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An installed distribution, as pip leaves it: the module and a dist-info with the entry point.
    (tmp_path / "suture_echo.py").write_text(PLUGIN, encoding="utf-8")
    info = tmp_path / "suture_echo-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: suture-echo\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[suture.providers]\necho = suture_echo:EchoProvider\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    provider = providers.connect(settings("echo"), keys(ECHO_API_KEY="k").get)

    assert provider.complete("s", "hello", max_tokens=10, timeout=1) == Reply("fake got hello", 7, 3)
    with pytest.raises(ProviderError, match="set ECHO_API_KEY"):
        providers.connect(settings("echo"), {}.get)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_429_with_retry_after_is_honoured_then_the_reply_is_used(kind: str) -> None:
    with serving(kind) as server:  # type: ignore[arg-type]
        success = (
            openai_reply("fixed", prompt_tokens=50) if kind == "openai" else anthropic_reply("fixed", input_tokens=50)
        )
        server.queue(rate_limited(retry_after="1"), success)
        chosen = settings(kind, base_url=server.url)
        meter = Meter(chosen)

        reply = ask(providers.connect(chosen, {}.get), PROMPT, meter)

    assert reply.text == "fixed"
    first, second = server.requests
    assert second.at - first.at >= 1.0  # the server said one second
    assert (meter.requests, meter.input_tokens) == (1, 50)  # the 429 carried no usage and is not a reply


def success(kind: str, text: str, tokens: int = 1000) -> Scripted:
    return openai_reply(text, prompt_tokens=tokens) if kind == "openai" else anthropic_reply(text, input_tokens=tokens)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_500_is_retried_with_backoff(kind: str) -> None:
    with serving(kind) as server:  # type: ignore[arg-type]
        server.queue(server_error(), success(kind, "fixed"))
        chosen = settings(kind, base_url=server.url)
        said: list[str] = []

        reply = ask(providers.connect(chosen, {}.get), PROMPT, Meter(chosen), progress=said.append)

    assert reply.text == "fixed"
    first, second = server.requests
    assert second.at - first.at >= 1.0  # the backoff, when the server does not say how long
    assert said == [f"{server.url} answered 500: boom; retrying in 1.0s"]


def test_retries_are_bounded(openai_server: FakeServer) -> None:
    openai_server.queue(*[Scripted(503, {"error": {"message": "down"}}, {"retry-after": "0"})] * 5)
    chosen = settings(base_url=openai_server.url)

    with pytest.raises(Exhausted, match=r"the endpoint failed 4 times in a row; the last time: .* answered 503: down"):
        ask(providers.connect(chosen, {}.get), PROMPT, Meter(chosen))

    assert len(openai_server.requests) == 4


def test_a_retry_after_beyond_the_time_budget_stops_instead_of_waiting(openai_server: FakeServer) -> None:
    openai_server.queue(rate_limited(retry_after="3600"))
    chosen = settings(base_url=openai_server.url, max_seconds=60)
    start = time.monotonic()

    with pytest.raises(Exhausted, match="waiting 3600s, as it asks, would pass max-seconds"):
        ask(providers.connect(chosen, {}.get), PROMPT, Meter(chosen))

    assert time.monotonic() - start < 5


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (Scripted(body="<html>not json</html>"), "the answer is not JSON"),
        (Scripted(body={"choices": []}), "the reply has no text"),
        (Scripted(body={"object": "chat.completion"}), "the reply has no text"),
        (openai_reply(""), "the reply has no text (finish_reason 'stop')"),
    ],
    ids=["not-json", "no-choices", "no-fields", "empty-text"],
)
def test_a_malformed_answer_is_malformed_not_a_crash(
    openai_server: FakeServer, answer: Scripted, expected: str
) -> None:
    openai_server.queue(answer)
    chosen = settings(base_url=openai_server.url)
    meter = Meter(chosen)

    with pytest.raises(Malformed, match=re.escape(expected)):
        ask(providers.connect(chosen, {}.get), PROMPT, meter)

    assert meter.input_tokens == PROMPT.tokens  # charged as sent: the budget still holds


def test_a_reply_without_usage_is_counted_by_its_length(anthropic_server: FakeServer) -> None:
    body = anthropic_reply("x" * 400).body
    assert isinstance(body, dict)
    anthropic_server.queue(Scripted(body={k: v for k, v in body.items() if k != "usage"}))
    provider = providers.connect(settings("anthropic", base_url=anthropic_server.url), {}.get)

    reply = provider.complete("s" * 40, "p" * 360, max_tokens=10, timeout=10)

    assert (reply.input_tokens, reply.output_tokens, reply.estimated) == (100, 100, True)


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_a_slow_answer_is_a_timeout_a_retry_may_cure(kind: str) -> None:
    with serving(kind) as server:  # type: ignore[arg-type]
        server.queue(Scripted(body=success(kind, "late").body, delay=3))
        provider = providers.connect(settings(kind, base_url=server.url), {}.get)
        start = time.monotonic()

        with pytest.raises(Transient, match="no answer within 1s"):
            provider.complete("s", "p", max_tokens=10, timeout=1)

    assert time.monotonic() - start < 2.5  # the client gave up; the library did not retry on its own
    assert len(server.requests) == 1


def test_an_unreachable_endpoint_says_what_to_set() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    chosen = settings(base_url=f"http://127.0.0.1:{port}/v1")

    with pytest.raises(ProviderError, match=r"cannot reach http://127.0.0.1:\d+/v1/.*--base-url") as raised:
        ask(providers.connect(chosen, {}.get), PROMPT, Meter(chosen))

    assert raised.value.exit_code == 2


@pytest.mark.parametrize(
    ("status", "expected"),
    [(401, "refused the key (401: nope): set a valid key in OPENAI_API_KEY"), (404, "check the model name (--model")],
)
def test_a_refusal_says_what_to_set(openai_server: FakeServer, status: int, expected: str) -> None:
    openai_server.queue(Scripted(status, {"error": {"message": "nope"}}))
    chosen = settings(base_url=openai_server.url)

    with pytest.raises(ProviderError, match=re.escape(expected)):
        ask(providers.connect(chosen, keys(OPENAI_API_KEY="bad").get), PROMPT, Meter(chosen))

    assert len(openai_server.requests) == 1  # no retry of what a retry cannot cure
