"""Recreate the isort logs in this folder: `python tests/data/isort/regenerate.py` (needs isort)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

PROJECT = {
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        import sys
        import os
        from shop import money
        import json
        """,
    "src/shop/money.py": """
        from typing import List, Dict
        import re
        """,
    "src/shop/ok.py": "import os\n",
}


def main() -> None:
    run(["isort", "--check-only", "."], PROJECT, HERE / "check.txt")
    run(["isort", "--check-only", "--diff", "."], PROJECT, HERE / "check_diff.txt")


if __name__ == "__main__":
    main()
