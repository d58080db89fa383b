"""What a provider is: one request to a language model, text in, text and token usage out.

A provider is a class: the registry (`suture.llm.providers`) maps names to classes, and a
third-party provider is one class plus an entry point in the group `suture.providers`.
The class declares the environment variable its key usually lives in; the CLI reads it,
never the library.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, ClassVar, Protocol, runtime_checkable

from suture.errors import UsageError

# The client libraries insist on a key; a local server that needs none ignores whatever is sent.
KEYLESS = "no-key"


@dataclass(frozen=True)
class Endpoint:
    """Where and how to reach a model."""

    model: str
    base_url: str | None  # None: the provider's public API
    api_key: str | None  # None only for a local endpoint that needs none
    key_env_var: str  # where the key came from, for messages that say what to set


@dataclass(frozen=True)
class Reply:
    text: str
    input_tokens: int
    output_tokens: int
    estimated: bool = False  # the endpoint reported no usage: tokens counted as characters / 4


class Provider(Protocol):
    # The name given to --provider and shown in Candidate.origin ("llm:<name>/<model>").
    name: ClassVar[str]
    # The environment variable the key is read from unless `api-key-env` names another.
    key_env_var: ClassVar[str]
    # The pip extra that installs the client library: pip install 'suture[<extra>]'.
    extra: ClassVar[str]

    # Builds the client; raises ProviderError when the client library is missing.
    def __init__(self, endpoint: Endpoint) -> None: ...

    # One request, no retries (suture's own loop retries, within its budget). Raises
    # Transient for what a retry may cure, Malformed for a reply without usable text,
    # ProviderError when the endpoint refuses the key, the model or the request.
    def complete(self, system: str, prompt: str, *, max_tokens: int, timeout: float) -> Reply: ...


@dataclass(frozen=True)
class ToolSpec:
    """A tool the model may call: its name, what it does, and its arguments' JSON schema."""

    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One tool call the model made."""

    id: str
    name: str
    arguments: str  # JSON text as the model wrote it: it may not parse


@dataclass(frozen=True)
class Turn:
    """The model's turn in a conversation with tools: text, tool calls, or both."""

    text: str
    calls: tuple[Call, ...]
    input_tokens: int
    output_tokens: int
    estimated: bool = False

    @property
    def reply(self) -> Reply:
        return Reply(self.text, self.input_tokens, self.output_tokens, self.estimated)


@dataclass(frozen=True)
class Answer:
    """A tool's answer to one call: data, or a structured error."""

    call_id: str
    content: str
    error: bool = False


# A conversation, provider-neutral: the user's text, the model's turns, the tools' answers.
Message = str | Turn | tuple[Answer, ...]


@dataclass(frozen=True)
class Exchange:
    """One request of a conversation with tools."""

    system: str
    messages: tuple[Message, ...]
    tools: tuple[ToolSpec, ...]
    final: bool  # the tool-call cap is reached: ask for text (tool_choice none)
    max_tokens: int


@runtime_checkable
class ToolUser(Protocol):
    """A provider that can offer tools (native tool calling); one without `converse` is asked
    with one prompt per attempt."""

    # One request of a conversation. Raises what `complete` raises, and ToolsRefused when the
    # endpoint rejects a request that offers tools.
    def converse(self, exchange: Exchange, timeout: float) -> Turn: ...


class ProviderError(UsageError):
    """The endpoint cannot be used as configured; the message says what to set or install."""


