"""The providers: a dict literal of the built-in ones, plus plugins from the entry-point group
`suture.providers`. A plugin is one class (see `suture.llm.base.Provider`) and two lines of
its pyproject.toml:

    [project.entry-points."suture.providers"]
    myprovider = "my_package.module:MyProvider"
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points

from suture.llm.base import Endpoint, Provider, ProviderError
from suture.llm.providers.anthropic import AnthropicProvider
from suture.llm.providers.openai import OpenAIProvider
from suture.llm.settings import ModelSettings

GROUP = "suture.providers"

PROVIDERS: dict[str, type[Provider]] = {
    "openai": OpenAIProvider,
    "anthropic": AnthropicProvider,
}


def lookup(name: str) -> type[Provider]:
    """The provider class called `name`: built in, else a plugin's."""
    if name in PROVIDERS:
        return PROVIDERS[name]
    plugins = entry_points(group=GROUP)
    for plugin in plugins:
        if plugin.name == name:
            provider: type[Provider] = plugin.load()
            return provider
    known = ", ".join(["none", *PROVIDERS, *sorted(p.name for p in plugins)])
    raise ProviderError(f"unknown provider {name!r}: the providers are {known} (plugins add more)")


def connect(settings: ModelSettings, read_key: Callable[[str], str | None]) -> Provider:
    """A provider ready for requests; `read_key(name)` gives an environment variable's value
    (the CLI's os.environ.get: the library never reads the environment itself). The key goes
    only where `settings.withheld` allows: the provider's own URL or an endpoint the user named."""
    provider = lookup(settings.provider)
    variable = settings.api_key_env or provider.key_env_var
    key = None if settings.withheld(variable) else read_key(variable) or None
    if key is None and not settings.local:
        raise ProviderError(
            f"the {provider.name} provider needs an API key: set {variable} "
            f"(export {variable}=...), or name the variable that holds it with --api-key-env; "
            "a server on this machine (--base-url http://127.0.0.1:PORT/v1) needs none"
        )
    return provider(Endpoint(model=settings.model, base_url=settings.base_url, api_key=key, key_env_var=variable))
