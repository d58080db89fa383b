"""The package index the *user* installs from: their variables, their uv.toml, their pip.conf.

    configured(environ) -> Configured     the URL (credentials and all) and where it was read

Never the project's own configuration: a commit's `pip.conf`, `uv.toml` or pyproject's
`[tool.uv]` could send the user's index credentials to a host of the commit's choosing, so they
are not read, and the installer runs outside the checkout with its own configuration off
(run/environments.py). The order is the installers' own, the first found wins:

1. the variables `UV_DEFAULT_INDEX`, `UV_INDEX_URL`, `PIP_INDEX_URL`;
2. the user's uv.toml (`UV_CONFIG_FILE`, else `$XDG_CONFIG_HOME/uv/uv.toml` or `~/.config/uv/uv.toml`,
   then the system's `/etc/uv/uv.toml`): the `[[index]]` marked `default = true`, else `index-url`,
   else `[pip]`'s `index-url`;
3. the user's pip configuration (`PIP_CONFIG_FILE`, then `~/.config/pip/pip.conf` or
   `$XDG_CONFIG_HOME/pip/pip.conf`, `~/.pip/pip.conf`, then `/etc/pip.conf` and `/etc/xdg/pip/pip.conf`):
   `[install]`'s `index-url`, else `[global]`'s.

A virtualenv's own `pip.conf` is not read (a `.venv` can be the checkout's). Extra indexes
(`extra-index-url`, `[[index]]` without `default`) are not followed: suture installs from one.
Files are read as regular files of at most 1 MiB, never waited on (a FIFO reads as nothing).
"""

from __future__ import annotations

import configparser
import os
import stat
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

VARIABLES = ("UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL")
LIMIT = 1024 * 1024


@dataclass(frozen=True)
class Configured:
    url: str  # may carry credentials: for the installer's environment on the host only
    where: str  # the variable or file it came from (no credentials)


def configured(environ: Mapping[str, str]) -> Configured | None:
    """The user's index, or None when nothing of theirs names one (the installers' default: PyPI)."""
    for name in VARIABLES:
        if environ.get(name):
            return Configured(environ[name], name)
    for path in _uv_files(environ):
        url = _uv_index(_read(path))
        if url:
            return Configured(url, str(path))
    for path in _pip_files(environ):
        url = _pip_index(_read(path))
        if url:
            return Configured(url, str(path))
    return None


def _config_home(environ: Mapping[str, str]) -> Path | None:
    if environ.get("XDG_CONFIG_HOME", "").startswith("/"):
        return Path(environ["XDG_CONFIG_HOME"])
    return Path(environ["HOME"]) / ".config" if environ.get("HOME", "").startswith("/") else None


def _uv_files(environ: Mapping[str, str]) -> Iterator[Path]:
    if environ.get("UV_CONFIG_FILE"):
        yield Path(environ["UV_CONFIG_FILE"])
        return  # uv reads that file alone
    home = _config_home(environ)
    if home is not None:
        yield home / "uv" / "uv.toml"
    yield Path("/etc/uv/uv.toml")


def _pip_files(environ: Mapping[str, str]) -> Iterator[Path]:
    """pip's files, the one that wins first (pip loads them the other way round, the last winning)."""
    named = environ.get("PIP_CONFIG_FILE", "")
    if named == os.devnull:
        return  # pip reads no configuration at all
    if named:
        yield Path(named)
    home = _config_home(environ)
    if home is not None:
        yield home / "pip" / "pip.conf"
    if environ.get("HOME", "").startswith("/"):
        yield Path(environ["HOME"]) / ".pip" / "pip.conf"
    yield from (Path("/etc/pip.conf"), Path("/etc/xdg/pip/pip.conf"))


def _uv_index(text: str) -> str:
    try:
        data: dict[str, Any] = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError):
        return ""
    indexes = data.get("index")
    if isinstance(indexes, list):
        for entry in indexes:
            if isinstance(entry, dict) and entry.get("default") is True and isinstance(entry.get("url"), str):
                return str(entry["url"])
    pip = data.get("pip")
    for table in (data, pip if isinstance(pip, dict) else {}):
        if isinstance(table.get("index-url"), str):
            return str(table["index-url"])
    return ""


def _pip_index(text: str) -> str:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return ""
    for section in ("install", "global"):
        for key in ("index-url", "index_url"):
            if parser.has_option(section, key) and parser.get(section, key).strip():
                return parser.get(section, key).strip()
    return ""


def _read(path: Path) -> str:
    """A regular file's first LIMIT bytes ('' when it is not one): never waited on."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return ""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return ""
        return os.read(fd, LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return ""
    finally:
        os.close(fd)
