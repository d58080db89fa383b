"""Which standard-library modules export a name: `HTMLParser` -> html.parser, `Path` -> pathlib.

The table is generated (`python -m suture.fixers._stdlib_names`, which imports every public
standard-library module in that process) and shipped as `stdlib_names.json`, so a heal reads
it instead of importing anything; `tests/test_stdlib_names.py` keeps it honest (every entry
resolves, and on the interpreter version that made it, regenerating gives the same table).
A name that more than `_HOMES` modules export, or a builtin, is left out: it says nothing.
"""

from __future__ import annotations

import builtins
import contextlib
import importlib
import io
import json
import pkgutil
import sys
import warnings
from functools import lru_cache
from pathlib import Path
from types import ModuleType

TABLE = Path(__file__).with_name("stdlib_names.json")
_HOMES = 3
# Modules that are another's implementation on some platform: named as code imports them.
_PLATFORM = {"posixpath": "os.path", "ntpath": "os.path", "genericpath": "os.path", "posix": "os", "nt": "os"}
# Never imported, even to generate the table: they print, open windows, or are CPython's own tests and tools;
# distutils is setuptools' copy wherever setuptools is installed (its names depend on what else is: docutils).
_SKIPPED = frozenset(
    {"this", "antigravity", "test", "idlelib", "turtledemo", "tkinter", "turtle", "lib2to3", "pydoc_data"}
    | {"ensurepip", "venv", "pydoc", "__phello__", "distutils"}
)


@lru_cache(maxsize=1)
def _table() -> dict[str, list[str]]:
    names: dict[str, list[str]] = json.loads(TABLE.read_text(encoding="utf-8"))["names"]
    return names


def homes(name: str) -> list[str]:
    """The standard-library modules that export `name`, shortest first; [] when none or too many."""
    return list(_table().get(name, []))


def generate() -> dict[str, object]:
    """The table for the interpreter running this: {"python": "3.11", "names": {name: [modules]}}."""
    found: dict[str, set[str]] = {}
    with (
        warnings.catch_warnings(),
        contextlib.redirect_stdout(io.StringIO()),
        contextlib.redirect_stderr(io.StringIO()),
    ):
        warnings.simplefilter("ignore")
        for module in _modules():
            for name in _exports(module):
                found.setdefault(name, set()).add(_PLATFORM.get(module.__name__, module.__name__))
    names = {}
    for name, modules in sorted(found.items()):
        kept = sorted(modules, key=lambda m: (m.count("."), m))
        # a package that re-exports its submodule's name (asyncio, asyncio.tasks) is one home
        kept = [m for m in kept if not any(m.startswith(other + ".") for other in kept if other != m)]
        if name not in vars(builtins) and len(kept) <= _HOMES:
            names[name] = kept
    return {"python": f"{sys.version_info.major}.{sys.version_info.minor}", "names": names}


def _modules() -> list[ModuleType]:
    """Every public standard-library module and its public submodules, as imported here."""
    found = []
    for name in sorted(sys.stdlib_module_names):
        if not name.startswith("_") and name not in _SKIPPED:
            found += _with_submodules(name)
    return found


def _with_submodules(name: str) -> list[ModuleType]:
    module = _imported(name)
    if module is None:
        return []
    found = [module]
    for sub in pkgutil.iter_modules(getattr(module, "__path__", [])):
        if not sub.name.startswith("_") and sub.name not in ("test", "tests", "__main__"):
            found += _with_submodules(f"{name}.{sub.name}")
    return found


def _imported(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except Exception:  # absent on this platform, or needs what this machine lacks
        return None


def _exports(module: ModuleType) -> list[str]:
    """The module's public names: its `__all__`, else what it defines itself (not modules)."""
    public = getattr(module, "__all__", None)
    if isinstance(public, list | tuple):
        names = [name for name in public if isinstance(name, str) and not name.startswith("_")]
        return [name for name in names if not isinstance(getattr(module, name, None), ModuleType | None)]
    return [
        name
        for name, value in vars(module).items()
        if not name.startswith("_") and getattr(value, "__module__", None) == module.__name__
    ]


if __name__ == "__main__":
    TABLE.write_text(json.dumps(generate(), indent=0, sort_keys=True) + "\n", encoding="utf-8")
