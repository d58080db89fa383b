"""Heal an upstream breakage: name the release that broke the checks, then verify each fix in the
environment it needs.

    context(environ) -> Context                         the checks' environment, the index, suture's cache
    attribute(repo, sha, diagnosis, ctx) -> Diagnosis   failures named by distribution (diagnose/upstream.py)
    try_candidates(build, diagnosis, source, ctx, ...)  migrate, move the lock, pin: the first verified wins

A migration changes code: it is verified with the environment the checks failed in (it must work
with the new release). A pin or a lock moved changes what is installed: its environment is the
checks' environment as it is, but for the requirements the candidate adds, prepared outside the
sandbox from wheels in suture's cache (run/environments.py) and handed to the sandbox read-only.
The user's own environment is read (its dist-info), never installed into.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from suture import fixers
from suture.capture.run import Progress
from suture.diagnose import upstream
from suture.errors import UsageError
from suture.fixers import _common
from suture.fixers.upstream import ORIGINS
from suture.loop import bisect
from suture.records import Build, Candidate, Diagnosis, Failure, Rules, Upstream, Verdict
from suture.run import environments, index, lockfiles, userindex, venv
from suture.run.git import git
from suture.run.process import program
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify import policy
from suture.verify.trial import Trial, conclude, verify

DEFAULT_INDEX = "https://pypi.org/simple"  # when nothing of the user's names one (run/userindex.py)
_QUOTED = re.compile(r"[\"']([A-Za-z0-9][^\"'\n]*)[\"']")
HISTORY = 20  # commits of the lock files' history read for a distribution's earlier pin
LOCKS = re.compile(r"(?:requirements|constraints)[\w.-]*\.txt|requirements/[\w./-]+\.txt")
_PIN = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?\s*==\s*(?P<version>[\w.!+]+)\s*(?:[;#]|$)")
_OPTION = re.compile(r"(?:^|\s)-|@|://")
_REQUIREMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*(?:\[[^\]]*\])?\s*(?:[<>=!~][^;#]*)?(?:;[^#]*)?")


@dataclass(frozen=True)
class Context:
    prefix: Path | None  # the virtualenv the checks run with (None: not one suture can read)
    installer: environments.Installer
    index_from: str = ""  # where the user configured the index: a variable's name, a file's path

    @property
    def installed(self) -> dict[str, venv.Distribution]:
        found: dict[str, venv.Distribution] = {}
        for site in venv.site_packages(self.prefix) if self.prefix else ():
            found.update(venv.installed(site))
        return found


def context(environ: Mapping[str, str], repo: Path | None = None) -> Context:
    """Where the checks' environment is, which index the project uses and where suture keeps its own.
    `repo`: the checkout, in which no interpreter suture runs on the host may live."""
    prefix = checks_prefix(environ)
    cache = Path(environ.get("XDG_CACHE_HOME") or Path(environ.get("HOME") or "/nonexistent") / ".cache")
    # The user's index (their variables, uv.toml, pip.conf), never the project's: a commit must not steer it.
    found = userindex.configured(environ)
    index_url = found.url if found else DEFAULT_INDEX
    installer = environments.Installer(
        python=base_python(prefix, environ, repo),
        index_url=index_url,
        cache=cache / "suture" / "environments",
        uv=environments.find_uv({**environ, "PATH": _path_outside(environ, repo)}),  # .venv/bin/uv: the commit's
    )
    return Context(prefix, installer, found.where if found else "the installers' default")


def checks_prefix(environ: Mapping[str, str]) -> Path | None:
    """The virtualenv whose `python` the checks run: VIRTUAL_ENV's, else the first on PATH that is one."""
    candidates = [environ["VIRTUAL_ENV"]] if environ.get("VIRTUAL_ENV") else []
    candidates += [str(Path(entry).parent) for entry in environ.get("PATH", "").split(":") if entry.startswith("/")]
    for candidate in candidates:
        if venv.config(Path(candidate)) is not None and (Path(candidate) / "bin" / "python").exists():
            return Path(candidate)
    return None


