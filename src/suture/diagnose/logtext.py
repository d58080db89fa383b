"""One log line as a person reads it: the CI's and the terminal's decorations removed.

    normalise(raw: bytes | str) -> str

A CI log is the tool's output seen through a terminal and a CI runner. Each adds its own
bytes, and the parsers must see what the tool printed:

- the runner's timestamp prefix (GitHub Actions `2024-05-01T12:00:00.1234567Z `, GitLab's
  `2024-05-01T12:00:00.123456Z 00O `, Jenkins' timestamper `[2024-05-01T12:00:00.123Z] `);
- ANSI escape sequences (colours, cursor moves, OSC hyperlinks and titles);
- carriage-return redraws: a progress bar rewrites its line with `\\r`; what remains on the
  screen is the text after the last `\\r` (CRLF line ends are not redraws);
- Travis CI's `travis_time:start:id` / `travis_fold:end:name` markers;
- GitHub's workflow commands (`##[group]Run pytest`, `##[endgroup]`, `##[error]msg`) and
  GitLab's `section_start:<time>:<name>` / `section_end:` markers;
- bytes that are not UTF-8 (decoded with U+FFFD), other control characters, and the
  zero-width and bidirectional-override characters that can hide text from a reviewer
  (docs/security.md: prompt injection).

`##[error]x` becomes `Error: x` and `##[warning]x` `Warning: x`: that is how GitHub shows
them, and it keeps an annotation's text findable as an error line.
"""

from __future__ import annotations

import re

from suture.untrusted import invisible_gone

# CSI (`ESC [ ... final`), OSC (`ESC ] ... BEL` or `ESC ] ... ESC \`), and two-byte escapes.
_ANSI = re.compile(r"\x1b(?:\[[0-9;:?<=>!]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_TIMESTAMP = re.compile(
    r"^\[?\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?\]?"
    r"(?: \d\d[OE]\+?)?(?: |$)"  # GitLab's stream and continuation flag after its timestamp
)
_SECTION = re.compile(r"section_(?:start|end):\d+:[\w.-]+(?:\[[^\]]*\])?")
_COMMAND = re.compile(r"^##\[(?P<name>[a-z]+)\](?P<text>.*)$", re.DOTALL)
_SHOWN_AS = {"error": "Error: ", "warning": "Warning: ", "notice": "Notice: "}
# Travis CI's timing and folding markers, glued to the text of the line they share.
_TRAVIS = re.compile(
    r"travis_(?:time:(?:start:\w+|end:\w+:start=\d+,finish=\d+,duration=\d+)|fold:(?:start|end):[\w.-]+)"
)


def decode(raw: bytes) -> str:
    """UTF-8 text of `raw`; bytes that are not UTF-8 become U+FFFD."""
    return raw.decode("utf-8", errors="replace")


def normalise(raw: bytes | str) -> str:
    """The line as it reads on screen, without the CI's and the terminal's decorations.

    `raw` is one line, with or without its line end.
    """
    text = decode(raw) if isinstance(raw, bytes) else raw
    text = text.rstrip("\n").removesuffix("\r")
    if "\x1b" in text:
        text = _ANSI.sub("", text)
    text = _TIMESTAMP.sub("", text, count=1)
    if "\r" in text:
        text = _last_redraw(text)
    if "section_" in text:
        text = _SECTION.sub("", text)
    if "travis_" in text:
        text = _TRAVIS.sub("", text)
    if text.startswith("##["):
        text = _workflow_command(text)
    return strip_invisible(text)


def strip_invisible(text: str) -> str:
    """`text` without zero-width, bidi-override and control characters (tabs and newlines stay)."""
    return invisible_gone(text)


def _last_redraw(text: str) -> str:
    # A trailing `\r` erases nothing by itself; the last segment with text is what shows.
    for segment in reversed(text.split("\r")):
        if segment.strip():
            return segment
    return ""


def _workflow_command(text: str) -> str:
    match = _COMMAND.match(text)
    if not match:
        return text
    name = match["name"]
    if name == "group":
        return match["text"]
    if name in _SHOWN_AS:
        return _SHOWN_AS[name] + match["text"]
    return "" if name == "endgroup" else match["text"]
