"""`[tool.suture]` in pyproject.toml, or the same keys at the top of suture.toml.

Read from the commit being healed (not the working tree), validated up front with
messages that name the key and the fix. Every option is also a flag; flags win.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from typing import Any

from suture.errors import ConfigError
from suture.source import Source

DEFAULT_TIMEOUT = 600.0


@dataclass(frozen=True)
class Config:
    test_cmds: tuple[str, ...] = ()  # empty: detect
    timeout: float = DEFAULT_TIMEOUT  # seconds, per check run
    origin: str = "defaults"  # where it was read from, for messages


def load(source: Source) -> Config:
    for path, table_of in (("suture.toml", _whole), ("pyproject.toml", _tool_suture)):
        text = source.read(path)
        if text is None:
            continue
        try:
            document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file or remove it") from exc
        table = table_of(document)
        if table is not None:
            return _validate(table, path if path == "suture.toml" else f"{path} [tool.suture]")
    return Config()


def _whole(document: dict[str, Any]) -> dict[str, Any]:
    return document


def _tool_suture(document: dict[str, Any]) -> dict[str, Any] | None:
    table = document.get("tool", {}).get("suture")
    return table if isinstance(table, dict) else None


_KEYS = ("test-cmd", "timeout")


def _validate(table: dict[str, Any], origin: str) -> Config:
    for key in table:
        if key not in _KEYS:
            raise ConfigError(f"{origin}: unknown key {key!r}; the keys suture knows are {', '.join(_KEYS)}")
    return Config(test_cmds=_commands(table, origin), timeout=_timeout(table, origin), origin=origin)


def _commands(table: dict[str, Any], origin: str) -> tuple[str, ...]:
    value = table.get("test-cmd", [])
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f'{origin}: test-cmd must be a command or a list of commands, e.g. test-cmd = ["pytest -q"]')
    return tuple(value)


def _timeout(table: dict[str, Any], origin: str) -> float:
    value = table.get("timeout", DEFAULT_TIMEOUT)
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        raise ConfigError(f"{origin}: timeout must be a positive number of seconds, e.g. timeout = 600")
    return float(value)
