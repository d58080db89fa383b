"""The fixer ladder on its corpus: healed, exact, and heal time against one run of the checks.

    python bench/ladder_bench.py                 # every case (about 80)
    python bench/ladder_bench.py --only syntax   # one class
    python bench/ladder_bench.py --validate      # only check the corpus: HEAD fails, each known fix passes
    python bench/ladder_bench.py --work 0        # the projects without the 2 s of other passing tests

For each case of bench/ladder_corpus.py: a fresh git repository holding the broken project;
`check`, one run of its checks in the repository (unsandboxed, as a developer runs them), on the
failing base and on the known fix (where a syntax error stops pytest at collection, the base's
run is short, while heal must run the whole suite on the fix at least once);
`heal`, `suture heal --json` from start to the branch with the verified fix (sandboxed).
Each project also gets `--work` seconds of other passing tests (100 of them, default 2 s
in all): a project's suite does more than its one failing test, and without it a check
run is mostly pytest's start-up.
A case is healed when suture proposes a fix it verified green that changes no test file;
exact when the fix leaves the changed files exactly as one of the known fixes has them.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from ladder_corpus import CASES, Case

from suture.verify.policy import is_test_path

ENV = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]


@dataclass(frozen=True)
class Result:
    case: Case
    healed: bool
    exact: bool
    heal_s: float
    check_s: float  # one run of the checks on the failing base
    fixed_s: float  # one run of the checks on the known fix: the whole suite, as heal must run it at least once
    fixer: str
    note: str


def work_suite(seconds: float, n: int = 100) -> dict[str, str]:
    """`n` passing tests that together take about `seconds`: the rest of a real project's suite."""
    body = "\n\n\n".join(
        f"def test_work_{i}():\n    time.sleep({seconds / n:.4f})\n    assert sum(range(100)) == 4950" for i in range(n)
    )
    return {"tests/test_work.py": f"import time\n\n\n{body}\n"} if seconds > 0 else {}


WORK: dict[str, str] = {}  # set from --work


def make(root: Path, case: Case, files: dict[str, str] | None = None) -> Path:
    root.mkdir(parents=True)
    for name, text in {**case.files, **WORK, **(files or {})}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    for name, data in case.binary.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *ENV, "commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


def run_checks(repo: Path, case: Case) -> tuple[float, list[int]]:
    start = time.perf_counter()
    codes = [subprocess.run(["/bin/sh", "-c", c], cwd=repo, capture_output=True).returncode for c in case.checks]
    seconds = time.perf_counter() - start
    for junk in (".deps", ".pytest_cache", ".ruff_cache"):
        shutil.rmtree(repo / junk, ignore_errors=True)
    return seconds, codes


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"git {args} failed in {repo}: {done.stderr}")
    return done.stdout


def measure(case: Case, scratch: Path) -> Result:
    repo = make(scratch / "repo", case)
    check_s, _ = run_checks(repo, case)
    fixed_s, _ = run_checks(make(scratch / "fixed", case, case.fixes[0]), case)
    argv = [sys.executable, "-m", "suture", "heal", "-q", "--json"]
    for check in case.checks:
        argv += ["--test-cmd", check]
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=repo, capture_output=True, text=True)
    heal_s = time.perf_counter() - start
    lines = done.stdout.strip().splitlines()
    result = json.loads(lines[-1]) if lines else {}
    branch = result.get("branch")
    if done.returncode != 0 or result.get("status") != "fixed" or not branch:
        reason = result.get("reason") or done.stderr.strip()[-200:]
        return Result(case, False, False, heal_s, check_s, fixed_s, result.get("fixer") or "", reason)
    changed = [p for p in git(repo, "diff", "--name-only", "HEAD", branch).splitlines() if p]
    green = any(v["passed"] for v in result["verification"])
    healed = green and not any(is_test_path(p) for p in changed)
    exact = any(
        set(changed) == set(fix) and all(git(repo, "show", f"{branch}:{p}") == text for p, text in fix.items())
        for fix in case.fixes
    )
    note = "" if exact else "diff: " + git(repo, "diff", "HEAD", branch).replace("\n", "\\n")[:300]
    return Result(case, healed, exact, heal_s, check_s, fixed_s, result.get("fixer") or "", note)


def validate(case: Case, scratch: Path) -> str:
    """'' when HEAD fails its checks and every known fix passes them, else what is wrong."""
    _, codes = run_checks(make(scratch / "head", case), case)
    if all(code == 0 for code in codes):
        return "HEAD passes its checks"
    for index, fix in enumerate(case.fixes):
        _, codes = run_checks(make(scratch / f"fix{index}", case, fix), case)
        if any(code != 0 for code in codes):
            return f"known fix {index} fails its checks: exit codes {codes}"
    return ""


def table(results: list[Result]) -> str:
    rows = [
        "| class | cases | healed | exact | median heal / check | median heal / check on the fix |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    kinds = list(dict.fromkeys(r.case.kind for r in results))
    for kind in [*kinds, "all"]:
        group = [r for r in results if kind in ("all", r.case.kind)]
        healed = sum(r.healed for r in group)
        exact = sum(r.exact for r in group)
        ratio = statistics.median(r.heal_s / r.check_s for r in group)
        on_fix = statistics.median(r.heal_s / r.fixed_s for r in group)
        rows.append(
            f"| {kind} | {len(group)} | {healed} ({100 * healed / len(group):.0f}%) | "
            f"{exact} ({100 * exact / len(group):.0f}%) | {ratio:.2f} | {on_fix:.2f} |"
        )
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="one class, e.g. syntax or lint/format")
    parser.add_argument("--name", help="cases whose name contains this")
    parser.add_argument("--sample", type=int, default=0, help="only the first N cases of each class")
    parser.add_argument("--validate", action="store_true", help="check the corpus instead of healing it")
    parser.add_argument(
        "--work", type=float, default=2.0, help="seconds of other passing tests each project has (default 2; 0: none)"
    )
    args = parser.parse_args()
    WORK.update(work_suite(args.work))
    cases = [c for c in CASES if (not args.only or c.kind == args.only) and (not args.name or args.name in c.name)]
    if args.sample:
        cases = [c for c in cases if [d for d in cases if d.kind == c.kind].index(c) < args.sample]
    results, problems = [], 0
    for case in cases:
        with tempfile.TemporaryDirectory(prefix="suture-ladder-") as scratch:
            if args.validate:
                problem = validate(case, Path(scratch))
                problems += bool(problem)
                print(f"{case.kind:<20} {case.name:<40} {problem or 'ok'}", flush=True)
                continue
            result = measure(case, Path(scratch))
        results.append(result)
        mark = "exact" if result.exact else "healed" if result.healed else "FAILED"
        print(
            f"{case.kind:<20} {case.name:<40} {mark:<6} {result.heal_s:6.2f}s / {result.check_s:5.2f}s"
            f" (fix {result.fixed_s:5.2f}s) "
            f"{result.fixer} {result.note}",
            flush=True,
        )
    if results:
        print()
        print(table(results))
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
