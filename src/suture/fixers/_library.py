"""What the standard library has: its modules' attributes, its functions' parameters.

A project may misspell what it uses of the standard library (`uuid.UID`, `hmac.new(...,
digestmode=...)`). The interpreter suture runs on can say what is there: the module is
imported in suture's own process, which runs none of the repository's code (nor any
installed third-party package's). Anything else is unknown here.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import sys

# Standard-library modules never imported here: importing them prints, opens a browser or
# starts CPython's own test machinery.
_NOT_IMPORTED = frozenset({"this", "antigravity", "test", "idlelib", "turtledemo", "tkinter", "turtle"})


def stdlib_module(name: str) -> object | None:
    """The standard-library module `name`, imported here; None for anything else."""
    root = name.partition(".")[0]
    if root not in sys.stdlib_module_names or root in _NOT_IMPORTED:
        return None
    try:
        return importlib.import_module(name)
    except Exception:  # not a module (a class imported from one), or one this machine lacks
        return None


def stdlib_parameters(tree: ast.Module, dotted: str) -> frozenset[str]:
    """The parameter names of what `dotted` (`hmac.new`, `new`, `textwrap.TextWrapper`), as the
    module `tree` imports it, is in the standard library; empty when it is not, or unknown."""
    name = qualified(tree, dotted)
    found = _resolve(name) if name else None
    try:
        signature = inspect.signature(found) if callable(found) else None
    except (TypeError, ValueError):  # a builtin without a signature
        return frozenset()
    if signature is None:
        return frozenset()
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return frozenset(name for name, parameter in signature.parameters.items() if parameter.kind in kinds)


def qualified(tree: ast.Module, dotted: str) -> str | None:
    """`dotted` with its first name replaced by what the module's imports bind it to; None when
    no import binds it."""
    head, _, rest = dotted.partition(".")
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname == head:
                    return ".".join(filter(None, [alias.name, rest]))
                if alias.asname is None and alias.name.partition(".")[0] == head:
                    return dotted
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                if (alias.asname or alias.name) == head:
                    return ".".join(filter(None, [node.module, alias.name, rest]))
    return None


def _resolve(qualified: str) -> object | None:
    """The standard-library object named `qualified`: the longest module prefix, then attributes."""
    parts = qualified.split(".")
    for cut in range(len(parts), 0, -1):
        found = stdlib_module(".".join(parts[:cut]))
        if found is None:
            continue
        for name in parts[cut:]:
            found = getattr(found, name, None)
            if found is None:
                return None
        return found
    return None
