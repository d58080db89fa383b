"""Rate limits and transient failures: wait as the server says, retry a bounded number of times.

Only calls that are safe to repeat go through `Retrying.call` (reads, edits in place,
labels). Creating a pull request is never retried blindly: `suture.publish.forges.publish`
looks for it first, because a timeout may hide a create that succeeded.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from suture.errors import ForgeError, ForgeUnavailable, RateLimited

T = TypeVar("T")

# An epoch reset below this is a number of seconds (RateLimit-Reset of the IETF draft), not a time.
_EPOCH_2001 = 1_000_000_000


def wait_from(headers: Mapping[str, str], now: float | None = None) -> float | None:
    """Seconds until the server's rate-limit reset, from Retry-After or *RateLimit-Reset; None if unsaid."""
    now = time.time() if now is None else now
    lowered = {k.lower(): v.strip() for k, v in headers.items()}
    after = lowered.get("retry-after")
    if after:
        if after.isdigit():
            return float(after)
        when = email.utils.parsedate_to_datetime(after) if "," in after else None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    for name in ("x-ratelimit-reset", "ratelimit-reset"):
        value = lowered.get(name, "")
        if value.isdigit():
            reset = float(value)
            return max(0.0, reset - now) if reset > _EPOCH_2001 else reset
    return None


@dataclass(frozen=True)
class Retrying:
    attempts: int = 4  # calls in all, the first included
    backoff: float = 1.0  # the first pause when the server gives no reset; doubles each time
    max_wait: float = 300.0  # a reset further away than this fails the run: better than hanging a CI job
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)

    def pause(self, attempt: int, exc: ForgeError) -> None:
        """Sleep before retry number `attempt` (1-based) after `exc`, or raise when it must not wait."""
        wait = exc.wait if isinstance(exc, RateLimited) and exc.wait is not None else self.backoff * 2 ** (attempt - 1)
        if wait > self.max_wait:
            limit = f"the limit resets in {wait:.0f}s, more than the {self.max_wait:.0f}s suture waits"
            raise ForgeError(f"{exc}; {limit}: run again later")
        self.sleep(wait)

    def call(self, fn: Callable[[], T]) -> T:
        """`fn()`, retried on rate limits and transient failures; only for calls that are safe to repeat."""
        for attempt in range(1, self.attempts):
            try:
                return fn()
            except (RateLimited, ForgeUnavailable) as exc:
                self.pause(attempt, exc)
        return fn()
