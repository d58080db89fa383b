"""Recreate the black logs in this folder: `python tests/data/black/regenerate.py` (needs black)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

PROJECT = {
    "pyproject.toml": "[tool.black]\n",
    "src/shop/__init__.py": "",
    "src/shop/money.py": """
        def money(x):
            return   '%.2f' % x
        """,
    "src/shop/cart.py": """
        def total(items): return sum( items )
        """,
    "src/shop/ok.py": "X = 1\n",
    "src/shop/broken.py": """
        def price(:
            return 1
        """,
}


def main() -> None:
    run(["black", "--check", "."], PROJECT, HERE / "check.txt", expect=(123,))
    unbroken = {k: v for k, v in PROJECT.items() if k != "src/shop/broken.py"}
    run(["black", "--check", "--diff", "."], unbroken, HERE / "check_diff.txt")
    run(["black", "--check", "-v", "."], unbroken, HERE / "check_verbose.txt")


if __name__ == "__main__":
    main()
