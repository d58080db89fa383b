"""A lint heal's cost, suture at A against B: CPU (user + sys of suture and its children) and wall,
and the start-up CPU (a fresh interpreter importing what the heal imports before it works).

    python bench/lint_startup_ab.py A/src B/src REPO [PAIRS]

REPO is a git repository whose check `ruff check --isolated m.py` fails on a finding ruff fixes.
A and B are `src/` folders (`git archive COMMIT src | tar -x -C DIR`), byte-compiled first
(`python -m compileall -q DIR`) where PYTHONDONTWRITEBYTECODE is set. Pairs run interleaved
(A B, B A, ...), so a busy machine slows both alike; CPU times are what to compare there.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time

HEAL = [sys.executable, "-m", "suture", "heal", "--dry-run", "--json", "--test-cmd", "ruff check --isolated m.py"]
START = [
    sys.executable,
    "-c",
    "import resource\n"
    "from suture.cli.commands import main\n"
    "import suture.cli.heal, suture.loop.heal, suture.fixers.lint, suture.fixers.findings, suture.llm.settings\n"
    "r = resource.getrusage(resource.RUSAGE_SELF)\n"
    "print(r.ru_utime + r.ru_stime)\n",
]


def one(src: str, repo: str) -> tuple[float, float, float]:
    """(wall, CPU) of one lint heal with suture from `src`, and its start-up CPU."""
    env = {**os.environ, "PYTHONPATH": src}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(HEAL, cwd=repo, capture_output=True, text=True, env=env, check=False)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if '"status": "fixed"' not in done.stdout:
        raise SystemExit(f"the heal with {src} did not fix the check:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    startup = float(subprocess.run(START, cwd=repo, capture_output=True, text=True, env=env, check=True).stdout)
    return wall, cpu, startup


def main() -> int:
    a, b, repo = sys.argv[1:4]
    pairs = int(sys.argv[4]) if len(sys.argv) > 4 else 7
    found: dict[str, list[tuple[float, float, float]]] = {"A": [], "B": []}
    for index in range(pairs):
        order = [("A", a), ("B", b)] if index % 2 == 0 else [("B", b), ("A", a)]
        for name, src in order:
            found[name].append(one(src, repo))
    for name, rows in found.items():
        wall, cpu, startup = (statistics.median(row[k] for row in rows) for k in range(3))
        print(f"{name}: wall median {wall:.2f} s, CPU median {cpu:.2f} s, start-up CPU median {startup:.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
