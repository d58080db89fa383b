"""pip's install and resolution errors as `Failure` records.

    parse(text, root=..., check=...) -> [Failure]

Kind "install-error", one Failure per problem, with pip's own words as error type:

- `no-matching-distribution`: `ERROR: Could not find a version that satisfies the
  requirement x==2.0 (from versions: 1.0, 1.1)` and `ERROR: No matching distribution found
  for x==2.0` (one failure for the pair);
- `ResolutionImpossible`: `ERROR: Cannot install a and b because these package versions
  have conflicting dependencies.`, with `The conflict is caused by:` lines as excerpt;
- `build-failed`: `ERROR: Failed building wheel for x` / `Failed to build x`;
- `install-failed`: `ERROR: Could not install packages due to an OSError: ...`.

The warnings pip printed while it retried (`WARNING: Retrying ... after connection broken
by ...`) go into the excerpt of the failure they preceded: with `(from versions: none)` they
tell an index outage (environment) from a requirement that does not exist (code).
"""

from __future__ import annotations

import re

from suture.diagnose.fingerprint import failure_fingerprint
from suture.diagnose.parsers.common import cap, strip_ansi
from suture.records import Failure

TOOL = "pip"
SIGN = re.compile(  # what its failing output shows, for a log whose command says nothing
    r"^ERROR: (?:Could not find a version|No matching distribution|Cannot install|ResolutionImpossible"
    r"|Failed building wheel|Could not install packages)",
    re.MULTILINE,
)
_NO_VERSION = re.compile(r"^ERROR: Could not find a version that satisfies the requirement (?P<req>\S+)")
_NO_MATCH = re.compile(r"^ERROR: No matching distribution found for (?P<req>\S+)")
_CONFLICT = re.compile(r"^ERROR: Cannot install (?P<what>.+?) because these package versions have conflicting")
_IMPOSSIBLE = re.compile(r"^ERROR: ResolutionImpossible")
_BUILD = re.compile(r"^(?:ERROR: )?Failed (?:building wheel for|to build) (?P<what>.+?)\s*$")
_OSERROR = re.compile(r"^ERROR: Could not install packages due to an? (?P<what>\w+): (?P<message>.*)$")
_WARNING = re.compile(r"^WARNING: (?:Retrying|Location)")


def parse(text: str, *, root: str, check: str) -> list[Failure]:
    lines = strip_ansi(text).splitlines()
    found: dict[tuple[str, str], Failure] = {}
    warnings: list[str] = []
    for index, line in enumerate(lines):
        if _WARNING.match(line):
            warnings.append(line)
            continue
        problem = _problem(line, lines, index)
        if problem and problem[:2] not in found:
            error_type, subject, message, excerpt = problem
            found[(error_type, subject)] = _failure(error_type, subject, message, [*warnings, *excerpt], check)
    return list(found.values())


def _problem(line: str, lines: list[str], index: int) -> tuple[str, str, str, list[str]] | None:
    """(error type, subject, message, excerpt lines) of a line that says what failed."""
    if match := _NO_VERSION.match(line) or _NO_MATCH.match(line):
        following = [x for x in lines[index : index + 2] if _NO_MATCH.match(x) or _NO_VERSION.match(x)]
        return "no-matching-distribution", match["req"], line.removeprefix("ERROR: "), following
    if match := _CONFLICT.match(line):
        # One failure with the ResolutionImpossible line below it: the subject is the resolution.
        return "ResolutionImpossible", "", line.removeprefix("ERROR: "), _conflict(lines, index)
    if _IMPOSSIBLE.match(line):
        return "ResolutionImpossible", "", line.removeprefix("ERROR: "), _conflict(lines, index)
    if match := _BUILD.match(line):
        return "build-failed", match["what"], line.removeprefix("ERROR: "), lines[max(0, index - 10) : index + 1]
    if match := _OSERROR.match(line):
        return "install-failed", match["what"], match["message"], [line]
    return None


def _conflict(lines: list[str], index: int) -> list[str]:
    """From `The conflict is caused by:` above the error down to the error."""
    start = index
    while start > 0 and index - start < 30 and not lines[start].startswith("The conflict is caused by"):
        start -= 1
    if not lines[start].startswith("The conflict is caused by"):
        start = index
    return lines[start : index + 1]


def _failure(error_type: str, subject: str, message: str, excerpt: list[str], check: str) -> Failure:
    return Failure(
        tool=TOOL,
        kind="install-error",
        check=check,
        error_type=error_type,
        message=message,
        test_ids=(),
        frames=(),
        excerpt=cap("\n".join(excerpt)),
        fingerprint=failure_fingerprint(
            tool=TOOL, error_type=error_type, message=message, location=subject, test_ids=()
        ),
    )
