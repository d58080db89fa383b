"""Recreate the plain Python tracebacks in this folder: `python tests/data/traceback/regenerate.py`.

Each scenario is a small script run with `python`; its stderr is a traceback as any CI
step that runs Python shows it.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402

APP = {
    "app/__init__.py": "",
    "app/config.py": """
        import json
        import os


        def port(env):
            try:
                return int(env["PORT"])
            except KeyError:
                raise ValueError("PORT is not set")


        def load(text):
            try:
                return json.loads(text)
            except json.JSONDecodeError as exc:
                raise RuntimeError("bad settings file") from exc


        def workers():
            return os.cpu_count() + None
        """,
    "main_nameerror.py": """
        def greet(name):
            return "Hello, " + nme


        print(greet("Ada"))
        """,
    "main_chained.py": """
        from app.config import port

        port({})
        """,
    "main_cause.py": """
        from app.config import load

        load("{oops")
        """,
    "main_typeerror.py": """
        from app.config import workers

        workers()
        """,
    "main_syntax.py": """
        import app.broken
        """,
    "app/broken.py": """
        def price(x)
            return x
        """,
    "main_module.py": """
        import app.missing
        """,
}


def main() -> None:
    for name in ("nameerror", "chained", "cause", "typeerror", "syntax", "module"):
        run([sys.executable, f"main_{name}.py"], APP, HERE / f"{name}.txt")


if __name__ == "__main__":
    main()
