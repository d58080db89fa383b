"""Bisect releases: which of the distributions that changed between a good and a bad environment
breaks the failing tests, as `git bisect` does over commits.

    good_versions(installed, listings, cutoff) -> Changes   the environment as it was before the cutoff
    smallest(names, breaks) -> list[str]                    the fewest upgrades that break (pure)
    bisect(build, diagnosis, ctx, ...) -> Bisection         each step a real install and a real run

The good environment is the checks' environment with each distribution whose installed release
was uploaded after the last commit taken back to the newest release the index had before it (PEP
700 upload times). Each step is an environment that differs from the good one only in the
versions the step upgrades, prepared from wheels outside the sandbox (run/environments.py, cached
by its resolved set, so a step asked twice is installed once), and the failing tests run in it,
sandboxed. The bad end is checked too: a failure that does not come back with every new release
installed in an environment of suture's is not the releases' doing.
"""

from __future__ import annotations

import dataclasses
import shlex
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from suture.capture.run import Progress, run_check
from suture.records import Build, Diagnosis
from suture.run import environments, index, venv
from suture.run.git import worktree
from suture.run.sandbox import Sandbox

LISTINGS_AT_ONCE = 8  # index requests in flight while the changed releases are looked up


@dataclass(frozen=True)
class Changes:
    """What changed between the good environment and the checks' (bad) one."""

    versions: dict[str, tuple[str, str]]  # normalised name -> (good version, or '' when absent then; bad version)
    names: dict[str, str]  # normalised name -> the name its metadata gives
    kept: tuple[str, ...]  # name==version of every distribution that did not change
    released: dict[str, str] = field(default_factory=dict)  # normalised name -> its bad release's upload date
    listings: dict[str, index.Listing] = field(default_factory=dict)
    # Changed, but kept at the new release in every step: the old one does not install here (no wheel
    # for this Python, yanked). name as its metadata gives it -> the old version.
    held: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    upgraded: tuple[str, ...]  # the changed distributions at their new release; the others as they were
    broke: bool | None  # None: the environment could not be made
    resolved: tuple[str, ...] = ()
    reused: bool = False
    problem: str = ""


@dataclass(frozen=True)
class Bisection:
    changes: Changes
    culprits: tuple[str, ...] = ()  # normalised names: the fewest upgrades that break the failing tests
    steps: tuple[Step, ...] = ()
    problem: str = ""  # why no culprit was found ('' when one was)

    def label(self, key: str) -> str:
        good, bad = self.changes.versions[key]
        return f"{self.changes.names[key]} {good or '(absent)'} -> {bad}"

    @property
    def sentence(self) -> str:
        """'bisect over 4 changed distributions (alpha 1.0 -> 2.0, ...): gamma 2.0 alone breaks ...'."""
        changed = ", ".join(self.label(key) for key in sorted(self.changes.versions))
        head = f"bisect over {len(self.changes.versions)} changed distribution(s) ({changed})"
        if self.changes.held:
            held = ", ".join(f"{name} {version}" for name, version in sorted(self.changes.held.items()))
            head += f"; kept at their new release, the old one does not install here: {held}"
        if self.problem:
            return f"{head}: {self.problem}"
        named = " with ".join(f"{self.changes.names[k]} {self.changes.versions[k][1]}" for k in self.culprits)
        alone = "alone breaks" if len(self.culprits) == 1 else "together break"
        made = len({step.resolved for step in self.steps if step.resolved})
        return f"{head}: {named} {alone} the failing tests ({len(self.steps)} runs in {made} environments)"


def good_versions(
    installed: Mapping[str, venv.Distribution], listing: Callable[[str], index.Listing], cutoff: str
) -> Changes:
    """Each installed distribution released after `cutoff`, with the newest release before it."""
    wanted = {key: dist for key, dist in installed.items() if not dist.local}
    with ThreadPoolExecutor(LISTINGS_AT_ONCE) as pool:
        listings = dict(zip(wanted, pool.map(lambda dist: listing(dist.name), wanted.values()), strict=True))
    versions: dict[str, tuple[str, str]] = {}
    released: dict[str, str] = {}
    kept: list[str] = []
    for key, dist in sorted(wanted.items()):
        release = listings[key].get(dist.version)
        if release is None or not release.uploaded or release.uploaded[:19] <= cutoff[:19]:
            kept.append(f"{dist.name}=={dist.version}")  # as it was (or the index does not say): unchanged
            continue
        before = [
            r.version
            for r in listings[key].releases
            if r.uploaded and r.uploaded[:19] < cutoff[:19] and index.stable(r.version)  # installable or not: held
        ]
        versions[key] = (before[-1] if before else "", dist.version)
        released[key] = release.uploaded[:10]
    names = {key: wanted[key].name for key in versions}
    return Changes(versions, names, tuple(kept), released, listings)


