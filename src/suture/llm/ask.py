"""One request to the model, retried on what a retry may cure, within the budget.

suture retries itself rather than through the client libraries: the budget's clock then
bounds every wait, a server's `retry-after` is honoured (and refused when it would pass
`max-seconds`), and both providers behave alike.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from suture.llm.base import Exhausted, Malformed, Provider, ProviderError, Reply, Transient, Turn
from suture.llm.budget import Meter
from suture.llm.context import Prompt

RETRIES = 3  # after the first try, on 429, 5xx and timeouts
UNREACHABLE_RETRIES = 1  # a refused connection is usually a wrong URL: fail fast
BACKOFF_SECONDS = 1.0  # doubled at each retry, when the server does not say how long to wait
REQUEST_SECONDS = 300.0  # the most one request may take
MIN_REQUEST_SECONDS = 5.0  # less time left than this: do not start a request


def ask(
    provider: Provider,
    prompt: Prompt,
    meter: Meter,
    *,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[[str], None] = lambda _: None,
) -> Reply:
    """The reply to `prompt`, charged to `meter`.

    Raises Exhausted when the budget runs out (or the endpoint keeps failing), Malformed for
    a reply without usable text, ProviderError when the endpoint cannot be used at all.
    """
    max_tokens = meter.allowance(prompt.tokens)
    return retrying(
        lambda timeout: provider.complete(prompt.system, prompt.user, max_tokens=max_tokens, timeout=timeout),
        prompt.tokens,
        meter,
        sleep=sleep,
        progress=progress,
    )


Answered = TypeVar("Answered", Reply, Turn)


def retrying(
    request: Callable[[float], Answered],
    sent_tokens: int,
    meter: Meter,
    *,
    sleep: Callable[[float], None],
    progress: Callable[[str], None],
) -> Answered:
    """`request(timeout)`'s answer, retried on what a retry may cure, charged to `meter`."""
    for retry in range(RETRIES + 1):
        timeout = min(REQUEST_SECONDS, meter.seconds_left())
        if timeout < MIN_REQUEST_SECONDS:
            raise Exhausted(f"the time budget is spent (max-seconds {meter.budget.max_seconds:g})")
        try:
            answer = request(timeout)
        except Transient as exc:
            wait = _wait(exc, retry, meter)
            progress(f"{exc}; retrying in {wait:.1f}s")
            sleep(wait)
            continue
        except Malformed:
            # The endpoint did the work but reported nothing: charge what was sent.
            meter.charge(Reply("", sent_tokens, 0, estimated=True))
            raise
        meter.charge(answer.reply if isinstance(answer, Turn) else answer)
        return answer
    raise AssertionError("the loop returns or raises")  # pragma: no cover


def _wait(exc: Transient, retry: int, meter: Meter) -> float:
    """How long to wait before the next try; raises when there is to be none."""
    if exc.unreachable and retry >= UNREACHABLE_RETRIES:
        raise ProviderError(
            f"{exc}: start the server, or point suture at it with --base-url (base-url in [tool.suture])"
        ) from exc
    if retry >= RETRIES:
        raise Exhausted(f"the endpoint failed {RETRIES + 1} times in a row; the last time: {exc}") from exc
    wait = exc.retry_after if exc.retry_after is not None else BACKOFF_SECONDS * 2**retry
    if wait > meter.seconds_left() - MIN_REQUEST_SECONDS:
        raise Exhausted(f"{exc}; waiting {wait:.0f}s, as it asks, would pass max-seconds") from exc
    return wait