def base_python(prefix: Path | None, environ: Mapping[str, str], repo: Path | None = None) -> str:
    """The interpreter a prepared environment is based on: the checks' virtualenv's own base, unless
    it lives in the checkout (a committed `.venv/pyvenv.cfg` can name any `home`: what it names there
    would run on the host with the index's credentials), else python3 on PATH."""
    home = (venv.config(prefix) or {}).get("home", "") if prefix else ""
    for name in ("python3", "python"):
        if home and (Path(home) / name).is_file() and not _inside(Path(home) / name, repo):
            return str(Path(home) / name)
    try:
        return program("python3", environ)
    except UsageError:
        return "python3"


def _path_outside(environ: Mapping[str, str], repo: Path | None) -> str:
    """PATH without its entries in `repo` (an activated `.venv/bin` of the checkout)."""
    entries = environ.get("PATH", "").split(os.pathsep)
    return os.pathsep.join(entry for entry in entries if entry.startswith("/") and not _inside(Path(entry), repo))


def _inside(path: Path, repo: Path | None) -> bool:
    """Whether `path`, its links followed, is in `repo`."""
    return repo is not None and path.resolve().is_relative_to(repo.resolve())


def attribute(repo: Path, sha: str, diagnosis: Diagnosis, ctx: Context) -> Diagnosis:
    """`diagnosis` with the failures an installed release explains named (class `dependency`)."""
    if diagnosis.classification not in ("code", "unknown") or not any(map(upstream.suspect, diagnosis.failures)):
        return diagnosis  # nothing points at an installed package: no git, no index asked
    sites = venv.site_packages(ctx.prefix) if ctx.prefix else ()
    last = last_commit(repo, sha)
    listing = functools.cache(lambda name: index.releases(ctx.installer.index_url, name))
    evidence = upstream.Evidence(
        sites=sites, listing=listing, last_green=last, locked=lambda name: pinned_before(repo, sha, name)
    )
    named = upstream.attribute(diagnosis, evidence)
    failures = tuple(_unusable_before(failure, listing, last) for failure in named.failures)
    return dataclasses.replace(named, failures=failures)


def _unusable_before(failure: Failure, listing: Callable[[str], index.Listing], cutoff: str) -> Failure:
    """A failure with no version known to work because the release that worked cannot be installed
    now: yanked since (with the index's reason), or without a wheel (suture builds nothing). Said."""
    found = failure.upstream
    if found is None or found.good or not cutoff:
        return failure
    before = [
        release
        for release in listing(found.distribution).releases
        if release.uploaded and release.uploaded[:19] < cutoff[:19] and index.stable(release.version)
    ]
    last = before[-1] if before else None
    if last is not None and last.yanked:
        why = f" ({last.why_yanked})" if last.why_yanked else ""
        how = f"{last.version} was yanked since{why}: the newest release before the last commit, none installs now"
    elif last is not None and not last.wheels:
        how = f"{last.version}, the newest release before the last commit, has no wheel: suture installs wheels only"
    else:
        return failure
    return dataclasses.replace(failure, upstream=dataclasses.replace(found, how=how))


def last_commit(repo: Path, sha: str) -> str:
    """`sha`'s commit time in UTC, ISO 8601 with a Z ('' when git gives none)."""
    committed = git(repo, "log", "-1", "--format=%cI", sha).strip()
    return datetime.fromisoformat(committed).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if committed else ""


