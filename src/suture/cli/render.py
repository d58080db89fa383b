"""How a heal looks in a terminal (rich). The library never prints; the CLI calls these.

Test ids, error types, messages, paths, commands, rationales and diffs are the repository's
text: each is printed through `clean` (no escape sequence, OSC-8 link or carriage return
reaches the terminal) as a rich `Text` or escaped, so `[markup]` in it is printed as typed.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from suture.loop.heal import Outcome
from suture.publish.compose import describe, spent
from suture.records import Diagnosis
from suture.untrusted import invisible_gone as clean


def diagnosis(console: Console, found: Diagnosis) -> None:
    lines = Text()
    lines.append(f"class: {clean(found.classification)}   fingerprint: {clean(found.fingerprint)}\n", style="bold")
    for failure in found.failures:
        where = failure.location
        place = f"{where.path}:{where.line}" if where else failure.check
        headline = f"{failure.error_type}: {failure.message}" if failure.error_type else failure.message
        lines.append(f"• {clean(headline)}\n", style="red")
        lines.append(f"  at {clean(place)}  ({clean(failure.kind)}, {len(failure.test_ids)} test(s))\n")
        if failure.upstream is not None:  # which release broke it, and what worked
            lines.append(f"  upstream: {clean(failure.upstream.sentence)}\n", style="yellow")
        for test_id in failure.test_ids[:5]:
            lines.append(f"    {clean(test_id)}\n", style="dim")
        if len(failure.test_ids) > 5:
            lines.append(f"    … and {len(failure.test_ids) - 5} more\n", style="dim")
    console.print(Panel(lines, title="Diagnosis", title_align="left", expand=False))


def outcome(console: Console, result: Outcome) -> None:
    if result.diagnosis:
        diagnosis(console, result.diagnosis)
    if result.winner:
        candidate = result.winner.candidate
        console.print(
            Panel(
                Group(Text(clean(candidate.rationale)), Syntax(clean(candidate.diff), "diff", theme="ansi_dark")),
                title=Text(f"Fix ({clean(candidate.origin)}, {candidate.size} changed lines)"),
                expand=False,
                title_align="left",
            )
        )
        table = Table(title="Verification", title_justify="left")
        table.add_column("check")
        table.add_column("before")
        table.add_column("after")
        after = {check.command: check for check in result.winner.after}
        for check in result.winner.before:
            table.add_row(Text(clean(check.command)), Text(describe(check)), Text(describe(after.get(check.command))))
        console.print(table)
        console.print(f"tests collected: {result.winner.tests_before} before, {result.winner.tests_after} after")
    elif result.verdicts:
        console.print("[bold]Candidates tried[/bold]")
        for verdict in result.verdicts:
            console.print(f"  ✗ {clean(verdict.candidate.origin)}: {clean(verdict.reason)}", markup=False)
    if result.usage:
        console.print(f"language model: {clean(spent(result.usage)).replace('`', '')}", markup=False)
    _status(console, result)


def _status(console: Console, result: Outcome) -> None:
    held = result.published.extra.get("reason") if result.published else None
    if result.published and (held or not result.published.commit):
        # A forge withheld it (declined, capped) or a file holds it for `suture publish`.
        action = result.published.extra.get("action", "published")
        console.print(f"fixed, {clean(action)}: {clean(held or result.published.location)}", markup=False)
    elif result.published:
        console.print(
            f"[green bold]fixed[/]: the fix is on branch [bold]{escape(clean(result.published.branch))}[/] "
            f"(commit {result.published.commit[:12]})"
        )
        label = "proposal" if result.published.forge == "local" else result.published.extra.get("action", "proposal")
        console.print(f"{clean(label)}: {clean(result.published.location)}", markup=False)
        console.print(f"review it: git show {clean(result.published.branch)}", markup=False)
    elif result.status == "fixed":
        console.print("[green bold]fixed[/] (dry run): the diff above is verified; nothing was created")
    elif result.status == "unfixed":
        console.print(f"[red bold]unfixed[/]: {escape(clean(result.reason))}")
    else:
        console.print(f"[bold]{escape(result.status)}[/]: {escape(clean(result.reason))}")
    console.print(f"[dim]{result.duration_s:.1f}s[/]")
