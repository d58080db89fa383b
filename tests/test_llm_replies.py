"""The reply-shape corpus of bench/llm_replies: every applicable reply applied exactly (the issue
asks for at least 95%), none of the others applied. The bench prints the same figures."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
import llm_replies_bench as bench


def test_the_reply_shapes_apply_exactly_where_applicable_and_never_elsewhere() -> None:
    outcomes = bench.run()
    figures = bench.summary(outcomes)

    assert figures["replies"] >= 30
    assert figures["applied_exactly_pct"] >= 95, [o for o in outcomes if o.applies and not o.exact]
    assert figures["applied_anyway"] == 0, [o for o in outcomes if not o.applies and o.applied]
