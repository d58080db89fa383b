"""`suture init mcp --client NAME` (or `init-mcp`): the configuration that makes a coding agent start `suture mcp`.

    claude  .mcp.json (Claude Code, the project's)        {"mcpServers": {"suture": {...}}}
    cursor  .cursor/mcp.json (the project's)              {"mcpServers": {"suture": {...}}}
    vscode  .vscode/mcp.json (the project's)              {"servers": {"suture": {"type": "stdio", ...}}}
    codex   ~/.codex/config.toml (the user's, all projects)  [mcp_servers.suture]

Writing merges suture's entry into a file that exists and keeps every other server in it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from suture.errors import UsageError

COMMAND = "suture"
ARGS = ("mcp",)


@dataclass(frozen=True)
class Client:
    name: str
    title: str
    path: str  # relative to the project, or to the home directory when `home`
    home: bool  # the user's configuration, not the project's
    key: str  # the JSON object holding the servers ('' for TOML)
    stdio_type: bool = False  # the entry says "type": "stdio"


CLIENTS = {
    client.name: client
    for client in (
        Client("claude", "Claude Code", ".mcp.json", False, "mcpServers"),
        Client("codex", "Codex", ".codex/config.toml", True, ""),
        Client("cursor", "Cursor", ".cursor/mcp.json", False, "mcpServers"),
        Client("vscode", "VS Code", ".vscode/mcp.json", False, "servers", stdio_type=True),
    )
}


def entry(client: Client) -> dict[str, Any]:
    typed: dict[str, Any] = {"type": "stdio"} if client.stdio_type else {}
    return {**typed, "command": COMMAND, "args": list(ARGS)}


def snippet(client: Client) -> str:
    """The configuration, alone: what to paste."""
    if not client.key:
        return _toml()
    return json.dumps({client.key: {"suture": entry(client)}}, indent=2) + "\n"


def merged(client: Client, existing: str | None, *, where: str) -> str:
    """The file `where` with suture's entry in it (a new file when `existing` is None)."""
    if existing is None or not existing.strip():
        return snippet(client)
    if not client.key:
        if "[mcp_servers.suture]" in existing:
            raise UsageError(f"{where} configures suture already ([mcp_servers.suture]): edit it there")
        return existing.rstrip("\n") + "\n\n" + _toml()
    try:
        document = json.loads(existing)
    except ValueError as exc:
        raise UsageError(f"{where} is not valid JSON ({exc}): fix it, or add the snippet by hand") from exc
    servers = document.get(client.key, {}) if isinstance(document, dict) else None
    if not isinstance(servers, dict):
        raise UsageError(f"{where}: {client.key!r} is not an object of servers: add the snippet by hand")
    document[client.key] = {**servers, "suture": entry(client)}
    return json.dumps(document, indent=2) + "\n"


def _toml() -> str:
    args = ", ".join(json.dumps(arg) for arg in ARGS)
    return f'[mcp_servers.suture]\ncommand = "{COMMAND}"\nargs = [{args}]\n'
