"""The patches `verify_patch` (or `heal`) accepted, each under an id a client gives `propose`.

Kept as JSON in the repository's common git directory (`.git/suture/mcp/verified/<id>.json`,
never a worktree's): one file per accepted patch, its proposal composed and redacted at
verification. Like every file of suture's scratch space it is read as hostile: an id is
32 hex digits or unknown, a record that is not a proposal is unknown, and `propose`
checks the patch against the policy again before it commits anything.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import fields
from pathlib import Path

from suture.mcp.base import ToolError
from suture.records import Proposal, to_dict

_ID = re.compile(r"[0-9a-f]{32}")


def folder(store: Path) -> Path:
    return store / "verified"


def save(store: Path, proposal: Proposal) -> str:
    """Keep `proposal` (a verified patch's) and return its new id."""
    ident = secrets.token_hex(16)
    path = folder(store) / f"{ident}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"proposal": to_dict(proposal)}, indent=2), encoding="utf-8")
    return ident


def load(store: Path, ident: str) -> Proposal:
    """The proposal kept under `ident`; a ToolError 'unknown-id' when there is none."""
    unknown = ToolError(
        "unknown-id",
        f"no patch verified by this repository's server has the id {ident!r}: verify it first with verify_patch",
        argument="id",
    )
    if not _ID.fullmatch(ident):
        raise unknown
    path = folder(store) / f"{ident}.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))["proposal"]
        names = {field.name for field in fields(Proposal)}
        if set(record) != names or not all(isinstance(record[name], str) for name in names):
            raise unknown
        return Proposal(**record)
    except (OSError, ValueError, KeyError, TypeError):
        raise unknown from None