def bisected(
    build: Build,
    diagnosis: Diagnosis,
    ctx: Context,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> Diagnosis:
    """`diagnosis` with its failures blamed on the release a bisect finds: the checks' environment
    against the releases the index had at the last commit, each step installed and run (bisect.py).
    Unchanged when no release changed since, or the bisect finds none (the progress says why)."""
    cutoff = last_commit(Path(build.repo), build.base_sha)
    changes = bisect.good_versions(ctx.installed, lambda name: index.releases(ctx.installer.index_url, name), cutoff)
    if not changes.versions:
        progress(f"bisect: no installed release is newer than the last commit ({cutoff[:10]}): nothing to bisect")
        return diagnosis
    progress(f"bisect: {len(changes.versions)} distribution(s) changed since {cutoff[:10]}")
    found = bisect.bisect(build, diagnosis, changes, ctx.installer, sandbox=sandbox, timeout=timeout, progress=progress)
    progress(found.sentence)
    if not found.culprits:
        return diagnosis
    key = found.culprits[0]
    good, bad = changes.versions[key]
    release = changes.listings[key].get(bad)
    blamed = Upstream(
        distribution=changes.names[key],
        installed=bad,
        good=good,
        how=f"bisect: the newest release before the last commit, {cutoff[:10]}",
        released=release.uploaded[:10] if release else "",
        name="",
        replacement="",
        newer=upstream.newest_after(changes.listings[key], bad),
        bisected=found.sentence,
    )
    failures = tuple(
        dataclasses.replace(failure, upstream=_kept(failure.upstream, blamed)) for failure in diagnosis.failures
    )
    return dataclasses.replace(diagnosis, classification="dependency", failures=failures)


def _kept(named: Upstream | None, blamed: Upstream) -> Upstream:
    """The bisect's culprit; what the failure itself named of it (the name gone, its replacement) kept."""
    if named is None or venv.normal(named.distribution) != venv.normal(blamed.distribution):
        return blamed
    return dataclasses.replace(named, good=blamed.good or named.good, bisected=blamed.bisected)


def pinned_before(repo: Path, sha: str, name: str, *, commits: int = HISTORY) -> list[tuple[str, str]]:
    """`name`'s exact pins (`name==1.0`) in the requirements and constraints files of `sha` and the
    commits before it that changed them, newest first: what the project ran with when it passed."""
    files = [path for path in Source(repo, sha).paths() if LOCKS.fullmatch(path)]
    if not files:
        return []
    found: list[tuple[str, str]] = []
    for commit in git(repo, "log", f"-n{commits}", "--format=%H", sha, "--", *files).split():
        source = Source(repo, commit)
        for path in files:
            for line in (source.read(path) or "").splitlines():
                match = _PIN.match(line)
                if match and venv.normal(match["name"]) == venv.normal(name):
                    found.append((match["version"], f"{path} at {commit[:12]}"))
    return found


def try_candidates(
    build: Build,
    diagnosis: Diagnosis,
    source: Source,
    ctx: Context,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> tuple[Verdict, ...]:
    """The upstream fixer's candidates verified in order (migrate, lock, pin) until one passes."""
    verdicts: list[Verdict] = []
    for failure in diagnosis.failures:
        if failure.upstream is None:
            continue
        progress(f"upstream: {failure.upstream.sentence}")
        candidates, refused = _candidates(failure, source, ctx, build.rules)
        for why in refused:  # a lock that could not be moved safely: said in the result, not tried
            progress(f"rejected (upstream-lock): {why.problem}")
            verdicts.append(conclude(build, diagnosis, why))
        for candidate in candidates:
            verdict = _verify(build, diagnosis, candidate, ctx, sandbox=sandbox, timeout=timeout, progress=progress)
            progress(f"{'accepted' if verdict.passed else 'rejected'} ({candidate.origin}): {verdict.reason}")
            verdicts.append(verdict)
            if verdict.passed:
                learnt = _learnt(
                    build, diagnosis, failure, verdict, source, sandbox=sandbox, timeout=timeout, progress=progress
                )
                return (*verdicts, *learnt)
    return tuple(verdicts)


def _candidates(
    failure: Failure, source: Source, ctx: Context, rules: Rules | None
) -> tuple[list[Candidate], list[Trial]]:
    """The upstream fixer's candidates with the lockfiles moved forward (uv.lock by uv, pip-tools'
    hashed pins with the new release's hashes) in their place, by rank; and the locks that could
    not be moved, each a Trial with the reason. A lockfile the policy protects (uv.lock: `*.lock`)
    is moved only where the trusted configuration allows it (`allow-paths`): said, not tried."""
    found = failure.upstream
    assert found is not None
    proposed = [c for c in fixers.propose(failure, source) if c.origin in ORIGINS]
    if not found.newer:
        return proposed, []
    uv, refused = _uv_lock(failure, source, ctx)
    for path, why in lockfiles.unmoved(source, found.distribution, found.installed):
        said = Candidate("upstream-lock", "", f"{path} not moved", failure.fingerprint, 1)
        refused.append(Trial(said, (), why, (), 0.0))
    for candidate in list(uv):
        locked = [path for path in _paths(candidate.diff) if policy.protected(path, rules)]
        if locked:
            uv.remove(candidate)
            allow = f'[tool.suture] allow-paths = ["{locked[0]}"]'
            why = f"{locked[0]} is a lockfile, which no fix may change unless the trusted configuration says {allow}"
            refused.append(Trial(candidate, (), why, (), 0.0))
    hashed = _hashed(failure, source, ctx)
    rewritten = {path for c in hashed for path in _paths(c.diff)}  # the fixer's edit there keeps old hashes
    kept = [c for c in proposed if not (c.origin == "upstream-lock" and _paths(c.diff) & rewritten)]
    return sorted([*kept, *uv, *hashed], key=lambda c: (c.rank, c.size)), refused


def _uv_lock(failure: Failure, source: Source, ctx: Context) -> tuple[list[Candidate], list[Trial]]:
    """uv.lock moved by uv (run/lockfiles.py), or why it was not."""
    found = failure.upstream
    assert found is not None
    lock = lockfiles.uv_forward(source, found.distribution, found.newer, ctx.installer)
    if lock is None:
        return [], []
    how = f"`uv lock --upgrade-package {found.distribution}=={found.newer} --no-build`, nothing built"
    candidate = _lock_candidate(failure, lock.path, lock.old, lock.new, f"{how}: {', '.join(lock.changed)}")
    if lock.problem or candidate is None:
        empty = Candidate("upstream-lock", "", f"{lock.path} not moved", failure.fingerprint, 1)
        return [], [Trial(empty, (), lock.problem or f"{lock.path} did not change", (), 0.0)]
    return [candidate], []


def _hashed(failure: Failure, source: Source, ctx: Context) -> list[Candidate]:
    """pip-tools' requirements files that pin the broken release with hashes, moved with the new
    release's hashes from the index."""
    found = failure.upstream
    assert found is not None
    paths = [p for p in source.paths() if LOCKS.fullmatch(p)]
    hashed = [p for p in paths if lockfiles.has_hashes(source.read(p) or "", found.distribution)]
    release = index.releases(ctx.installer.index_url, found.distribution).get(found.newer) if hashed else None
    if release is None or not release.hashes:
        return []
    how = f"pinned with the hashes the index lists for {found.newer}'s {len(release.hashes)} file(s)"
    candidates = []
    for path in hashed:
        old = source.read(path) or ""
        new = lockfiles.rehashed(old, found.distribution, found.newer, release.hashes)
        candidates.append(_lock_candidate(failure, path, old, new, how))
    return [c for c in candidates if c is not None]


def _lock_candidate(failure: Failure, path: str, old: str, new: str, how: str) -> Candidate | None:
    assert failure.upstream is not None
    found = failure.upstream
    rationale = f"{found.sentence}; {path} moves to {found.distribution} {found.newer}, the newest release ({how})"
    return _common.candidate(failure, origin="upstream-lock", path=path, old=old, new=new, rationale=rationale, rank=1)


def _paths(diff: str) -> set[str]:
    return {line[6:] for line in diff.splitlines() if line.startswith("+++ b/")}


def _learnt(
    build: Build,
    diagnosis: Diagnosis,
    failure: Failure,
    pinned: Verdict,
    source: Source,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress,
) -> tuple[Verdict, ...]:
    """After a verified pin or lock: the migration the old release's own deprecation warning names
    (printed by the verified run), verified with the new release; the pin stays when it fails."""
    assert failure.upstream is not None
    advice = upstream.warned((check.output for check in pinned.after), failure.upstream)
    if pinned.candidate.origin == "upstream-migrate" or advice is None:
        return ()
    progress(f"the last good release's warning names `{advice.replacement}`: trying the migration")
    found: list[Verdict] = []
    for candidate in fixers.propose(dataclasses.replace(failure, upstream=advice), source):
        if candidate.origin == "upstream-migrate" and candidate.diff not in {v.candidate.diff for v in found}:
            verdict = verify(build, diagnosis, candidate, sandbox=sandbox, timeout=timeout, progress=progress)
            progress(f"{'accepted' if verdict.passed else 'rejected'} (migration): {verdict.reason}")
            found.append(verdict)
            if verdict.passed:
                break
    return tuple(found)


def _verify(
    build: Build,
    diagnosis: Diagnosis,
    candidate: Candidate,
    ctx: Context,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress,
) -> Verdict:
    if candidate.origin == "upstream-migrate":  # the code moves to the new release: the checks' own environment
        return verify(build, diagnosis, candidate, sandbox=sandbox, timeout=timeout, progress=progress)
    wanted = requirements(candidate, ctx.installed)
    where = f"{index.public(ctx.installer.index_url)} ({ctx.index_from})"
    progress(f"preparing an environment from wheels of {where} for {candidate.origin}")
    prepared = environments.prepare(wanted, ctx.installer)
    if prepared.venv is None:
        return conclude(build, diagnosis, Trial(candidate, (), prepared.problem, (), 0.0))
    if prepared.reused:
        progress(f"reusing the prepared environment {prepared.venv.name} (the same resolved set)")
    boxed = environments.InVenv(sandbox, prepared.venv)
    return verify(build, diagnosis, candidate, sandbox=boxed, timeout=timeout, progress=progress)


def requirements(candidate: Candidate, installed: Mapping[str, venv.Distribution]) -> list[str]:
    """The environment a requirement-changing candidate needs: what its diff adds, and every other
    distribution of the checks' environment at the version it has (the local ones left out)."""
    added = added_requirements(candidate.diff)
    named = {venv.normal(re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0]) for spec in added}
    kept = [f"{d.name}=={d.version}" for key, d in sorted(installed.items()) if key not in named and not d.local]
    return [*added, *kept]


def added_requirements(diff: str) -> list[str]:
    """The requirement strings a diff adds to requirements files and to pyproject.toml, and the
    packages whose version it changes in a uv.lock (name==version)."""
    found: list[str] = []
    path = name = ""
    for line in diff.splitlines():
        if line.startswith("+++ b/"):
            path = line[6:]
        elif path == lockfiles.UV_LOCK:  # `name = "x"` (kept or added), then `+version = "y"`
            named = re.fullmatch(r'[ +]name = "([A-Za-z0-9][A-Za-z0-9._-]*)"', line)
            version = re.fullmatch(r'\+version = "([\w.!+]+)"', line)
            name = named[1] if named else name
            found += [f"{name}=={version[1]}"] if version and name else []
        elif line.startswith("+") and not line.startswith("+++"):
            text = line[1:].strip()
            # a pip-tools pin goes on with its hashes: `fakedist==2.1 \`
            specs = _QUOTED.findall(text) if path.endswith(".toml") else [text.split(" #")[0].rstrip("\\ ").strip()]
            # A requirement only: no URL, no file, no per-line option (`--hash`, `--config-settings`).
            found += [spec for spec in specs if _REQUIREMENT.fullmatch(spec) and not _OPTION.search(spec)]
    return found
