"""`heal`: suture's own ladder (and model, when one is configured) on the current failure, as
`suture heal --dry-run` runs it (`loop/heal.py`). Nothing is published: the winner is kept in
the store under an id, for `propose`.
"""

from __future__ import annotations

from suture.loop import heal as loop
from suture.mcp import store
from suture.mcp.base import Arguments, Result, Session, say

SCHEMA = {"type": "object", "properties": {}, "additionalProperties": False}


def heal(session: Session, arguments: Arguments) -> Result:
    options = loop.Options(settings=session.settings(), dry_run=True, environ=session.environ)
    outcome = loop.heal(session.repo, options, progress=say, warn=say)
    ident = store.save(session.store(), outcome.proposal) if outcome.winner and outcome.proposal else None
    data = {**outcome.to_json(), "id": ident}
    session.record("heal", {"status": outcome.status, "reason": outcome.reason, "id": ident})
    lines = [f"{outcome.status}: {outcome.reason}"]
    if ident and outcome.winner:
        lines += [f"verified patch id {ident} (give it to propose):", outcome.winner.candidate.diff]
    return Result(data, "\n".join(lines))
