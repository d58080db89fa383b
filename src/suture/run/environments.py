"""Candidate environments: a virtualenv suture prepares for one set of requirements, outside the
sandbox, in a cache directory of its own, and then hands to the sandbox read-only.

The checks run with no network, so a candidate that changes a dependency (a pin, a lock moved
forward) is verified in an environment installed beforehand. Installing is where a dependency's
own code could run, so:
- wheels only (`--only-binary :all:`): no package's build code runs; a release with no wheel is
  reported, never built;
- into a new directory under `cache` only, never an environment of the user's: the target is
  created here and must not exist before, `VIRTUAL_ENV` is removed from the installer's
  environment and the interpreter named explicitly;
- from the project's index, whose credentials travel only in the installer's environment on the
  host: never in an argv (`ps` shows those), the sandbox, the model or the proposal;
- cached by the resolved set: the same pins reuse the same environment.
uv when it is installed (fast), else pip.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from suture.errors import SutureError, UsageError
from suture.run import index
from suture.run.process import program, run
from suture.run.sandbox import Sandbox
from suture.run.supervisor import Limit

TIMEOUT = 600.0
READY = ".suture-ready"  # written last: an environment without it is half made (a killed run's)


@dataclass(frozen=True)
class Installer:
    """Where to install from and with what: the project's index and the interpreter to base it on."""

    python: str  # the base interpreter, absolute (the checks' Python version)
    index_url: str = ""  # the project's index ('' for the installer's default); may carry credentials
    cache: Path = Path()  # suture's own directory of environments
    uv: str = ""  # uv's absolute path ('' to use pip)
    timeout: float = TIMEOUT


@dataclass(frozen=True)
class Prepared:
    venv: Path | None  # None when it could not be made
    resolved: tuple[str, ...]  # name==version, sorted
    problem: str = ""  # why not, in a sentence that names what failed (credentials removed)
    reused: bool = False


def find_uv(env: Mapping[str, str]) -> str:
    """uv's absolute path on PATH ('' when it is not installed)."""
    try:
        return program("uv", env)
    except UsageError:
        return ""


def prepare(requirements: Sequence[str], installer: Installer) -> Prepared:
    """A virtualenv with `requirements` installed from wheels, under `installer.cache`."""
    resolved, problem = resolve(requirements, installer)
    if problem:
        return Prepared(None, (), problem)
    key = hashlib.sha256("\n".join([installer.python, *resolved]).encode()).hexdigest()[:16]
    installer.cache.mkdir(parents=True, exist_ok=True)
    target = installer.cache / key
    if (target / READY).is_file():
        return Prepared(target, resolved, reused=True)
    building = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=installer.cache))  # new, ours alone
    try:
        problem = _install(building, resolved, installer)
        if problem:
            return Prepared(None, resolved, problem)
        if not (target / READY).is_file():
            shutil.rmtree(target, ignore_errors=True)  # a half-made one
            (building / READY).write_text("\n".join(resolved) + "\n", encoding="utf-8")
            # Its scripts name their interpreter by path: the environment is made where it stays.
            os.rename(building, target)
        return Prepared(target, resolved)
    finally:
        shutil.rmtree(building, ignore_errors=True)


def resolve(requirements: Sequence[str], installer: Installer) -> tuple[tuple[str, ...], str]:
    """The pinned set `requirements` resolve to from wheels, or a problem."""
    if installer.uv:
        argv = [
            installer.uv,
            "pip",
            "compile",
            "-",
            "--quiet",
            "--no-header",
            "--no-annotate",
            "--only-binary",
            ":all:",
        ]
        argv += ["--python", installer.python]
    else:  # pip: a dry run's report names what it would install
        argv = [installer.python, "-m", "pip", "install", "--dry-run", "--quiet", "--ignore-installed", "--report", "-"]
        argv += ["--only-binary", ":all:", "-r", "/dev/stdin"]
    done = run_installer(argv, installer, stdin="\n".join(requirements) + "\n")
    if isinstance(done, str):
        return (), done
    pins = _pins(done) if installer.uv else _report_pins(done)
    return tuple(sorted(pins)), ""


def _install(target: Path, resolved: Sequence[str], installer: Installer) -> str:
    """Make a virtualenv at `target` (new) and install `resolved` into it, dependencies already resolved."""
    python = str(target / "bin" / "python")
    wheels = ["--quiet", "--no-deps", "--only-binary", ":all:", "-r", "/dev/stdin"]
    if installer.uv:
        steps = [
            [installer.uv, "venv", "--quiet", "--python", installer.python, str(target)],
            [installer.uv, "pip", "install", "--python", python, *wheels],
        ]
    else:
        steps = [
            [installer.python, "-m", "venv", "--without-pip", str(target)],
            [installer.python, "-m", "pip", "--python", python, "install", *wheels],
        ]
    for argv in steps:
        done = run_installer(argv, installer, stdin="\n".join(resolved) + "\n")
        if isinstance(done, str):
            return done
    return ""


