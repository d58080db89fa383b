"""Upstream breakage: a check fails because an installed distribution changed, not the repository.

    attribute(diagnosis, evidence) -> Diagnosis     failures named by distribution; class `dependency`

What broke is in an installed distribution when the failure names one of its modules (an
ImportError's `cannot import name 'api' from 'fakedist'`, an AttributeError's `module 'fakedist'
has no attribute 'api'`, a removed submodule) or when the code the project called raised inside
site-packages (a DeprecationWarning turned error by `filterwarnings = error`, a changed
behaviour). The distribution and its version are read from the environment's dist-info
(`run/venv.py`: nothing of it runs); the last version known to work from a green run's
`Successfully installed` line, else by date: the newest release the index had when the last
commit was made (`run/index.py`'s upload times), and the diagnosis says which route it took.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from suture import knownmoves as moves
from suture.records import Diagnosis, Failure, Upstream
from suture.run import index, venv

# (error types, pattern): a failure that names the module (and the name in it) that is gone.
NAMED = (
    (("ImportError",), re.compile(r"cannot import name '(?P<name>\w+)' from '(?P<module>[\w.]+)'")),
    (("AttributeError",), re.compile(r"module '(?P<module>[\w.]+)' has no attribute '(?P<name>\w+)'")),
    (("ModuleNotFoundError",), re.compile(r"No module named '(?P<module>[\w.]+)\.(?P<name>\w+)'")),
)
# Warnings a project turns into errors: tomorrow's removal, today's failure.
WARNINGS = frozenset({"DeprecationWarning", "FutureWarning", "PendingDeprecationWarning"})
# Errors whose message, raised in a package, names what is gone (`x` deprecated, no attribute 'x',
# an unexpected keyword argument 'x'); another error's quoted word is a value, not an API.
NAMING = ("AttributeError", "ImportError", "TypeError")
# What a release's message names instead: "use X instead", "Did you mean: 'X'?", "renamed to X".
# One name a message offers: quoted by up to two marks (Sphinx's ``x``), maybe with a call's or a
# subscript's brackets after it (`prod()`, ``matplotlib.colormaps[name]``).
_OFFERED = r"[`'\"]{0,2}(?P<name>[A-Za-z_][\w.]*)(?P<after>\([^()\n]{0,40}\)|\[[^\[\]\n]{0,40}\])?[`'\"]{0,2}"
_ANY = _OFFERED.replace("?P<name>", "").replace("?P<after>", "?:")
REPLACEMENT = re.compile(
    # "Use LANCZOS or Resampling.LANCZOS instead" (Pillow 9.5), "Use ``matplotlib.colormaps[name]`` or
    # ``matplotlib.colormaps.get_cmap(obj)`` instead" (Matplotlib 3.7): `offered` picks the name.
    rf"\b(?:[Uu]se|[Ii]mport) (?P<use>(?:{_ANY}(?:,? or |, )){{0,3}}{_ANY}) instead"
    # Django: "force_text() is deprecated in favor of force_str()"
    r"|\bin favou?r of [`'\"]{0,2}(?P<favor>[A-Za-z_][\w.]*)(?:\(\))?"
    # pandas 1.x: "Use pandas.Index with the appropriate dtype instead"
    r"|\b[Uu]se [`'\"]{0,2}(?P<usewith>[A-Za-z_][\w.]*)[`'\"]{0,2} (?:with|for) [^.;\n]{0,60}? instead"
    # pandas 1.x: "Import from datetime module instead": the same name in that module
    r"|\b[Ii]mport (?:it )?from (?:the )?[`'\"]?(?P<frommod>[A-Za-z_][\w.]*)[`'\"]? module instead"
    r"|\b[Uu]se [`'\"]?(?P<builtin>[A-Za-z_]\w*)[`'\"]? by itself"  # numpy 1.24: `np.float` -> `float`
    r"|Did you mean:? [`'\"]?(?P<mean>[A-Za-z_][\w.]*)[`'\"]?\?"
    r"|(?:renamed to|replaced by) [`'\"]?(?P<renamed>[A-Za-z_][\w.]*)"
)
_OBJECT = re.compile(r"'[\w.]+' object has no attribute '(?P<name>\w+)'")
_SITE = re.compile(r"(?P<site>/[^\s'\"()]*?/(?:site|dist)-packages)/(?P<module>[A-Za-z_]\w*)")
_INSTALLED = re.compile(r"Successfully installed (?P<list>.+)")
# A call the project makes with the arguments a release no longer takes (PyYAML 6's load() without Loader):
# raised at the project's own line, the function named only by the message and that line (pytest's `>` line).
# A class's is its __init__'s (httpx 0.28: `Client.__init__() got an unexpected keyword argument 'proxies'`).
_CALL = re.compile(
    r"(?:(?P<owner>\w+)\.)?(?P<name>\w+)\(\) "
    r"(?:missing \d+ required|got an unexpected keyword argument '(?P<keyword>\w+)'|takes \d+ positional)"
)
# A line of the project's code as pytest shows it (`>` in a long traceback, indented in a short one).
_CALLED = re.compile(r"^(?:>| )\s+(?P<code>.*?(?<![\w.])(?P<module>[A-Za-z_]\w*)\.(?P<name>\w+)\(.*)$", re.MULTILINE)


@dataclass(frozen=True)
class Evidence:
    """What the diagnosis may read besides the failures: the environment, the index, the history."""

    sites: tuple[Path, ...] = ()  # site-packages of the environment the checks ran with
    listing: Callable[[str], index.Listing] | None = None  # the project's index: a distribution's releases
    last_green: str = ""  # ISO date of the last commit known to pass (HEAD's, when nothing else says)
    green_log: str = ""  # the log of a green run: pip's `Successfully installed ...` line
    # A distribution's exact pins in the project's requirements or constraints files, newest commit
    # first: (version, "requirements.txt at 1a2b3c4d5e6f").
    locked: Callable[[str], Sequence[tuple[str, str]]] | None = None
    installed_log: str = ""  # the failing run's own log: what CI installed, when no environment is here


@dataclass(frozen=True)
class Suspicion:
    module: str  # the module the failure names or raised in
    name: str  # the name that is gone ('' when none is named)
    site: str  # a site-packages the failure showed ('' when none)
    # The failure names the module (or a warning of it): a name gone from an installed package. Else
    # it only raised inside one, which a project's own bad call does as well.
    certain: bool = True
    called: bool = False  # `module` is how the project's line of code names it (`fields.Str(`): maybe a submodule


def attribute(diagnosis: Diagnosis, evidence: Evidence) -> Diagnosis:
    """`diagnosis` with each failure an installed distribution explains named, and classed `dependency`."""
    if diagnosis.classification not in ("code", "unknown"):
        return diagnosis  # the environment's or flaky: not a release's doing
    failures = tuple(_attributed(failure, evidence) for failure in diagnosis.failures)
    if not any(failure.upstream for failure in failures):
        return diagnosis
    return dataclasses.replace(diagnosis, classification="dependency", failures=failures)


def _attributed(failure: Failure, evidence: Evidence) -> Failure:
    found = suspect(failure)
    if found is None:
        return failure
    sites = (*((Path(found.site),) if found.site else ()), *evidence.sites)
    if found.called and not any(venv.owner(venv.installed(site), found.module) for site in sites):
        found = dataclasses.replace(found, module=_submodule(sites, found.module))  # `fields` -> marshmallow.fields
        if not found.module:
            return failure
    for site in dict.fromkeys(sites):
        dist = venv.owner(venv.installed(site), found.module)
        if dist is not None:
            upstream = named(dist.name, dist.version, found, failure, evidence)
            return dataclasses.replace(failure, upstream=upstream) if plausible(upstream, found, evidence) else failure
    gone = moves.gone_module(found.module)  # setuptools 82 took pkg_resources with it: no file owns it now
    for site in dict.fromkeys(sites) if gone else ():
        dist = venv.installed(site).get(venv.normal(gone.distribution)) if gone else None
        if gone and dist is not None and moves.applicable(dist.name, dist.version):
            return dataclasses.replace(failure, upstream=named(dist.name, dist.version, found, failure, evidence))
    versions = installed_in_log(evidence.installed_log)
    root = found.module.partition(".")[0]
    if root in versions:  # no environment here (a CI log): pip said what it installed
        return dataclasses.replace(failure, upstream=named(root, versions[root], found, failure, evidence))
    return failure


def _calls(line: re.Match[str], called: re.Match[str]) -> bool:
    """Whether the line of code makes the call the TypeError names: the function by its name (a class
    by its __init__'s), or a call through a module that passes the keyword it no longer takes."""
    callee = called["owner"] if called["name"] == "__init__" and called["owner"] else called["name"]
    keyword = called["keyword"]
    return line["name"] == callee or bool(keyword and re.search(rf"[(,]\s*{keyword}\s*=(?!=)", line["code"]))


def _submodule(sites: Iterable[Path], module: str) -> str:
    """`fields` -> `marshmallow.fields`: the one installed package with a submodule of that name (the
    project imported it `from marshmallow import fields`); '' when none or several. Files are looked
    at, nothing runs."""
    names = (f"{module}.py", f"{module}/__init__.py")
    found = {
        f"{top}.{module}"
        for site in sites
        for dist in venv.installed(site).values()
        for top in dist.modules
        if top != module and any((site / top / name).is_file() for name in names)
    }
    return found.pop() if len(found) == 1 else ""


def suspect(failure: Failure) -> Suspicion | None:
    """The installed module a failure points at, when it points at one outside the repository."""
    text = failure.detail or failure.message
    for types, pattern in NAMED:
        match = pattern.search(failure.message) if failure.error_type in types else None
        if match:
            site = _SITE.search(text)
            return Suspicion(match["module"], match["name"], site["site"] if site else "")
    attribute = _OBJECT.match(failure.message) if failure.error_type == "AttributeError" else None
    if attribute and failure.owner and failure.owner.partition(".")[0] not in sys.stdlib_module_names:
        # An instance of an installed package's class lost a method (SQLAlchemy 2's Engine.execute);
        # a project's own class is owned by no distribution, so it drops out when the owner is looked up.
        return Suspicion(failure.owner, attribute["name"], "", certain=False)
    removed = re.fullmatch(r"No module named '(?P<module>\w+)'", failure.message)
    if failure.error_type == "ModuleNotFoundError" and removed and moves.gone_module(removed["module"]):
        return Suspicion(removed["module"], removed["module"], "")
    called = _CALL.search(failure.message) if failure.error_type == "TypeError" and not failure.outside else None
    line = next((m for m in _CALLED.finditer(failure.excerpt) if called and _calls(m, called)), None)
    if line is not None and called is not None:  # `yaml.load(...)` at the project's line: the module's, if owned
        return Suspicion(line["module"], called["keyword"] or line["name"], "", certain=False, called=True)
    if is_warning(failure.error_type) and failure.owner and failure.owner.split(".")[0] not in sys.stdlib_module_names:
        root = failure.owner.partition(".")[0]  # the warning's own class: the package that deprecated it
        return Suspicion(root, gone_name(failure.message, root), "")
    sited = [frame for frame in failure.outside if _SITE.search(frame.path)]
    # A warning is the API's the project called (its stacklevel says so), whoever's helper issued it
    # (pydantic's through typing_extensions' @deprecated); another error, where it was raised.
    raising = (sited[0] if is_warning(failure.error_type) else sited[-1]) if sited else None
    if raising is None or not (is_warning(failure.error_type) or failure.frames):
        return None  # raised in an installed package, but not called from the project
    where = _SITE.search(raising.path)
    assert where is not None
    warning = is_warning(failure.error_type)
    gone = gone_name(failure.message, where["module"]) if warning or failure.error_type in NAMING else ""
    return Suspicion(where["module"], gone, where["site"], certain=warning)


def is_warning(error_type: str) -> bool:
    """A deprecation turned error: the standard classes, or a package's own by its name (pydantic's
    PydanticDeprecatedSince20, marshmallow's RemovedInMarshmallow4Warning)."""
    short = error_type.rpartition(".")[2]  # `warndist.WarndistDeprecatedSince20` as the line names it
    return short in WARNINGS or re.fullmatch(DEPRECATION, short) is not None


def gone_name(message: str, module: str) -> str:
    """The name a package's own message says is gone: the first `module.name` it mentions, else its
    first quoted name ("`api` is deprecated"); '' when it names none."""
    attribute = re.search(r"has no attribute '(?P<name>[A-Za-z_]\w*)'", message)
    if attribute:  # pandas 2: 'DataFrame' object has no attribute 'append'
        return attribute["name"]
    dotted = re.search(rf"(?<![\w./]){re.escape(module)}\.(?P<name>[A-Za-z_]\w*)", message)  # not a URL's host
    # "`np.NaN` was removed": the name, whatever alias qualifies it
    quoted = re.search(r"`(?:\w+\.)*(?P<name>[A-Za-z_]\w*)`|'(?:\w+\.)*(?P<single>[A-Za-z_]\w*)'", message)
    if dotted:
        return dotted["name"]
    return (quoted["name"] or quoted["single"]) if quoted else ""


def plausible(upstream: Upstream, found: Suspicion, evidence: Evidence) -> bool:
    """Whether the release, not the project's code, is the likely cause: the project ran with another
    version (its pins, a green log), or the release came out after the last commit; with no dates to
    go by, only when the failure names the package's module (a typo in `np.flaot` is the project's,
    and then the release is older than the commit that made it)."""
    if upstream.good and not upstream.how.startswith("by date"):
        return True
    if upstream.released and evidence.last_green:
        return upstream.released >= evidence.last_green[:10]
    return found.certain


def named(distribution: str, version: str, found: Suspicion, failure: Failure, evidence: Evidence) -> Upstream:
    listing = evidence.listing(distribution) if evidence.listing is not None else index.Listing(())
    release = listing.get(version)
    good, how = last_good(distribution, version, listing, evidence)
    instead, guessed = replacement_of(failure.detail or failure.message, found.name, found.module)
    return Upstream(
        distribution=distribution,
        installed=version,
        good=good,
        how=how,
        released=release.uploaded[:10] if release else "",
        name=found.name,
        replacement=instead,
        guessed=guessed,
        module=found.module,
        newer=newest_after(listing, version),
    )


def newest_after(listing: index.Listing, version: str) -> str:
    """The newest final release after `version` with wheels, not yanked ('' when none): a lock may move to it."""
    return next(
        (
            r.version
            for r in reversed(listing.releases)
            if r.wheels and not r.yanked and index.stable(r.version) and _after(r.version, version)
        ),
        "",
    )


def _after(candidate: str, version: str) -> bool:
    return index.key(candidate) > index.key(version)


def last_good(distribution: str, version: str, listing: index.Listing, evidence: Evidence) -> tuple[str, str]:
    """The last version known to work and how it is known; ('', why not) when nothing says."""
    green = installed_in_log(evidence.green_log).get(venv.normal(distribution), "")
    if green and green != version:
        return green, "pip's `Successfully installed` line in the green run's log"
    for pinned, where in evidence.locked(distribution) if evidence.locked is not None else ():
        if pinned != version:
            return pinned, f"pinned in {where}"
    cutoff = evidence.last_green
    before = [
        release
        for release in listing.releases
        if release.uploaded
        and cutoff
        and release.uploaded < cutoff
        and not release.yanked
        and release.wheels
        and index.stable(release.version)  # a pre-release is what nobody had installed
    ]
    if before and index.key(before[-1].version) < index.key(version):
        return before[-1].version, f"by date: the newest release before the last commit, {cutoff[:10]}"
    if listing.problem:
        return "", listing.problem
    return "", "no lockfile, green log or release before the last commit says"


def installed_in_log(text: str) -> dict[str, str]:
    """pip's `Successfully installed a-1.0 b_c-2.0` lines: normalised name -> version."""
    found: dict[str, str] = {}
    for match in _INSTALLED.finditer(text):
        for item in match["list"].split():
            name, sep, version = item.rpartition("-")
            if sep and name and re.fullmatch(r"\d[\w.!+]*", version):
                found[venv.normal(name)] = version
    return found


def replacement(text: str, gone: str, module: str = "") -> str:
    """What the message names instead of `gone` ('' when it names nothing else)."""
    return replacement_of(text, gone, module)[0]


def offered(text: str) -> str:
    """The first name of "X or Y" that is a name or a call, not a subscript (`colormaps[name]`)."""
    for alternative in re.split(r",? or |, ", text):
        found = re.fullmatch(_OFFERED, alternative)
        if found and not (found["after"] or "").startswith("["):
            return found["name"]
    return ""


def replacement_of(text: str, gone: str, module: str = "") -> tuple[str, bool]:
    """What the message names instead of `gone`, and whether it is only the interpreter's guess
    (`Did you mean: 'cfloat'?` for numpy's `float`: the closest name, not the release's advice)."""
    for match in REPLACEMENT.finditer(text):
        if match["builtin"]:  # the builtin itself, not the module's alias of it: builtins.float
            return f"builtins.{match['builtin']}", False
        if match["frommod"]:
            return f"{match['frommod']}.{gone}", False
        named = offered(match["use"]) if match["use"] else ""
        named = named or match["favor"] or match["usewith"] or match["mean"] or match["renamed"]
        # The same name elsewhere is a move (flask.escape -> markupsafe.escape); in its own module, no news.
        same = {gone, f"{module}.{gone}", f"{module.partition('.')[0]}.{gone}"} if module else {gone}
        if named and named not in same and not (not module and named.rpartition(".")[2] == gone):
            return named, bool(match["mean"])
    return "", False


# A warning's message, with its next line when that is more of it, not the code pytest shows under it
# (NetworkX 2.8: "to_numpy_matrix is deprecated ...\nUse to_numpy_array instead, e.g. ...").
# The category: the standard ones, or a package's own (marshmallow's RemovedInMarshmallow4Warning,
# pydantic's PydanticDeprecatedSince20, pytest's PytestRemovedIn8Warning).
DEPRECATION = r"(?:\w*Deprecat\w*|\w*Removed\w*Warning|\w*FutureWarning)"
_WARNED = re.compile(rf"\b{DEPRECATION}: (?P<text>.+(?:\n {{0,2}}\S.*)?)")


def warned(outputs: Iterable[str], found: Upstream) -> Upstream | None:
    """`found` with the replacement a deprecation warning of the last good release names for the
    gone name (pytest's warnings summary of a run with it: numpy 1.23's "use `float` by itself"),
    or None when no warning names one. The release that removed an API often no longer says
    what replaces it; the one before it did, in a warning."""
    if not found.name:
        return None
    for output in outputs:
        for match in _WARNED.finditer(output):
            text = match["text"]
            if re.search(rf"(?<![\w]){re.escape(found.name)}(?!\w)", text):
                instead, guessed = replacement_of(text, found.name, found.module)
                if instead and not guessed:
                    return dataclasses.replace(found, replacement=instead, guessed=False)
    return None


def summary(failures: Iterable[Failure]) -> str:
    """One line per distribution named: the sentences of the diagnosis."""
    return "; ".join(dict.fromkeys(f.upstream.sentence for f in failures if f.upstream is not None))
