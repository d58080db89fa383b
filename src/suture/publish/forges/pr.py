"""The text of a pull request: the composed body plus risk flags, an apply command, the
failing run and the fingerprint marker, made safe for a forge's markdown renderer; and
the commit message that carries it, so `suture propose` can open the PR from the commit alone.

Output channels carry no images, no raw HTML and no links to hosts other than the
forge's and the CI's: outside code blocks these are removed or defused. Text inside
fenced code blocks is shown literally by every forge, so it is left as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from suture import diffpaths
from suture.publish.compose import MAX_BODY
from suture.records import Proposal
from suture.run.git import BRANCH_PREFIX, TRAILER
from suture.untrusted import code_span, invisible_gone

FINGERPRINT_TRAILER = "Suture-Fingerprint"
DEPENDENCY_FILES = re.compile(
    r"(^|/)(pyproject\.toml|setup\.py|setup\.cfg|requirements[^/]*\.(txt|in)|constraints[^/]*\.txt"
    r"|Pipfile(\.lock)?|poetry\.lock|uv\.lock|pdm\.lock|environment\.ya?ml)$"
)
CI_FILES = re.compile(r"^(\.github/|\.gitlab-ci\.yml$|\.gitlab/|\.semaphore/|\.circleci/)")
LARGE_DIFF = 40  # changed lines; more than this is flagged for a careful review


def marker(fingerprint: str) -> str:
    """The last line of every suture PR body (and a trailer of its commit): how suture finds its PRs."""
    return f"{FINGERPRINT_TRAILER}: {fingerprint}"


def has_marker(body: str, fingerprint: str) -> bool:
    return marker(fingerprint) in (line.strip() for line in body.splitlines())


def changed_paths(patch: str) -> tuple[str, ...]:
    """The files the patch changes, git's C-quoted names decoded."""
    return diffpaths.touched(patch)


def risks(patch: str) -> tuple[str, ...]:
    """What a reviewer should look at twice; empty for a small change to source files."""
    paths = changed_paths(patch)
    changed = sum(1 for line in patch.splitlines() if line[:1] in "+-" and not line.startswith(("+++", "---")))
    found = [f"touches dependencies: {code_span(p)}" for p in paths if DEPENDENCY_FILES.search(p)]
    found += [f"touches CI configuration: {code_span(p)}" for p in paths if CI_FILES.search(p)]
    if changed > LARGE_DIFF:
        found.append(f"large diff: {changed} changed lines")
    return tuple(found)


@dataclass(frozen=True)
class Text:
    """A pull request's title and body, ready to send."""

    title: str
    body: str


def compose(proposal: Proposal, *, run_url: str = "", hosts: tuple[str, ...] = ()) -> Text:
    """The PR text for `proposal`; links may point only at `hosts` (the forge's, the CI's)."""
    flags = risks(proposal.patch)
    extra = [
        "### Risk",
        "\n".join(f"- {flag}" for flag in flags) if flags else "- none flagged: a small change to source files",
        "",
        "### Apply locally",
        "```sh",
        f"git fetch origin {proposal.branch} && git cherry-pick FETCH_HEAD",
        "```",
    ]
    if run_url:
        extra += ["", f"Failing run: {run_url}"]
    allowed = (*hosts, *([urlsplit(run_url).hostname or ""] if run_url else []))
    body = sanitise(proposal.body.rstrip() + "\n\n" + "\n".join(extra), allowed)
    return Text(title=one_line(proposal.title), body=_capped(body) + "\n\n" + marker(proposal.fingerprint))


def one_line(title: str) -> str:
    return sanitise(" ".join(invisible_gone(title).split()), ())[:200]


def _capped(body: str) -> str:
    """`body` within the forge's limit, cut at a line and with any open code block closed."""
    limit = MAX_BODY - 200  # room for the marker and the note
    if len(body) <= limit:
        return body
    kept = body[:limit].rsplit("\n", 1)[0]
    fence = _open_fence(kept)
    return kept + (f"\n{fence}" if fence else "") + "\n\n(truncated: the full evidence is in the commit and the CI log)"


