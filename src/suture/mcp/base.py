"""What every tool of the MCP server shares: the repository it serves (`Session`), what a tool
returns (`Result`) and how it refuses (`ToolError`).

A tool is a plain function `(session, arguments) -> Result` run in a worker thread; it never
reads the environment (the `Session` holds the one the server's entry handed it) and never
prints (stdout is the protocol's channel).
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from suture import config
from suture.ci.logs import Job
from suture.errors import SutureError
from suture.records import Build, Proposal, Published
from suture.redact import Redactor
from suture.run import git
from suture.run.sandbox import DEFAULT

Publisher = Callable[[Path, Proposal], Published]
# The publisher the configuration `settings` names: None for the local forge (a branch and a file).
Publishers = Callable[[config.Config], Publisher | None]
Arguments = Mapping[str, Any]


class ToolError(SutureError):
    """A call the server refuses or cannot complete: returned to the client as a structured error
    (`code`, `message`, and details such as the argument at fault), never a crash of the server."""

    exit_code = 2

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        super().__init__(message)
        self.code = code
        self.detail = detail

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": str(self), **self.detail}}


@dataclass(frozen=True)
class Result:
    """What a tool gives: structured content, and a short text rendering of it for a model to read."""

    data: dict[str, Any]
    text: str


@dataclass
class Session:
    """The repository one `suture mcp` serves, and what its calls share.

    `builds` keeps the base's check runs by (commit, commands): `verify_patch` after `run_checks`
    on the same commit runs the checks once more, on the patch only.
    """

    repo: Path
    environ: Mapping[str, str]  # the server's: CI and forge tokens are read from it, its secrets redacted
    scratch: Path  # the server's own temporary directory: downloaded CI logs
    publishers: Publishers = lambda _: None
    base: str | None = None  # the trusted commit whose [tool.suture] applies (`suture mcp --base`)
    flags: config.Flags = field(default_factory=config.Flags)
    builds: dict[tuple[str, tuple[str, ...]], Build] = field(default_factory=dict)
    # The failed jobs' logs downloaded by run, redacted, each in a file of `scratch`: paging reads them again.
    logs: dict[str, tuple[tuple[Job, Path], ...]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def redactor(self) -> Redactor:
        return Redactor(self.environ)

    def settings(self) -> config.Config:
        """The configuration, read for each call (HEAD moves while an agent works), in the sandbox
        whatever it says: a commit cannot turn the sandbox off for the server."""
        found = config.resolve(self.repo, self.flags, base=self.base)
        return dataclasses.replace(found, sandbox=DEFAULT)

    def store(self) -> Path:
        """suture's folder of this server in the repository's common git directory (not a worktree's)."""
        return git.common_dir(self.repo) / "suture" / "mcp"

    def record(self, tool: str, summary: dict[str, Any]) -> None:
        """Append one line about a finished run to the recent runs (resource `suture://runs/recent`)."""
        folder = self.store()
        folder.mkdir(parents=True, exist_ok=True)
        line = json.dumps({"tool": tool, "at": round(time.time(), 3), **summary})
        with self.lock, (folder / RUNS).open("a", encoding="utf-8") as out:
            out.write(self.redactor.redact(line) + "\n")


RUNS = "runs.jsonl"


# Where a call's progress goes: the server sets it for each call to a function that sends the
# client `notifications/progress` when it asked for them; elsewhere, nowhere.
_PROGRESS: contextvars.ContextVar[Callable[[str], None]] = contextvars.ContextVar("progress", default=lambda _: None)


def say(message: str) -> None:
    """Tell the client (if it asked to hear) how the call is going: `running pytest -q`, ..."""
    _PROGRESS.get()(message)


@contextmanager
def reporting(progress: Callable[[str], None]) -> Iterator[None]:
    """Within this block, `say` goes to `progress`."""
    token = _PROGRESS.set(progress)
    try:
        yield
    finally:
        _PROGRESS.reset(token)
