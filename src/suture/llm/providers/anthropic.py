"""Anthropic's Messages API."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, ClassVar

from suture.llm.base import (
    KEYLESS,
    Call,
    Endpoint,
    Exchange,
    Malformed,
    Message,
    Reply,
    Turn,
    counted,
    counted_turn,
    missing_extra,
    refusing_tools,
    translated,
)

if TYPE_CHECKING:
    from anthropic.types import Message as AnthropicMessage

PUBLIC_URL = "https://api.anthropic.com"


class AnthropicProvider:
    name: ClassVar[str] = "anthropic"
    key_env_var: ClassVar[str] = "ANTHROPIC_API_KEY"
    extra: ClassVar[str] = "anthropic"

    def __init__(self, endpoint: Endpoint) -> None:
        try:
            import anthropic
        except ImportError as exc:
            raise missing_extra(type(self)) from exc
        self.endpoint = endpoint
        # An explicit key keeps the library from looking for credentials in the environment
        # and in profile files; max_retries=0: suture retries, within its own time budget
        # (the library would honour any retry-after, however long).
        self._client = anthropic.Anthropic(
            api_key=endpoint.api_key or KEYLESS, base_url=endpoint.base_url or PUBLIC_URL, max_retries=0
        )

    def complete(self, system: str, prompt: str, *, max_tokens: int, timeout: float) -> Reply:
        import anthropic

        url = str(self._client.base_url)
        with translated(anthropic, self.name, self.endpoint, url=url, timeout=timeout):
            response = self._client.messages.create(
                model=self.endpoint.model,
                max_tokens=max_tokens,
                system=system,
                messages=[{"role": "user", "content": prompt}],
                timeout=timeout,
            )
        return _reply(response, system + prompt)

    def converse(self, exchange: Exchange, timeout: float) -> Turn:
        import anthropic

        sent: Any = _messages(exchange.messages)
        offered: Any = [
            {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in exchange.tools
        ]
        url = str(self._client.base_url)
        with translated(anthropic, self.name, self.endpoint, url=url, timeout=timeout), refusing_tools(anthropic):
            response = self._client.messages.create(
                model=self.endpoint.model,
                max_tokens=exchange.max_tokens,
                system=exchange.system,
                messages=sent,
                tools=offered,
                tool_choice={"type": "none"} if exchange.final else {"type": "auto"},
                timeout=timeout,
            )
        return _turn(response, exchange.system + json.dumps(sent) + json.dumps(offered))


def _messages(messages: tuple[Message, ...]) -> list[dict[str, Any]]:
    """The conversation as Messages API turns: calls as `tool_use` blocks, answers as
    `tool_result` blocks of a user turn."""
    sent: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, str):
            sent.append({"role": "user", "content": message})
        elif isinstance(message, Turn):
            blocks: list[dict[str, Any]] = [{"type": "text", "text": message.text}] if message.text else []
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": _input(c)} for c in message.calls]
            sent.append({"role": "assistant", "content": blocks})
        else:
            results = [
                {"type": "tool_result", "tool_use_id": a.call_id, "content": a.content, "is_error": a.error}
                for a in message
            ]
            sent.append({"role": "user", "content": results})
    return sent


def _input(call: Call) -> Any:
    try:
        return json.loads(call.arguments)
    except ValueError:
        return {}


def _turn(response: AnthropicMessage, sent: str) -> Turn:
    blocks = getattr(response, "content", None) or []
    text = "".join(str(getattr(b, "text", "")) for b in blocks if getattr(b, "type", None) == "text")
    calls = tuple(
        Call(str(b.id), str(b.name), json.dumps(getattr(b, "input", {})))
        for b in blocks
        if getattr(b, "type", None) == "tool_use"
    )
    if not calls and not text.strip():
        reason = getattr(response, "stop_reason", None)
        raise Malformed(f"the reply has neither text nor tool calls (stop_reason {reason!r})")
    usage = getattr(response, "usage", None)
    return counted_turn(text, calls, sent, getattr(usage, "input_tokens", None), getattr(usage, "output_tokens", None))


def _reply(response: AnthropicMessage, sent: str) -> Reply:
    blocks = getattr(response, "content", None) or []
    text = "".join(str(getattr(b, "text", "")) for b in blocks if getattr(b, "type", None) == "text")
    if not text.strip():
        raise Malformed(f"the reply has no text (stop_reason {getattr(response, 'stop_reason', None)!r})")
    usage = getattr(response, "usage", None)
    return counted(text, sent, getattr(usage, "input_tokens", None), getattr(usage, "output_tokens", None))
