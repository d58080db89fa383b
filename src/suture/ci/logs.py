"""`suture logs`: the logs of the failed jobs of the CI run suture is part of, through the CI's API.

Each provider's `logs` (see `suture.ci.base.Provider`; the built-in ones in
`suture.ci.github_logs`, `gitlab_logs`, `semaphore_logs`) implements `JobLogs` over a
mainstream client library and translates its exceptions
into `suture.errors.ForgeError` at the boundary. Everything here only reads: listing
jobs and downloading their logs are GET requests, so a fork's run is safe to read.
Logs are streamed to the sink in chunks: memory stays bounded however big they are.
"""

from __future__ import annotations

import codecs
import functools
import itertools
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from suture.publish.forges.ratelimit import Retrying


@dataclass(frozen=True)
class Job:
    """A failed job of the run: its id in the CI's API, its name and its web page."""

    id: str
    name: str
    url: str


class Sink(Protocol):
    # Where log bytes go: a binary file, or a filter in front of one.
    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class JobLogs(Protocol):
    # The run whose jobs are read, as the CI names it (shown in messages).
    @property
    def run(self) -> str: ...

    # The jobs of the run that failed (timed-out jobs included), in the CI's order.
    def failed_jobs(self) -> list[Job]: ...

    # The log of `job`, as chunks of bytes in order.
    def chunks(self, job: Job) -> Iterable[bytes]: ...


TIMEOUT = 60.0  # seconds one API request may take


def header(job: Job) -> bytes:
    """The line that starts a job's log in the written file: which job, where to see it."""
    where = f" ({job.url})" if job.url else ""
    return f"\n===== suture: log of the failed job {job.name!r}{where} =====\n".encode(errors="replace")


def write(
    source: JobLogs,
    sink: BinaryIO,
    *,
    redact: Callable[[str], str] | None = None,
    retrying: Retrying | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> list[Job]:
    """Write the failed jobs' logs to `sink`, each after its header line; the jobs written.

    With `redact`, every line passes through it first (whole lines: a secret cut across two
    chunks is still seen); bytes that are not UTF-8 become U+FFFD then.
    """
    retrying = retrying or Retrying()
    jobs = retrying.call(source.failed_jobs)
    out: Sink = _Lines(sink, redact) if redact else sink
    for job in jobs:
        progress(f"downloading the log of {job.name}")
        # The request is made by the first chunk: a rate limit or a 5xx there is waited out and retried.
        first, rest = retrying.call(functools.partial(_opened, source, job))
        out.write(header(job))
        unpacked(itertools.chain((first,), rest), out)
        out.write(b"\n")
    out.flush()
    return jobs


def _opened(source: JobLogs, job: Job) -> tuple[bytes, Iterator[bytes]]:
    stream = iter(source.chunks(job))
    return next(stream, b""), stream


# Characters of one line held for redaction; a longer line is redacted and written in pieces of this
# size, so memory stays bounded on a 50 MB line (only a secret across a 1 MiB boundary is cut).
MAX_LINE = 1 << 20


class _Lines:
    """A byte sink that decodes, splits into lines, and writes each line redacted."""

    def __init__(self, sink: BinaryIO, redact: Callable[[str], str]) -> None:
        self._sink = sink
        self._redact = redact
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""

    def write(self, data: bytes) -> int:
        text = self._pending + self._decoder.decode(data)
        *lines, self._pending = text.split("\n")
        if lines:
            self._sink.write("".join(self._redact(line) + "\n" for line in lines).encode())
        while len(self._pending) > MAX_LINE:
            self._sink.write(self._redact(self._pending[:MAX_LINE]).encode())
            self._pending = self._pending[MAX_LINE:]
        return len(data)

    def flush(self) -> None:
        rest = self._pending + self._decoder.decode(b"", final=True)
        if rest:
            self._sink.write(self._redact(rest).encode())
        self._pending = ""
        self._sink.flush()


ZIP_MAGIC = b"PK\x03\x04"


def unpacked(chunks: Iterable[bytes], sink: Sink) -> None:
    """Copy `chunks` to `sink`; a zip archive (GitHub's run logs) is unpacked, its text files in name order."""
    stream = iter(chunks)
    first = next((chunk for chunk in stream if chunk), b"")
    if not first.startswith(ZIP_MAGIC):
        sink.write(first)
        for chunk in stream:
            sink.write(chunk)
        return
    with tempfile.TemporaryFile() as archive:
        archive.write(first)
        for chunk in stream:
            archive.write(chunk)
        archive.seek(0)
        with zipfile.ZipFile(archive) as opened:
            for name in sorted(n for n in opened.namelist() if not n.endswith("/")):
                sink.write(f"----- {name} -----\n".encode(errors="replace"))
                with opened.open(name) as member:
                    shutil.copyfileobj(member, sink)
                sink.write(b"\n")
