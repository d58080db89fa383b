"""The fixer ladder's benchmark corpus: broken projects whose fix is known.

Four small, lint-clean projects (a shop, a text toolkit, shapes, settings), each with
its own test suite, and mutations of them: every case replaces one stretch of correct
code with a mistake of its class, so HEAD fails its checks and the original file is the
known fix. The classes are the issue's: lint/format, names, attributes/imports,
types/calls, syntax and dependencies. A dependency case also carries a wheelhouse (wheels
built here, installed offline by the check itself, as a CI without network does).

A case may list more than one known fix where people write either: `str(n)` or an
f-string for a str + int concatenation.
"""

from __future__ import annotations

import base64
import hashlib
import io
import sys
import zipfile
from dataclasses import dataclass, field

PY = sys.executable
PYTEST = f"{PY} -m pytest -q -p no:cacheprovider"

SHOP = {
    "shop/__init__.py": "",
    "shop/money.py": (
        '"""Money helpers."""\n\n'
        "from decimal import ROUND_HALF_UP, Decimal\n\n\n"
        "def to_cents(amount):\n"
        '    value = Decimal(str(amount)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)\n'
        "    return int(value * 100)\n\n\n"
        'def format_price(cents, currency="EUR"):\n'
        "    euros, rest = divmod(cents, 100)\n"
        '    return f"{euros}.{rest:02d} {currency}"\n'
    ),
    "shop/cart.py": (
        '"""A shopping cart."""\n\n'
        "from shop.money import format_price, to_cents\n\n\n"
        "class Cart:\n"
        "    def __init__(self, owner):\n"
        "        self.owner = owner\n"
        "        self.items = []\n\n"
        "    def add(self, name, price, quantity=1):\n"
        "        self.items.append((name, to_cents(price), quantity))\n"
        "        return self\n\n"
        "    def total(self):\n"
        "        return sum(cents * quantity for _, cents, quantity in self.items)\n\n"
        "    def count(self):\n"
        "        return sum(quantity for _, _, quantity in self.items)\n\n"
        "    def receipt(self):\n"
        '        lines = [f"{name} x{quantity}" for name, _, quantity in self.items]\n'
        '        lines.append("items: " + str(self.count()))\n'
        '        lines.append("total: " + format_price(self.total()))\n'
        '        return "\\n".join(lines)\n'
    ),
    "shop/report.py": (
        '"""Reports over many carts."""\n\n'
        "import json\n\n\n"
        "def summary(carts):\n"
        "    owners = sorted(cart.owner for cart in carts)\n"
        "    totals = {cart.owner: cart.total() for cart in carts}\n"
        '    return {"owners": owners, "totals": totals, "items": sum(cart.count() for cart in carts)}\n\n\n'
        "def to_json(carts):\n"
        "    return json.dumps(summary(carts), sort_keys=True)\n\n\n"
        "def biggest(carts):\n"
        "    best = max(carts, key=lambda cart: cart.total())\n"
        "    return best.owner\n"
    ),
    "tests/__init__.py": "",
    "tests/test_cart.py": (
        "from shop.cart import Cart\n"
        "from shop.money import format_price, to_cents\n\n\n"
        "def test_cents():\n"
        "    assert to_cents(1.005) == 101\n"
        "    assert to_cents(3) == 300\n\n\n"
        "def test_price():\n"
        '    assert format_price(1234) == "12.34 EUR"\n'
        '    assert format_price(5, "USD") == "0.05 USD"\n\n\n'
        "def test_total():\n"
        '    cart = Cart("ann").add("tea", 2.5, 2).add("cake", 3)\n'
        "    assert cart.total() == 800\n"
        "    assert cart.count() == 3\n\n\n"
        "def test_receipt():\n"
        '    cart = Cart("bob").add("tea", 1.2)\n'
        '    assert cart.receipt() == "tea x1\\nitems: 1\\ntotal: 1.20 EUR"\n'
    ),
    "tests/test_report.py": (
        "import json\n\n"
        "from shop.cart import Cart\n"
        "from shop.report import biggest, summary, to_json\n\n\n"
        "def carts():\n"
        '    return [Cart("ann").add("tea", 2), Cart("bob").add("cake", 4, 2)]\n\n\n'
        "def test_summary():\n"
        "    found = summary(carts())\n"
        '    assert found["owners"] == ["ann", "bob"]\n'
        '    assert found["totals"] == {"ann": 200, "bob": 800}\n'
        '    assert found["items"] == 3\n\n\n'
        "def test_json():\n"
        '    assert json.loads(to_json(carts()))["items"] == 3\n\n\n'
        "def test_biggest():\n"
        '    assert biggest(carts()) == "bob"\n'
    ),
}

