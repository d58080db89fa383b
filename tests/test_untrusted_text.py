"""Untrusted text stays data (docs/security.md, class 8): a test id, an error type and message, a path,
a command and a rationale written by a hostile repository reach the pull request's title and body,
the commit message and the terminal as inert text.

The body is rendered by a real CommonMark renderer (markdown-it, with tables) and judged on its HTML:
no link to a foreign host, no image, no HTML element, no heading but suture's own, and every
`@team` inside <code>. The terminal's bytes are judged as a terminal would read them: no escape
sequence suture did not write itself (rich's own colour codes are CSI `m`), no OSC-8 link, no
carriage return, and rich's `[markup]` printed as typed.
"""

from __future__ import annotations

import io
import re

import pytest
from markdown_it import MarkdownIt
from rich.console import Console

from suture.cli import output, render
from suture.loop.heal import Outcome
from suture.publish import compose
from suture.publish.forges import pr
from suture.records import Build, Candidate, CheckRun, Diagnosis, Failure, Frame, Proposal, Published, Verdict

OSC8 = "\x1b]8;;http://evil\x1b\\"
HOSTILE = (
    "`` @team [link](http://evil) <img src=x onerror=alert(1)> [bold]markup[/bold]\n"
    f"## heading\n{OSC8}click{OSC8} \r\x1b[2Jcleared @org/team ![i](http://evil/i.png)"
)
TEST_ID = f"tests/test_calc.py::test_add[`{HOSTILE}`]"
PATH = f"src/`calc`{HOSTILE}.py"
COMMAND = f"python -m pytest -k '{HOSTILE}' | tee"
ERROR = f"Error`@team`{OSC8}\n## heading"


def _check(exit_code: int) -> CheckRun:
    return CheckRun(command=COMMAND, exit_code=exit_code, seconds=0.5, timed_out=False, output="")


def _records() -> tuple[Build, Diagnosis, Verdict]:
    failure = Failure(
        tool="pytest",
        kind="test-failure",
        check=COMMAND,
        error_type=ERROR,
        message=HOSTILE,
        test_ids=(TEST_ID,),
        frames=(Frame(PATH, 3, "add"),),
        excerpt="",
        fingerprint="abc123",
    )
    diagnosis = Diagnosis(classification="code", failures=(failure,), suspects=(), fingerprint="abc123")
    candidate = Candidate(
        origin="rename",
        diff=f"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-a\n+b {OSC8}\n",
        rationale=HOSTILE,
        fingerprint="abc123",
    )
    verdict = Verdict(candidate, True, f"verified; {HOSTILE}", (_check(1),), (_check(0),), 1, 1, 1.0)
    return Build(repo="/repo", base_sha="0" * 40, checks=(_check(1),)), diagnosis, verdict


def _pull_request() -> tuple[Proposal, pr.Text]:
    build, diagnosis, verdict = _records()
    proposal = compose.propose(build, diagnosis, verdict)
    return proposal, pr.compose(proposal, hosts=("forge.test",))


def _html(markdown: str) -> str:
    html: str = MarkdownIt("commonmark").enable("table").render(markdown)
    return html


def _outside_code(html: str) -> str:
    return re.sub(r"<code>.*?</code>", "", html, flags=re.DOTALL)


def test_the_pull_request_body_renders_none_of_it() -> None:
    _, text = _pull_request()
    html = _html(text.body)
    prose = _outside_code(html)

    assert "<a " not in html and "<img" not in html
    assert "@team" not in prose and "@org" not in prose  # mentions only inside <code>: no one is notified
    assert "@team" in html  # still shown, as text
    headings = re.findall(r"<h\d>(.*?)</h\d>", html)
    assert headings and all(not h.startswith("heading") and "heading" not in h for h in headings), headings
    assert "\x1b" not in text.body and "\r" not in text.body
    assert "<td>" in html and html.count("<tr>") == 2  # the table keeps its one row: a pipe did not split a cell


def test_the_title_and_the_commit_messages_are_one_clean_line_each() -> None:
    proposal, text = _pull_request()
    for title in (proposal.title, text.title):
        assert "\n" not in title and "\x1b" not in title and "\r" not in title
    for message in (proposal.commit_message, pr.commit_message(text, proposal.fingerprint)):
        assert "\x1b" not in message and "\r" not in message
        headings = re.findall(r"<h\d>(.*?)</h\d>", _html(message))  # where a forge renders it
        assert all("heading" not in h for h in headings), headings
    assert "\n## heading" not in proposal.commit_message  # a plain-text message: no line of the repository's
    assert proposal.commit_message.splitlines()[-2:] == ["Suture-Fingerprint: abc123", "Healed-by: suture"]


def _terminal(result: Outcome) -> str:
    out = io.StringIO()
    render.outcome(Console(file=out, width=400, force_terminal=True, color_system="truecolor"), result)
    return out.getvalue()


def _foreign_escapes(printed: str) -> list[str]:
    """Escape sequences other than rich's own SGR colours, and carriage returns."""
    return [m for m in re.findall(r"\x1b[^\[]|\x1b\[[0-9;]*[^0-9;m]|\r", printed)]


def test_the_terminal_shows_the_text_and_no_escape_sequence() -> None:
    _, diagnosis, verdict = _records()
    published = Published(forge="local", branch="suture/abc123", commit="f" * 40, location=f"{PATH}.md")
    for result in (
        Outcome("fixed", "verified", "/repo", diagnosis=diagnosis, winner=verdict, published=published),
        Outcome("unfixed", HOSTILE, "/repo", diagnosis=diagnosis, verdicts=(verdict,)),
    ):
        printed = _terminal(result)
        assert _foreign_escapes(printed) == [], printed
        plain = re.sub(r"\x1b\[[0-9;]*m", "", printed)
        assert "[bold]markup[/bold]" in plain and "[link](http://evil)" in plain  # as typed, not as markup
        assert "http://evil" in plain  # shown, but not as a link a click follows


@pytest.mark.parametrize("say", ["progress", "warn"])
def test_progress_and_warnings_carry_no_escape_sequence(capfd: pytest.CaptureFixture[str], say: str) -> None:
    printer = output.progress(False) if say == "progress" else output.warn
    printer(f"verifying {TEST_ID}")
    err = capfd.readouterr().err
    assert "\x1b]8" not in err and "\r" not in err and "\x1b[2J" not in err
    assert "[bold]markup[/bold]" in err


def test_a_logs_excerpt_panel_carries_no_escape_sequence(capsys: pytest.CaptureFixture[str]) -> None:
    """`suture diagnose --log` prints the excerpt in a panel: the text as typed, no sequence of the log's,
    even when the excerpt reaches it uncleaned."""
    from suture.cli.diagnose import _show
    from suture.diagnose.distil import Excerpt
    from suture.diagnose.fromlog import Logged

    raw = f"{OSC8}click{OSC8} \x1b[2Jcleared \x1b]0;title\x07 [bold]markup[/bold] \x1b]52;c;aGk=\x07"
    excerpt = Excerpt(text=raw, lines=(1,), truncated=False, total_lines=1)
    _, diagnosis, _ = _records()
    _show(Logged(name="ci\x1b[2J.log", excerpt=excerpt, diagnosis=diagnosis, root=""), "ci\x1b[2J.log", failed=True)
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed, printed
    assert "click" in printed and "[bold]markup[/bold]" in printed
