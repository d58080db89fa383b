"""The investigating model loop against today's one-prompt loop, on the LLM bench's cases, with
scripted transcripts: what each costs in requests, tokens and tool calls per fix.

    python bench/llm_tools_bench.py [--case calc --case textwrap] [-- --sandbox none]
    python bench/llm_tools_bench.py --case far-registry --case far-table --case far-override

For each case of bench/llm_bench.py (two small projects, eleven real-sized standard-library
modules with one bug injected) and three of its own, `suture heal --json --dry-run` runs twice, as a user runs it,
against a scripted OpenAI-compatible endpoint on 127.0.0.1 (tests/llm_servers.py) that plays
the same model both times:

- one prompt (`--max-tool-calls 0`, today's loop): attempt 1 a plausible wrong edit of the
  buggy line (it applies and fails verification), attempt 2 the right fix;
- investigating (the default): the same attempt 1; on attempt 2 the model calls
  `find_symbol` on the function holding the bug and `read_file` on 40 lines around it, then
  answers with the right fix.

Three more cases (`far-registry`, `far-table`, `far-override`) put the bug far from the
traceback: the test's assertion fails, and the code it calls reaches the buggy lines through a
parser registered by a decorator, a factor table read by `getattr` on a module, a subclass's
method made by a factory. The context builder does not reach them (the `bug in prompt 1`
column checks it; the summary says whether the one-prompt loop ever sent the line). There
the script plays a model that has not seen the file: attempt 1 edits code the prompt showed
(it applies, it fails); the one-prompt loop's attempt 2 guesses the unseen lines (its SEARCH
text is not in the file: a model cannot quote what it was not shown); the investigating
attempt 2 asks for what it would need (`read_file` of the file, after `find_symbol` where
the prompt names no file) and answers with the fix. The one-prompt failures there are the
script's assumption, not a measurement of a model: a real one might guess the line, or patch
the symptom in code it saw; what is measured is what the investigation costs.

The model is scripted, so the figures measure suture's side: the tokens of what suture sends
(every request body as it left, counted as characters / 4, the estimate suture budgets with:
system, messages and tool definitions) and of the scripted replies, the tool calls, the
seconds. `in prompt 1` says whether the buggy line was in the first prompt at all: where it
was not, a one-prompt model cannot quote the SEARCH text it must replace (it can only guess),
and reading the file is what the tools are for.

Against a real model with tools, the real-endpoint bench runs the same loop (tool calls are
on by default; `-- --max-tool-calls 0` for the one-prompt loop):

    SUTURE_BENCH_MODEL=gpt-4o-mini OPENAI_API_KEY=... python bench/llm_bench.py
    SUTURE_BENCH_MODEL=gpt-4o-mini OPENAI_API_KEY=... python bench/llm_bench.py -- --max-tool-calls 0
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import statistics
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from llm_bench import FAR, SMALL, heal
from llm_prompt_bench import REAL, real_files
from llm_servers import FakeServer, openai_reply, openai_tool_calls, serving

# The small cases' bugs: (path, broken line, fixed line); the real ones carry theirs.
SMALL_BUGS = {
    "calc": ("calc.py", "    return a - b\n", "    return a + b\n"),
    "discount": (
        "shop/prices.py",
        "    return price * (1 - percent / 10)\n",
        "    return price * (1 - percent / 100)\n",
    ),
}


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    path: str
    broken: str  # the lines holding the bug, as in the file
    fixed: str
    # The far cases script the model as one that has not seen the buggy file: its first answer
    # edits code the prompt showed, and the one-prompt loop's second a guess at the unseen lines.
    first: str = ""  # default: the buggy line kept, a comment added (it applies, it fails)
    guess: str = ""  # the one-prompt loop's second answer; default: the right fix
    calls: tuple[tuple[str, dict[str, object]], ...] = ()  # default: find_symbol and read_file around the bug


def far_cases() -> list[Case]:
    return [
        Case(
            "far-registry",
            FAR["far-registry"],
            "convert/formats.py",
            '    return [line.split(";") for line in text.splitlines() if line]\n',
            '    return [line.split(",") for line in text.splitlines() if line]\n',
            first=block(
                "convert/registry.py",
                "    return PARSERS[extension](text)\n",
                "    return PARSERS[extension.lower()](text)\n",
            ),
            guess=block(
                "convert/formats.py",
                "    return [line.split() for line in text.splitlines()]\n",
                '    return [line.split(",") for line in text.splitlines()]\n',
            ),
            calls=(("find_symbol", {"name": "register"}), ("read_file", {"path": "convert/formats.py"})),
        ),
        Case(
            "far-table",
            FAR["far-table"],
            "units/tables.py",
            '    "mi": 1690.344,\n',
            '    "mi": 1609.344,\n',
            first=block(
                "units/convert.py",
                "    return value * table[source] / table[target]\n",
                "    return round(value * table[source] / table[target], 6)\n",
            ),
            guess=block("units/tables.py", '    "mi": 1609,\n', '    "mi": 1609.344,\n'),
            calls=(("read_file", {"path": "units/tables.py"}),),
        ),
        Case(
            "far-override",
            FAR["far-override"],
            "shapes/kinds.py",
            "        return math.pi * self.radius * 2\n",
            "        return math.pi * self.radius**2\n",
            first=block(
                "shapes/factory.py",
                "    return getattr(kinds, name.capitalize())(float(size))\n",
                "    return getattr(kinds, name.strip().capitalize())(float(size))\n",
            ),
            guess=block(
                "shapes/kinds.py", "        return math.pi * self.r * 2\n", "        return math.pi * self.r**2\n"
            ),
            calls=(("find_symbol", {"name": "Circle"}), ("read_file", {"path": "shapes/kinds.py"})),
        ),
    ]


@dataclass(frozen=True)
class Row:
    case: str
    loop: str
    status: str
    requests: int
    tool_calls: int
    sent_tokens: int
    reply_tokens: int
    seconds: float
    in_first_prompt: bool
    in_any_prompt: bool  # the buggy line in a request suture sent before the model's last answer


def cases() -> list[Case]:
    found = [Case(name, SMALL[name], *SMALL_BUGS[name]) for name in SMALL]
    for injected in REAL:
        name = injected.module if all(c.name != injected.module for c in found) else f"{injected.module}-b"
        path = f"proj/{injected.module}.py"
        found.append(Case(name, real_files(injected), path, injected.new, injected.old))
    return found + far_cases()


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search.rstrip(chr(10))}\n=======\n{replace.rstrip(chr(10))}\n>>>>>>> REPLACE\n"


def wrong(case: Case) -> str:
    """A plausible wrong first answer: the buggy line kept, a comment added (it applies, it fails)."""
    first = case.broken.splitlines()[0]
    return block(case.path, first, f"{first}  # checked")


def where(case: Case) -> tuple[int, str]:
    """The bug's line number and the name of the function holding it."""
    text = case.files[case.path]
    line = text[: text.index(case.broken)].count("\n") + 1
    holding = [
        node
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.lineno <= line <= (node.end_lineno or 0)
    ]
    return line, min(holding, key=lambda n: (n.end_lineno or 0) - n.lineno).name if holding else case.path


