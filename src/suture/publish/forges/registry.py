"""The forges: a table of the built-in ones, plus plugins from the entry-point group
`suture.forges` (see `suture.plugins`). A forge is one class: `suture.publish.forges.base.Forge`,
its metadata and `connect`.

`local` (a branch and a proposal file, no network) is not a forge of this registry: it is
the default, and needs neither a server nor a token.
"""

from __future__ import annotations

from suture.plugins import Registry
from suture.publish.forges.base import Forge
from suture.publish.forges.gitea import GiteaForge
from suture.publish.forges.github import GitHubForge
from suture.publish.forges.gitlab import GitLabForge

LOCAL = "local"

# The built-in forges: a new one is one more class in this tuple.
REGISTRY = Registry[type[Forge]]("suture.forges", "forge", (GitHubForge, GitLabForge, GiteaForge))
FORGES = REGISTRY.builtin
names, lookup, every = REGISTRY.names, REGISTRY.lookup, REGISTRY.every
