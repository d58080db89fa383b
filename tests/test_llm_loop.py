"""The loop's caps and guards, through the real `openai` client talking to a scripted server on
127.0.0.1: wall time, dollars from the price table, and a reply that echoes a secret. The judge
here stands in for verification (the end-to-end tests in test_llm_heal run the real one)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fixer_helpers import commit
from llm_servers import FakeServer, openai_reply, serving

from suture.llm import providers
from suture.llm.loop import Assistant, Judge
from suture.llm.settings import Budget, ModelSettings, Price
from suture.records import Candidate, Diagnosis, Failure, Frame, Verdict
from suture.redact import Redactor
from suture.run.source import Source

TOKEN = "ghp_" + "Q1w2E3r4T5" * 4
PLAIN_SECRET = "correct-horse-battery-staple-42"
FILES = {
    "calc.py": f"# signed with {PLAIN_SECRET}\ndef add(a, b):\n    return a - b\n",
    "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
}
FAILURE = Failure(
    tool="pytest",
    kind="test-failure",
    check="python -m pytest -q",
    error_type="AssertionError",
    message="assert -1 == 5",
    test_ids=("tests/test_calc.py::test_add",),
    frames=(Frame("tests/test_calc.py", 5, "test_add"),),
    excerpt="E   assert -1 == 5",
    fingerprint="abc",
)
DIAGNOSIS = Diagnosis("code", (FAILURE,), (), "abc")


def replace(old: str, new: str) -> str:
    return f"calc.py\n<<<<<<< SEARCH\n{old}\n=======\n{new}\n>>>>>>> REPLACE\n"


WRONG = replace("    return a - b", "    return a * b")
RIGHT = replace("    return a - b", "    return a + b")


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with serving("openai") as fake:
        yield fake


@pytest.fixture
def source(tmp_path: Path) -> Source:
    return commit(tmp_path / "repo", FILES)


class Clock:
    """Time that passes only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def judge_by_diff(clock: Clock | None = None, seconds: float = 0.0) -> tuple[list[Candidate], Judge]:
    """A judge that passes a candidate adding `a + b`, and lets `seconds` pass per verification."""
    seen: list[Candidate] = []

    def judge(candidate: Candidate) -> Verdict:
        seen.append(candidate)
        if clock is not None:
            clock.now += seconds
        passed = "+    return a + b" in candidate.diff
        return Verdict(candidate, passed, "ok" if passed else "still fails", (), (), 1, 1, seconds)

    return seen, judge


def assistant(server: FakeServer, clock: Clock | None = None, price: Price | None = None, **budget: float) -> Assistant:
    prices = {"fake": price} if price else {}  # else free: a server on this machine
    settings = ModelSettings("openai", "fake", server.url, None, Budget(**budget), prices=prices)  # type: ignore[arg-type]
    redactor = Redactor({"DEPLOY_TOKEN": PLAIN_SECRET})
    return Assistant(providers.connect(settings, {}.get), settings, redactor=redactor, clock=clock or Clock())


def test_the_wall_time_cap_stops_the_loop_before_the_next_request(server: FakeServer, source: Source) -> None:
    server.queue(openai_reply(WRONG), openai_reply(RIGHT))
    clock = Clock()
    seen, judge = judge_by_diff(clock, seconds=97.0)  # a slow verification
    said: list[str] = []

    result = assistant(server, clock, max_seconds=100).fix(DIAGNOSIS, source, judge, progress=said.append)

    assert not result.fixed
    assert len(server.requests) == 1 and len(seen) == 1  # the second request was never sent
    assert result.usage.stopped == "the time budget is spent (max-seconds 100)"
    assert result.usage.seconds == 97.0
    assert said[-1] == "the language model stops: the time budget is spent (max-seconds 100)"


def test_the_cost_cap_stops_the_loop_and_the_cost_is_recorded(server: FakeServer, source: Source) -> None:
    # $1,000 per million tokens each way: 900 in + 60 out = $0.96 of a $1.00 cap.
    server.queue(openai_reply(WRONG, prompt_tokens=900, completion_tokens=60), openai_reply(RIGHT))
    _, judge = judge_by_diff()
    model = assistant(server, price=Price(1000.0, 1000.0), max_cost_usd=1.0)

    result = model.fix(DIAGNOSIS, source, judge, progress=lambda _: None)

    assert not result.fixed
    assert len(server.requests) == 1
    assert result.usage.cost_usd == pytest.approx(0.96)
    assert result.usage.stopped.startswith("the cost budget is spent: $0.9600 of max-cost-usd 1.0 used")
    # The one request asked for no more reply tokens than the dollars left could pay for.
    (request,) = server.requests
    assert request.body["max_tokens"] <= 1_000_000 // 1000


def test_a_reply_that_echoes_a_secret_is_never_a_candidate(server: FakeServer, source: Source) -> None:
    echoes = (
        replace("    return a - b", f"    return a + b  # {TOKEN}"),  # a token's shape
        replace("    return a - b", f"    return a + b  # {PLAIN_SECRET}"),  # a secret variable's value, again
        replace("    return a - b", "    return a + b  # [REDACTED:env:DEPLOY_TOKEN]"),  # the mark that hid it
    )
    server.queue(*(openai_reply(text) for text in echoes), openai_reply(RIGHT))
    seen, judge = judge_by_diff()
    said: list[str] = []

    result = assistant(server, max_attempts=4).fix(DIAGNOSIS, source, judge, progress=said.append)

    assert result.fixed
    assert len(seen) == 1 and TOKEN not in seen[0].diff and "REDACTED" not in seen[0].diff
    notes = result.usage.notes
    assert "would hold a credential the file does not ([REDACTED:github-token])" in notes[0]
    assert "would hold a credential the file does not ([REDACTED:env:DEPLOY_TOKEN])" in notes[1]
    assert "would hold a redaction mark" in notes[2]
    everything = "\n".join([*notes, *said, *(r.text for r in server.requests)])
    assert TOKEN not in everything and PLAIN_SECRET not in everything
    assert "would hold a credential" in server.requests[1].prompt  # the reason is fed back


def test_a_reason_quoting_a_line_that_holds_a_secret_is_redacted(server: FakeServer, source: Source) -> None:
    # A search text that misses: the reason quotes the file's closest line, which holds the secret.
    server.queue(openai_reply(replace("# signed by someone", "# signed")), openai_reply(RIGHT))
    _, judge = judge_by_diff()
    said: list[str] = []

    result = assistant(server).fix(DIAGNOSIS, source, judge, progress=said.append)

    assert result.fixed
    assert "the SEARCH text is not in the file" in result.usage.notes[0]
    assert PLAIN_SECRET not in "\n".join([*result.usage.notes, *said, *(r.text for r in server.requests)])
