"""Heal wall time against the time of one run of the project's checks.

    python bench/heal_bench.py [--repeat 3]

For each case: a fresh git repository with a mechanical bug; `check` is one run
of its checks (python -m pytest -q, in the repository, median of --repeat runs);
`heal` is `suture heal` from start to branch (median of --repeat runs, each on a
fresh copy). The ratio cannot go below about 1: the checks must run at least
once on the fix; heal also runs them once on the base to see the failure.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from projects import CLASSIC, FLASK_APP, MISSING_COLON, MISSING_IMPORT, TYPO

from suture.loop.demo import FILES as DEMO

PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def suite(n: int, seconds: float) -> dict[str, str]:
    """`n` extra passing tests that together take about `seconds`: a project with real work."""
    body = "\n\n".join(
        f"def test_work_{i}():\n    time.sleep({seconds / n:.4f})\n    assert sum(range(1000)) == 499500"
        for i in range(n)
    )
    return {"tests/test_work.py": f"import time\n\n\n{body}\n"}


CASES = {
    "demo (classic str + int)": DEMO,
    "flask app (str + int)": FLASK_APP,
    "missing import": MISSING_IMPORT,
    "name typo": TYPO,
    "missing colon": MISSING_COLON,
    "classic + 200 tests (~2 s)": {**CLASSIC, **suite(200, 2.0)},
    "classic + 200 tests (~5 s)": {**CLASSIC, **suite(200, 5.0)},
}


def make(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    env = ["-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *env, "commit", "-q", "-m", "base"], cwd=root, check=True)
    return root


def timed(argv: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, capture_output=True, text=True)
    return time.perf_counter() - start, done.returncode


def measure(files: dict[str, str], repeat: int) -> tuple[float, float]:
    checks, heals = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as scratch:
            repo = make(Path(scratch) / "repo", files)
            checks.append(timed(["/bin/sh", "-c", PYTEST], repo)[0])
            shutil.rmtree(repo / ".pytest_cache", ignore_errors=True)
            seconds, code = timed([sys.executable, "-m", "suture", "heal", "-q", "--json", "--test-cmd", PYTEST], repo)
            if code != 0:
                raise SystemExit(f"heal failed (exit {code}) on {files}")
            heals.append(seconds)
    return statistics.median(heals), statistics.median(checks)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'case':<30} {'heal s':>8} {'check s':>8} {'ratio':>6}")
    for name, files in CASES.items():
        heal, check = measure(files, args.repeat)
        print(f"{name:<30} {heal:>8.2f} {check:>8.2f} {heal / check:>6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