TEXT = {
    "textkit/__init__.py": "",
    "textkit/slug.py": (
        '"""Slugs for titles."""\n\n'
        "import re\n"
        "import unicodedata\n\n"
        '_NON_WORD = re.compile(r"[^a-z0-9]+")\n\n\n'
        "def ascii_fold(text):\n"
        '    normal = unicodedata.normalize("NFKD", text)\n'
        '    return normal.encode("ascii", "ignore").decode("ascii")\n\n\n'
        'def slugify(title, separator="-"):\n'
        "    folded = ascii_fold(title).lower()\n"
        "    return _NON_WORD.sub(separator, folded).strip(separator)\n"
    ),
    "textkit/wrap.py": (
        '"""Wrapping and counting words."""\n\n'
        "import textwrap\n"
        "from collections import Counter\n\n\n"
        "def wrap(text, width=40):\n"
        "    return textwrap.wrap(text, width=width)\n\n\n"
        "def word_counts(text):\n"
        "    words = text.lower().split()\n"
        "    counts = Counter(words)\n"
        "    return counts\n\n\n"
        "def top_words(text, limit=3):\n"
        "    counts = word_counts(text)\n"
        "    return [word for word, _ in counts.most_common(limit)]\n"
    ),
    "textkit/title.py": (
        '"""Titles for pages."""\n\n'
        "from textkit.slug import slugify\n\n\n"
        'def page_title(title, site="docs"):\n'
        '    return title.strip() + " | " + site\n\n\n'
        "def page_path(title, section):\n"
        '    return "/" + section + "/" + slugify(title, separator="-") + "/"\n\n\n'
        "def numbered(title, number):\n"
        '    return str(number) + ". " + title\n'
    ),
    "tests/__init__.py": "",
    "tests/test_slug.py": (
        "from textkit.slug import ascii_fold, slugify\n\n\n"
        "def test_fold():\n"
        '    assert ascii_fold("Crème brûlée") == "Creme brulee"\n\n\n'
        "def test_slug():\n"
        '    assert slugify("Hello, World!") == "hello-world"\n'
        '    assert slugify("  a  b ", separator="_") == "a_b"\n'
    ),
    "tests/test_wrap.py": (
        "from textkit.wrap import top_words, word_counts, wrap\n\n\n"
        "def test_wrap():\n"
        '    assert wrap("one two three four", width=9) == ["one two", "three", "four"]\n\n\n'
        "def test_counts():\n"
        '    assert word_counts("a b A")["a"] == 2\n\n\n'
        "def test_top():\n"
        '    assert top_words("x y x z x y", limit=2) == ["x", "y"]\n'
    ),
    "tests/test_title.py": (
        "from textkit.title import numbered, page_path, page_title\n\n\n"
        "def test_title():\n"
        '    assert page_title(" Intro ") == "Intro | docs"\n\n\n'
        "def test_path():\n"
        '    assert page_path("Getting Started", "guide") == "/guide/getting-started/"\n\n\n'
        "def test_numbered():\n"
        '    assert numbered("Setup", 2) == "2. Setup"\n'
    ),
}