def run_installer(
    argv: list[str], installer: Installer, *, stdin: str = "", cwd: Path | None = None
) -> str | list[str]:
    """The installer's output lines, or what went wrong (the index's credentials never shown).
    It runs in suture's cache (or `cwd`, a directory of it), never the checkout: no project file
    (pyproject's [tool.uv], uv.toml) steers it."""
    env = installer_env(installer)
    try:
        installer.cache.mkdir(parents=True, exist_ok=True)
        where = cwd or installer.cache
        done = run(argv, cwd=where, env=env, input=stdin, check=False, timeout=installer.timeout)
    except SutureError as exc:
        return f"installing failed: {_clean(str(exc), installer)}"
    if done.returncode != 0:
        why = _clean((done.stderr.strip() or done.stdout.strip())[-1500:], installer)
        return f"the environment could not be made ({_kind(why)}): {why}"
    return done.stdout.splitlines()


def _kind(why: str) -> str:
    """What an installer's refusal was, in the words of a result: a yanked release, a conflict, no wheel."""
    if "was yanked" in why:
        return "a release it needs was yanked: an installer takes one only when pinned exactly"
    if re.search(r"no usable wheels|source distribution|only-binary|building from source", why, re.I):
        return "no wheel: suture installs wheels only, so no package's build code runs"
    if re.search(r"No solution found|ResolutionImpossible|conflicting dependencies|unsatisfiable", why):
        return "the resolver rejects these requirements together"
    return "suture installs wheels only: no package's build code runs"


def installer_env(installer: Installer) -> dict[str, str]:
    """The installer's environment: only what it needs; never the user's VIRTUAL_ENV (uv would install there)."""
    env = {name: os.environ[name] for name in ("PATH", "HOME", "LANG", "SSL_CERT_FILE") if name in os.environ}
    env.update(PIP_CONFIG_FILE=os.devnull, UV_NO_CONFIG="1", PIP_DISABLE_PIP_VERSION_CHECK="1")
    env.update(UV_CACHE_DIR=str(installer.cache / ".uv-cache"), PIP_CACHE_DIR=str(installer.cache / ".pip-cache"))
    if installer.index_url:
        env.update(UV_INDEX_URL=installer.index_url, PIP_INDEX_URL=installer.index_url)
    return env


def _clean(text: str, installer: Installer) -> str:
    if installer.index_url and installer.index_url != index.public(installer.index_url):
        text = text.replace(installer.index_url, index.public(installer.index_url))
    return text


def _pins(lines: Sequence[str]) -> list[str]:
    return [line.split(";")[0].strip() for line in lines if "==" in line and not line.lstrip().startswith("#")]


def _report_pins(lines: Sequence[str]) -> list[str]:
    import json

    try:
        report = json.loads("\n".join(lines))
    except ValueError:
        return []
    found = [item.get("metadata", {}) for item in report.get("install", []) if isinstance(item, dict)]
    return [f"{meta['name']}=={meta['version']}" for meta in found if "name" in meta and "version" in meta]


@dataclass(frozen=True)
class InVenv:
    """`inner`, with a prepared environment's bin/ first on PATH and as VIRTUAL_ENV: the checks'
    `python` and `pytest` are the environment's. The user's own VIRTUAL_ENV leaves PATH."""

    inner: Sandbox
    venv: Path
    kind: ClassVar[str] = "prepared environment"

    @property
    def name(self) -> str:
        return self.inner.name

    def describe(self) -> str:
        return f"{self.inner.describe()}; the checks run with the {self.kind} {self.venv}"

    def probe(self) -> None:
        self.inner.probe()

    def warning(self) -> str:
        return self.inner.warning()

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        env = self.inner.environment(base)
        theirs = str(Path(base["VIRTUAL_ENV"]) / "bin") if base.get("VIRTUAL_ENV") else None
        entries = [entry for entry in env.get("PATH", os.defpath).split(os.pathsep) if entry != theirs]
        env["PATH"] = os.pathsep.join([str(self.venv / "bin"), *entries])
        env["VIRTUAL_ENV"] = str(self.venv)
        return env

    def argv(self, command: str, *, tree: Path, scratch: Path, env: Mapping[str, str]) -> list[str]:
        return self.inner.argv(command, tree=tree, scratch=scratch, env=env)

    def watch(self) -> Limit | None:
        return self.inner.watch()
