"""The local forge: a branch `suture/<fingerprint>` and a proposal file under the git dir.

The commit is built with plumbing (a private index, `git apply --cached`,
`commit-tree`, `update-ref`), so the user's working tree, index and HEAD are never
touched. Publishing again for the same fingerprint moves the branch in place.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from suture.errors import SutureError
from suture.records import Proposal, Published, to_dict
from suture.run.git import apply, common_dir, git

IDENTITY = {
    "GIT_AUTHOR_NAME": "suture",
    "GIT_AUTHOR_EMAIL": "suture@localhost",
    "GIT_COMMITTER_NAME": "suture",
    "GIT_COMMITTER_EMAIL": "suture@localhost",
}


def proposals_dir(repo: Path) -> Path:
    return common_dir(repo) / "suture" / "proposals"


def commit(repo: Path, proposal: Proposal) -> str:
    """A commit of the proposal's patch on its base, made without a checkout."""
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        env = {**IDENTITY, "GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git(repo, "read-tree", proposal.base_sha, env=env)
        problem = apply(repo, proposal.patch, cached=True, env=env)
        if problem:
            raise SutureError(f"the verified patch no longer applies to {proposal.base_sha}: {problem}")
        tree = git(repo, "write-tree", env=env).strip()
        return git(
            repo,
            "commit-tree",
            tree,
            "-p",
            proposal.base_sha,
            "-F",
            "-",
            input=proposal.commit_message,
            env=env,
        ).strip()


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
