"""The server's resources: the proposal texts (`.git/suture/proposals/*.md`, as the local forge
writes them) and the recent runs of its tools (`.git/suture/mcp/runs.jsonl`). Read-only."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from suture.mcp.base import RUNS, Session, ToolError
from suture.publish.forges.local import proposals_dir

RECENT = 20  # runs listed by suture://runs/recent
RUNS_URI = "suture://runs/recent"
PROPOSAL = "suture://proposals/"
_NAME = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")


@dataclass(frozen=True)
class Resource:
    uri: str
    name: str
    description: str
    mime_type: str


def listed(session: Session) -> list[Resource]:
    found = [Resource(RUNS_URI, "recent runs", f"The last {RECENT} runs of this server's tools.", "application/json")]
    folder = proposals_dir(session.repo)
    for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
        if _NAME.fullmatch(path.stem) and not path.is_symlink():
            found.append(Resource(PROPOSAL + path.stem, f"proposal {path.stem}", "A verified fix's proposal text.",
                                  "text/markdown"))  # fmt: skip
    return found


def read(session: Session, uri: str) -> tuple[str, str]:
    """The text of the resource `uri` and its MIME type."""
    if uri == RUNS_URI:
        path = session.store() / RUNS
        lines = path.read_text(encoding="utf-8").splitlines()[-RECENT:] if path.is_file() else []
        return json.dumps({"runs": [json.loads(line) for line in lines]}, indent=2), "application/json"
    if uri.startswith(PROPOSAL):
        name = uri.removeprefix(PROPOSAL)
        path = proposals_dir(session.repo) / f"{name}.md"
        if _NAME.fullmatch(name) and path.is_file() and not path.is_symlink():
            return path.read_text(encoding="utf-8", errors="replace"), "text/markdown"
    raise ToolError("unknown-resource", f"no resource {uri!r}: list them with resources/list", uri=uri)