GEO = {
    "geo/__init__.py": "",
    "geo/shapes.py": (
        '"""Shapes and their measures."""\n\n'
        "import math\n\n"
        'SCALE = {"mm": 0.001, "cm": 0.01, "m": 1}\n\n\n'
        "class Rect:\n"
        "    def __init__(self, width, height):\n"
        "        self.width = width\n"
        "        self.height = height\n\n"
        "    def area(self):\n"
        "        return self.width * self.height\n\n"
        "    def perimeter(self):\n"
        "        return 2 * (self.width + self.height)\n\n\n"
        "class Circle:\n"
        "    def __init__(self, radius):\n"
        "        self.radius = radius\n\n"
        "    def area(self):\n"
        "        return math.pi * self.radius**2\n\n"
        "    def perimeter(self):\n"
        "        return 2 * math.pi * self.radius\n\n\n"
        "def to_metres(value, unit):\n"
        "    return value * SCALE[unit]\n"
    ),
    "geo/stats.py": (
        '"""Statistics over shapes."""\n\n'
        "from geo.shapes import Circle, Rect\n\n\n"
        "def total_area(shapes):\n"
        "    return sum(shape.area() for shape in shapes)\n\n\n"
        "def largest(shapes):\n"
        "    if not shapes:\n"
        '        raise ValueError("no shapes")\n'
        "    return max(shapes, key=lambda shape: shape.area())\n\n\n"
        "def make(kind, *sizes):\n"
        '    if kind == "rect":\n'
        "        return Rect(*sizes)\n"
        '    if kind == "circle":\n'
        "        return Circle(*sizes)\n"
        "    raise ValueError(kind)\n\n\n"
        "def describe(shape):\n"
        "    name = type(shape).__name__.lower()\n"
        '    return f"{name} of area {shape.area():.2f}"\n'
    ),
    "tests/__init__.py": "",
    "tests/test_shapes.py": (
        "import math\n\n"
        "from geo.shapes import Circle, Rect, to_metres\n\n\n"
        "def test_rect():\n"
        "    assert Rect(2, 3).area() == 6\n"
        "    assert Rect(2, 3).perimeter() == 10\n\n\n"
        "def test_circle():\n"
        "    assert math.isclose(Circle(1).area(), math.pi)\n"
        "    assert math.isclose(Circle(1).perimeter(), 2 * math.pi)\n\n\n"
        "def test_units():\n"
        '    assert to_metres(250, "cm") == 2.5\n'
    ),
    "tests/test_stats.py": (
        "import pytest\n\n"
        "from geo.shapes import Rect\n"
        "from geo.stats import describe, largest, make, total_area\n\n\n"
        "def test_total():\n"
        '    assert total_area([Rect(1, 2), make("rect", 3, 1)]) == 5\n\n\n'
        "def test_largest():\n"
        "    big = Rect(5, 5)\n"
        "    assert largest([Rect(1, 1), big]) is big\n"
        "    with pytest.raises(ValueError):\n"
        "        largest([])\n\n\n"
        "def test_make():\n"
        '    assert make("circle", 2).radius == 2\n'
        "    with pytest.raises(ValueError):\n"
        '        make("hexagon", 1)\n\n\n'
        "def test_describe():\n"
        '    assert describe(Rect(2, 2)) == "rect of area 4.00"\n'
    ),
}

