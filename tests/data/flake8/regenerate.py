"""Recreate the flake8 logs in this folder: `python tests/data/flake8/regenerate.py` (needs flake8)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

# `\x20`: a trailing space in the source, for W291.
PROJECT = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        import os


        def total(items):
            if items == None:
                return 0
            return sum(itms)
        def tax(x):
            return x*0.2\x20
        """,
    "src/shop/broken.py": """
        def price(:
            return 1
        """,
}


def main() -> None:
    run(["flake8", "."], PROJECT, HERE / "default.txt")
    run(["flake8", "--show-source", "src"], PROJECT, HERE / "show_source.txt")


if __name__ == "__main__":
    main()
