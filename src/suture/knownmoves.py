"""The table of well-known moves: code written for an API a release removed, and how it is written for
that release, from the release notes. The fixer that applies it is fixers/moves.py (which says what the
placeholders of a shape mean); the diagnosis reads it for a module a release took away with it
(setuptools 82's pkg_resources). A plain module: `suture diagnose --log` imports it, and nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass

from suture.run.venv import normal


@dataclass(frozen=True)
class Move:
    distribution: str  # as its metadata names it
    since: str  # the release that removed the old API
    module: str  # where the old API lived
    old: str  # a name row: the name gone; a shape row: the pattern
    new: str  # a name row: the dotted name instead; a shape row: the template
    api: str = ""  # a shape row's {api}
    imports: tuple[str, ...] = ()  # modules the template names that the file must import
    located: bool = False  # a generic shape: only on the lines the failure points at
    gone_module: bool = False  # the release removed the module: its import goes once nothing uses it

    @property
    def shape(self) -> bool:
        return "{" in self.old


MOVES: tuple[Move, ...] = (
    # pandas 2.0 removed DataFrame.append / Series.append (1.4 deprecated them for pandas.concat)
    # and Series.iteritems (for items).
    Move(
        "pandas",
        "2.0",
        "pandas",
        "{a}.append({b}, ignore_index=True)",
        "{mod}.concat([{a}, {b}], ignore_index=True)",
        located=True,
    ),
    Move("pandas", "2.0", "pandas", "{a}.append({b})", "{mod}.concat([{a}, {b}])", located=True),
    Move("pandas", "2.0", "pandas", "{a}.iteritems()", "{a}.items()", located=True),
    # importlib-metadata 5.0 removed the dict interface of entry_points() (selection by group stays).
    Move("importlib-metadata", "5.0", "importlib_metadata", "{api}()[{a}]", "{api}(group={a})", api="entry_points"),
    Move(
        "importlib-metadata",
        "5.0",
        "importlib_metadata",
        "{api}().get({a}, [])",
        "{api}(group={a})",
        api="entry_points",
    ),
    Move(
        "importlib-metadata",
        "5.0",
        "importlib_metadata",
        "{api}().get({a}, ())",
        "{api}(group={a})",
        api="entry_points",
    ),
    # PyYAML 6.0 made load()'s Loader required; FullLoader was 5.x's default.
    Move("PyYAML", "6.0", "yaml", "{api}({a})", "{api}({a}, Loader={mod}.FullLoader)", api="load"),
    Move("PyYAML", "6.0", "yaml", "{api}({a})", "{api}({a}, Loader={mod}.FullLoader)", api="load_all"),
    # setuptools 82 removed pkg_resources; importlib.metadata (3.8+) and packaging replace its common calls.
    Move(
        "setuptools",
        "82.0",
        "pkg_resources",
        "{api}({a}).version",
        "importlib.metadata.version({a})",
        api="get_distribution",
        imports=("importlib.metadata",),
        gone_module=True,
    ),
    Move(
        "setuptools",
        "82.0",
        "pkg_resources",
        "{api}({a})",
        "packaging.version.parse({a})",
        api="parse_version",
        imports=("packaging.version",),
        gone_module=True,
    ),
    # MarkupSafe 2.1 removed soft_unicode (2.0: renamed to soft_str).
    Move("MarkupSafe", "2.1", "markupsafe", "soft_unicode", "markupsafe.soft_str"),
    # Jinja2 3.1 removed the decorators 3.0 renamed, and its re-exports of MarkupSafe.
    Move("Jinja2", "3.1", "jinja2", "contextfunction", "jinja2.pass_context"),
    Move("Jinja2", "3.1", "jinja2", "contextfilter", "jinja2.pass_context"),
    Move("Jinja2", "3.1", "jinja2", "evalcontextfunction", "jinja2.pass_eval_context"),
    Move("Jinja2", "3.1", "jinja2", "evalcontextfilter", "jinja2.pass_eval_context"),
    Move("Jinja2", "3.1", "jinja2", "environmentfunction", "jinja2.pass_environment"),
    Move("Jinja2", "3.1", "jinja2", "environmentfilter", "jinja2.pass_environment"),
    Move("Jinja2", "3.1", "jinja2", "Markup", "markupsafe.Markup"),
    Move("Jinja2", "3.1", "jinja2", "escape", "markupsafe.escape"),
    # Werkzeug 2.1 and 3.0 removed helpers the standard library has.
    Move("Werkzeug", "2.1", "werkzeug.security", "safe_str_cmp", "hmac.compare_digest"),
    Move("Werkzeug", "3.0", "werkzeug.urls", "url_quote", "urllib.parse.quote"),
    Move("Werkzeug", "3.0", "werkzeug.urls", "url_unquote", "urllib.parse.unquote"),
    # Flask 3.0 removed its re-exports of MarkupSafe.
    Move("Flask", "3.0", "flask", "escape", "markupsafe.escape"),
    Move("Flask", "3.0", "flask", "Markup", "markupsafe.Markup"),
    # NumPy 1.23 removed asscalar (deprecated since 1.16 for a.item()).
    Move("numpy", "1.23", "numpy", "{api}({a})", "{a}.item()", api="asscalar"),
    # importlib-resources 6.0 removed the legacy functions for files() (its "migrating from legacy").
    Move(
        "importlib-resources",
        "6.0",
        "importlib_resources",
        "{api}({a}, {b})",
        "{mod}.files({a}).joinpath({b}).read_text()",
        api="read_text",
    ),
    Move(
        "importlib-resources",
        "6.0",
        "importlib_resources",
        "{api}({a}, {b})",
        "{mod}.files({a}).joinpath({b}).read_bytes()",
        api="read_binary",
    ),
    # NumPy 1.24 removed the aliases of builtins (NumPy 2's removals are ruff's NPY201).
    *(
        Move("numpy", "1.24", "numpy", name, f"builtins.{name}")
        for name in ("float", "int", "bool", "object", "str", "complex")
    ),
)


def applicable(distribution: str, installed: str) -> list[Move]:
    """The rows for `distribution` whose release is `installed` or older."""
    from packaging.version import InvalidVersion, Version  # asked only when a release is named

    try:
        version = Version(installed)
    except InvalidVersion:
        return []
    return [m for m in MOVES if normal(m.distribution) == normal(distribution) and version >= Version(m.since)]


def gone_module(module: str) -> Move | None:
    """The row saying a release removed `module` altogether (setuptools 82's pkg_resources), or None."""
    return next((m for m in MOVES if m.gone_module and m.module == module), None)
