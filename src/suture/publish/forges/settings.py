"""The publishing keys of `[tool.suture]`: which forge, labels, draft, caps.

The server URL, the repository and the token's variable are flags (or the CI's own
variables) and never keys: configuration is read from the commit being healed, and a
branch must not be able to send the token to a server or repository of its choosing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from suture.errors import ConfigError
from suture.publish.forges import registry

KEYS = ("forge", "labels", "draft", "max-new-per-hour", "max-open")


@dataclass(frozen=True)
class PublishSettings:
    forge: str = registry.LOCAL
    labels: tuple[str, ...] = ("suture",)
    draft: bool = False
    max_new_per_hour: int = 2
    max_open: int = 10


def parse(table: Mapping[str, Any], origin: str) -> PublishSettings:
    """The publishing settings in `table` (a whole [tool.suture]), validated; other keys are ignored."""
    forge = table.get("forge", registry.LOCAL)
    known = (registry.LOCAL, *registry.names())
    if forge not in known:
        raise ConfigError(f'{origin}: forge must be one of {", ".join(known)}, e.g. forge = "github"')
    labels = table.get("labels", ["suture"])
    if not isinstance(labels, list) or not all(isinstance(v, str) and v.strip() for v in labels):
        raise ConfigError(f'{origin}: labels must be a list of label names, e.g. labels = ["suture", "ci"]')
    draft = table.get("draft", False)
    if not isinstance(draft, bool):
        raise ConfigError(f"{origin}: draft must be true or false")
    return PublishSettings(
        forge, tuple(labels), draft, _count(table, "max-new-per-hour", 2, origin), _count(table, "max-open", 10, origin)
    )


def _count(table: Mapping[str, Any], key: str, default: int, origin: str) -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ConfigError(f"{origin}: {key} must be a whole number of pull requests, e.g. {key} = {default}")
    return value
