"""A tool's arguments, checked before the tool sees them, and paths kept inside the repository.

A tool's input schema is a small JSON Schema (an object of string, integer and boolean
properties, some required, none other allowed): `checked` holds arguments to it and says
which argument is wrong and why, so a client (a model) can correct its call.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

from suture.mcp.base import Arguments, ToolError

_TYPES: dict[str, tuple[type, ...]] = {"string": (str,), "integer": (int,), "boolean": (bool,)}


def checked(schema: Mapping[str, Any], arguments: object) -> dict[str, Any]:
    """`arguments` when they fit `schema`; else a ToolError 'invalid-arguments' naming the argument."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise ToolError("invalid-arguments", "the arguments must be a JSON object")
    properties: Mapping[str, Mapping[str, Any]] = schema.get("properties", {})
    for name in arguments:
        if name not in properties:
            known = ", ".join(properties) or "none"
            raise ToolError("invalid-arguments", f"unknown argument {name!r} (known: {known})", argument=name)
    for name in schema.get("required", ()):
        if name not in arguments:
            raise ToolError("invalid-arguments", f"the argument {name!r} is required", argument=name)
    for name, value in arguments.items():
        _check(name, value, properties[name])
    return dict(arguments)


def _check(name: str, value: object, rule: Mapping[str, Any]) -> None:
    kind = rule.get("type", "string")
    wanted = _TYPES[kind]
    if not isinstance(value, wanted) or (kind == "integer" and isinstance(value, bool)):
        raise ToolError("invalid-arguments", f"{name!r} must be a {kind}, not {type(value).__name__}", argument=name)
    if "enum" in rule and value not in rule["enum"]:
        choices = ", ".join(map(str, rule["enum"]))
        raise ToolError("invalid-arguments", f"{name!r} must be one of {choices}", argument=name)
    if isinstance(value, int) and not isinstance(value, bool):
        low, high = rule.get("minimum"), rule.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ToolError("invalid-arguments", f"{name!r} must be from {low} to {high}", argument=name)
    if isinstance(value, str) and "maxLength" in rule and len(value) > rule["maxLength"]:
        raise ToolError("invalid-arguments", f"{name!r} is longer than {rule['maxLength']} characters", argument=name)


def inside(repo: Path, path: str, *, argument: str) -> Path:
    """The file `path` (relative to the repository) names, refused when it leads outside the
    repository: an absolute path, a `..` that climbs out, or a symbolic link pointing out."""
    if not path or "\0" in path:
        raise ToolError("invalid-arguments", f"{argument!r} must name a file of the repository", argument=argument)
    pure = PurePosixPath(path)
    if pure.is_absolute() or os.path.isabs(path):
        raise _outside(path, argument, "an absolute path")
    root = repo.resolve()
    resolved = (root / path).resolve()
    if not resolved.is_relative_to(root):
        how = "a symbolic link out of it" if ".." not in pure.parts else "'..' climbing out of it"
        raise _outside(path, argument, how)
    if resolved.is_relative_to(root / ".git"):
        raise _outside(path, argument, "inside .git")
    return resolved


def _outside(path: str, argument: str, how: str) -> ToolError:
    return ToolError(
        "outside-repository",
        f"{argument} {path!r} is outside the repository ({how}): give a path relative to the repository's root",
        argument=argument,
    )


def text(arguments: Arguments, name: str, default: str = "") -> str:
    value = arguments.get(name, default)
    return value if isinstance(value, str) else default


def number(arguments: Arguments, name: str, default: int) -> int:
    value = arguments.get(name, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default