SETTINGS = {
    "settings/__init__.py": "",
    "settings/loader.py": (
        '"""Loading settings from text."""\n\n'
        "import json\n"
        "import os\n"
        "from pathlib import Path\n\n"
        'DEFAULTS = {"debug": False, "workers": 2, "name": "app"}\n\n\n'
        "def parse(text):\n"
        "    data = json.loads(text)\n"
        "    merged = dict(DEFAULTS)\n"
        "    merged.update(data)\n"
        "    return merged\n\n\n"
        "def load(path):\n"
        '    text = Path(path).read_text(encoding="utf-8")\n'
        "    return parse(text)\n\n\n"
        'def from_env(prefix="APP_"):\n'
        "    found = {}\n"
        "    for key, value in os.environ.items():\n"
        "        if key.startswith(prefix):\n"
        "            found[key.removeprefix(prefix).lower()] = value\n"
        "    return found\n"
    ),
    "settings/validate.py": (
        '"""Checking settings."""\n\n'
        "from settings.loader import DEFAULTS\n\n\n"
        "def missing(settings):\n"
        "    return [key for key in DEFAULTS if key not in settings]\n\n\n"
        "def check_workers(settings):\n"
        '    workers = settings["workers"]\n'
        "    if workers < 1:\n"
        '        raise ValueError("workers must be at least 1")\n'
        "    return workers\n\n\n"
        "def within(settings, limit):\n"
        '    return settings["workers"] <= limit\n\n\n'
        "def describe(settings):\n"
        '    return "workers=" + str(settings["workers"]) + ", debug=" + str(settings["debug"])\n'
    ),
    "tests/__init__.py": "",
    "tests/test_loader.py": (
        "from settings.loader import from_env, load, parse\n\n\n"
        "def test_parse():\n"
        '    assert parse(\'{"workers": 4}\')["workers"] == 4\n'
        '    assert parse("{}")["name"] == "app"\n\n\n'
        "def test_load(tmp_path):\n"
        '    path = tmp_path / "app.json"\n'
        '    path.write_text(\'{"debug": true}\', encoding="utf-8")\n'
        '    assert load(path)["debug"] is True\n\n\n'
        "def test_env(monkeypatch):\n"
        '    monkeypatch.setenv("APP_COLOUR", "blue")\n'
        '    assert from_env()["colour"] == "blue"\n'
    ),
    "tests/test_validate.py": (
        "import pytest\n\n"
        "from settings.validate import check_workers, describe, missing, within\n\n\n"
        "def test_missing():\n"
        '    assert missing({"debug": True}) == ["workers", "name"]\n\n\n'
        "def test_workers():\n"
        '    assert check_workers({"workers": 3}) == 3\n'
        "    with pytest.raises(ValueError):\n"
        '        check_workers({"workers": 0})\n\n\n'
        "def test_within():\n"
        '    assert within({"workers": 3}, 4)\n\n\n'
        "def test_describe():\n"
        '    assert describe({"workers": 2, "debug": False}) == "workers=2, debug=False"\n'
    ),
}

PROJECTS = {"shop": SHOP, "textkit": TEXT, "geo": GEO, "settings": SETTINGS}

LINT_CONFIG = {
    "pyproject.toml": (
        '[tool.ruff]\nline-length = 100\n\n[tool.ruff.lint]\nselect = ["E", "F", "W", "I"]\n\n'
        '[tool.black]\nline-length = 100\n\n[tool.isort]\nprofile = "black"\nline_length = 100\n'
    ),
    "setup.cfg": "[flake8]\nmax-line-length = 100\nexclude = .git,__pycache__,.deps,wheels\n",
}


@dataclass(frozen=True)
class Case:
    kind: str  # the class: lint/format, names, attributes/imports, types/calls, syntax, dependencies
    name: str
    files: dict[str, str]  # HEAD: every file of the broken project
    fixes: tuple[dict[str, str], ...]  # the known fix(es): path -> the text it must have after the fix
    checks: tuple[str, ...] = (PYTEST,)
    binary: dict[str, bytes] = field(default_factory=dict)  # wheels, for dependency cases


def mutate(
    kind: str,
    name: str,
    project: str,
    path: str,
    good: str,
    bad: str,
    *,
    checks: tuple[str, ...] = (PYTEST,),
    extra: dict[str, str] | None = None,
    also: tuple[str, ...] = (),
) -> Case:
    """A case: `project` with `good` replaced by `bad` in `path`; the known fix puts `good` back.

    `also` holds other acceptable replacements for `bad` (another known fix).
    """
    files = {**PROJECTS[project], **(extra or {})}
    text = files[path]
    if text.count(good) != 1:
        raise ValueError(f"{name}: {good!r} occurs {text.count(good)} times in {path}")
    broken = text.replace(good, bad)
    fixes = (text, *(text.replace(good, other) for other in also))
    return Case(kind, name, {**files, path: broken}, tuple({path: fix} for fix in fixes), checks)


def lint(name: str, project: str, path: str, good: str, bad: str, tool: str) -> Case:
    return mutate("lint/format", name, project, path, good, bad, checks=(PYTEST, f"{PY} -m {tool}"), extra=LINT_CONFIG)


