"""The local forge: a branch `suture/<fingerprint>` and a proposal file under the git dir.

The commit is built with plumbing (a private index, `git apply --cached`,
`commit-tree`, `update-ref`), so the user's working tree, index and HEAD are never
touched. Publishing again for the same fingerprint moves the branch in place.
"""

from __future__ import annotations

import json
from pathlib import Path

from suture.errors import SutureError
from suture.records import Proposal, Published, to_dict
from suture.run.git import NotApplied, commit_patch, common_dir, git


def proposals_dir(repo: Path) -> Path:
    return common_dir(repo) / "suture" / "proposals"


def commit(repo: Path, proposal: Proposal) -> str:
    """A commit of the proposal's patch on its base, made without a checkout."""
    try:
        return commit_patch(repo, proposal.base_sha, proposal.patch, proposal.commit_message)
    except NotApplied as exc:
        raise SutureError(f"the verified patch no longer applies to {proposal.base_sha}: {exc}") from None


def publish(repo: Path, proposal: Proposal) -> Published:
    sha = commit(repo, proposal)
    git(repo, "update-ref", "-m", "suture: verified fix", f"refs/heads/{proposal.branch}", sha)
    folder = proposals_dir(repo)
    folder.mkdir(parents=True, exist_ok=True)
    markdown = folder / f"{proposal.fingerprint}.md"
    markdown.write_text(f"# {proposal.title}\n\n{proposal.body}", encoding="utf-8")
    record = {**to_dict(proposal), "commit": sha}
    (folder / f"{proposal.fingerprint}.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    return Published(forge="local", branch=proposal.branch, commit=sha, location=str(markdown))
