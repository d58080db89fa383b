"""Distil benchmark: throughput and memory on a huge log; recall against `tail -n 200`.

    python bench/distil_bench.py                 # 500 MB log, and the recall corpus
    python bench/distil_bench.py --size-mb 200   # a smaller log

1. Throughput: writes a GitHub Actions-style log of `--size-mb` into a temp file: timestamped
   install, compile and test noise with ANSI colours and progress bars, invalid UTF-8, one
   50 MB line, and three real failure reports (pytest, ruff, a chained traceback; from
   tests/data) buried at 20%, 50% and 80%. A child process distils it (so its peak RSS is
   distil's alone, from resource.getrusage) and reports wall time, MB/s, peak RSS and
   whether every failure line was kept.
   The peak RSS is also read from `/usr/bin/time -v` when it is installed.
2. Recall: every failing tool log in tests/data (each made by running the tool on a broken
   project: the regenerate.py beside it), wrapped in CI noise four ways: a dependency
   install before and 0, 150 or 400 lines of later steps and cleanup after; or 4,000 to
   8,000 lines of installs, compiler warnings and passing tests named test_error_* before.
   GitHub timestamps, progress bars and the runner's exit line throughout. Ground truth:
   the log line holding each failure's message, as the parsers read it from the tool's own
   output. Reports in how many logs the excerpt keeps every ground-truth line (within the
   cap), in how many the last 200 lines do, and what share of a long log the excerpt is.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from suture.diagnose.distil import Limits, distil, distil_text
from suture.diagnose.logtext import normalise
from suture.diagnose.parsers import parse

DATA = Path(__file__).resolve().parents[1] / "tests" / "data"
STAMP = "2024-05-01T12:{:02d}:{:02d}.{:07d}Z "
BURIED = ("pytest/nameerror_q.txt", "ruff/check_concise.txt", "traceback/cause.txt")
TAIL = 200


# --- the huge log ---------------------------------------------------------------------------


def noise_line(i: int, rng: random.Random) -> str:
    stamp = STAMP.format(i // 3600 % 60, i // 60 % 60, i % 9_999_999)
    kind = rng.randrange(6)
    if kind == 0:
        return stamp + f"  Downloading numpy-1.26.{i % 97}-cp311-cp311-manylinux_2_17_x86_64.whl (18.2 MB)"
    if kind == 1:
        return stamp + f"gcc -pthread -O2 -Wall -fPIC -I/usr/include/python3.11 -c src/mod{i}.c -o build/mod{i}.o"
    if kind == 2:
        return stamp + f"tests/test_mod{i % 977}.py::test_case_{i} \x1b[32mPASSED\x1b[0m                    [ 45%]"
    if kind == 3:
        return stamp + f"  copying build/lib/pkg/sub{i % 50}/module.py -> build/bdist.linux-x86_64/wheel/pkg"
    if kind == 4:
        return stamp + "\r".join(f"   {'━' * (j * 8)} {j * 33}% 18.2 MB/s eta 0:00:0{3 - j}" for j in range(4))
    return stamp + f"\x1b[32m   Collecting requests>=2.{i % 31}\x1b[0m"


def failure_lines(name: str) -> list[str]:
    """The lines of a tool's log that say what failed: each failure's message line."""
    text = (DATA / name).read_text()
    lines = [normalise(line) for line in text.splitlines()]
    truth = []
    for failure in parse(text, root="/ROOT", check=""):
        needle = failure.message or failure.error_type
        line = next((x for x in lines if needle and needle in x), None)
        if line is not None and line.strip() not in truth:
            truth.append(line.strip())
    return truth


def write_huge_log(path: Path, size_mb: int) -> list[str]:
    """The log; returns the lines that must be kept."""
    rng = random.Random(3)
    target = size_mb << 20
    marks = {target * k // 10: name for k, name in zip((2, 5, 8), BURIED, strict=True)}
    truth = [line for name in BURIED for line in failure_lines(name)]
    written, i = 0, 0
    with path.open("wb") as log:
        while written < target:
            block = "\n".join(noise_line(i + k, rng) for k in range(5000)) + "\n"
            data = block.encode() + b"pip: \xff\xfe not utf-8\n"
            i += 5000
            for mark, name in list(marks.items()):
                if written >= mark:
                    stamp = STAMP.format(0, 0, i)
                    data += "".join(stamp + line + "\n" for line in (DATA / name).read_text().splitlines()).encode()
                    del marks[mark]
            if written < target // 3 <= written + len(data):
                data += b"x" * (50 << 20) + b"\n"  # one 50 MB line
            log.write(data)
            written += len(data)
        for name in marks.values():  # a log too small to reach them
            log.write(
                "".join(STAMP.format(0, 0, i) + line + "\n" for line in (DATA / name).read_text().splitlines()).encode()
            )
        log.write(b"2024-05-01T13:00:00.0000000Z ##[error]Process completed with exit code 1.\n")
    return truth


def measure(path: Path) -> dict[str, object]:
    """Distil `path` in this process; what it took."""
    start = time.perf_counter()
    excerpt = distil(path)
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "peak_rss_mb": peak_kb / 1024, "text": excerpt.text, "lines": len(excerpt.lines)}


def throughput(size_mb: int) -> None:
    with tempfile.TemporaryDirectory(prefix="suture-bench-") as tmp:
        path = Path(tmp) / "ci.log"
        # Both in children: a child's peak RSS counts what it inherited from its parent.
        made = subprocess.run([sys.executable, __file__, "--generate", str(path), "--size-mb", str(size_mb)],
                              capture_output=True, text=True, check=True)  # fmt: skip
        truth = json.loads(made.stdout)
        size = path.stat().st_size
        timer = ["/usr/bin/time", "-v"] if Path("/usr/bin/time").exists() else []
        done = subprocess.run(
            [*timer, sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True, check=True
        )
        result = json.loads(done.stdout)
        time_v = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    kept = {line.strip() for line in str(result["text"]).split("\n")}
    missing = [line for line in truth if line not in kept]
    seconds = float(result["seconds"])  # type: ignore[arg-type]
    print(f"log: {size / 1e6:.0f} MB, one 50 MB line, invalid UTF-8, {len(BURIED)} failure reports buried")
    print(f"wall time: {seconds:.2f} s   throughput: {size / 1e6 / seconds:.0f} MB/s")
    print(f"peak RSS of the distilling process: {float(result['peak_rss_mb']):.0f} MB")  # type: ignore[arg-type]
    if time_v:
        print(f"peak RSS by /usr/bin/time -v: {int(time_v[1]) / 1024:.0f} MB")
    print(f"excerpt: {result['lines']} lines; failure lines kept: {len(truth) - len(missing)}/{len(truth)}")
    for line in missing:
        print(f"  missing: {line}")


# --- recall against the tail ----------------------------------------------------------------


LONG = -1  # the variant with thousands of lines of build noise before the failure


def corpus() -> list[tuple[str, int, str, list[str]]]:
    """(tool log, lines after it or LONG, the CI log, ground truth) for every failing tool log.

    Four CI logs per tool log: 100 to 600 lines of dependency installs before it and 0, 150
    or 400 lines of later steps after it; and a long one, 4,000 to 8,000 lines of installs,
    compiler warnings and passing tests (with "error" and "fail" in their names) before it.
    """
    rng = random.Random(11)
    logs = []
    for path in sorted(DATA.glob("*/*.txt")):
        name = f"{path.parent.name}/{path.name}"
        truth = failure_lines(name)
        if not truth:
            continue  # a green log
        for after in (0, 150, 400, LONG):
            if after == LONG:
                before = build_noise(rng, rng.randrange(4_000, 8_000))
                tail = later(rng, rng.randrange(0, 400))
            else:
                before, tail = install(rng, rng.randrange(100, 600)), later(rng, after)
            lines = [*before, *path.read_text().splitlines(), *tail]
            lines.append("##[error]Process completed with exit code 1.")
            stamped = "\n".join(STAMP.format(0, n // 60 % 60, n) + line for n, line in enumerate(lines))
            logs.append((name, after, stamped, truth))
    return logs


def install(rng: random.Random, count: int) -> list[str]:
    head = ["##[group]Run pip install -r requirements.txt"]
    body = [
        f"  Collecting pkg{rng.randrange(999)}==1.{k}" if k % 3 else f" {'━' * 20}\r {'━' * 40} 100%"
        for k in range(count)
    ]
    return [*head, *body, "##[endgroup]", "##[group]Run the checks"]


def build_noise(rng: random.Random, count: int) -> list[str]:
    """A long build: installs, C compiler warnings, and passing tests whose names say error and fail."""
    lines = install(rng, count // 3)
    for k in range(count - len(lines)):
        kind = k % 4
        if kind == 0:
            lines.append(f"src/ext/mod{k % 40}.c:{k % 300 + 1}:5: warning: unused variable 'error' [-Wunused-variable]")
        elif kind == 1:
            lines.append(f"tests/test_errors.py::test_error_path_{k} PASSED{' ' * 20}[ {k % 100:2d}%]")
        elif kind == 2:
            lines.append(f"tests/test_retry.py::test_fail_over_{k} \x1b[32mPASSED\x1b[0m")
        else:
            lines.append(
                f"  Requirement already satisfied: errorhandler-{k % 9}.0 in ./venv/lib/python3.11/site-packages"
            )
    return lines


def later(rng: random.Random, count: int) -> list[str]:
    """What a job prints after the failing step: other steps, cache and artifact uploads, cleanup."""
    words = ("Post job cleanup.", "Uploading artifact part", "Cache saved with key", "[command]/usr/bin/git config")
    return [f"{rng.choice(words)} {k}" for k in range(count)]


def recall() -> None:
    logs = corpus()
    limits = Limits()
    excerpt_hits = tail_hits = early = early_tail_misses = over_cap = 0
    long_logs: list[float] = []
    for _, after, text, truth in logs:
        excerpt = distil_text(text, limits=limits)
        kept = {k.strip() for k in excerpt.text.split("\n")}
        tail = {normalise(line).strip() for line in text.splitlines()[-TAIL:]}
        excerpt_ok = all(line in kept for line in truth)
        tail_ok = all(line in tail for line in truth)
        excerpt_hits += excerpt_ok
        tail_hits += tail_ok
        over_cap += len(excerpt.lines) > limits.max_lines or len(excerpt.text.encode()) + 1 > limits.max_bytes
        if after >= TAIL or after == LONG:
            early += 1
            early_tail_misses += not tail_ok
        if excerpt.total_lines > 4_000:
            long_logs.append(len(excerpt.lines) / excerpt.total_lines)
    tools = sorted({name.split("/")[0] for name, *_ in logs})
    distinct = len({name for name, *_ in logs})
    print(f"recall corpus: {len(logs)} CI logs from {distinct} tool logs ({', '.join(tools)}) x 4 wrappings")
    print(f"every failure line kept: excerpt {excerpt_hits}/{len(logs)} ({100 * excerpt_hits / len(logs):.1f}%), "
          f"tail -n {TAIL} {tail_hits}/{len(logs)} ({100 * tail_hits / len(logs):.1f}%)")  # fmt: skip
    print(f"excerpts over the cap ({limits.max_lines} lines / {limits.max_bytes} bytes): {over_cap}")
    print(f"cause early (>= {TAIL} lines after it): {early} logs; the tail misses the cause in {early_tail_misses}")
    if long_logs:
        print(
            f"logs over 4,000 lines: {len(long_logs)}; excerpt is {100 * max(long_logs):.2f}% of the lines at most, "
            f"{100 * sum(long_logs) / len(long_logs):.2f}% on average"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size-mb", type=int, default=500)
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        print(json.dumps(write_huge_log(Path(args.generate), args.size_mb)))
        return
    if args.measure:
        print(json.dumps(measure(Path(args.measure))))
        return
    if not args.skip_throughput:
        throughput(args.size_mb)
    recall()


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