RUFF, RUFF_FORMAT, BLACK = "ruff check .", "ruff format --check .", "black --check ."
ISORT, FLAKE8 = "isort --check-only --diff .", "flake8 ."

LINT = [
    lint("ruff: unused import", "shop", "shop/report.py", "import json\n", "import json\nimport os\n", RUFF),
    lint(
        "ruff: unsorted imports",
        "textkit",
        "textkit/slug.py",
        "import re\nimport unicodedata\n",
        "import unicodedata\nimport re\n",
        RUFF,
    ),
    lint(
        "ruff: f-string without placeholders",
        "geo",
        "geo/stats.py",
        'ValueError("no shapes")',
        'ValueError(f"no shapes")',
        RUFF,
    ),
    lint(
        "ruff: unused import, from",
        "settings",
        "settings/loader.py",
        "from pathlib import Path\n",
        "from pathlib import Path, PurePath\n",
        RUFF,
    ),
    lint("ruff format: spaces around a default", "shop", "shop/cart.py", "quantity=1):", "quantity = 1):", RUFF_FORMAT),
    lint("ruff format: quotes", "textkit", "textkit/title.py", '" | "', "' | '", RUFF_FORMAT),
    lint(
        "ruff format: operators",
        "geo",
        "geo/shapes.py",
        "2 * (self.width + self.height)",
        "2*(self.width+self.height)",
        RUFF_FORMAT,
    ),
    lint(
        "black: spaces in a call",
        "settings",
        "settings/validate.py",
        'ValueError("workers must be at least 1")',
        'ValueError( "workers must be at least 1" )',
        BLACK,
    ),
    lint("black: missing space after comma", "shop", "shop/money.py", "divmod(cents, 100)", "divmod(cents,100)", BLACK),
    lint(
        "isort: unsorted imports",
        "textkit",
        "textkit/wrap.py",
        "import textwrap\nfrom collections import Counter\n",
        "from collections import Counter\nimport textwrap\n",
        ISORT,
    ),
    lint(
        "isort: from before import",
        "settings",
        "settings/loader.py",
        "import json\nimport os\nfrom pathlib import Path\n",
        "from pathlib import Path\nimport json\nimport os\n",
        ISORT,
    ),
    lint(
        "flake8: missing whitespace",
        "geo",
        "geo/shapes.py",
        "        self.width = width\n",
        "        self.width=width\n",
        FLAKE8,
    ),
    lint("flake8: unused import", "shop", "shop/report.py", "import json\n", "import json\nimport sys\n", FLAKE8),
    lint("flake8: blank lines", "textkit", "textkit/wrap.py", "\n\n\ndef top_words", "\n\ndef top_words", FLAKE8),
    lint(
        "flake8: trailing whitespace",
        "settings",
        "settings/validate.py",
        "    return workers\n",
        "    return workers   \n",
        FLAKE8,
    ),
]


def m(kind: str, name: str, project: str, path: str, good: str, bad: str, *also: str) -> Case:
    return mutate(kind, name, project, path, good, bad, also=also)


N, A, T, S = "names", "attributes/imports", "types/calls", "syntax"

NAMES = [
    m(N, "project name not imported", "shop", "shop/cart.py", "import format_price, to_cents", "import format_price"),
    m(N, "stdlib module not imported", "shop", "shop/report.py", "import json\n", ""),
    m(N, "typo with suggestion", "shop", "shop/cart.py", '        lines.append("items', '        line.append("items'),
    m(N, "typo in a local", "textkit", "textkit/slug.py", "    return normal.encode", "    return norml.encode"),
    m(N, "stdlib name not imported", "textkit", "textkit/wrap.py", "from collections import Counter\n", ""),
    m(N, "project function not imported", "textkit", "textkit/title.py", "from textkit.slug import slugify\n", ""),
    m(N, "stdlib module, two uses", "geo", "geo/shapes.py", "import math\n", ""),
    m(N, "project class not imported", "geo", "geo/stats.py", "import Circle, Rect", "import Rect"),
    m(N, "typo inside an f-string", "geo", "geo/stats.py", 'f"{name} of area', 'f"{nme} of area'),
    m(N, "stdlib class not imported", "settings", "settings/loader.py", "from pathlib import Path\n", ""),
    m(N, "typo in an argument", "settings", "settings/loader.py", "merged.update(data)", "merged.update(dat)"),
    m(
        N,
        "project constant not imported",
        "settings",
        "settings/validate.py",
        "from settings.loader import DEFAULTS\n",
        "",
    ),
    m(N, "typo in a dict value", "shop", "shop/report.py", '"totals": totals', '"totals": totls'),
    m(N, "typo in a call argument", "textkit", "textkit/wrap.py", "most_common(limit)", "most_common(limt)"),
]

