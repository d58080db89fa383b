"""Redaction benchmark: the redactor's time grows with the text's length, not its square.

    python bench/redact_bench.py              # 1, 4 and 16 MB of each shape
    python bench/redact_bench.py --sizes 1 2  # other sizes, in MB

Each shape is one line without spaces, the kind that made the old patterns backtrack
(minified output, `----` rulers, `a.b.c` paths, base64 blobs) plus ordinary log lines, with
a secret-named environment variable set (so the literal, URL- and base64-encoded forms of its
value are searched too) and one assignment of a random token at the end that must go.
Prints MB/s per shape and size; linear time shows as the same MB/s at every size.
"""

from __future__ import annotations

import argparse
import time

from suture.redact import Redactor

SECRET = "s3cr3t-Value-9x8y7z"
SHAPES = {
    "dashes (a-a-a-...)": "a-",
    "dots (a.a.a....)": "a.",
    "word run (xxxx...)": "x",
    "base64 blob": "QUJD",
    "secret words (tokentoken...)": "token",
    # Shapes a hostile repository can print to make a backtracking redactor quadratic.
    "cut token heads (AKIA-AKIA-...)": "AKIA-",
    "cut jwt heads (eyJ-eyJ-...)": "eyJ-",
    "keys in a value (password=password=...)": "password=",
    "keys with a colon (token: token: ...)": "token: ",
    "ellipses (sk-ant-...sk-ant-...)": "sk-ant-...",
    "cut secret heads (s3cr3t-Va...)": "s3cr3t-Va...",
    "log lines": "2026-12-02T10:00:00Z Collecting requests==2.32.3 (from -r requirements.txt (line 4))\n",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 4, 16], help="sizes in MB")
    args = parser.parse_args()
    redactor = Redactor({"DEPLOY_TOKEN": SECRET})
    print(f"{'shape':32} {'MB':>6} {'seconds':>8} {'MB/s':>7}  secret gone")
    for name, unit in SHAPES.items():
        for size in args.sizes:
            text = unit * int(size * 1_000_000 / len(unit)) + " token=Zx9Qw8Er7Ty6Ui5Op4As " + SECRET
            start = time.perf_counter()
            out = redactor.redact(text)
            seconds = time.perf_counter() - start
            gone = SECRET not in out and "Zx9Qw8Er7Ty6Ui5Op4As" not in out
            print(f"{name:32} {size:6.0f} {seconds:8.3f} {len(text) / 1e6 / seconds:7.1f}  {gone}")


if __name__ == "__main__":
    main()
