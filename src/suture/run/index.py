"""The package index the project installs from: its releases of a distribution, and when each
was uploaded (the PEP 691 JSON API with PEP 700's `upload-time`).

The index's URL may carry credentials (`https://user:token@host/simple`): they go into an
Authorization header of suture's own request on the host and nowhere else; `public` is the URL
as it may be shown. An index that cannot be read is a `Listing` with a problem, not an error.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit, urlunsplit

if TYPE_CHECKING:  # reading a CI log imports this module and stays offline: the HTTP client and
    from packaging.version import Version  # packaging are imported when an index is asked

JSON = "application/vnd.pypi.simple.v1+json"
_UPLOADED = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?")
_VERSION = re.compile(r"[\w.!+]{1,100}")  # what a release's file name may give as its version
LIMIT = 32 * 1024 * 1024  # bytes of one project's listing read (numpy's is a few MB)
TIMEOUT = 20.0


@dataclass(frozen=True)
class Release:
    version: str
    uploaded: str  # the earliest upload time of its files, ISO 8601 ('' when the index does not say)
    wheels: bool  # whether any file is a wheel
    yanked: bool  # whether every file is yanked
    why_yanked: str = ""  # the reason PEP 592 gives (one line, bounded; '' when none or not yanked)
    hashes: tuple[str, ...] = ()  # 'sha256:<hex>' of each of its files, as the index lists them


@dataclass(frozen=True)
class Listing:
    releases: tuple[Release, ...]  # oldest version first
    problem: str = ""  # why the index could not be read ('' when it was)

    def get(self, version: str) -> Release | None:
        return next((release for release in self.releases if _same(release.version, version)), None)


def public(url: str) -> str:
    """`url` without its credentials: what may be shown, logged or proposed."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))


def releases(index: str, name: str, *, timeout: float = TIMEOUT) -> Listing:
    """The releases of `name` on the simple index at `index` (its JSON form)."""
    import urllib.error
    import urllib.request

    parts = urlsplit(index)
    url = f"{public(index).rstrip('/')}/{quote(re.sub(r'[-_.]+', '-', name).lower())}/"
    request = urllib.request.Request(url, headers={"Accept": JSON})
    if parts.username is not None:
        pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}".encode()
        request.add_unredirected_header("Authorization", "Basic " + base64.b64encode(pair).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = json.loads(response.read(LIMIT))
    except (OSError, ValueError) as exc:  # urllib's URLError and HTTPError are OSErrors
        return Listing((), f"the index at {public(index)} could not be read for {name}: {_why(exc)}")
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return Listing((), f"the index at {public(index)} gave no JSON listing for {name}")
    return Listing(_releases(data["files"]))


def _why(exc: Exception) -> str:
    code, reason = getattr(exc, "code", None), getattr(exc, "reason", None)
    if isinstance(code, int):
        return f"HTTP {code}"
    return str(reason) if reason is not None else type(exc).__name__


def _releases(files: list[Any]) -> tuple[Release, ...]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in files:
        if isinstance(entry, dict) and isinstance(entry.get("filename"), str):
            version = _version_of(entry["filename"])
            if _VERSION.fullmatch(version):  # the index's text reaches the proposal: versions only
                found.setdefault(version, []).append(entry)
    listed = [
        Release(
            version=version,
            uploaded=min(
                (str(f["upload-time"]) for f in entries if _UPLOADED.fullmatch(str(f.get("upload-time")))), default=""
            ),
            wheels=any(f["filename"].endswith(".whl") for f in entries),
            yanked=all(bool(f.get("yanked")) for f in entries),
            why_yanked=next((_reason(f["yanked"]) for f in entries if isinstance(f.get("yanked"), str)), ""),
            hashes=tuple(sorted(filter(None, map(_sha256, entries)))),
        )
        for version, entries in found.items()
    ]
    return tuple(sorted(listed, key=lambda release: key(release.version)))


def _sha256(entry: dict[str, Any]) -> str:
    """A file's 'sha256:<hex>' from its listing ('' when it gives none that looks like one)."""
    hashes = entry.get("hashes")
    value = hashes.get("sha256") if isinstance(hashes, dict) else None
    return f"sha256:{value}" if isinstance(value, str) and re.fullmatch(r"[0-9a-f]{64}", value) else ""


def _reason(text: str) -> str:
    """A yank's reason as it may be shown: the index's text, one line of printable characters, bounded."""
    return " ".join("".join(c for c in text if c.isprintable()).split())[:200]


def _version_of(filename: str) -> str:
    """The version in a wheel's or an sdist's file name ('' when it names none)."""
    if filename.endswith(".whl"):
        parts = filename.split("-")
        return parts[1] if len(parts) >= 5 else ""
    for suffix in (".tar.gz", ".zip", ".tar.bz2"):
        if filename.endswith(suffix):
            stem = filename.removesuffix(suffix)
            return stem.rpartition("-")[2] if "-" in stem else ""
    return ""


def key(version: str) -> tuple[int, Version | str]:
    """A sort key: PEP 440 versions in their order, anything else before them."""
    from packaging.version import InvalidVersion, Version

    try:
        return (1, Version(version))
    except InvalidVersion:
        return (0, version)


def stable(version: str) -> bool:
    """Whether `version` is a final release (not a/b/rc/dev): what an installer picks unless asked."""
    from packaging.version import InvalidVersion, Version

    try:
        return not Version(version).is_prerelease
    except InvalidVersion:
        return False


def _same(a: str, b: str) -> bool:
    return key(a) == key(b)
