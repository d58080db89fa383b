"""The CI providers: a table of the built-in ones, plus plugins from the entry-point
group `suture.ci` (see `suture.plugins`). A provider is one class: `suture.ci.base.Provider`,
its metadata and how to recognise its runs, read their logs and set it up.
"""

from __future__ import annotations

from suture.ci.base import Provider
from suture.ci.github import GitHubActions
from suture.ci.gitlab import GitLabCI
from suture.ci.semaphore import Semaphore
from suture.errors import UsageError
from suture.plugins import Registry

# The built-in providers: a new one is one more class in this tuple. Detection asks them in this
# order, then the plugins.
REGISTRY = Registry[type[Provider]]("suture.ci", "CI provider", (GitHubActions, GitLabCI, Semaphore))
PROVIDERS = REGISTRY.builtin
names, lookup, every = REGISTRY.names, REGISTRY.lookup, REGISTRY.every


def for_init(init_name: str) -> type[Provider]:
    """The provider `suture init <init_name>` sets up."""
    found = {provider.init_name: provider for provider in every()}
    if init_name not in found:
        raise UsageError(f"unknown CI {init_name!r}: choose one of {', '.join(found)}")
    return found[init_name]
