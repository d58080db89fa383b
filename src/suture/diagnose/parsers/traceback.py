"""Plain Python tracebacks (a script, a CLI, an import that crashed) as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

One Failure per uncaught exception. A chain (`During handling of the above exception,
another exception occurred:` / `The above exception was the direct cause of the following
exception:`) is one failure, the last exception of it: the one that ended the program. Its
frames are the repository's (see `pytest.read_traceback`); a SyntaxError's points at the
caret, with a column.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.parsers.common import cap, strip_ansi
from suture.diagnose.parsers.pytest import read_traceback
from suture.records import Failure

TOOL = "python"
SIGN = re.compile(r"Traceback \(most recent call last\):")  # what an uncaught exception leaves in a log
_START = re.compile(r"^(?P<indent>\s*)(?:\+ Exception Group )?Traceback \(most recent call last\):\s*$")
_CHAIN = (
    "During handling of the above exception, another exception occurred:",
    "The above exception was the direct cause of the following exception:",
)


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    """Every uncaught exception in `text`, in order."""
    return [_failure(chain, root=root, check=check) for chain in chains(strip_ansi(text).splitlines())]


def chains(lines: list[str]) -> Iterator[list[str]]:
    """The lines of each traceback chain: from its first `Traceback` to its last exception line."""
    index = 0
    while index < len(lines):
        start = _START.match(lines[index])
        if not start:
            index += 1
            continue
        begin = index
        index = _end_of_traceback(lines, index + 1, len(start["indent"]))
        while True:  # further tracebacks of the same chain
            after = index
            while after < len(lines) and not lines[after].strip():
                after += 1
            if after < len(lines) and lines[after].strip() in _CHAIN:
                following = after + 1
                while following < len(lines) and not lines[following].strip():
                    following += 1
                if following < len(lines) and (again := _START.match(lines[following])):
                    index = _end_of_traceback(lines, following + 1, len(again["indent"]))
                    continue
            break
        yield lines[begin:index]


def _end_of_traceback(lines: list[str], index: int, indent: int) -> int:
    """The index after the exception line that ends the traceback whose frames start at `index`."""
    while index < len(lines):
        line = lines[index]
        depth = len(line) - len(line.lstrip())
        index += 1
        if line.strip() and depth <= indent and not line.lstrip().startswith(("|", "+")):
            break  # the first line back at the traceback's margin is the exception
    # An exception message may go on over several lines; they end at a blank line.
    while index < len(lines) and lines[index].strip() and not _START.match(lines[index]):
        if lines[index].strip() in _CHAIN:
            break
        index += 1
    return index


def _failure(lines: list[str], *, root: str, check: str) -> Failure:
    traceback = read_traceback("\n".join(lines), root=root)
    location = traceback.frames[-1].path if traceback.frames else ""
    return Failure(
        tool=TOOL,
        kind="exception",
        check=check,
        error_type=traceback.error_type,
        message=traceback.message,
        test_ids=(),
        frames=traceback.frames,
        excerpt=cap("\n".join(lines)),
        fingerprint=failure_fingerprint(
            tool=TOOL, error_type=traceback.error_type, message=traceback.message, location=location, test_ids=()
        ),
    )
