"""bench/llm_bench.py, the real-endpoint bench, run against the scripted endpoint on 127.0.0.1 so it
stays exercised: the same script reports heal rate, tokens and cost per fix for a real model."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
from llm_servers import openai_reply, serving

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import llm_bench

RIGHT = "calc.py\n<<<<<<< SEARCH\n    return a - b\n=======\n    return a + b\n>>>>>>> REPLACE\n"
WRONG = RIGHT.replace("a + b", "a * b")


def test_the_bench_reports_heal_rate_tokens_and_cost_per_fix(capsys: pytest.CaptureFixture[str]) -> None:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "SUTURE_BENCH_"))}
    with serving("openai") as server:
        server.queue(
            openai_reply(RIGHT, prompt_tokens=700, completion_tokens=40),
            *[openai_reply(WRONG, prompt_tokens=900, completion_tokens=30)] * 2,
        )
        environ = {**clean, "SUTURE_BENCH_MODEL": "fake", "SUTURE_BENCH_BASE_URL": server.url}

        code = llm_bench.main(["--case", "calc", "--case", "discount", "--", "--max-attempts", "2"], environ)

    printed = capsys.readouterr().out
    assert code == 0
    assert "| calc | fixed | 1 | 1 | 700 | 40 | 0.0000 |" in printed
    assert "| discount | unfixed | 2 | 2 | 1,800 | 60 | 0.0000 |" in printed  # replies for calc.py: none apply
    assert "heal rate: 1/2 (50%)" in printed
    assert "tokens per fix: 2,600" in printed
    assert "cost per fix: $0.0000" in printed  # a server on this machine costs nothing
    assert server.requests[0].body["model"] == "fake"


def test_without_a_model_the_bench_says_what_to_set() -> None:
    with pytest.raises(SystemExit, match="set SUTURE_BENCH_MODEL"):
        llm_bench.main([], {"PATH": os.environ["PATH"]})