def smallest(names: Sequence[str], breaks: Callable[[tuple[str, ...]], bool]) -> tuple[str, ...]:
    """The fewest of `names` whose upgrade breaks, as a bisect finds them: `breaks(())` is False and
    `breaks(names)` True. The shortest breaking prefix names one culprit; when it does not break
    alone, the rest of the set is searched for among the names before it, with it upgraded."""
    found: tuple[str, ...] = ()
    pool = list(names)
    while pool and not (found and breaks(found)):
        low, high = 1, len(pool)  # breaks(found + pool[:high]) holds
        while low < high:
            middle = (low + high) // 2
            if breaks((*found, *pool[:middle])):
                high = middle
            else:
                low = middle + 1
        found = (*found, pool[low - 1])
        pool = pool[: low - 1]
    return found


class _Stop(Exception):
    """A step whose environment could not be made: the bisect cannot go on."""


def bisect(
    build: Build,
    diagnosis: Diagnosis,
    changes: Changes,
    installer: environments.Installer,
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
) -> Bisection:
    """The distributions of `changes` whose upgrade breaks the failing tests, each step a real
    environment and a real sandboxed run (a step asked twice runs once)."""
    steps: list[Step] = []
    seen: dict[frozenset[str], bool] = {}

    def breaks(upgraded: tuple[str, ...]) -> bool:
        key = frozenset(upgraded)
        if key not in seen:
            step = _step(build, diagnosis, changes, upgraded, installer, sandbox=sandbox, timeout=timeout)
            steps.append(step)
            shown = ", ".join(changes.names[name] for name in upgraded) or "none"
            if step.broke is None:
                raise _Stop(step.problem)
            progress(f"bisect: {shown} upgraded: the failing tests {'fail' if step.broke else 'pass'}")
            seen[key] = step.broke
        return seen[key]

    changes = installable(changes, installer)
    names = tuple(sorted(changes.versions))
    try:
        if breaks(()):
            return Bisection(changes, (), tuple(steps), "the failing tests fail with the releases before it too")
        if not names or not breaks(names):
            problem = (
                "the failing tests pass with every new release installed: "
                "something else of the checks' environment broke them"
            )
            return Bisection(changes, (), tuple(steps), problem)
        return Bisection(changes, smallest(names, breaks), tuple(steps))
    except _Stop as stop:
        return Bisection(changes, (), tuple(steps), str(stop))


def _step(
    build: Build,
    diagnosis: Diagnosis,
    changes: Changes,
    upgraded: Sequence[str],
    installer: environments.Installer,
    *,
    sandbox: Sandbox,
    timeout: float,
) -> Step:
    prepared = environments.prepare(_wanted(changes, upgraded), installer)
    if prepared.venv is None:
        return Step(tuple(upgraded), None, prepared.resolved, problem=prepared.problem)
    broke = failing_tests_fail(build, diagnosis, environments.InVenv(sandbox, prepared.venv), timeout=timeout)
    return Step(tuple(upgraded), broke, prepared.resolved, prepared.reused)


def _wanted(changes: Changes, upgraded: Sequence[str]) -> list[str]:
    """The exact pins of a step: the unchanged as they are, the changed new if upgraded, else old."""
    wanted = [*changes.kept]
    for key, (good, bad) in sorted(changes.versions.items()):
        version = bad if key in upgraded else good
        if version:  # a distribution new with the upgrade is absent from the good environment
            wanted.append(f"{changes.names[key]}=={version}")
    return wanted


def installable(changes: Changes, installer: environments.Installer) -> Changes:
    """`changes` less the distributions whose old release does not install here (no wheel for this
    Python, yanked since): each is kept at its new release in every step, and the result says so.
    Asked of the resolver only when the good environment does not resolve: one resolve a distribution."""
    if not environments.resolve(_wanted(changes, ()), installer)[1]:
        return changes
    everything = tuple(changes.versions)
    held = [
        key
        for key, (good, _) in sorted(changes.versions.items())
        if good and environments.resolve(_wanted(changes, tuple(k for k in everything if k != key)), installer)[1]
    ]
    versions = {key: pair for key, pair in changes.versions.items() if key not in held}
    kept = (*changes.kept, *(f"{changes.names[key]}=={changes.versions[key][1]}" for key in held))
    return dataclasses.replace(
        changes,
        versions=versions,
        kept=tuple(sorted(kept)),
        held={changes.names[key]: changes.versions[key][0] for key in held},
    )


def failing_tests_fail(build: Build, diagnosis: Diagnosis, sandbox: Sandbox, *, timeout: float) -> bool:
    """Whether the failing tests fail again on the build's commit in `sandbox`: each failing check run
    for its failing tests alone (the whole check when it collected none of them)."""
    with worktree(Path(build.repo), build.base_sha) as tree:
        for check in build.failed_checks:
            ids = [test_id for test_id in diagnosis.failing_tests if test_id in check.collected]
            command = " ".join([check.command, *map(shlex.quote, ids)])
            ran = run_check(tree, command, sandbox=sandbox, timeout=timeout)
            if any(ran.outcome_of(test_id) != "passed" for test_id in ids) or (not ids and not ran.passed):
                return True
    return False