ATTRIBUTES = [
    m(A, "list method typo", "shop", "shop/cart.py", "self.items.append", "self.items.apend"),
    m(A, "module function typo", "shop", "shop/report.py", "json.dumps", "json.dums"),
    m(
        A,
        "cannot import name (typo)",
        "shop",
        "shop/cart.py",
        "import format_price, to_cents",
        "import format_prices, to_cents",
    ),
    m(
        A,
        "project module renamed",
        "textkit",
        "textkit/title.py",
        "from textkit.slug import",
        "from textkit.slugs import",
    ),
    m(A, "stdlib function typo", "textkit", "textkit/slug.py", "unicodedata.normalize", "unicodedata.normalise"),
    m(A, "misspelt stdlib module", "textkit", "textkit/wrap.py", "import textwrap\n", "import textwrapp\n"),
    m(
        A,
        "method renamed at its definition",
        "geo",
        "geo/shapes.py",
        "    def perimeter(self):\n        return 2 * (",
        "    def perimetre(self):\n        return 2 * (",
    ),
    m(A, "module constant typo", "geo", "geo/shapes.py", "math.pi * self.radius**2", "math.PI * self.radius**2"),
    m(A, "mapping method typo", "settings", "settings/loader.py", "os.environ.items()", "os.environ.item()"),
    m(A, "cannot import name (plural)", "settings", "settings/validate.py", "import DEFAULTS", "import DEFAULT"),
    m(A, "misspelt stdlib module, used", "shop", "shop/report.py", "import json\n", "import jsn\n"),
    m(A, "project module typo", "geo", "geo/stats.py", "from geo.shapes import", "from geo.shape import"),
    m(A, "Counter method typo", "textkit", "textkit/wrap.py", "counts.most_common", "counts.most_comon"),
    m(A, "Path method typo", "settings", "settings/loader.py", "Path(path).read_text", "Path(path).read_txt"),
]

FSTRING_ITEMS = '        lines.append(f"items: {self.count()}")\n'
TYPES = [
    m(
        T,
        "str + int in a method",
        "shop",
        "shop/cart.py",
        '        lines.append("items: " + str(self.count()))\n',
        '        lines.append("items: " + self.count())\n',
        FSTRING_ITEMS,
    ),
    m(
        T,
        "int + str",
        "textkit",
        "textkit/title.py",
        '    return str(number) + ". " + title\n',
        '    return number + ". " + title\n',
        '    return f"{number}. {title}"\n',
    ),
    m(
        T,
        "str + int in a chain",
        "settings",
        "settings/validate.py",
        '"workers=" + str(settings["workers"])',
        '"workers=" + settings["workers"]',
    ),
    m(T, "unused parameter added", "geo", "geo/stats.py", "def largest(shapes):", "def largest(shapes, key):"),
    m(
        T,
        "extra argument at the call",
        "shop",
        "shop/report.py",
        "totals = {cart.owner: cart.total() for",
        "totals = {cart.owner: cart.total(cart.owner) for",
    ),
    m(
        T,
        "keyword typo at the call",
        "textkit",
        "textkit/title.py",
        "slugify(title, separator=",
        "slugify(title, seperator=",
    ),
    m(
        T,
        "method without self",
        "geo",
        "geo/shapes.py",
        "    def area(self):\n        return self.width",
        "    def area():\n        return self.width",
    ),
    m(
        T,
        "parameter dropped, still used",
        "settings",
        "settings/validate.py",
        "def within(settings, limit):",
        "def within(settings):",
    ),
    m(
        T,
        "return dropped (subscript)",
        "settings",
        "settings/loader.py",
        "    merged.update(data)\n    return merged\n",
        "    merged.update(data)\n",
    ),
    m(
        T,
        "return dropped (attribute)",
        "textkit",
        "textkit/wrap.py",
        "    counts = Counter(words)\n    return counts\n",
        "    counts = Counter(words)\n",
    ),
    m(
        T,
        "return dropped (arithmetic)",
        "geo",
        "geo/shapes.py",
        "        return self.width * self.height\n",
        "        self.width * self.height\n",
    ),
    m(
        T,
        "return dropped (iteration)",
        "shop",
        "shop/cart.py",
        "        self.items.append((name, to_cents(price), quantity))\n        return self\n",
        "        self.items.append((name, to_cents(price), quantity))\n",
    ),
    m(
        T,
        "keyword typo, project function",
        "shop",
        "shop/money.py",
        "def format_price(cents, currency=",
        "def format_price(cents, curency=",
    ),
    m(
        T,
        "missing argument at the call",
        "textkit",
        "textkit/wrap.py",
        "    counts = word_counts(text)\n",
        "    counts = word_counts()\n",
    ),
]

