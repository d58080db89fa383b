"""Read-only access to the files of the base commit, for fixers.

Fixers read the commit being healed, never the user's working tree (which may hold
uncommitted edits) and never a worktree (which verification owns).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from suture.run.git import git, git_bytes

MAX_BYTES = 8 * 1024 * 1024  # of one file: a source file, a configuration; larger is generated data


class Source:
    def __init__(self, repo: Path, sha: str) -> None:
        self.repo = repo
        self.sha = sha
        self.read = cache(self._read)

    def _read(self, path: str) -> str | None:
        """The text of `path` at the base commit, or None if absent, binary, not UTF-8 or over MAX_BYTES
        (git is stopped there: a commit's blob can be gigabytes)."""
        done = git_bytes(self.repo, "cat-file", "blob", f"{self.sha}:{path}", cap=MAX_BYTES)
        if done is None or b"\0" in done:
            return None
        try:
            # Decoded as is: no newline translation, so diffs of CRLF files still apply.
            return done.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def paths(self) -> tuple[str, ...]:
        listing = git(self.repo, "ls-tree", "-r", "--name-only", "-z", self.sha)
        return tuple(p for p in listing.split("\0") if p)
