"""How a heal looks in a terminal (rich). The library never prints; the CLI calls these."""

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


def diagnosis(console: Console, found: Diagnosis) -> None:
    lines = Text()
    lines.append(f"class: {found.classification}   fingerprint: {found.fingerprint}\n", style="bold")
    for failure in found.failures:
        where = failure.location
        place = f"{where.path}:{where.line}" if where else failure.check
        headline = f"{failure.error_type}: {failure.message}" if failure.error_type else failure.message
        lines.append(f"• {headline}\n", style="red")
        lines.append(f"  at {place}  ({failure.kind}, {len(failure.test_ids)} test(s))\n")
        for test_id in failure.test_ids[:5]:
            lines.append(f"    {test_id}\n", style="dim")
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
                Group(Text(candidate.rationale), Syntax(candidate.diff, "diff", theme="ansi_dark")),
                title=f"Fix ({candidate.origin}, {candidate.size} changed lines)",
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
            table.add_row(Text(check.command), Text(describe(check)), Text(describe(after.get(check.command))))
        console.print(table)
        console.print(f"tests collected: {result.winner.tests_before} before, {result.winner.tests_after} after")
    elif result.verdicts:
        console.print("[bold]Candidates tried[/bold]")
        for verdict in result.verdicts:
            console.print(f"  ✗ {verdict.candidate.origin}: {verdict.reason}", markup=False)
    if result.usage:
        console.print(f"language model: {spent(result.usage).replace('`', '')}", markup=False)
    _status(console, result)


def _status(console: Console, result: Outcome) -> None:
    held = result.published.extra.get("reason") if result.published else None
    if result.published and (held or not result.published.commit):
        # A forge withheld it (declined, capped) or a file holds it for `suture publish`.
        action = result.published.extra.get("action", "published")
        console.print(f"fixed, {action}: {held or result.published.location}", markup=False)
    elif result.published:
        console.print(
            f"[green bold]fixed[/]: the fix is on branch [bold]{escape(result.published.branch)}[/] "
            f"(commit {result.published.commit[:12]})"
        )
        label = "proposal" if result.published.forge == "local" else result.published.extra.get("action", "proposal")
        console.print(f"{label}: {result.published.location}", markup=False)
        console.print(f"review it: git show {result.published.branch}", markup=False)
    elif result.status == "fixed":
        console.print("[green bold]fixed[/] (dry run): the diff above is verified; nothing was created")
    elif result.status == "unfixed":
        console.print(f"[red bold]unfixed[/]: {escape(result.reason)}")
    else:
        console.print(f"[bold]{escape(result.status)}[/]: {escape(result.reason)}")
    console.print(f"[dim]{result.duration_s:.1f}s[/]")