SYNTAX = [
    m(S, "missing colon after def", "shop", "shop/money.py", "def to_cents(amount):", "def to_cents(amount)"),
    m(S, "missing colon after class", "shop", "shop/cart.py", "class Cart:", "class Cart"),
    m(S, "unclosed parenthesis", "textkit", "textkit/slug.py", ".strip(separator)\n", ".strip(separator\n"),
    m(
        S,
        "missing comma in a call",
        "textkit",
        "textkit/wrap.py",
        "textwrap.wrap(text, width=width)",
        "textwrap.wrap(text width=width)",
    ),
    m(S, "= in a condition", "geo", "geo/stats.py", 'if kind == "rect":', 'if kind = "rect":'),
    m(S, "unterminated string", "geo", "geo/stats.py", '{shape.area():.2f}"\n', "{shape.area():.2f}\n"),
    m(
        S,
        "unexpected indent",
        "settings",
        "settings/loader.py",
        "    merged.update(data)\n",
        "      merged.update(data)\n",
    ),
    m(
        S,
        "expected an indented block",
        "settings",
        "settings/validate.py",
        '        raise ValueError("workers must',
        'raise ValueError("workers must',
    ),
    m(S, "mismatched bracket", "shop", "shop/report.py", "for cart in carts)}\n", "for cart in carts))\n"),
    m(S, "curly quotes", "textkit", "textkit/title.py", '" | "', "\u201c | \u201d"),
    m(S, "missing comma in a dict", "geo", "geo/shapes.py", '"mm": 0.001, "cm"', '"mm": 0.001 "cm"'),
    m(S, "tab among spaces", "settings", "settings/loader.py", "            found[key", "\t    found[key"),
    m(
        S,
        "unmatched closing parenthesis",
        "shop",
        "shop/cart.py",
        "in self.items)\n\n    def receipt",
        "in self.items))\n\n    def receipt",
    ),
    m(
        S,
        "missing colon after a default",
        "textkit",
        "textkit/wrap.py",
        "def top_words(text, limit=3):",
        "def top_words(text, limit=3)",
    ),
    m(S, "f-string expecting '}'", "geo", "geo/stats.py", "{shape.area():.2f}", "{shape.area():.2f"),
]


# --- dependencies: a wheelhouse the check installs from, offline --------------------------------


