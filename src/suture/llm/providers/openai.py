"""Any OpenAI-compatible chat-completions endpoint: OpenAI, Azure OpenAI's v1 API, Ollama,
vLLM, llama.cpp's server, LM Studio, OpenRouter, through `base_url`."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar
from urllib.parse import urlsplit

from suture.llm.base import KEYLESS, Endpoint, Malformed, Reply, counted, missing_extra, translated

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
            if self._completion_tokens:
                response = create(model=model, messages=messages, max_completion_tokens=max_tokens, timeout=timeout)
            else:
                response = create(model=model, messages=messages, max_tokens=max_tokens, timeout=timeout)
        return _reply(response, system + prompt)


def _reply(response: ChatCompletion, sent: str) -> Reply:
    choices = getattr(response, "choices", None) or []
    message = getattr(choices[0], "message", None) if choices else None
    text = getattr(message, "content", None)
    if not isinstance(text, str) or not text.strip():
        reason = getattr(choices[0], "finish_reason", None) if choices else None
        raise Malformed(f"the reply has no text (finish_reason {reason!r})")
    usage = getattr(response, "usage", None)
    return counted(text, sent, getattr(usage, "prompt_tokens", None), getattr(usage, "completion_tokens", None))
