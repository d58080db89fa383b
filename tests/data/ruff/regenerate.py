"""Recreate the ruff logs in this folder: `python tests/data/ruff/regenerate.py` (needs ruff)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

PROJECT = {
    "pyproject.toml": """
        [tool.ruff]
        line-length = 100

        [tool.ruff.lint]
        select = ["E", "F", "I"]
        """,
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        import os
        import sys
        from typing import List


        def total(items: List[float]) -> float:
            if items == None:
                return 0
            return sum(itms)
        """,
    "src/shop/money.py": """
        def money(x):
            return   '%.2f' % x
        """,
    "src/shop/broken.py": """
        def price(:
            return 1
        """,
}
CLEAN = {"src/ok.py": 'print("ok")\n'}


def main() -> None:
    run(["ruff", "check", "--no-cache", "."], PROJECT, HERE / "check_full.txt")
    run(["ruff", "check", "--no-cache", "--output-format", "concise", "."], PROJECT, HERE / "check_concise.txt")
    run(["ruff", "format", "--no-cache", "--check", "."], PROJECT, HERE / "format_check.txt", expect=(1, 2))
    run(["ruff", "check", "--no-cache", "."], CLEAN, HERE / "check_clean.txt", expect=(0,))


if __name__ == "__main__":
    main()
