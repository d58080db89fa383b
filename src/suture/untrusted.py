"""Untrusted text stays data: what a repository wrote, on its way to a trusted place.

File names, test ids, error types and messages come from the repository and its output
(docs/security.md: "text that escapes its frame"). Where such text lands in a place suture
owns — a heading of the model's prompt, a terminal, a pull request's title or body, a
commit message — it goes through one of these:

- `invisible_gone`: no zero-width, bidi-override or control characters (an escape sequence
  loses its ESC and prints as harmless text); tabs and newlines stay.
- `one_line`: the same, on one line (newlines shown as `⏎`), cut to a length: for headings,
  titles and table cells, where a newline would start a heading or a list of its own.
- `code_span`: Markdown inline code whose fence is longer than any run of backticks inside,
  so nothing in it renders: no link, image, HTML or `@mention`.
"""

from __future__ import annotations

import re

# Zero-width and bidi controls (Trojan Source, CVE-2021-42574), the BOM, and the C0/C1
# controls other than tab and newline: none of them prints anything a reader sees.
_INVISIBLE = dict.fromkeys(
    [
        *range(0x00, 0x09),
        *range(0x0B, 0x20),
        0x7F,
        *range(0x80, 0xA0),
        0x061C,
        0x180E,
        *range(0x200B, 0x2010),
        *range(0x2028, 0x202F),  # line and paragraph separators too: they break a line
        *range(0x2060, 0x2065),
        *range(0x2066, 0x206A),
        0xFEFF,
    ]
)
_BACKTICKS = re.compile(r"`+")
NEWLINE_SHOWN = "\u23ce"


def invisible_gone(text: str) -> str:
    """`text` without zero-width, bidi-override and control characters (tabs and newlines stay)."""
    return text.translate(_INVISIBLE)


def one_line(text: str, limit: int = 200) -> str:
    """`text` cleaned and on one line, at most `limit` characters (an ellipsis shows a cut)."""
    flat = invisible_gone(text).replace("\r\n", "\n").replace("\r", "\n").replace("\n", NEWLINE_SHOWN)
    return flat if len(flat) <= limit else flat[: limit - 1] + "\u2026"


def code_span(text: str, limit: int = 200) -> str:
    """`text` as Markdown inline code on one line: rendered as typed, whatever it holds."""
    flat = one_line(text, limit)
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") or not flat.strip() else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
