"""Any OpenAI-compatible chat-completions endpoint: OpenAI, Azure OpenAI's v1 API, Ollama,
vLLM, llama.cpp's server, LM Studio, OpenRouter, through `base_url`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from suture.llm.base import (
    KEYLESS,
    Call,
    Endpoint,
    Exchange,
    Malformed,
    Message,
    Reply,
    ToolSpec,
    Turn,
    counted,
    counted_turn,
    missing_extra,
    refusing_tools,
    translated,
)

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletion, ChatCompletionMessageParam

PUBLIC_URL = "https://api.openai.com/v1"


class OpenAIProvider:
    name: ClassVar[str] = "openai"
    key_env_var: ClassVar[str] = "OPENAI_API_KEY"
    extra: ClassVar[str] = "openai"

    def __init__(self, endpoint: Endpoint) -> None:
        try:
            import openai
        except ImportError as exc:
            raise missing_extra(type(self)) from exc
        self.endpoint = endpoint
        url = endpoint.base_url or PUBLIC_URL
        # Everything explicit, so the library takes nothing from the environment that matters;
        # max_retries=0: suture retries itself, bounded by its own time budget.
        self._client = openai.OpenAI(api_key=endpoint.api_key or KEYLESS, base_url=url, max_retries=0)
        # OpenAI's own API wants max_completion_tokens (its reasoning models reject max_tokens);
        # the compatible servers know max_tokens.
        self._completion_tokens = urlsplit(url).hostname == "api.openai.com"

    def complete(self, system: str, prompt: str, *, max_tokens: int, timeout: float) -> Reply:
        import openai

        messages: list[ChatCompletionMessageParam] = [
            {"role": "system", "content": system},
            {"role": "user", "content": prompt},
        ]
        create, model, url = self._client.chat.completions.create, self.endpoint.model, str(self._client.base_url)
        with translated(openai, self.name, self.endpoint, url=url, timeout=timeout):
            response = create(model=model, messages=messages, timeout=timeout, **self._limit(openai, max_tokens))
        return _reply(response, system + prompt)

    def converse(self, exchange: Exchange, timeout: float) -> Turn:
        import openai

        sent: list[Any] = [{"role": "system", "content": exchange.system}, *_messages(exchange.messages)]
        offered: list[Any] = [{"type": "function", "function": _function(tool)} for tool in exchange.tools]
        create, model, url = self._client.chat.completions.create, self.endpoint.model, str(self._client.base_url)
        with translated(openai, self.name, self.endpoint, url=url, timeout=timeout), refusing_tools(openai):
            response = create(
                model=model,
                messages=sent,
                tools=offered,
                tool_choice="none" if exchange.final else "auto",
                timeout=timeout,
                **self._limit(openai, exchange.max_tokens),
            )
        return _turn(response, json.dumps(sent) + json.dumps(offered))

    def _limit(self, sdk: Any, max_tokens: int) -> Any:
        """The reply's token limit under the name the endpoint knows; the other one omitted."""
        omitted = getattr(sdk, "omit", None) or sdk.NOT_GIVEN  # `omit` arrived after 1.45
        if self._completion_tokens:
            return {"max_completion_tokens": max_tokens, "max_tokens": omitted}
        return {"max_tokens": max_tokens, "max_completion_tokens": omitted}


def _function(tool: ToolSpec) -> dict[str, Any]:
    return {"name": tool.name, "description": tool.description, "parameters": tool.parameters}


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The conversation as chat-completions messages: a turn's calls as `tool_calls`, each
    answer as a `tool` message."""
    sent: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, str):
            sent.append({"role": "user", "content": message})
        elif isinstance(message, Turn):
            turn: dict[str, Any] = {"role": "assistant", "content": message.text or None}
            if message.calls:
                turn["tool_calls"] = [
                    {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                    for c in message.calls
                ]
            sent.append(turn)
        else:
            sent.extend({"role": "tool", "tool_call_id": a.call_id, "content": a.content} for a in message)
    return sent


def _turn(response: ChatCompletion, sent: str) -> Turn:
    choices = getattr(response, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None) or ""
    calls = tuple(
        Call(str(call.id), str(call.function.name), str(call.function.arguments or ""))
        for call in getattr(message, "tool_calls", None) or ()
        if getattr(call, "function", None) is not None
    )
    if not calls and not (isinstance(text, str) and text.strip()):
        reason = getattr(choices[0], "finish_reason", None) if choices else None
        raise Malformed(f"the reply has neither text nor tool calls (finish_reason {reason!r})")
    usage = getattr(response, "usage", None)
    return counted_turn(
        str(text), calls, sent, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None)
    )


def _reply(response: ChatCompletion, sent: str) -> Reply:
    choices = getattr(response, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None)
    if not isinstance(text, str) or not text.strip():
        reason = getattr(choices[0], "finish_reason", None) if choices else None
        raise Malformed(f"the reply has no text (finish_reason {reason!r})")
    usage = getattr(response, "usage", None)
    return counted(text, sent, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
