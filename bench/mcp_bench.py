"""`suture mcp` timed as an agent sees it: the SDK's own stdio client drives `python -m suture mcp`.

    python bench/mcp_bench.py [--log-mb 200] [--rounds 3] [--tests 40] [--only log|verify]

- `ci_failure` on a huge CI log (bench/distil_bench.py's: GitHub timestamps, install noise, a
  50 MB line, bytes that are not UTF-8, three failures buried at 20%, 50% and 80%): the
  call's latency, whether the buried failures are in the excerpt, and beside it `suture
  diagnose --log` on the same file (the same work without the protocol).
- `verify_patch` against one run of the checks, side by side on one server: each round makes
  a fresh commit (so nothing is cached), calls `run_checks` on it (one run of the checks in
  the sandbox), then `verify_patch` with the fix (a fresh worktree, the patch applied, the
  checks run again, the verdict). The ratio is verify_patch's latency over run_checks' (issue
  20's target: 1.2 or less). Two projects: the smallest (2 tests: fixed costs dominate) and
  one with `--tests` tests that each do some work.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from distil_bench import write_huge_log
from mcp import ClientSession, StdioServerParameters, stdio_client
from projects import CLASSIC, PYTEST
from test_mcp_server import GOOD as FIX  # the fix of CLASSIC's calc.py

T = TypeVar("T")


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def project(root: Path, tests: int) -> Path:
    """CLASSIC's broken calc.py, with `tests` more tests that each compute for a while."""
    files = {**CLASSIC, "pyproject.toml": f"[tool.suture]\ntest-cmd = [{json.dumps(PYTEST)}]\n"}
    total = sum(i * i for i in range(300_000))
    for n in range(tests):
        files[f"tests/test_work_{n}.py"] = (
            f"def test_work_{n}():\n    assert sum(i * i for i in range(300_000)) == {total}\n"
        )
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=bench", "-c", "user.email=bench@localhost", "commit", "-q", "-m", "base")
    return root


def served(repo: Path, scenario: Callable[[ClientSession], Awaitable[T]]) -> T:
    async def main() -> T:
        params = StdioServerParameters(command=sys.executable, args=["-m", "suture", "mcp", "-C", str(repo)])
        with open(os.devnull, "w") as quiet:
            async with stdio_client(params, errlog=quiet) as (read, write), ClientSession(read, write) as client:
                await client.initialize()
                return await scenario(client)

    return asyncio.run(main())


async def timed(client: ClientSession, name: str, arguments: dict[str, Any]) -> tuple[float, dict[str, Any]]:
    start = time.perf_counter()
    result = await client.call_tool(name, arguments)
    seconds = time.perf_counter() - start
    data = result.structured_content or {}
    if result.is_error:
        raise SystemExit(f"{name} failed: {json.dumps(data)[:500]}")
    return seconds, data


def strings(value: Any) -> list[str]:
    """Every string in a JSON value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in strings(item)]
    if isinstance(value, list):
        return [s for item in value for s in strings(item)]
    return []


def log_latency(size_mb: int) -> None:
    with tempfile.TemporaryDirectory(prefix="suture-mcp-bench-") as scratch:
        repo = project(Path(scratch) / "repo", 0)
        start = time.perf_counter()
        truth = write_huge_log(repo / "ci.log", size_mb)
        size = (repo / "ci.log").stat().st_size
        print(f"a {size / 2**20:.0f} MB log written in {time.perf_counter() - start:.1f}s")

        async def scenario(client: ClientSession) -> tuple[float, dict[str, Any]]:
            return await timed(client, "ci_failure", {"log": "ci.log"})

        seconds, data = served(repo, scenario)
        answer = "\n".join(strings(data))
        kept = sum(line.strip()[:60] in answer for line in truth if line.strip())
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "suture", "diagnose", "--json", "--log", "ci.log"],
            cwd=repo,
            capture_output=True,
            check=False,
        )
        cli = time.perf_counter() - start
    print(f"ci_failure: {seconds:.2f}s over MCP; suture diagnose --log on the same file: {cli:.2f}s")
    print(f"  the buried failures' lines in the answer: {kept} of {sum(1 for line in truth if line.strip())}")


def verify_ratio(tests: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="suture-mcp-bench-") as scratch:
        repo = project(Path(scratch) / "repo", tests)
        shas = []
        for n in range(rounds):
            ident = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
            git(repo, *ident, "commit", "-q", "--allow-empty", "-m", f"round {n}")
            shas.append(git(repo, "rev-parse", "HEAD").strip())

        async def scenario(client: ClientSession) -> list[tuple[float, float, float, float]]:
            rows = []
            for sha in shas:
                checks, ran = await timed(client, "run_checks", {"ref": sha})
                verified, verdict = await timed(client, "verify_patch", {"patch": FIX, "ref": sha})
                assert verdict["accepted"], verdict["reason"]
                rows.append((checks, verified, ran["checks"][0]["seconds"], verdict["seconds"]["verification"]))
            return rows

        rows = served(repo, scenario)
    print(f"\n{2 + tests} tests: run_checks and verify_patch side by side, {rounds} round(s), seconds")
    print("| round | run_checks | verify_patch | ratio | the check run alone | the verification alone |")
    print("|---:|---:|---:|---:|---:|---:|")
    for n, (checks, verified, check_run, verification) in enumerate(rows, 1):
        print(
            f"| {n} | {checks:.2f} | {verified:.2f} | {verified / checks:.2f} | {check_run:.2f} | {verification:.2f} |"
        )
    ratio = statistics.median(v / c for c, v, _, _ in rows)
    print(f"median ratio verify_patch / run_checks: {ratio:.2f} (target <= 1.2)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--log-mb", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tests", type=int, default=40)
    parser.add_argument("--only", choices=["log", "verify"])
    args = parser.parse_args(argv)
    if args.only in (None, "log"):
        log_latency(args.log_mb)
    if args.only in (None, "verify"):
        verify_ratio(0, args.rounds)
        verify_ratio(args.tests, args.rounds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