def replies(case: Case, *, investigate: bool) -> list[str]:
    """What the scripted model answers, in order: edits, or (JSON) the tool calls it makes."""
    right = block(case.path, case.broken, case.fixed)
    if not investigate:
        return [case.first or wrong(case), case.guess or right]
    line, function = where(case)
    around = ("read_file", {"path": case.path, "start": max(1, line - 20), "end": line + 20})
    calls = case.calls or (("find_symbol", {"name": function}), around)
    return [case.first or wrong(case), json.dumps(calls), right]


def script(server: FakeServer, case: Case, *, investigate: bool) -> None:
    for reply in replies(case, investigate=investigate):
        calls = json.loads(reply) if reply.startswith("[") else None
        server.queue(openai_tool_calls(*map(tuple, calls)) if calls else openai_reply(reply))


def sent_tokens(server: FakeServer) -> int:
    return sum(
        len(json.dumps(r.body.get("messages", [])) + json.dumps(r.body.get("tools", []))) // 4 for r in server.requests
    )


def run(case: Case, *, investigate: bool, passed: Sequence[str], environ: dict[str, str]) -> Row:
    with serving("openai") as server:
        script(server, case, investigate=investigate)
        flags = ["--provider", "openai", "--base-url", server.url, "--model", "fake", "--max-attempts", "2"]
        flags += [] if investigate else ["--max-tool-calls", "0"]
        result = heal(case.name, case.files, [*flags, *passed], environ)
        last = server.requests[-1].body.get("messages", []) if server.requests else []
        # The scripted replies the model gave, in order: as many as suture made requests.
        given = replies(case, investigate=investigate)[: len(server.requests)]
        first = server.requests[0].text if server.requests else ""
        calls = [m for m in last if m.get("role") == "tool"]
        return Row(
            case.name,
            "investigating" if investigate else "one prompt",
            result.status,
            len(server.requests),
            len(calls),
            sent_tokens(server),
            sum(len(r) for r in given) // 4,
            result.seconds,
            bool(first) and case.broken.splitlines()[0].strip() in first,
            any(case.broken.splitlines()[0].strip() in r.text for r in server.requests),
        )


