"""Distil: a log of any size in, the few lines that explain the failure out.

    distil(source, *, limits=Limits(), redactor=None) -> Excerpt
    distil_text(text, ...) -> Excerpt

`source` is a path, a binary file object (`sys.stdin.buffer`) or an iterable of bytes (a
file's lines, or chunks: they are joined as one byte stream). The log is read in chunks
of 256 KB and never held whole: memory is bounded by the chunk, the kept blocks and the
line cap, whatever the log's size or its longest line.

What is kept, as blocks of consecutive lines with a little context before and after:

- Python tracebacks whole (from `Traceback (most recent call last):` to the exception
  line, chained ones too: the context after one reaches the next), pytest's FAILURES and
  ERRORS sections (without their captured output) and its short test summary;
- error lines: `error:`, `Error:`, `FAILED`, an exception's `Type: message` line, `make:
  *** [x] Error 2`, `Process completed with exit code 1`, `ERROR: Job failed`, a runner that
  ran out of memory, disk, time or network;
- compiler-style diagnostics `path:line[:col]: message` (and ruff's and rust's `--> path:line:col`,
  with its code frame and help up to the blank line after them), and a stack frame with its
  position, `at f(File.java:12)` (the exception above it, `sbt.ResolveException: x`, may say
  neither error nor fail);
- the failing command: the last `Run ...` step (GitHub) or `$ ...` line (GitLab) before an
  exit status.

Blocks are ranked (errors above diagnostics above warnings; earlier above later, since the
first error is most often the cause) and the last blocks of the log, where the job says
how it ended, are always kept. The excerpt holds at most `max_lines` lines and
`max_bytes` bytes; every line is normalised (`logtext`) and redacted (`redact`).

Speed comes from not looking at most lines: a chunk is searched for a few lowercase
keywords with `bytes.find` (C speed) and only the lines they hit, and the lines after
them while a block is open, go through the regular expressions.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from suture.diagnose.logtext import normalise
from suture.redact import Redactor

Source = str | os.PathLike[str] | BinaryIO | Iterable[bytes]
CHUNK = 1 << 18  # small enough that the passes over a chunk find it in the CPU's cache


@dataclass(frozen=True)
class Limits:
    """How much of a log an excerpt may hold, and how much context each error gets."""

    max_lines: int = 200
    max_bytes: int = 16_384
    max_line: int = 4_096  # bytes of one line; longer lines are cut, with a marker
    before: int = 3  # lines of context above an error line
    after: int = 3  # and below it (and below a traceback's exception)


@dataclass(frozen=True)
class Excerpt:
    """The lines of a log that explain its failure."""

    text: str  # the kept lines, normalised and redacted, joined by "\n"
    lines: tuple[int, ...]  # the 1-based number in the log of each line of `text`
    truncated: bool  # something that looked relevant was left out to fit the limits, or a line was cut
    total_lines: int  # lines in the whole log

    def numbered(self) -> str:
        """The text with its line numbers, and `...` where lines were skipped."""
        out: list[str] = []
        previous = 0
        width = len(str(self.lines[-1])) if self.lines else 1
        for number, line in zip(self.lines, self.text.split("\n"), strict=False):
            if number != previous + 1 and out:
                out.append("...")
            out.append(f"{number:>{width}} | {line}")
            previous = number
        return "\n".join(out)


def distil(source: Source, *, limits: Limits | None = None, redactor: Redactor | None = None) -> Excerpt:
    """The excerpt of the log `source` (see the module's docstring)."""
    limits = limits or Limits()
    distiller = _Distiller(limits)
    with _opened(source) as chunks:
        for data, start, end in _blocks(chunks, limits.max_line):
            distiller.feed(data, start, end)
    return distiller.excerpt(redactor or Redactor())


def distil_text(text: str, *, limits: Limits | None = None, redactor: Redactor | None = None) -> Excerpt:
    """The excerpt of a log already in memory (a check run's output)."""
    return distil([text.encode("utf-8", errors="surrogateescape")], limits=limits, redactor=redactor)


# --- reading --------------------------------------------------------------------------------


class _opened:
    """Chunks of the source's bytes; closes what it opened itself."""

    def __init__(self, source: Source) -> None:
        self._source = source
        self._file: BinaryIO | None = None

    def __enter__(self) -> Iterator[bytes]:
        source = self._source
        if isinstance(source, str | os.PathLike):
            self._file = source = open(source, "rb")  # closed in __exit__
        read = getattr(source, "read", None)
        if callable(read):  # a file: fixed-size chunks, not its lines (one may be 50 MB)
            return _read(read)
        return iter(source)

    def __exit__(self, *exc: object) -> None:
        if self._file is not None:
            self._file.close()


def _read(read: Callable[[int], bytes]) -> Iterator[bytes]:
    while chunk := read(CHUNK):
        yield chunk


def _blocks(chunks: Iterable[bytes], max_line: int) -> Iterator[tuple[bytes, int, int]]:
    """The stream as blocks of whole lines: `(data, start, end)`, the lines `data[start:end]`.

    Blocks are handed out without copying the chunk (`start` and `end` say where its whole
    lines are). A line longer than the chunks it spans is not assembled: only its head and
    its tail are kept (see `_cut`), so a 50 MB line costs no more memory than a short one.
    """
    carry = b""
    long_line: _LongLine | None = None
    for chunk in chunks:
        first = chunk.find(b"\n")
        if first < 0:
            long_line, carry = _without_newline(long_line, carry, chunk, max_line)
            continue
        if long_line is not None:
            long_line.feed(chunk[:first])
            yield _whole(long_line.line() + b"\n")
        elif carry:
            yield _whole(carry + chunk[: first + 1])
        else:
            first = -1
        long_line, carry = None, b""
        last = chunk.rfind(b"\n")
        if last > first:
            yield chunk, first + 1, last + 1
        long_line, carry = _without_newline(None, b"", chunk[last + 1 :], max_line)
    if long_line is not None:
        yield _whole(long_line.line() + b"\n")
    elif carry:
        yield _whole(carry + b"\n")


def _whole(data: bytes) -> tuple[bytes, int, int]:
    return data, 0, len(data)


def _without_newline(
    long_line: _LongLine | None, carry: bytes, data: bytes, max_line: int
) -> tuple[_LongLine | None, bytes]:
    """The start of a line still open: short ones are carried, long ones only sampled."""
    if long_line is not None:
        long_line.feed(data)
        return long_line, b""
    carry += data
    if len(carry) > max_line:
        return _LongLine(carry, max_line), b""
    return None, carry


class _LongLine:
    """The head and the tail of a line too long to hold, and its length."""

    def __init__(self, start: bytes, max_line: int) -> None:
        self._max = max_line
        self._head = start[:max_line]
        self._tail = start[-max_line:]
        self._length = len(start)

    def feed(self, data: bytes) -> None:
        self._length += len(data)
        self._tail = (self._tail + data)[-self._max :]

    def line(self) -> bytes:
        return _cut(self._head, self._tail, self._length, self._max)


def _capped(line: bytes, max_line: int) -> bytes:
    if len(line) <= max_line:
        return line
    return _cut(line[:max_line], line[-max_line:], len(line), max_line)


def _cut(head: bytes, tail: bytes, length: int, max_line: int) -> bytes:
    """A cut line: what a terminal would show of a progress bar, else the head and a marker."""
    redraw = tail.rfind(b"\r", 0, len(tail) - 1)
    if redraw >= 0 and tail[redraw + 1 :].strip():
        return tail[redraw + 1 :]
    keep = head[: max_line - 40]
    return keep + CUT_MARK % (length - len(keep))


CUT_MARK = b" [... %d bytes cut ...]"
_CUT_MARK = re.compile(r" \[\.\.\. \d+ bytes cut \.\.\.\]$")


# --- finding the lines ----------------------------------------------------------------------

# Searched in the lowercased chunk: a line without any of these needs no closer look. Each
# needle is one more pass over the log, so there are few: the lines that explain a failure
# nearly always say error or fail, start a traceback, give an exit status (the runner's own
# last word: a kill, a timeout), or a file position; a black/ruff format check says reformat,
# pip's resolver and Java say what a failure was caused by.
_NEEDLES = (b"error", b"fail", b"traceback", b"exit", b"reformat", b"caused by")
_RAW_NEEDLES = (b"##[group]Run ",)  # the command of a GitHub step: its case is its meaning
# A failed test marked by a sign, not a word (Pester's `[-] `): looked for only in a chunk that
# says fail somewhere (the runner's counts), so that a log without tests pays no pass for it.
_FAILED_TEST_NEEDLES = (b"[-] ",)
# `path:12:` / `path:12:5 `: a diagnostic's position, not a time (`12:00:00`, `eta 0:00:01`).
# The literal colon first lets the engine jump between colons; the look-behind then rejects
# a digit before it without leaving C.
_POSITION = re.compile(rb":(?<=[^\d\s:]:)\d+(?::(?:\d+:?)?[ \r\n]|(?::\d+)?\)\r?\n)")

# Scores: 3 the error itself, 2 what locates it, 1 kept only as part of a block.
ERROR, LOCATION, CONTEXT = 3, 2, 1

_EXIT = re.compile(
    r"exit(?:ed)?(?: with)? (?:code|status):? [1-9]|\bexited with [1-9]|non-zero exit (?:status|code)"
    r"|\bError [1-9]\d*\s*$"
    r"|Job failed|^Killed\b|\bcommand failed\b|exceeded the maximum execution time|\bThe operation was canceled",
    re.IGNORECASE,
)
_ERROR_LINES = re.compile(
    r"\b(?:error|fatal|panic)(?:\[[\w-]+\])?:|(?-i:\bERROR\b)|\[(?:ERROR|FATAL)\]|npm ERR!"
    r"|^\s*(?:FAILED|FAIL|ERROR)\b|^--- FAIL\b|\bBUILD FAILED\b|^FAILURE:"
    r"|^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure|Group)\b(?::|$)"
    r"|^E(?: {3}|$)|^\s*(?:The conflict is )?caused by\b|\bwould reformat\b|\bwould be reformatted\b|incorrectly sorted"
    r"|No space left on device|Could not resolve host|Temporary failure in name resolution|Name or service not known"
    r"|cannot open shared object file|Service Unavailable|Connection reset by peer|\bOut of memory\b"
    r"|^=+ .*\b\d+ (?:failed|errors?)\b.* =+$|^=+ (?:FAILURES|ERRORS|short test summary info) =+$"
    # Test runners' failure headers: Rust's panic, jest's `●`, TAP's `not ok`, Pester's `[-]`,
    # PHPUnit's `There were 2 failures:` and `FAILURES!`, rake's `rake aborted!`.
    r"|\bpanicked at\b|^\s*● |^not ok \d+|^\s*\[-\] |^There (?:were|was) \d+ (?:failures?|errors?)"
    r"|^(?:FAILURES|ERRORS)!|\baborted!|did not run successfully"
    # mocha's `2 failing` before its numbered list; a cross mark as the error's sign (xcpretty's `❌ path:1:2: x`).
    r"|^\s*\d+ failing$|❌"
    r"|^\s*\*\* \([A-Z]\w*(?:\.\w+)*\) ",  # Elixir's and Erlang's exceptions: `** (MatchError) no match`
    re.IGNORECASE,
)
_CASED_ERRORS = re.compile(r"^(?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception|Exit|Interrupt|Failure|Group)\b|^E(?: {3}|$)")
_LOCATIONS = re.compile(
    r"^\s*(?:-->\s*)?(?:[^\s:]*[^\s:\d][^\s:]*):\d+(?::\d+)?(?::|\s|$)"
    r"|Traceback \(most recent call last\):|^\s*File \"[^\"]+\", line \d+"
    r"|\bfail(?:ed|ure|ures|s)?\b|\b[1-9]\d* errors?\b"
    r"|^\s*at \S.*:\d+\)$",  # a stack frame with its position: `at f(File.java:12)`
    re.IGNORECASE,
)
_MINOR = re.compile(
    r"\b(?:warning|note|info|deprecat\w*)\b|\b0 (?:errors|failed)\b|-Werror"
    r"|\b(?:fail(?:ed|ures?)?|errors?)\s*[:=]\s*0\b",  # a run's counts that say nothing failed: `Failed: 0`
    re.IGNORECASE,
)
# A test reported passing (pytest -v, unittest -v, Pester, TAP), whatever its name says.
_PASSING = re.compile(
    r"\s(?:PASSED|SKIPPED|XFAIL)(?:\s+\[\s*\d+%\])?\s*$|\.\.\. (?:ok|skipped\b.*)$|^\s*\[\+\] |^ok \d+\b"
)
# A stack frame printed at any indentation (Java, JavaScript, C#, PowerShell): `at f (file:1)`.
_FRAME = re.compile(r"^\s*at \S")

_NO_ERRORS = re.compile(r"^\s*(?:0|no) (?:errors?|failures?)\b", re.IGNORECASE)
_TRACEBACK = re.compile(r"Traceback \(most recent call last\):")
_PYTEST_SECTIONS = re.compile(r"^=+ (?:FAILURES|ERRORS) =+$")
_PYTEST_SUMMARY = re.compile(r"^=+ short test summary info =+$")
_BANNER = re.compile(r"^=+ .* =+$|^=+$")
_TEST_HEADER = re.compile(r"^_{3,} .+ _{3,}$")
_SUMMARY_LINE = re.compile(r"^(?:FAILED|ERROR|PASSED|SKIPPED|XFAIL|XPASS)\b")
_WARNINGS_SECTION = re.compile(r"^=+ warnings summary =+$")
_CAPTURED = re.compile(r"^-+ (?:Captured|captured) .* -+$")
_COMMAND = re.compile(r"^\$ \S")
_PASSED_STEP = re.compile(r"\bexited with 0\b")  # Travis: `The command "x" exited with 0.`
_POINTER = re.compile(r"^\s*-->\s*\S+:\d+")  # `--> src/main.rs:2:5`: a code frame follows
_ITEM = re.compile(r"^\s*\d+\)(?: \S|\s*$)")  # `1) Test::x`, or mocha's bare `1) ` with its title below
_HEADER = re.compile(r"^\s*[A-Za-z][\w ]{0,40}:\s*$")  # `Failures:`, `stack backtrace:`: a list follows
_COUNTS = re.compile(r"\((?:failures|errors)=\d|\b\d+ (?:passed|failed|failures?|errors?|tests?)\b", re.IGNORECASE)
OUTPUT_TAIL = 30  # lines of a failed command's output kept, its last
_MAX_CONTINUATION = 150  # lines of an indented block kept after its error line
_MAX_TRACEBACK = 2_000  # lines: Python's own are far shorter (it folds recursion)


# pip's list of what it installed: the versions an upstream breakage is named by (diagnose/upstream.py).
_INSTALLED = re.compile(r"^\s*Successfully installed \S+-\d")


def score(text: str) -> int:
    """How much a normalised line says about a failure: ERROR, LOCATION, CONTEXT or 0."""
    if _EXIT.search(text):
        return ERROR
    if _PASSING.search(text):
        return 0
    if _INSTALLED.match(text):
        return LOCATION
    error = _ERROR_LINES.search(text) is not None and not _NO_ERRORS.match(text)
    # `warning: unused variable 'error'` is not an error; `DeprecationWarning: x` raised is.
    minor = _MINOR.search(text) is not None and not _CASED_ERRORS.match(text)
    if error and not minor:
        return ERROR
    if _LOCATIONS.search(text):
        return CONTEXT if minor else LOCATION
    return CONTEXT if error else 0


_Line = tuple[int, str, int]  # number, text, score


@dataclass
class _Block:
    """Consecutive kept lines; a long one keeps its head and its tail."""

    max_lines: int
    segment: int = 0  # the command whose output it is in (see `_Distiller.segment`)
    head: list[_Line] = field(default_factory=list)
    tail: deque[_Line] = field(default_factory=deque)
    best: int = 0
    dropped: int = 0

    def add(self, number: int, text: str, line_score: int) -> None:
        self.best = max(self.best, line_score)
        if len(self.head) < self.max_lines // 5:
            self.head.append((number, text, line_score))
            return
        self.tail.append((number, text, line_score))
        if len(self.tail) > self.max_lines - len(self.head):
            self.tail.popleft()
            self.dropped += 1

    @property
    def start(self) -> int:
        return self.head[0][0] if self.head else 0

    @property
    def end(self) -> int:
        return self.tail[-1][0] if self.tail else self.head[-1][0]

    def lines(self) -> list[_Line]:
        return [*self.head, *self.tail]

    def size(self) -> int:
        return len(self.head) + len(self.tail)


class _Distiller:
    """The streaming state: the open block, the closed ones, the recent lines."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.number = 0  # lines seen
        self.recent: deque[tuple[int, bytes]] = deque(maxlen=max(limits.before, 1))
        self.closed: list[_Block] = []
        self.closed_lines = 0
        self.block: _Block | None = None
        self.after = 0  # lines of context still to keep
        self.mode = ""  # traceback, pytest, captured, summary: lines that belong to a block
        self.mode_lines = 0  # lines in the current traceback mode
        self.command: tuple[int, str] | None = None  # the last command line seen
        self.evicted = False
        # The log as steps: each command line (`$ make`, GitHub's `Run`) starts a segment; an
        # exit status says whether it failed. The errors of a step that passed are not the cause.
        self.segment = 0
        self.failed: set[int] = set()
        self.passed: set[int] = set()
        self.output: deque[tuple[int, bytes]] = deque(maxlen=OUTPUT_TAIL)  # the segment's last lines
        # The segment's warnings with a position: the reason when the step fails with no error of its own
        # (a linter that fails on warnings).
        self.warned: deque[tuple[int, str]] = deque(maxlen=OUTPUT_TAIL)
        self.step_line = 0  # the segment's command line
        self.indent: int | None = None  # an error line's indentation, while its indented block goes on
        self.continued = 0  # lines of that block kept so far
        self.blanks = 0  # blank lines in a row inside it
        self.item = False  # inside a numbered list of failures (`1) Test::x`)
        self.frame = False  # under a `--> path:1:2` pointer: its code frame and help, up to a blank line

    # Feeding ---------------------------------------------------------------------------------

    def feed(self, block: bytes, start: int, end: int) -> None:
        """The whole lines `block[start:end]`."""
        starts = _candidates(block, start, end)
        position, index = start, 0
        while position < end:
            if not (self.after or self.mode):
                while index < len(starts) and starts[index] < position:
                    index += 1
                target = starts[index] if index < len(starts) else end
                if target > position:
                    self._skip(block, position, target)
                    position = target
                    if position >= end:
                        break
            newline = block.find(b"\n", position)
            self.number += 1
            self._line(self._raw(block[position:newline]))
            position = newline + 1

    def _raw(self, line: bytes) -> bytes:
        return _capped(line, self.limits.max_line)

    def _skip(self, block: bytes, start: int, stop: int) -> None:
        """Lines no one looks at: count them, keep the last few as context for what follows."""
        count = block.count(b"\n", start, stop)
        if not count:
            return
        self._close()
        keep = min(count, OUTPUT_TAIL)
        end = stop - 1  # the newline of the last line in the range
        lines = []
        for _ in range(keep):
            begin = block.rfind(b"\n", start, end) + 1 or start
            lines.append(block[begin:end])
            end = begin - 1
        self.number += count
        for offset, line in enumerate(reversed(lines)):
            numbered = (self.number - keep + offset + 1, self._raw(line))
            self.output.append(numbered)
            if offset >= keep - (self.recent.maxlen or 1):
                self.recent.append(numbered)

    # One line ---------------------------------------------------------------------------------

    def _line(self, raw: bytes) -> None:
        text = normalise(raw)
        if not self.mode and (text[:2] == "$ " or raw.find(b"##[group]Run ") >= 0):
            self._step(text)
        if self.mode:
            self._in_mode(text)
        else:
            self._line_outside(text, raw)
        if self.mode != "captured":  # what a section skipped (captured output, warnings) is no step's tail
            self.output.append((self.number, raw))

    def _line_outside(self, text: str, raw: bytes = b"") -> None:
        line_score = score(text)
        if line_score == CONTEXT and _LOCATIONS.match(text):
            self.warned.append((self.number, text))
        if line_score >= LOCATION:
            self._keep(text, line_score)
        elif self.after:
            if not _PASSING.search(text):  # a test that passed is no context of a failure
                self._add(text, CONTEXT)
            if self._continues(text):
                self.continued += 1
            else:
                self.after -= 1
        else:
            if _PASSED_STEP.search(text):
                self.passed.add(self.segment)
            self._remember(raw or text.encode(), text)

    def _continues(self, text: str) -> bool:
        """Whether a context line goes on the error's block: an indented listing under it
        (a backtrace, a test's failure message, an assertion's diff) or under a `Header:`."""
        if self.continued >= _MAX_CONTINUATION:
            return False
        if self.frame:  # rustc's and ruff's code frame and its help go on to the blank line after them
            self.frame = bool(text.strip())
            return self.frame
        if _FRAME.match(text):  # a stack at the margin (PowerShell, some Java loggers) is still the error's
            return True
        outside = self.indent is None or _indentation(text) <= self.indent
        if outside and _HEADER.match(text):  # `stack backtrace:`, `Failures:`: a listing follows
            self.indent, self.blanks = _indentation(text), 0
            return True
        if self.indent is None:
            return False
        if not text.strip():
            self.blanks += 1
            return self.blanks <= 2
        if outside and _ITEM.match(text):  # `1) Test::x` of PHPUnit, ExUnit, RSpec: one failure of the list
            self.item, self.blanks = True, 0
            return True
        went_on = self.item and not self.blanks  # the lines of an item, up to the blank line after it
        self.blanks = 0
        if _indentation(text) > self.indent or went_on:
            return True
        self.indent, self.item = None, False
        return False

    def _step(self, text: str) -> None:
        """A command line: the output that follows is a new step's."""
        self._close()
        self.segment += 1
        self.output.clear()
        self.warned.clear()
        self.command = (self.number, text)
        self.step_line = self.number

    def _failed_step(self) -> None:
        """An exit status: the step failed; its output's last lines are kept as a block."""
        if self.segment in self.failed:
            return
        self.failed.add(self.segment)
        # Where the step printed errors of its own, its last lines rank below them.
        told = any(
            block.segment == self.segment and block.best >= ERROR and block.start != self.step_line
            for block in self.closed
        )
        output = _Block(self.limits.max_lines, self.segment)
        for number, raw in self.output:
            text = normalise(raw)
            if text and number < self.number and not _PASSING.search(text):
                output.add(number, text, CONTEXT if told else LOCATION)
        if output.size():
            self._store(output)
        if not told and self.warned:
            warnings = _Block(self.limits.max_lines, self.segment)
            for number, text in self.warned:
                warnings.add(number, text, LOCATION)
            self._store(warnings)

    def _keep(self, text: str, line_score: int) -> None:
        """An error line: open a block (with the lines before it) unless one is open."""
        if self.block is None:
            self.block = _Block(self.limits.max_lines, self.segment)
            for number, raw in self.recent:
                if not _PASSING.search(context := normalise(raw)):
                    self.block.add(number, context, CONTEXT)
        self.recent.clear()
        self.block.add(self.number, text, line_score)
        self.after = max(self.after, self.limits.after)
        if _COUNTS.search(text):
            self.indent = None  # a run's summary closes it: what follows is not its listing
        elif self.indent is None or _indentation(text) <= self.indent:
            self.indent, self.continued, self.blanks = _indentation(text), 0, 0
        if _POINTER.match(text):
            self.frame = True
        if _EXIT.search(text):
            self._with_command()
            self._failed_step()
        if _TRACEBACK.search(text):
            self.mode, self.mode_lines = "traceback", 0
        elif _PYTEST_SECTIONS.match(text):
            self.mode = "pytest"
        elif _PYTEST_SUMMARY.match(text):
            self.mode = "summary"

    def _add(self, text: str, line_score: int) -> None:
        if self.block is None:
            self.block = _Block(self.limits.max_lines, self.segment)
        self.block.add(self.number, text, line_score)

    def _remember(self, raw: bytes, text: str) -> None:
        self._close()
        if raw.find(b"##[group]Run ") >= 0 or _COMMAND.match(text):
            self.command = (self.number, text)
        self.recent.append((self.number, raw))

    def _in_mode(self, text: str) -> None:
        """A line inside a traceback or a pytest section: it belongs to the block."""
        if self.mode == "traceback":
            self.mode_lines += 1
            if self.mode_lines > _MAX_TRACEBACK:
                self.mode = ""  # not a traceback after all: an indented listing
                self._line_outside(text)
            elif text[:1] not in (" ", "\t", "") and not _TRACEBACK.search(text):
                self.mode = ""  # the exception line ends the traceback
                self._keep(text, ERROR)
            else:
                self._add(text, LOCATION)
            return
        if _BANNER.match(text) or (_TEST_HEADER.match(text) and self.mode != "summary"):
            self._section_boundary(text)
        elif self.mode == "summary" and not _SUMMARY_LINE.match(text):
            self.mode = ""  # `pytest -q` ends its summary with the counts, no banner
            self._line_outside(text)
        elif self.mode == "captured":
            return  # a test's captured output: rarely the cause, often long
        elif _CAPTURED.match(text):
            self.mode = "captured"
        else:
            self._add(text, max(score(text), CONTEXT))

    def _section_boundary(self, text: str) -> None:
        if _WARNINGS_SECTION.match(text):  # pytest's warnings: what passed printed, not why it failed
            self._close()
            self.mode = "captured"
            return
        if _TEST_HEADER.match(text):
            self._close()
            self.mode = "pytest"
            self._add(text, ERROR)
            return
        self.mode = ""
        self._close()
        self._keep(text, max(score(text), LOCATION))

    def _with_command(self) -> None:
        """An exit status: keep the command that exited, when it is far above."""
        if self.command is None or self.block is None or self.command[0] >= self.block.start:
            return
        number, text = self.command
        command = _Block(self.limits.max_lines, self.segment)
        command.add(number, text, ERROR)
        self._store(command)
        self.command = None

    def _close(self) -> None:
        if self.block is not None:
            self._store(self.block)
            self.block = None
        self.after = 0
        self.indent = None
        self.item = False
        self.frame = False

    def _store(self, block: _Block) -> None:
        """Keep a closed block; past the memory budget, drop the least telling older block."""
        self.closed.append(block)
        self.closed_lines += block.size()
        budget = 4 * self.limits.max_lines
        while self.closed_lines > budget and len(self.closed) > 2:
            # The last two blocks (how the job ended) are never dropped.
            victim = min(self.closed[:-2], key=lambda b: (b.best, -b.start))
            self.closed.remove(victim)
            self.closed_lines -= victim.size()
            self.evicted = True

    # The excerpt ------------------------------------------------------------------------------

    def excerpt(self, redactor: Redactor) -> Excerpt:
        self._close()
        blocks = self.closed or self._tail_block()
        # Segment 0 is the log before any command line: no step is known there.
        tiers = {segment: 0 for segment in self.failed if segment}
        tiers |= {segment: 2 for segment in self.passed - self.failed}
        chosen, truncated = _choose(blocks, self.limits, redactor, tiers)
        return Excerpt(
            text="\n".join(text for _, text in chosen),
            lines=tuple(number for number, _ in chosen),
            truncated=truncated or self.evicted or any(_CUT_MARK.search(text) for _, text in chosen),
            total_lines=self.number,
        )

    def _tail_block(self) -> list[_Block]:
        """No error line anywhere: the last lines are the best guess."""
        block = _Block(self.limits.max_lines)
        for number, raw in self.recent:
            block.add(number, normalise(raw), CONTEXT)
        return [block] if block.size() else []


def _candidates(block: bytes, start: int, end: int) -> list[int]:
    """The start offsets of the lines in `block[start:end]` worth a closer look."""
    lower = block.lower()
    starts: set[int] = set()
    said = {needle for needle in _NEEDLES if _hits(lower, needle, start, end, starts)}
    for needle in _RAW_NEEDLES:
        _hits(block, needle, start, end, starts)
    if b"fail" in said:  # a runner that marks a test failed also counts it
        for needle in _FAILED_TEST_NEEDLES:
            _hits(block, needle, start, end, starts)
    for match in _POSITION.finditer(block, start, end):
        starts.add(block.rfind(b"\n", start, match.start()) + 1 or start)
    starts.update(_commands(block, start, end))
    return sorted(starts)


def _hits(haystack: bytes, needle: bytes, start: int, end: int, starts: set[int]) -> bool:
    """Add the start of each line of `haystack[start:end]` that holds `needle`; whether one did."""
    found = first = haystack.find(needle, start, end)
    while found >= 0:
        starts.add(haystack.rfind(b"\n", start, found) + 1 or start)
        # On from the next line: one hit per line is enough (the lines end with a newline).
        found = haystack.find(needle, haystack.find(b"\n", found) + 1, end)
    return first >= 0


def _commands(block: bytes, start: int, end: int) -> Iterator[int]:
    """The lines that may be a Travis or GitLab job's command, `$ make test`: a `$` and a space
    at the line's start or after the colour or erase code the runner prints before it. One
    byte is the fastest search there is (memchr); `$` elsewhere costs a look at two bytes."""
    found = block.find(b"$", start, end)
    while found >= 0:
        if block[found + 1 : found + 2] == b" " and (found == start or block[found - 1] in _BEFORE_PROMPT):
            yield block.rfind(b"\n", start, found) + 1 or start
        found = block.find(b"$", found + 1, end)


_BEFORE_PROMPT = frozenset(b"\nKm")  # a line's start, `ESC[0K` (Travis), `ESC[32;1m` (GitLab)


def _choose(
    blocks: list[_Block], limits: Limits, redactor: Redactor, tiers: dict[int, int]
) -> tuple[list[tuple[int, str]], bool]:
    """The blocks' lines that fit the limits, in passes over the blocks by rank (the last
    block first, then those of a step that failed, then the most telling, then the
    earliest; a step that passed last): first the blocks of the failed steps whole, while
    they fit (a long failure block before shorter context); then each block's error lines,
    so that every failure is named; then their context, from the end of each block (a
    traceback's end is its exception) backwards. `tiers` ranks a block by its step: 0 failed,
    1 unknown, 2 passed."""
    if not blocks:
        return [], False  # an empty log
    rank = [tiers.get(block.segment, 1) for block in blocks]
    order = sorted(range(len(blocks) - 1), key=lambda i: (rank[i], -blocks[i].best, blocks[i].start))
    ranked = [blocks[-1], *(blocks[i] for i in order)]
    ranks = [rank[-1], *(rank[i] for i in order)]
    budget = _Budget(limits.max_lines, limits.max_bytes)
    texts = [_redacted(block.lines(), redactor) for block in ranked]
    # Empty lines say nothing: they are taken last, where there is room, between lines taken. A
    # line of indentation only is a blank line of a listing (pytest's source, bold): part of it.
    said = [[line for line in lines if line[1]] for lines in texts]
    for lines, tier in zip(said, ranks, strict=True):
        if tier == 0:
            for number, text, line_score in lines:
                if line_score >= ERROR:
                    budget.take(number, text)
    for lines, tier in zip(said, ranks, strict=True):
        if tier == 0:
            budget.take_all(lines)
    _blanks_between(texts, budget)  # a block taken whole keeps its shape
    for lines, tier in zip(said, ranks, strict=True):
        for number, text, line_score in lines:
            if (line_score >= ERROR and tier < 2) or number == lines[0][0]:
                budget.take(number, text)
    for lines in said:
        if not budget.take_all(lines):
            for number, text, _ in reversed(lines):
                budget.take(number, text)
    _blanks_between(texts, budget)
    # Blocks overlap (a failed step's last lines hold lines of its other blocks): count lines once.
    wanted = {number for lines in texts for number, _, _ in lines}
    truncated = any(block.dropped for block in ranked) or len(budget.chosen) < len(wanted)
    return sorted(budget.chosen.items()), truncated


def _blanks_between(texts: list[list[_Line]], budget: _Budget) -> None:
    """The blank lines of the blocks whose lines above and below are taken, where there is room."""
    for lines in texts:
        for index, (number, text, _) in enumerate(lines):
            if not text.strip() and number - 1 in budget.chosen and _next_taken(lines, index, budget):
                budget.take(number, text)


def _next_taken(lines: list[_Line], index: int, budget: _Budget) -> bool:
    for number, text, _ in lines[index + 1 :]:
        if text.strip():
            return number in budget.chosen
    return False


class _Budget:
    """The lines chosen so far, within a number of lines and bytes."""

    def __init__(self, lines: int, size: int) -> None:
        self.lines_left, self.bytes_left = lines, size
        self.chosen: dict[int, str] = {}

    def take(self, number: int, text: str) -> bool:
        if number in self.chosen:
            return True
        size = len(text.encode("utf-8")) + 1
        if self.lines_left < 1 or size > self.bytes_left:
            return False
        self.chosen[number] = text
        self.lines_left, self.bytes_left = self.lines_left - 1, self.bytes_left - size
        return True

    def take_all(self, lines: list[_Line]) -> bool:
        new = [(number, text) for number, text, _ in lines if number not in self.chosen]
        size = sum(len(text.encode("utf-8")) + 1 for _, text in new)
        if len(new) > self.lines_left or size > self.bytes_left:
            return False
        for number, text in new:
            self.take(number, text)
        return True


def _indentation(text: str) -> int:
    return len(text) - len(text.lstrip())


def _redacted(lines: list[_Line], redactor: Redactor) -> list[_Line]:
    # Redacted as one text, so a private key over several lines is seen whole; the
    # redactor keeps the number of lines.
    texts = redactor.redact("\n".join(text for _, text, _ in lines)).split("\n")
    return [(number, text, line_score) for (number, _, line_score), text in zip(lines, texts, strict=True)]
