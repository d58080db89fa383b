"""Lint and format checks fixed by the tools themselves.

When the failing check is `ruff check`, `ruff format --check`, `black --check` or
`isort --check-only`/`--diff`, the same tool in its fixing mode, with the project's own
configuration, knows the fix better than anyone: run it in a disposable worktree of
the base and take its diff. Only the tool's safe fixes (ruff's `--fix` applies no
unsafe fix unless the project configured it). Test files stay as they are: hunks for
them are dropped, and if the check needs them the candidate fails verification.
"""

from __future__ import annotations

import shlex

from suture import git
from suture.errors import SutureError
from suture.policy import is_test_path
from suture.process import run
from suture.records import Candidate, Failure
from suture.source import Source

TIMEOUT = 300.0  # seconds for the tool's fixing run


def fix_command(check: str) -> list[str] | None:
    """The fixing form of a lint/format check command, or None if it has none."""
    try:
        words = shlex.split(check)
    except ValueError:
        return None
    for index, word in enumerate(words):
        tool = word.rsplit("/", 1)[-1]
        rest = words[index + 1 :]
        if tool == "ruff" and rest[:1] == ["check"]:
            return [*words[: index + 1], "check", "--fix", *_without(rest[1:], "--no-fix", "--diff")]
        if tool == "ruff" and rest[:1] == ["format"]:
            return [*words[: index + 1], "format", *_without(rest[1:], "--check", "--diff")]
        if tool in ("black", "isort"):
            return [*words[: index + 1], *_without(rest, "--check", "--check-only", "--diff", "-c")]
    return None


def _without(words: list[str], *flags: str) -> list[str]:
    return [word for word in words if word not in flags]


class LintFixer:
    name = "lint-tool"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        command = fix_command(failure.check) if failure.kind == "check-failed" else None
        if command is None:
            return []
        diff = _diff_after(command, source)
        if not diff:
            return []
        return [
            Candidate(
                origin=self.name,
                diff=diff,
                rationale=f"`{shlex.join(command)}`, the check's own tool in fixing mode, with the project's config",
                fingerprint=failure.fingerprint,
            )
        ]


def _diff_after(command: list[str], source: Source) -> str:
    """What `command` changes in a fresh worktree of the base, test files left out."""
    with git.worktree(source.repo, source.sha) as tree:
        try:
            run(command, cwd=tree, check=False, timeout=TIMEOUT)
        except SutureError:
            return ""  # the tool is missing or hung: no candidate, the failure stays reported
        changed = run(["git", "diff", "--name-only", "-z"], cwd=tree).stdout.split("\0")
        kept = [path for path in changed if path and not is_test_path(path)]
        if not kept:
            return ""
        return run(["git", "diff", "--no-color", "--no-ext-diff", "--", *kept], cwd=tree).stdout