def wheel(dist: str, version: str, module: str, code: str) -> bytes:
    """A minimal pure-Python wheel holding `module` (a package with `code` in its __init__)."""
    tag = dist.replace("-", "_")
    info = f"{tag}-{version}.dist-info"
    files = {
        f"{module}/__init__.py": code,
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: suture-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    record = []
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            data = text.encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            record.append(f"{name},sha256={digest},{len(data)}")
            archive.writestr(name, data)
        record.append(f"{info}/RECORD,,")
        archive.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return buffer.getvalue()


def _install(requirements: str) -> str:
    return (
        f"{PY} -m pip install -q --disable-pip-version-check --no-index --find-links wheels --target .deps "
        f"-r {requirements} && PYTHONPATH=.deps:$PYTHONPATH {PYTEST}"
    )


LIBS = {
    "humanbytes": ("humanbytes", "def size(n):\n    return f'{n} B'\n"),
    "acme-units": ("acme_units", "def metres(n):\n    return n\n"),
    "tinyfmt": ("tinyfmt", "def money(n):\n    return f'{n:.2f}'\n"),
    "colorlabel": ("colorlabel", "def label(s):\n    return s.upper()\n"),
}


def dependency(
    name: str,
    project: str,
    path: str,
    good: str,
    bad: str,
    files: dict[str, str],
    fix: dict[str, str],
    requirements: str,
    wheels: tuple[str, ...],
) -> Case:
    text = PROJECTS[project][path]
    if text.count(good) != 1:
        raise ValueError(f"{name}: {good!r} occurs {text.count(good)} times in {path}")
    code = text.replace(good, bad)
    every = {**PROJECTS[project], **files, path: code}
    binary = {
        f"wheels/{dist.replace('-', '_')}-1.0-py3-none-any.whl": wheel(dist, "1.0", *LIBS[dist]) for dist in wheels
    }
    return Case("dependencies", name, every, (fix,), (_install(requirements),), binary)


ALL_WHEELS = tuple(LIBS)
DEPENDENCIES = [
    dependency(
        "new import, requirements.txt",
        "shop",
        "shop/money.py",
        "from decimal",
        "import tinyfmt\nfrom decimal",
        {"requirements.txt": "colorlabel==1.0\n"},
        {"requirements.txt": "colorlabel==1.0\ntinyfmt\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "distribution named unlike its module",
        "geo",
        "geo/shapes.py",
        "import math\n",
        "import math\n\nimport acme_units\n",
        {"requirements.txt": "humanbytes\n"},
        {"requirements.txt": "acme-units\nhumanbytes\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "sorted requirements",
        "textkit",
        "textkit/wrap.py",
        "import textwrap\n",
        "import textwrap\n\nimport humanbytes\n",
        {"requirements.txt": "acme-units\ntinyfmt\n"},
        {"requirements.txt": "acme-units\nhumanbytes\ntinyfmt\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "empty requirements",
        "settings",
        "settings/loader.py",
        "import json\n",
        "import json\n\nimport colorlabel\n",
        {"requirements.txt": ""},
        {"requirements.txt": "colorlabel\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "requirements with comments",
        "shop",
        "shop/report.py",
        "import json\n",
        "import json\n\nimport humanbytes\n",
        {"requirements.txt": "# runtime\ntinyfmt>=1.0\n"},
        {"requirements.txt": "# runtime\ntinyfmt>=1.0\nhumanbytes\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "from-import of the missing module",
        "geo",
        "geo/stats.py",
        "from geo.shapes",
        "from tinyfmt import money\nfrom geo.shapes",
        {"requirements.txt": "colorlabel\n"},
        {"requirements.txt": "colorlabel\ntinyfmt\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
    dependency(
        "requirements in a folder",
        "textkit",
        "textkit/title.py",
        "from textkit.slug",
        "import colorlabel\nfrom textkit.slug",
        {"requirements/base.txt": "tinyfmt\n"},
        {"requirements/base.txt": "colorlabel\ntinyfmt\n"},
        "requirements/base.txt",
        ALL_WHEELS,
    ),
    dependency(
        "pinned neighbours",
        "settings",
        "settings/validate.py",
        "from settings.loader",
        "import acme_units\nfrom settings.loader",
        {"requirements.txt": "humanbytes==1.0\ntinyfmt==1.0\n"},
        {"requirements.txt": "acme-units\nhumanbytes==1.0\ntinyfmt==1.0\n"},
        "requirements.txt",
        ALL_WHEELS,
    ),
]

CASES: list[Case] = [*LINT, *NAMES, *ATTRIBUTES, *TYPES, *SYNTAX, *DEPENDENCIES]
