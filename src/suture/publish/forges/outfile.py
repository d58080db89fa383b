"""`suture heal --out FILE`: the verified proposal as a file, for a separate publish job.

The job that verifies holds no token; the job that publishes (`suture publish FILE`)
holds it and runs no repository code. The file is the whole hand-over: the patch, the
base commit, the texts and the failing run's link.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suture.errors import UsageError
from suture.records import Proposal, Published, to_dict
from suture.run.git import BRANCH_PREFIX

VERSION = 1


@dataclass(frozen=True)
class OutFile:
    path: Path
    run_url: str = ""

    def __call__(self, repo: Path, proposal: Proposal) -> Published:
        record = {"version": VERSION, "proposal": to_dict(proposal), "run_url": self.run_url}
        self.path.write_text(json.dumps(record, indent=2), encoding="utf-8")
        return Published(
            forge="file", branch=proposal.branch, commit="", location=str(self.path), extra={"action": "written"}
        )


def read(path: Path) -> tuple[Proposal, str]:
    """The proposal and run link in a file `OutFile` wrote; a UsageError naming what is wrong otherwise."""
    try:
        record: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        data = record["proposal"]
        proposal = Proposal(**{k: str(data[k]) for k in Proposal.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise UsageError(f"{path} is not a proposal written by `suture heal --out` ({exc})") from exc
    if record.get("version") != VERSION:
        raise UsageError(f"{path} was written by another version of suture (format {record.get('version')!r})")
    if (
        not re.fullmatch(r"[0-9a-zA-Z_-]+", proposal.fingerprint)
        or proposal.branch != BRANCH_PREFIX + proposal.fingerprint
    ):
        raise UsageError(f"{path}: the branch {proposal.branch!r} is not suture/<fingerprint>")
    if not re.fullmatch(r"[0-9a-f]{40}", proposal.base_sha):
        raise UsageError(f"{path}: the base commit {proposal.base_sha!r} is not a full sha")
    return proposal, str(record.get("run_url") or "")
