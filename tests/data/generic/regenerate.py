"""Recreate the compiler logs in this folder: `python tests/data/generic/regenerate.py`.

Tools no parser knows by name, whose diagnostics have the `path:line[:col]: message`
shape the generic parser reads: gcc, javac, and rustc (its `--> path:line:col` form).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

C = {
    "src/cart.c": """
        #include <stdio.h>

        int total(int *items, int n) {
            int sum = 0;
            for (int i = 0; i < n; i++) {
                sum += itms[i];
            }
            return sum
        }
        """,
}
JAVA = {
    "src/Cart.java": """
        public class Cart {
            public int total(int[] items) {
                int sum = 0;
                for (int item : items) {
                    sum += item;
                }
                return summ;
            }
        }
        """,
}
RUST = {
    "src/main.rs": """
        fn total(items: &[i32]) -> i32 {
            items.iter().sum()
        }

        fn main() {
            let items = vec![1, 2, 3];
            println!("{}", total(&itms));
        }
        """,
}


def main() -> None:
    os.environ["LC_ALL"] = "C"  # gcc's quotes in ASCII, as a CI runner's default locale has them
    run(["gcc", "-c", "-Wall", "src/cart.c", "-o", "/dev/null"], C, HERE / "gcc.txt")
    run(["javac", "-d", "out", "src/Cart.java"], JAVA, HERE / "javac.txt")
    run(["rustc", "--color", "never", "--out-dir", "out", "src/main.rs"], RUST, HERE / "rustc.txt")


if __name__ == "__main__":
    main()
