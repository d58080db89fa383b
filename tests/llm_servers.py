"""Fake language-model endpoints on 127.0.0.1, for the real `openai` and `anthropic` clients.

Each server speaks the subset the client libraries use: `POST /v1/chat/completions` (OpenAI and
every compatible server) or `POST /v1/messages` (Anthropic). It records every request (path,
headers, JSON body) and answers from a scripted queue: replies with usage fields, a 429 with
`retry-after`, a 500, a body that is not JSON, a reply slower than the client's timeout.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

Kind = Literal["openai", "anthropic"]
PATHS: dict[Kind, str] = {"openai": "/v1/chat/completions", "anthropic": "/v1/messages"}


@dataclass(frozen=True)
class Scripted:
    """One answer: a status, a body (a dict is sent as JSON, a str as is), headers, a delay."""

    status: int = 200
    body: dict[str, Any] | str = ""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    at: float  # time.monotonic() when it arrived

    @property
    def text(self) -> str:
        """Every piece of text the request carried: the system prompt and the messages."""
        parts = [_flatten(self.body.get("system", ""))]
        parts += [_flatten(message.get("content", "")) for message in self.body.get("messages", [])]
        return "\n".join(parts)

    @property
    def prompt(self) -> str:
        """The user message (the context suture built)."""
        return "\n".join(_flatten(m.get("content", "")) for m in self.body.get("messages", []) if m["role"] == "user")


def _flatten(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content blocks: [{"type": "text", "text": ...}]
        return "\n".join(str(block.get("text", "")) for block in content if isinstance(block, dict))
    return ""


def openai_reply(text: str, *, prompt_tokens: int = 1000, completion_tokens: int = 100) -> Scripted:
    return _chat_completion({"role": "assistant", "content": text}, "stop", prompt_tokens, completion_tokens)


def _chat_completion(message: dict[str, Any], finish: str, prompt_tokens: int, completion_tokens: int) -> Scripted:
    return Scripted(
        body={
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "fake",
            "choices": [{"index": 0, "finish_reason": finish, "message": message}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


def anthropic_reply(text: str, *, input_tokens: int = 1000, output_tokens: int = 100) -> Scripted:
    return _message([{"type": "text", "text": text}], "end_turn", input_tokens, output_tokens)


def _message(blocks: list[dict[str, Any]], stop: str, input_tokens: int, output_tokens: int) -> Scripted:
    return Scripted(
        body={
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": "fake",
            "content": blocks,
            "stop_reason": stop,
            "stop_sequence": None,
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
        }
    )


def openai_tool_calls(*calls: tuple[str, dict[str, Any] | str], first: int = 0) -> Scripted:
    """A chat-completions turn that calls tools: (name, arguments) each, ids call_<first>, ..."""
    tool_calls = [
        {
            "id": f"call_{first + n}",
            "type": "function",
            "function": {"name": name, "arguments": args if isinstance(args, str) else json.dumps(args)},
        }
        for n, (name, args) in enumerate(calls)
    ]
    return _chat_completion({"role": "assistant", "content": None, "tool_calls": tool_calls}, "tool_calls", 1000, 20)


def anthropic_tool_use(*calls: tuple[str, dict[str, Any]], first: int = 0, text: str = "") -> Scripted:
    """A Messages API turn with `tool_use` blocks: (name, input) each, ids toolu_<first>, ..."""
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text}] if text else []
    blocks += [
        {"type": "tool_use", "id": f"toolu_{first + n}", "name": name, "input": args}
        for n, (name, args) in enumerate(calls)
    ]
    return _message(blocks, "tool_use", 1000, 20)


def rate_limited(retry_after: str = "1") -> Scripted:
    error = {"error": {"type": "rate_limit_error", "message": "slow down"}}
    return Scripted(status=429, body=error, headers={"retry-after": retry_after})


def server_error() -> Scripted:
    return Scripted(status=500, body={"error": {"type": "api_error", "message": "boom"}})


class FakeServer:
    """A scripted endpoint; `url` is the base URL a client is given."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.script: list[Scripted] = []
        self.requests: list[Recorded] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self._http.server_address[1]
        return f"http://127.0.0.1:{port}/v1" if self.kind == "openai" else f"http://127.0.0.1:{port}"

    def queue(self, *answers: Scripted) -> None:
        with self._lock:
            self.script.extend(answers)

    def _next(self) -> Scripted:
        with self._lock:
            if self.script:
                return self.script.pop(0)
        return Scripted(status=500, body={"error": {"type": "api_error", "message": "the script is exhausted"}})

    def _record(self, request: Recorded) -> None:
        with self._lock:
            self.requests.append(request)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"unparsed": raw.decode("utf-8", "replace")}
                headers = {k.lower(): v for k, v in self.headers.items()}
                server._record(Recorded(self.path, headers, body, time.monotonic()))
                if self.path != PATHS[server.kind]:
                    self._send(Scripted(404, {"error": {"type": "not_found", "message": f"no route {self.path}"}}))
                    return
                self._send(server._next())

            def _send(self, answer: Scripted) -> None:
                if answer.delay:
                    time.sleep(answer.delay)
                payload = (json.dumps(answer.body) if isinstance(answer.body, dict) else answer.body).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to answer

            def log_message(self, format: str, *args: object) -> None:
                pass  # keep test output clean

        return Handler

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@contextmanager
def serving(kind: Kind) -> Iterator[FakeServer]:
    server = FakeServer(kind)
    server.start()
    try:
        yield server
    finally:
        server.stop()
