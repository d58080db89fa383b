"""The language-model fixer against a real endpoint: heal rate, tokens and cost per fix.

    SUTURE_BENCH_MODEL=gpt-4o-mini OPENAI_API_KEY=... python bench/llm_bench.py
    SUTURE_BENCH_PROVIDER=anthropic SUTURE_BENCH_MODEL=claude-haiku-4-5 ANTHROPIC_API_KEY=... \\
        python bench/llm_bench.py
    SUTURE_BENCH_MODEL=qwen2.5-coder:7b SUTURE_BENCH_BASE_URL=http://127.0.0.1:11434/v1 \\
        python bench/llm_bench.py                      # Ollama: no key
    python bench/llm_bench.py --case calc --case textwrap -- --sandbox none
    python bench/llm_bench.py -- --max-tool-calls 0    # today's one-prompt loop, for comparison

The settings, from the environment:

    SUTURE_BENCH_MODEL       the model (required)
    SUTURE_BENCH_PROVIDER    openai (any OpenAI-compatible endpoint; the default) or anthropic
    SUTURE_BENCH_BASE_URL    the endpoint, when not the provider's public API
    SUTURE_BENCH_KEY_ENV     the variable holding the key, when not OPENAI_API_KEY / ANTHROPIC_API_KEY

Each case is a fresh git repository with one bug that no deterministic fixer recognises (a
wrong operator, a wrong constant, a misspelt attribute: the model's work), made by the prompt
bench (`llm_prompt_bench.REAL`: real-sized modules of the standard library) plus two small
ones, and three whose bug is far from the traceback (`far-*`: reached through a registry, a
getattr, a factory; the first prompt does not show it, so a model must ask for the file).
`suture heal --json` runs on it, as a user would run it, with the model configured by
flags; arguments after `--` are passed on (e.g. `--max-attempts 2`, `--sandbox none`). The
table gives, per case, whether a verified fix was proposed, the attempts and requests, the
tokens in and out and the cost as the endpoint reported them; the summary, the heal rate and
the tokens and dollars per fix (everything spent, fixed or not, divided by the fixes).
With a provider that has tool calling, attempts after the first may call tools (`tool calls`
column); `-- --max-tool-calls 0` gives today's one-prompt loop on the same cases.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from llm_prompt_bench import PYTEST, REAL, make, real_files

SMALL = {
    "calc": {
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests/test_calc.py": "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n",
    },
    "discount": {
        "shop/__init__.py": "",
        "shop/prices.py": (
            "def discounted(price, percent):\n"
            '    """The price less `percent` per cent."""\n'
            "    return price * (1 - percent / 10)\n"
        ),
        "tests/test_prices.py": (
            "from shop.prices import discounted\n\n\ndef test_discount():\n    assert discounted(200, 25) == 150\n"
        ),
    },
}


# Bugs far from the traceback: the failing assertion is in the test, the code it calls reaches the
# buggy lines through a registry, a getattr on a module, a subclass made by a factory; the context
# builder (the definitions the failing code names, and theirs) does not reach them
# (bench/llm_tools_bench.py checks it): a one-prompt model sees the file's name in the tree only.
REGISTRY = {
    "convert/__init__.py": "from convert import formats  # noqa: F401  (registers the parsers)\n",
    "convert/registry.py": (
        "PARSERS = {}\n\n\n"
        "def register(extension):\n"
        "    def add(function):\n"
        "        PARSERS[extension] = function\n"
        "        return function\n\n"
        "    return add\n\n\n"
        "def parse(name, text):\n"
        '    """The rows of `text`, parsed as the extension of `name` says."""\n'
        '    extension = name.rsplit(".", 1)[-1]\n'
        "    return PARSERS[extension](text)\n"
    ),
    "convert/formats.py": (
        "from convert.registry import register\n\n\n"
        '@register("csv")\n'
        "def parse_csv(text):\n"
        '    return [line.split(";") for line in text.splitlines() if line]\n\n\n'
        '@register("tsv")\n'
        "def parse_tsv(text):\n"
        '    return [line.split("\\t") for line in text.splitlines() if line]\n'
    ),
    "tests/test_convert.py": (
        "from convert.registry import parse\n\n\n"
        "def test_csv():\n"
        '    assert parse("a.csv", "a,b\\n1,2\\n") == [["a", "b"], ["1", "2"]]\n\n\n'
        "def test_tsv():\n"
        '    assert parse("a.tsv", "a\\tb\\n") == [["a", "b"]]\n'
    ),
}
UNITS = {
    "units/__init__.py": "",
    "units/tables.py": (
        '"""Conversion factors to the base unit of each kind."""\n\n'
        "LENGTH = {\n"
        '    "m": 1.0,\n'
        '    "km": 1000.0,\n'
        '    "ft": 0.3048,\n'
        '    "mi": 1690.344,\n'
        "}\n"
        "MASS = {\n"
        '    "kg": 1.0,\n'
        '    "lb": 0.45359237,\n'
        "}\n"
    ),
    "units/convert.py": (
        "from units import tables\n\n\n"
        'def convert(value, source, target, kind="length"):\n'
        '    """`value` in unit `source` expressed in unit `target`."""\n'
        "    table = getattr(tables, kind.upper())\n"
        "    return value * table[source] / table[target]\n"
    ),
    "tests/test_units.py": (
        "from units.convert import convert\n\n\n"
        "def test_miles():\n"
        '    assert round(convert(1, "mi", "km"), 3) == 1.609\n\n\n'
        "def test_pounds():\n"
        '    assert round(convert(1, "lb", "kg", kind="mass"), 3) == 0.454\n'
    ),
}
SHAPES = {
    "shapes/__init__.py": "",
    "shapes/base.py": (
        "class Shape:\n"
        '    name = "shape"\n\n'
        "    def area(self):\n"
        "        raise NotImplementedError\n\n"
        "    def describe(self):\n"
        '        return f"{self.name} of area {self.area():.2f}"\n'
    ),
    "shapes/kinds.py": (
        "import math\n\n"
        "from shapes.base import Shape\n\n\n"
        "class Circle(Shape):\n"
        '    name = "circle"\n\n'
        "    def __init__(self, size):\n"
        "        self.radius = size\n\n"
        "    def area(self):\n"
        "        return math.pi * self.radius * 2\n\n\n"
        "class Square(Shape):\n"
        '    name = "square"\n\n'
        "    def __init__(self, size):\n"
        "        self.side = size\n\n"
        "    def area(self):\n"
        "        return self.side**2\n"
    ),
    "shapes/factory.py": (
        "from shapes import kinds\n\n\n"
        "def make(spec):\n"
        '    """A shape from `circle:2`, `square:3`, ..."""\n'
        '    name, _, size = spec.partition(":")\n'
        "    return getattr(kinds, name.capitalize())(float(size))\n"
    ),
    "tests/test_shapes.py": (
        "from shapes.factory import make\n\n\n"
        "def test_circle():\n"
        '    assert make("circle:3").describe() == "circle of area 28.27"\n\n\n'
        "def test_square():\n"
        '    assert make("square:3").describe() == "square of area 9.00"\n'
    ),
}


FAR = {"far-registry": REGISTRY, "far-table": UNITS, "far-override": SHAPES}


def cases() -> dict[str, dict[str, str]]:
    found = dict(SMALL)
    for case in REAL:
        name = case.module if case.module not in found else f"{case.module}-b"
        found[name] = real_files(case)
    return {**found, **FAR}


@dataclass(frozen=True)
class Result:
    case: str
    status: str
    attempts: int
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    seconds: float
    note: str
    tool_calls: int = 0  # what the model asked for after its first attempt (files, symbols, tests)


def settings_args(environ: Mapping[str, str]) -> list[str]:
    model = environ.get("SUTURE_BENCH_MODEL")
    if not model:
        raise SystemExit(__doc__.split("The settings")[0] + "\nset SUTURE_BENCH_MODEL (see --help)")
    args = ["--provider", environ.get("SUTURE_BENCH_PROVIDER", "openai"), "--model", model]
    if environ.get("SUTURE_BENCH_BASE_URL"):
        args += ["--base-url", environ["SUTURE_BENCH_BASE_URL"]]
    if environ.get("SUTURE_BENCH_KEY_ENV"):
        args += ["--api-key-env", environ["SUTURE_BENCH_KEY_ENV"]]
    return args


def heal(name: str, files: dict[str, str], args: Sequence[str], environ: Mapping[str, str]) -> Result:
    with tempfile.TemporaryDirectory(prefix="suture-llm-bench-") as scratch:
        repo, _ = make(Path(scratch) / "repo", files)
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "suture", "heal", "--json", "--dry-run", "--test-cmd", PYTEST, *args],
            cwd=repo,
            capture_output=True,
            text=True,
            env=dict(environ),
            timeout=1800,
        )
        seconds = time.monotonic() - start
    lines = done.stdout.strip().splitlines()
    try:
        outcome: dict[str, Any] = json.loads(lines[-1]) if lines else {}
    except ValueError:
        outcome = {}
    if done.returncode not in (0, 1) or not outcome:
        tail = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
        return Result(name, f"error (exit {done.returncode})", 0, 0, 0, 0, None, seconds, tail[:200])
    llm = outcome.get("llm") or {}
    fixer = outcome.get("fixer") or ""
    status = outcome["status"] if not fixer or fixer.startswith("llm:") else f"{outcome['status']} by {fixer}"
    return Result(
        name,
        status,
        llm.get("attempts", 0),
        llm.get("requests", 0),
        llm.get("input_tokens", 0),
        llm.get("output_tokens", 0),
        llm.get("cost_usd"),
        seconds,
        (llm.get("stopped") or outcome.get("reason") or "")[:200],
        llm.get("tool_calls", 0),
    )


def report(results: Sequence[Result], label: str) -> None:
    print(f"\n{label}\n")
    print("| case | status | attempts | requests | tokens in | tokens out | cost USD | seconds | tool calls |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        cost = "?" if r.cost_usd is None else f"{r.cost_usd:.4f}"
        print(
            f"| {r.case} | {r.status} | {r.attempts} | {r.requests} | {r.input_tokens:,} | {r.output_tokens:,} "
            f"| {cost} | {r.seconds:.1f} | {r.tool_calls} |"
        )
    fixes = sum(r.status == "fixed" for r in results)
    tokens = sum(r.input_tokens + r.output_tokens for r in results)
    costs = [r.cost_usd for r in results if r.cost_usd is not None]
    print(f"\nheal rate: {fixes}/{len(results)} ({100 * fixes / max(1, len(results)):.0f}%)")
    if fixes:
        print(f"tokens per fix: {tokens / fixes:,.0f} (in + out, everything spent divided by the fixes)")
        print(f"tool calls per fix: {sum(r.tool_calls for r in results) / fixes:.1f}")
        cost = f"${sum(costs) / fixes:.4f}" if len(costs) == len(results) else "unknown (no price for the model)"
        print(f"cost per fix: {cost}")
    for r in results:
        if r.status != "fixed" and r.note:
            print(f"  {r.case}: {r.note}")


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--case", action="append", help="only this case (repeatable)")
    parser.add_argument("passed", nargs="*", help="after --: arguments for suture heal")
    args = parser.parse_args(argv)
    env = dict(os.environ if environ is None else environ)
    flags = [*settings_args(env), *args.passed]
    chosen = {name: files for name, files in cases().items() if not args.case or name in args.case}
    if not chosen:
        raise SystemExit(f"no such case; the cases are {', '.join(cases())}")
    results = [heal(name, files, flags, env) for name, files in chosen.items()]
    report(results, f"suture heal {' '.join(flags)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
