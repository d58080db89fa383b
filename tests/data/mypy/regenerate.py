"""Recreate the mypy logs in this folder: `python tests/data/mypy/regenerate.py` (needs mypy)."""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

PROJECT = {
    "pyproject.toml": """
        [tool.mypy]
        strict = true
        mypy_path = "src"
        """,
    "src/shop/__init__.py": "",
    "src/shop/cart.py": """
        from shop.money import money


        class Cart:
            def __init__(self) -> None:
                self.items: list[float] = []

            def total(self) -> str:
                return sum(self.items)


        def label(cart: Cart) -> str:
            return money(cart.totl())


        def untyped(x):
            return x
        """,
    "src/shop/money.py": """
        def money(value: float) -> str:
            return f"{value:.2f}"
        """,
}
SYNTAX = {"src/shop/__init__.py": "", "src/shop/broken.py": "def price(:\n    return 1\n"}


def main() -> None:
    run([sys.executable, "-m", "mypy", "--no-incremental", "src"], PROJECT, HERE / "strict.txt")
    run(
        [sys.executable, "-m", "mypy", "--no-incremental", "--show-error-context", "--pretty", "src"],
        PROJECT,
        HERE / "pretty.txt",
    )
    run([sys.executable, "-m", "mypy", "--no-incremental", "src"], SYNTAX, HERE / "syntax.txt", expect=(2,))


if __name__ == "__main__":
    main()
