"""The budget of one run's language-model work: tokens, dollars and seconds, counted as they go."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from suture.llm.base import Exhausted, Reply
from suture.llm.settings import ModelSettings
from suture.records import Usage

REPLY_TOKENS = 4_096  # the most one reply may use: a fix is short
MIN_REPLY_TOKENS = 256  # an allowance smaller than this cannot hold a fix: stop instead


class Meter:
    def __init__(self, settings: ModelSettings, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.budget = settings.budget
        self.price = settings.price()
        self.clock = clock
        self.started = clock()
        self.requests = 0
        self.input_tokens = 0
        self.output_tokens = 0
        self.tool_calls = 0

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    @property
    def cost(self) -> float | None:
        return None if self.price is None else self.price.cost(self.input_tokens, self.output_tokens)

    def seconds_left(self) -> float:
        return self.budget.max_seconds - (self.clock() - self.started)

    def allowance(self, prompt_tokens: int) -> int:
        """The reply tokens the next request may ask for; Exhausted when it cannot afford a useful one."""
        left = self.budget.max_tokens - self.tokens - prompt_tokens
        if left < MIN_REPLY_TOKENS:
            raise Exhausted(
                f"the token budget is spent: {self.tokens} of max-tokens {self.budget.max_tokens} used, "
                f"and the next prompt needs about {prompt_tokens} more plus the reply"
            )
        allowance = min(REPLY_TOKENS, left)
        if self.price is not None and self.price.output > 0:
            money = self.budget.max_cost_usd - (self.cost or 0.0) - self.price.cost(prompt_tokens, 0)
            allowance = min(allowance, int(money * 1_000_000 / self.price.output))
            if allowance < MIN_REPLY_TOKENS:
                raise Exhausted(
                    f"the cost budget is spent: ${self.cost or 0.0:.4f} of max-cost-usd "
                    f"{self.budget.max_cost_usd} used, and the next request could cost more than what is left"
                )
        return allowance

    def tool_calls_left(self) -> int:
        return max(0, self.budget.max_tool_calls - self.tool_calls)

    def charge(self, reply: Reply) -> None:
        self.requests += 1
        self.input_tokens += reply.input_tokens
        self.output_tokens += reply.output_tokens

    def usage(self, *, attempts: int, notes: Sequence[str], stopped: str) -> Usage:
        cost = self.cost
        return Usage(
            provider=self.settings.provider,
            model=self.settings.model,
            requests=self.requests,
            attempts=attempts,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=None if cost is None else round(cost, 6),
            seconds=round(self.clock() - self.started, 3),
            tool_calls=self.tool_calls,
            notes=tuple(notes),
            stopped=stopped,
        )
