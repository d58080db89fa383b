from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers.imports import ImportsFixer

TEXT = "def slugify(text):\n    return text.lower().replace(' ', '-')\n"
SHOUT = "def shout(text):\n    return text.upper()\n"


def views(head: str, call: str = "slugify(title)") -> str:
    return f"{head}\n\n\ndef render(title):\n    return {call}\n"


INIT = "from . import {name}\n\n\nclass Cache:\n    def get(self, key):\n        return keys.hashkey(key)\n"


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]
    run: str  # code that raises, run by a real interpreter
    expected: list[dict[str, str]]  # per candidate, in the fixer's order: the files it changes, after it
    ranks: list[int]


CASES = {
    # `from . import key` in the package's own __init__: "from partially initialized module 'pkg'";
    # the methods' own `key` parameters are other names and stay.
    "a-submodule-misspelt-in-the-package-s-own-init": Case(
        {
            "pkg/__init__.py": INIT.format(name="key"),
            "pkg/keys.py": "def hashkey(key):\n    return ('k', key)\n",
        },
        "import pkg; assert pkg.Cache().get(1) == ('k', 1)",
        [{"pkg/__init__.py": INIT.format(name="keys")}],
        [0],
    ),
    "name-misspelt-in-the-import-and-its-uses": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT,
            "pkg/views.py": views("from pkg.text import slugfy", "slugfy(title)"),
        },
        "import pkg.views",
        [
            {"pkg/views.py": views("from pkg.text import slugify")},
            {"pkg/text.py": TEXT.replace("slugify", "slugfy")},
        ],
        [0, 1],
    ),
    "an-aliased-name-changes-in-the-import-only": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT,
            "pkg/views.py": views("from pkg.text import (\n    slugfy as slug,\n)", "slug(title)"),
        },
        "import pkg.views",
        [
            {"pkg/views.py": views("from pkg.text import (\n    slugify as slug,\n)", "slug(title)")},
            {"pkg/text.py": TEXT.replace("slugify", "slugfy")},
        ],
        [0, 1],
    ),
    "a-name-that-moved-leaves-the-other-names": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": SHOUT,
            "pkg/strings.py": TEXT,
            "pkg/views.py": views("import os\n\nfrom pkg.text import shout, slugify", "shout(slugify(title))"),
        },
        "import pkg.views",
        [
            {
                "pkg/views.py": views(
                    "import os\n\nfrom pkg.strings import slugify\nfrom pkg.text import shout", "shout(slugify(title))"
                )
            }
        ],
        [0],
    ),
    "a-name-that-moved-alone-changes-the-module": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": SHOUT,
            "pkg/strings.py": TEXT,
            "pkg/views.py": views("from .text import slugify"),
        },
        "import pkg.views",
        [{"pkg/views.py": views("from pkg.strings import slugify")}],
        [0],
    ),
    "standard-library-name": Case(
        {"pkg/counts.py": "from collections import Countr\n\n\ndef count(xs):\n    return Countr(xs)\n"},
        "import pkg.counts",
        [{"pkg/counts.py": "from collections import Counter\n\n\ndef count(xs):\n    return Counter(xs)\n"}],
        [0],
    ),
    "a-test-imports-a-name-the-module-misspells": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": TEXT.replace("slugify", "slugfy"),
            "pkg/views.py": views("from pkg.text import slugfy", "slugfy(title)"),
            "tests/test_text.py": (
                "from pkg.text import slugify\n\n\ndef test_y():\n    assert slugify('A b') == 'a-b'\n"
            ),
        },
        "import tests.test_text",
        [{"pkg/text.py": TEXT, "pkg/views.py": views("from pkg.text import slugify")}],
        [0],
    ),
    "a-test-imports-a-name-from-where-it-was": Case(
        {
            "pkg/__init__.py": "",
            "pkg/text.py": '"""Text."""\n\nimport re\n\n\n' + SHOUT,
            "pkg/strings.py": TEXT,
            "tests/test_text.py": (
                "from pkg.text import slugify\n\n\ndef test_y():\n    assert slugify('A b') == 'a-b'\n"
            ),
        },
        "import tests.test_text",
        [{"pkg/text.py": '"""Text."""\n\nimport re\n\nfrom pkg.strings import slugify\n\n\n' + SHOUT}],
        [0],
    ),
    # setuptools' build/lib/ holds a copy of the package: no module of the project's, so the
    # name is defined in one place, and re-exported from where the test imports it.
    "a-name-the-package-no-longer-re-exports-beside-a-build-copy": Case(
        {
            "src/pkg/__init__.py": "from pkg.text import shout\n",
            "src/pkg/text.py": TEXT + "\n\n" + SHOUT,
            "build/lib/pkg/__init__.py": "from pkg.text import shout, slugify\n",
            "build/lib/pkg/text.py": TEXT + "\n\n" + SHOUT,
            "tests/test_pkg.py": "from pkg import slugify\n\n\ndef test_y():\n    assert slugify('A b') == 'a-b'\n",
        },
        "import sys; sys.path.insert(0, 'src'); import tests.test_pkg",
        [{"src/pkg/__init__.py": "from pkg.text import shout, slugify\n"}],
        [0],
    ),
    # A star import re-exports what the module's __all__ names; the module lost its import of one.
    "a-name-the-module-no-longer-imports-from-its-home": Case(
        {
            "pkg/__init__.py": "from pkg.text import *\n",
            "pkg/text.py": "from pkg._legacy import slugify\n\n__all__ = ['slugify', 'shout']\n",
            "pkg/_legacy.py": TEXT + "\n\n" + SHOUT,
        },
        "import pkg; assert pkg.shout('a') == 'A'",
        [{"pkg/text.py": "from pkg._legacy import shout, slugify\n\n__all__ = ['slugify', 'shout']\n"}],
        [1],
    ),
    "project-module-renamed": Case(
        {"pkg/__init__.py": "", "pkg/text.py": TEXT, "pkg/views.py": views("import pkg.txt", "pkg.txt.slugify(title)")},
        "import pkg.views",
        [{"pkg/views.py": views("import pkg.text", "pkg.text.slugify(title)")}],
        [0],
    ),
    "project-module-renamed-in-a-relative-import": Case(
        {"pkg/__init__.py": "", "pkg/text.py": TEXT, "pkg/views.py": views("from .txt import slugify")},
        "import pkg.views",
        [{"pkg/views.py": views("from .text import slugify")}],
        [0],
    ),
    "project-module-moved-to-a-subpackage": Case(
        {
            "src/shop/__init__.py": "",
            "src/shop/util/__init__.py": "",
            "src/shop/util/text.py": TEXT,
            "src/shop/views.py": views("from shop.text import slugify"),
        },
        "import shop.views",
        [{"src/shop/views.py": views("from shop.util.text import slugify")}],
        [0],
    ),
    "standard-library-module-misspelt": Case(
        {"pkg/counts.py": "import colections\n\n\ndef count(xs):\n    return colections.Counter(xs)\n"},
        "import pkg.counts",
        [{"pkg/counts.py": "import collections\n\n\ndef count(xs):\n    return collections.Counter(xs)\n"}],
        [0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, case.files)
    failed = raised(tmp_path, case.run)
    assert failed.error_type in ("ImportError", "ModuleNotFoundError", "AttributeError")

    found = ImportsFixer().propose(failed, source)

    assert [{path: applied(tmp_path, c, path) for path in c.paths} for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    applied(tmp_path, found[0], found[0].paths[0])
    run = python(tmp_path, f"import sys; sys.path.insert(0, 'src'); {case.run}")
    assert run.returncode == 0, run.stderr


def test_rationales(tmp_path: Path) -> None:
    source = commit(tmp_path, CASES["name-misspelt-in-the-import-and-its-uses"].files)

    found = ImportsFixer().propose(raised(tmp_path, "import pkg.views"), source)

    assert [c.rationale for c in found] == [
        "pkg.text has no `slugfy`; import its closest name, `slugify`",
        "the import asks for `slugfy`, which pkg/text.py calls `slugify`; rename the definition",
    ]


NOT_FOR_US = {
    "a-third-party-module": ({"pkg/mod.py": "import nosuchdist_xyz\n"}, "import pkg.mod"),
    "a-distribution-s-module-is-no-stdlib-typo": (
        {"pkg/mod.py": "import httpx\n"},
        "import sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p]; import pkg.mod",
    ),
    "a-circular-import": (
        {
            "pkg/__init__.py": "",
            "pkg/a.py": "from pkg.b import g\n\n\ndef f():\n    return 1\n",
            "pkg/b.py": "from pkg.a import f\n\n\ndef g():\n    return 2\n",
        },
        "import pkg.a",
    ),
    "a-name-defined-in-two-other-modules": (
        {
            "pkg/__init__.py": "",
            "pkg/text.py": SHOUT,
            "pkg/a.py": TEXT,
            "pkg/b.py": TEXT,
            "pkg/views.py": views("from pkg.text import slugify"),
        },
        "import pkg.views",
    ),
    "a-module-missing-for-a-test": (
        {"pkg/__init__.py": "", "pkg/text.py": TEXT, "tests/test_x.py": "import pkg.txt\n"},
        "import tests.test_x",
    ),
    "nothing-close": (
        {"pkg/__init__.py": "", "pkg/text.py": TEXT, "pkg/views.py": views("from pkg.text import render_all")},
        "import pkg.views",
    ),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, files)
    failed = raised(tmp_path, run)
    assert failed.error_type in ("ImportError", "ModuleNotFoundError")
    assert failed.message.startswith(("cannot import name", "No module named")), failed.message

    assert ImportsFixer().propose(failed, source) == []
