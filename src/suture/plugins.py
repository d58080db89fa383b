"""A registry of classes by name: the built-in ones in a table (their classes, keyed by their
`name`), third parties' through an entry-point group. The forges (`publish/forges/registry.py`) and the CI providers
(`ci/registry.py`) are registries of this kind; a plugin is one class and two lines of its
pyproject.toml:

    [project.entry-points."<group>"]
    name = "my_package.module:MyClass"
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib.metadata import EntryPoint, entry_points
from typing import ClassVar, Generic, Protocol, TypeVar

from suture.errors import UsageError


class Named(Protocol):
    name: ClassVar[str]  # the registry name


T = TypeVar("T", bound=type[Named])


class Registry(Generic[T]):
    def __init__(self, group: str, noun: str, builtin: Iterable[T]) -> None:
        self.group = group
        self.noun = noun  # what one is called in messages: "forge", "CI provider"
        self.builtin = {cls.name: cls for cls in builtin}  # the built-in table, by name
        self._found: list[EntryPoint] | None = None

    def _plugins(self) -> list[EntryPoint]:
        # Scanned once: the installed distributions do not change while a command runs.
        if self._found is None:
            self._found = [plugin for plugin in entry_points(group=self.group) if plugin.name not in self.builtin]
        return self._found

    def names(self) -> tuple[str, ...]:
        """Every name, built-in first, without loading any plugin."""
        return (*self.builtin, *sorted(plugin.name for plugin in self._plugins()))

    def lookup(self, name: str) -> T:
        """The class called `name`: built in, else a plugin's (loaded now: its import errors show)."""
        if name in self.builtin:
            return self.builtin[name]
        for plugin in self._plugins():
            if plugin.name == name:
                found: T = plugin.load()
                return found
        raise UsageError(f"unknown {self.noun} {name!r}: choose one of {', '.join(self.names())}")

    def every(self) -> list[T]:
        """Every class whose module loads, built-in first. A plugin that does not load is left out
        (a broken plugin must not break `--help` or every command); `lookup` says why it fails."""
        found = list(self.builtin.values())
        for plugin in self._plugins():
            try:
                found.append(plugin.load())
            except (ImportError, AttributeError):
                continue
        return found
