"""Virtualenvs, learnt from their files: suture never runs a project's interpreter to ask.

`config` reads a pyvenv.cfg; `installed` the distributions of a site-packages directory (the
dist-info's METADATA and RECORD), so that an upstream breakage is named without running the
environment's Python.

An interpreter in a checkout is the repository's as soon as a commit can add it (a
`.venv/bin/python` that is a shell script, say): run on the host it would have every
secret. Its pyvenv.cfg is a file, read with a size cap, not through a link, and never
waited on (a FIFO or a device in its place reads as no virtualenv).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path

LIMIT = 64 * 1024  # bytes of a pyvenv.cfg read: a real one holds a handful of lines
RECORD_LIMIT = 4 * 1024 * 1024  # bytes of a RECORD read: numpy's is 200 KB
MAX_DISTRIBUTIONS = 5000  # dist-info directories read in one site-packages


def _read(path: Path, limit: int) -> str | None:
    """A regular file's first `limit` bytes, not through a link and never waited on (a FIFO)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, limit).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def config(venv: Path) -> dict[str, str] | None:
    """The keys of `venv`/pyvenv.cfg (lower-cased), or None when `venv` is not a virtualenv."""
    text = _read(venv / "pyvenv.cfg", LIMIT)
    if text is None:
        return None
    pairs = (line.partition("=") for line in text.splitlines())
    return {key.strip().lower(): value.strip() for key, sep, value in pairs if sep and key.strip()}


@dataclass(frozen=True)
class Distribution:
    """An installed distribution, as its dist-info says."""

    name: str  # as its METADATA names it
    version: str
    modules: tuple[str, ...]  # the top-level import names it installs
    local: bool = False  # installed from a directory (the project itself, `pip install -e .`): no index has it


def site_packages(prefix: Path) -> tuple[Path, ...]:
    """The site-packages directories of an environment's prefix (a virtualenv's, say)."""
    lib = prefix / "lib"
    try:
        names = sorted(os.listdir(lib))
    except OSError:
        return ()
    found = (lib / name / "site-packages" for name in names if re.fullmatch(r"python3[\d.]*t?", name))
    return tuple(path for path in found if path.is_dir())


def normal(name: str) -> str:
    """A distribution's name as pip compares them: case and runs of "-", "_", "." do not matter."""
    return re.sub(r"[-_.]+", "-", name).lower()


def installed(site: Path) -> dict[str, Distribution]:
    """The distributions installed in `site`, by normalised name (nothing of them runs)."""
    try:
        infos = sorted(name for name in os.listdir(site) if name.endswith(".dist-info"))[:MAX_DISTRIBUTIONS]
    except OSError:
        return {}
    found: dict[str, Distribution] = {}
    for info in infos:
        dist = _distribution(site / info)
        if dist is not None:
            found[normal(dist.name)] = dist
    return found


def _distribution(info: Path) -> Distribution | None:
    headers = _headers(_read(info / "METADATA", LIMIT) or "")
    name, version = headers.get("name", ""), headers.get("version", "")
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", name) or not re.fullmatch(r"[\w.!+-]{1,100}", version):
        return None
    top = (_read(info / "top_level.txt", LIMIT) or "").split()
    record = _read(info / "RECORD", RECORD_LIMIT) or ""
    top += [_module_of(line.split(",", 1)[0]) for line in record.splitlines()]
    modules = tuple(dict.fromkeys(module for module in top if module.isidentifier()))
    local = '"dir_info"' in (_read(info / "direct_url.json", LIMIT) or "")
    return Distribution(name=name, version=version, modules=modules, local=local)


def _headers(text: str) -> dict[str, str]:
    """METADATA's first headers (up to the blank line before the description), lower-cased keys."""
    found: dict[str, str] = {}
    for line in text.split("\n\n", 1)[0].splitlines():
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() not in found:
            found[key.strip().lower()] = value.strip()
    return found


def _module_of(path: str) -> str:
    """The top-level import name a RECORD path installs ('' for metadata, scripts, caches)."""
    first = path.split("/", 1)[0]
    if first.endswith((".dist-info", ".data")) or first in ("..", "__pycache__") or first.endswith(".pth"):
        return ""
    return first.removesuffix(".py") if "/" in path or first.endswith(".py") else ""


def owner(distributions: dict[str, Distribution], module: str) -> Distribution | None:
    """The one distribution that installs the top-level module of `module` (`a.b.c` -> `a`)."""
    root = module.partition(".")[0]
    found = [dist for dist in distributions.values() if root in dist.modules]
    return found[0] if len(found) == 1 else None
