"""A package index on 127.0.0.1 for the upstream-breakage tests: wheels written here, served as
PEP 503 HTML and as the PEP 691 JSON API with PEP 700 upload times, so real pip and real uv
install from it and date-based resolution (`uv pip compile --exclude-newer`) works. No network.

The distributions (`RELEASES`):
- fakedist 1.0 has `api`, 2.0 removed it (nothing named instead), 2.1 brought it back;
- deprdist 2.0 deprecates `api` (a DeprecationWarning naming `new_api`), an error where warnings are;
- olddist 1.0 warns that `api` is deprecated for `new_api`; 2.0 removed it and says nothing;
- objdist 2.0's Engine lost its `execute` method (SQLAlchemy 2's shape: the error names a class);
- movedist 1.0 has `old_name`, 2.0 removed it and says "use movedist.new_name instead";
- parentdist 1.0 calls childdist.helper; childdist 2.0 removed helper (a transitive breakage);
- sdistonly 1.0 is a wheel, 2.0 only an sdist whose setup.py leaves a canary if it ever runs;
- alpha, beta, gamma and delta 1.0 -> 2.0 all changed; only gamma 2.0's `scale` behaves otherwise (a bisect);
- yankdist 1.0 (yanked since) has `api`, 2.0 removed it: the only good release cannot be installed;
- needsnew 1.0 requires fakedist>=2: a pin of fakedist<2 beside it is one the resolver rejects.
pytest and its dependencies are repacked from this interpreter's installation as wheels, so a
prepared environment can run the checks.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import html
import importlib.metadata
import io
import json
import re
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

FAKEDIST_1 = "def api():\n    return 'api'\n"
FAKEDIST_2 = "def other():\n    return 'other'\n"
MOVEDIST_2 = (
    "def new_name():\n    return 'moved'\n\n\n"
    "def __getattr__(name):\n"
    "    if name == 'old_name':\n"
    "        raise AttributeError('movedist.old_name was removed in movedist 2.0; use movedist.new_name instead')\n"
    "    raise AttributeError(f'module movedist has no attribute {name!r}')\n"
)
DEPRDIST_2 = (
    "import warnings\n\n\ndef new_api():\n    return 'api'\n\n\n"
    "def api():\n"
    "    warnings.warn('`api` is deprecated and goes in deprdist 3; use `new_api` instead', DeprecationWarning, 2)\n"
    "    return new_api()\n"
)
OLDDIST_1 = (
    "import warnings\n\n\ndef new_api():\n    return 'api'\n\n\n"
    "def api():\n"
    "    warnings.warn('olddist.api is deprecated; use olddist.new_api instead', DeprecationWarning, 2)\n"
    "    return new_api()\n"
)
SAME = "def one():\n    return 1\n"  # alpha, beta, delta: 2.0 changed nothing the project sees
PARENT = "import childdist\n\n\ndef work():\n    return childdist.helper()\n"


@dataclass(frozen=True)
class Release:
    name: str
    version: str
    uploaded: str  # ISO 8601, as PEP 700 gives it
    files: dict[str, str] = field(default_factory=dict)  # path in the wheel -> text
    requires: tuple[str, ...] = ()
    sdist_only: bool = False
    yanked: str = ""  # the reason PEP 592 gives when the release was yanked ('' when it was not)


RELEASES = (
    Release("fakedist", "1.0", "2026-01-10T10:00:00Z", {"fakedist/__init__.py": FAKEDIST_1}),
    Release("fakedist", "2.0", "2026-06-01T10:00:00Z", {"fakedist/__init__.py": FAKEDIST_2}),
    Release("fakedist", "2.1", "2026-09-01T10:00:00Z", {"fakedist/__init__.py": FAKEDIST_1 + FAKEDIST_2}),
    Release(
        "movedist", "1.0", "2026-01-10T10:00:00Z", {"movedist/__init__.py": "def old_name():\n    return 'moved'\n"}
    ),
    Release("movedist", "2.0", "2026-06-01T10:00:00Z", {"movedist/__init__.py": MOVEDIST_2}),
    Release("deprdist", "1.0", "2026-01-10T10:00:00Z", {"deprdist/__init__.py": "def api():\n    return 'api'\n"}),
    Release("deprdist", "2.0", "2026-06-01T10:00:00Z", {"deprdist/__init__.py": DEPRDIST_2}),
    Release("olddist", "1.0", "2026-01-10T10:00:00Z", {"olddist/__init__.py": OLDDIST_1}),
    Release("olddist", "2.0", "2026-06-01T10:00:00Z", {"olddist/__init__.py": "def new_api():\n    return 'api'\n"}),
    Release(
        "objdist",
        "1.0",
        "2026-01-10T10:00:00Z",
        {"objdist/__init__.py": "class Engine:\n    def execute(self):\n        return 1\n"},
    ),
    Release(
        "objdist",
        "2.0",
        "2026-06-01T10:00:00Z",
        {"objdist/__init__.py": "class Engine:\n    def run(self):\n        return 1\n"},
    ),
    Release("childdist", "1.0", "2026-01-10T10:00:00Z", {"childdist/__init__.py": "def helper():\n    return 'ok'\n"}),
    Release("childdist", "2.0", "2026-06-01T10:00:00Z", {"childdist/__init__.py": "def helper2():\n    return 'ok'\n"}),
    Release("parentdist", "1.0", "2026-01-10T10:00:00Z", {"parentdist/__init__.py": PARENT}, ("childdist",)),
    Release("sdistonly", "1.0", "2026-01-10T10:00:00Z", {"sdistonly/__init__.py": "VALUE = 1\n"}),
    Release("sdistonly", "2.0", "2026-06-01T10:00:00Z", {"sdistonly/__init__.py": "VALUE = 2\n"}, sdist_only=True),
    *(
        Release(name, version, uploaded, {f"{name}/__init__.py": SAME})
        for name in ("alpha", "beta", "delta")
        for version, uploaded in (("1.0", "2026-01-10T10:00:00Z"), ("2.0", "2026-06-01T10:00:00Z"))
    ),
    Release("gamma", "1.0", "2026-01-10T10:00:00Z", {"gamma/__init__.py": "def scale(x):\n    return x * 2\n"}),
    Release("gamma", "2.0", "2026-06-01T10:00:00Z", {"gamma/__init__.py": "def scale(x):\n    return x * 3\n"}),
    Release("yankdist", "1.0", "2026-01-10T10:00:00Z", {"yankdist/__init__.py": FAKEDIST_1}, yanked="broken metadata"),
    Release("yankdist", "2.0", "2026-06-01T10:00:00Z", {"yankdist/__init__.py": FAKEDIST_2}),
    Release("needsnew", "1.0", "2026-01-10T10:00:00Z", {"needsnew/__init__.py": "X = 1\n"}, ("fakedist>=2",)),
)
# Repacked from this interpreter's site-packages: what `python -m pytest` needs (Python 3.11+).
REPACKED = ("pytest", "pluggy", "iniconfig", "packaging", "pygments")
OLD = "2025-01-01T00:00:00Z"  # their upload time: long before every release above


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def wheel(
    name: str, version: str, files: dict[str, bytes], *, requires: tuple[str, ...] = (), extra: str = ""
) -> bytes:
    """A py3-none-any wheel, written by hand: the files, METADATA, WHEEL and RECORD."""
    info = f"{_normal(name).replace('-', '_')}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {spec}\n" for spec in requires)
    entries = {
        **files,
        f"{info}/METADATA": metadata.encode(),
        f"{info}/WHEEL": b"Wheel-Version: 1.0\nGenerator: suture-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    if extra:
        entries[f"{info}/entry_points.txt"] = extra.encode()
    record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in entries.items())
    entries[f"{info}/RECORD"] = (record + f"{info}/RECORD,,\n").encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in entries.items():
            archive.writestr(path, data)
    return buffer.getvalue()


def sdist(name: str, version: str, canary: Path) -> bytes:
    """An sdist whose setup.py writes `canary`: the proof, if it exists, that build code ran."""
    setup = (
        f"open({str(canary)!r}, 'w').write('built')\n"
        f"from setuptools import setup\nsetup(name={name!r}, version={version!r})\n"
    )
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for path, text in ((f"{name}-{version}/setup.py", setup), (f"{name}-{version}/PKG-INFO", f"Name: {name}\n")):
            data = text.encode()
            member = tarfile.TarInfo(path)
            member.size = len(data)
            archive.addfile(member, io.BytesIO(data))
    return buffer.getvalue()


@functools.cache
def repacked(name: str) -> tuple[str, bytes]:
    """An installed distribution of this interpreter as a wheel: (file name, bytes)."""
    dist = importlib.metadata.distribution(name)
    files: dict[str, bytes] = {}
    for path in dist.files or ():
        parts = Path(str(path)).parts
        if (
            parts[0] == ".."
            or path.suffix == ".pyc"
            or parts[-1] in ("RECORD", "INSTALLER", "REQUESTED", "direct_url.json")
        ):
            continue
        if parts[0].endswith(".dist-info") and parts[-1] in ("METADATA", "WHEEL", "entry_points.txt"):
            continue
        files[str(path)] = Path(str(path.locate())).read_bytes()
    requires = tuple(dist.requires or ())
    entry = Path(str(dist.locate_file(""))) / f"{dist._normalized_name}-{dist.version}.dist-info/entry_points.txt"  # type: ignore[attr-defined]
    extra = entry.read_text() if entry.is_file() else ""
    real = dist.metadata["Name"]
    return f"{_normal(real).replace('-', '_')}-{dist.version}-py3-none-any.whl", wheel(
        real, dist.version, files, requires=requires, extra=extra
    )


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass
class Index:
    """The served index: its URL, the requests it saw and their Authorization headers."""

    url: str  # .../simple (no credentials)
    files: dict[str, dict[str, tuple[bytes, str]]]  # project -> file name -> (bytes, upload time)
    yanked: dict[str, str] = field(default_factory=dict)  # file name -> why it was yanked
    seen: list[str] = field(default_factory=list)
    authorizations: list[str] = field(default_factory=list)

    def with_credentials(self, user: str, password: str) -> str:
        return self.url.replace("http://", f"http://{user}:{password}@")


def build_files(canary: Path, releases: tuple[Release, ...] = RELEASES) -> dict[str, dict[str, tuple[bytes, str]]]:
    files: dict[str, dict[str, tuple[bytes, str]]] = {}
    for release in releases:
        project = files.setdefault(_normal(release.name), {})
        if release.sdist_only:
            project[f"{release.name}-{release.version}.tar.gz"] = (
                sdist(release.name, release.version, canary),
                release.uploaded,
            )
            continue
        encoded = {path: text.encode() for path, text in release.files.items()}
        data = wheel(release.name, release.version, encoded, requires=release.requires)
        stem = _normal(release.name).replace("-", "_")
        project[f"{stem}-{release.version}-py3-none-any.whl"] = (data, release.uploaded)
    for name in REPACKED:
        filename, data = repacked(name)
        files.setdefault(_normal(name), {})[filename] = (data, OLD)
    return files


@contextlib.contextmanager
def serve(canary: Path, *, password: str = "", releases: tuple[Release, ...] = RELEASES) -> Iterator[Index]:
    """Serve the index on 127.0.0.1 (`releases`, pytest's own repacked); with `password`, every request
    must carry basic auth for user 'ci'."""
    files = build_files(canary, releases)
    needed = "Basic " + base64.b64encode(f"ci:{password}".encode()).decode() if password else ""
    yanked = {f"{r.name}-{r.version}-py3-none-any.whl": r.yanked for r in RELEASES if r.yanked}
    index = Index(url="", files=files, yanked=yanked)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            self.head = head
            index.seen.append(self.path)
            index.authorizations.append(self.headers.get("Authorization", ""))
            if needed and self.headers.get("Authorization") != needed:
                self._send(401, b"unauthorized", "text/plain", {"WWW-Authenticate": 'Basic realm="index"'})
                return
            parts = [part for part in self.path.split("?")[0].split("/") if part]
            if parts[:1] == ["files"] and len(parts) == 3 and parts[2] in files.get(parts[1], {}):
                self._send(200, files[parts[1]][parts[2]][0], "application/octet-stream")
            elif parts[:1] == ["simple"] and len(parts) == 2 and _normal(parts[1]) in files:
                self._project(_normal(parts[1]))
            elif parts == ["simple"]:
                links = "".join(f'<a href="/simple/{name}/">{name}</a>\n' for name in files)
                self._send(200, f"<html><body>{links}</body></html>".encode(), "text/html")
            else:
                self._send(404, b"not found", "text/plain")

        def _project(self, name: str) -> None:
            found = files[name]
            if "application/vnd.pypi.simple.v1+json" in self.headers.get("Accept", ""):
                listing = {
                    "meta": {"api-version": "1.1"},
                    "name": name,
                    "versions": sorted({_version_of(filename) for filename in found}),
                    "files": [
                        {
                            "filename": filename,
                            "url": f"/files/{name}/{filename}",
                            "hashes": {"sha256": hashlib.sha256(data).hexdigest()},
                            "upload-time": uploaded,
                            **({"yanked": yanked[filename]} if filename in yanked else {}),
                        }
                        for filename, (data, uploaded) in found.items()
                    ],
                }
                self._send(200, json.dumps(listing).encode(), "application/vnd.pypi.simple.v1+json")
                return
            links = "".join(
                f'<a href="/files/{name}/{html.escape(filename)}#sha256={hashlib.sha256(data).hexdigest()}"'
                + (f' data-yanked="{html.escape(yanked[filename])}"' if filename in yanked else "")
                + f">{html.escape(filename)}</a>\n"
                for filename, (data, _) in found.items()
            )
            self._send(200, f"<html><body>{links}</body></html>".encode(), "text/html")

        def _send(self, status: int, body: bytes, kind: str, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not self.head:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    index.url = f"http://127.0.0.1:{server.server_address[1]}/simple"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield index
    finally:
        server.shutdown()
        server.server_close()


def _version_of(filename: str) -> str:
    stem = filename.removesuffix(".tar.gz").removesuffix(".whl")
    return stem.split("-")[1]