class Transient(Exception):
    """A failure a retry may cure: rate limits, server errors, timeouts, refused connections."""

    def __init__(self, message: str, *, retry_after: float | None = None, unreachable: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds the server asked to wait, when it said
        self.unreachable = unreachable  # no HTTP answer at all: after the retries, a ProviderError


class Malformed(Exception):
    """The endpoint answered, but not with text an attempt can use."""


class ToolsRefused(Exception):
    """The endpoint rejected a request that offered tools (a model without tool support):
    the run goes on with one prompt per attempt."""


class Exhausted(Exception):
    """The budget is spent; the message says which cap stopped the loop."""


def missing_extra(provider: type[Provider]) -> ProviderError:
    return ProviderError(
        f"the {provider.name} provider needs its client library: pip install 'suture[{provider.extra}]'"
    )


def status_error(provider: str, endpoint: Endpoint, status: int, headers: Mapping[str, str], detail: str) -> Exception:
    """The error for an HTTP error answer: which ones a retry may cure, and what to set for the rest."""
    where = endpoint.base_url or f"the {provider} API"
    if status in (408, 409, 429) or status >= 500:
        return Transient(f"{where} answered {status}: {detail}", retry_after=retry_after(headers))
    if status in (401, 403):
        return ProviderError(
            f"{where} refused the key ({status}: {detail}): set a valid key in {endpoint.key_env_var}, "
            "or name the variable that holds it with --api-key-env"
        )
    if status == 404:
        return ProviderError(
            f"{where} answered 404 ({detail}): check the model name (--model {endpoint.model}) and the endpoint "
            "(--base-url; an OpenAI-compatible server's URL usually ends in /v1)"
        )
    return ProviderError(f"{where} rejected the request for model {endpoint.model} ({status}: {detail})")


@contextmanager
def translated(sdk: ModuleType, provider: str, endpoint: Endpoint, *, url: str, timeout: float) -> Iterator[None]:
    """The client library's errors as suture's, at the boundary; the official libraries name
    their exceptions alike."""
    try:
        yield
    except sdk.APITimeoutError as exc:
        raise Transient(f"no answer within {timeout:.0f}s") from exc
    except sdk.APIConnectionError as exc:
        raise Transient(f"cannot reach {url}: {exc}", unreachable=True) from exc
    except sdk.APIStatusError as exc:
        raise status_error(provider, endpoint, exc.status_code, exc.response.headers, detail(exc)) from exc
    except ValueError as exc:  # a body that is not JSON
        raise Malformed(f"the answer is not JSON ({exc})") from exc


def counted(text: str, sent: str, input_tokens: object, output_tokens: object) -> Reply:
    """The reply with the usage the endpoint reported; counted from the texts when it reported none."""
    if isinstance(input_tokens, int) and isinstance(output_tokens, int):
        return Reply(text, input_tokens, output_tokens)
    return Reply(text, estimate_tokens(sent), estimate_tokens(text), estimated=True)


def counted_turn(text: str, calls: tuple[Call, ...], sent: str, input_tokens: object, output_tokens: object) -> Turn:
    """A turn with the usage the endpoint reported, or counted from the texts."""
    reply = counted(text, sent, input_tokens, output_tokens)
    shown = text + "".join(call.name + call.arguments for call in calls)
    output = reply.output_tokens if not reply.estimated else estimate_tokens(shown)
    return Turn(text, calls, reply.input_tokens, output, reply.estimated)


@contextmanager
def refusing_tools(sdk: ModuleType) -> Iterator[None]:
    """A 400 or 422 answer to a request offering tools as ToolsRefused (the model cannot use
    them: Ollama's "does not support tools", vLLM without --enable-auto-tool-choice)."""
    try:
        yield
    except (sdk.BadRequestError, sdk.UnprocessableEntityError) as exc:
        raise ToolsRefused(f"{exc.status_code}: {detail(exc)}") from exc


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from `retry-after-ms`, or `retry-after` (seconds or an HTTP date)."""
    lowered = {name.lower(): value for name, value in headers.items()}
    for name, scale in (("retry-after-ms", 1000.0), ("retry-after", 1.0)):
        value = lowered.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) / scale)
        except ValueError:
            pass
    when = email.utils.parsedate_tz(lowered.get("retry-after", ""))
    return None if when is None else max(0.0, email.utils.mktime_tz(when) - time.time())


def detail(exc: Exception) -> str:
    """The server's own message from an HTTP error answer, bounded."""
    body = getattr(exc, "body", None)
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])[:300]
    return str(exc)[:300]


def estimate_tokens(text: str) -> int:
    """Tokens as most tokenizers count English and code, roughly: one per four characters."""
    return (len(text) + 3) // 4