def report(rows: Sequence[Row]) -> None:
    print("| case | loop | status | requests | tool calls | tokens sent | tokens replied | seconds | bug in prompt 1 |")
    print("|---|---|---|---:|---:|---:|---:|---:|---|")
    for r in rows:
        print(
            f"| {r.case} | {r.loop} | {r.status} | {r.requests} | {r.tool_calls} | {r.sent_tokens:,} "
            f"| {r.reply_tokens:,} | {r.seconds:.1f} | {'yes' if r.in_first_prompt else 'no'} |"
        )
    for loop in ("one prompt", "investigating"):
        mine = [r for r in rows if r.loop == loop and r.requests]  # the ladder's fixes cost the model nothing
        fixes = sum(r.status == "fixed" for r in mine)
        tokens = sum(r.sent_tokens + r.reply_tokens for r in mine)
        calls = sum(r.tool_calls for r in mine)
        seconds = statistics.median(r.seconds for r in mine) if mine else 0.0
        per = f"{tokens / fixes:,.0f} tokens and {calls / fixes:.1f} tool calls per fix" if fixes else "no fix"
        print(f"\n{loop}: {fixes}/{len(mine)} fixed; {per}; median {seconds:.1f} s a heal")
    hidden = [r.case for r in rows if r.loop == "one prompt" and r.requests and not r.in_first_prompt]
    unseen = [r.case for r in rows if r.loop == "one prompt" and r.requests and not r.in_any_prompt]
    print(f"the one-prompt loop never sent the buggy line in {len(unseen)} case(s): {', '.join(unseen) or 'none'}")
    ladder = [r.case for r in rows if r.loop == "one prompt" and not r.requests]
    if ladder:
        print(f"fixed by the deterministic ladder before any request (no model cost): {', '.join(ladder)}")
    print(f"\nthe buggy line was not in the first prompt for {len(hidden)} case(s): {', '.join(hidden) or 'none'}")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("passed", nargs="*", help="after --: arguments for suture heal")
    args = parser.parse_args(argv)
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_", "SUTURE_BENCH_"))}
    chosen = [c for c in cases() if not args.case or c.name in args.case]
    if not chosen:
        raise SystemExit(f"no such case; the cases are {', '.join(c.name for c in cases())}")
    rows = [run(c, investigate=i, passed=args.passed, environ=environ) for c in chosen for i in (False, True)]
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
