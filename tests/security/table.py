"""Held/tried per attack class, from the attacks the suite collects: `python tests/security/table.py`.

An attack is held when its [held] case carries no xfail marker (`open` is empty). With
--open, also list the attacks not held yet, one line each: what gets through.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from attack import CLASSES, Attack  # noqa: E402


def attacks() -> list[Attack]:
    found: list[Attack] = []
    for module in sorted(HERE.glob("test_class*.py")):
        found += importlib.import_module(module.stem).ATTACKS
    return found


def table(found: list[Attack]) -> str:
    lines = ["| class | threat | held / tried |", "|---|---|---|"]
    for number, threat in CLASSES.items():
        tried = [attack for attack in found if attack.cls == number]
        held = [attack for attack in tried if not attack.open]
        lines.append(f"| {number} | {threat} | {len(held)} / {len(tried)} |")
    held_all = sum(1 for attack in found if not attack.open)
    lines.append(f"| all | | {held_all} / {len(found)} |")
    return "\n".join(lines)


def still_open(found: list[Attack]) -> str:
    return "\n".join(f"- class {a.cls} `{a.name}`: {a.open}" for a in found if a.open)


def main(argv: list[str]) -> int:
    found = attacks()
    print(table(found))
    if "--open" in argv:
        print("\nNot held yet:\n" + still_open(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
