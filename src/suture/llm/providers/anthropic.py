"""Anthropic's Messages API."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from suture.llm.base import KEYLESS, Endpoint, Malformed, Reply, counted, missing_extra, translated

if TYPE_CHECKING:
    from anthropic.types import Message

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


def _reply(response: Message, sent: str) -> Reply:
    blocks = getattr(response, "content", None) or []
    text = "".join(str(getattr(b, "text", "")) for b in blocks if getattr(b, "type", None) == "text")
    if not text.strip():
        raise Malformed(f"the reply has no text (stop_reason {getattr(response, 'stop_reason', None)!r})")
    usage = getattr(response, "usage", None)
    return counted(text, sent, getattr(usage, "input_tokens", None), getattr(usage, "output_tokens", None))