_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


def _open_fence(text: str) -> str:
    fence = ""
    for line in text.splitlines():
        match = _FENCE.match(line)
        if match and not fence:
            fence = match.group(1)
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            fence = ""
    return fence


_COMMENT = re.compile(r"<!--.*?(-->|$)", re.DOTALL)
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]*)[^)]*\)")
_REFERENCE = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$")
_URL = re.compile(r"\b[a-zA-Z][a-zA-Z0-9+.-]*://[^\s)>\]`]+")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# An @mention outside code notifies a user or a whole team: shown as code, it is only text.
_MENTION = re.compile(r"(?<![\w`@])@[A-Za-z0-9][\w.-]*(?:/[\w.-]+)?")


def sanitise(markdown: str, hosts: tuple[str, ...]) -> str:
    """`markdown` without images, raw HTML or links to other hosts, outside code blocks."""
    out: list[str] = []
    fence = ""
    for line in _COMMENT.sub("", markdown).splitlines():
        match = _FENCE.match(line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = ""
            out.append(line)
        elif match:
            fence = match.group(1)
            out.append(line)
        else:
            out.append(_line(line, hosts))
    return "\n".join(out)


def _line(line: str, hosts: tuple[str, ...]) -> str:
    if _REFERENCE.match(line):
        return ""
    parts = _CODE_SPAN.split(line)
    # split() yields text, (ticks, code), text, ...: sanitise only the text outside code spans.
    pieces = []
    for index in range(0, len(parts), 3):
        pieces.append(_prose(parts[index], hosts))
        if index + 2 < len(parts):
            pieces.append(parts[index + 1] + parts[index + 2] + parts[index + 1])
    return "".join(pieces)


def _prose(text: str, hosts: tuple[str, ...]) -> str:
    text = _IMAGE.sub(lambda m: f"(image removed: {m.group(1)})" if m.group(1) else "(image removed)", text)
    text = _LINK.sub(lambda m: m.group(0) if _allowed(m.group(2), hosts) else m.group(1), text)
    text = _URL.sub(lambda m: m.group(0) if _allowed(m.group(0), hosts) else f"`{m.group(0)}`", text)
    parts = re.split(r"(`[^`]*`)", text)  # the URLs just put in code stay as they are
    text = "".join(
        part if index % 2 else _MENTION.sub(lambda m: code_span(m[0]), part) for index, part in enumerate(parts)
    )
    return text.replace("<", "&lt;").replace(">", "&gt;")


def _allowed(url: str, hosts: tuple[str, ...]) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and parts.hostname in hosts


def commit_message(text: Text, fingerprint: str) -> str:
    """The commit of a forge proposal: the PR title, the PR body, then the trailers.

    `suture propose` reads everything back from this message: no cache between jobs.
    """
    body = text.body.removesuffix(marker(fingerprint)).rstrip()
    return f"{text.title}\n\n{body}\n\n{marker(fingerprint)}\n{TRAILER}\n"


@dataclass(frozen=True)
class FromCommit:
    text: Text
    fingerprint: str
    branch: str


def from_commit(message: str) -> FromCommit | None:
    """What `commit_message` wrote, or None when the commit is not a suture forge proposal."""
    lines = message.rstrip("\n").splitlines()
    if len(lines) < 3 or lines[-1].strip() != TRAILER or not lines[-2].startswith(f"{FINGERPRINT_TRAILER}: "):
        return None
    fingerprint = lines[-2].split(":", 1)[1].strip()
    if not re.fullmatch(r"[0-9a-zA-Z_-]+", fingerprint):
        return None
    body = "\n".join(lines[2:-2]).strip()
    text = Text(title=lines[0].strip(), body=f"{body}\n\n{marker(fingerprint)}")
    return FromCommit(text=text, fingerprint=fingerprint, branch=f"{BRANCH_PREFIX}{fingerprint}")
