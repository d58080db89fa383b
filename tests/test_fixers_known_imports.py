"""The known-import fixer: a deleted import put back as the project's other files write it, the
project's own package, or a standard-library module's export; and the table that says which."""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, python, raised

from suture.fixers import _stdlib_names
from suture.fixers.known_imports import KnownImportsFixer

TYPED = "import typing as t\n\n\ndef first(xs: t.List[int]) -> t.Optional[int]:\n    return xs[0] if xs else None\n"
CASES = {
    # every sibling writes `import typing as t`
    "an-aliased-module-as-the-siblings-import-it": (
        {
            "pkg/a.py": TYPED,
            "pkg/b.py": TYPED.replace("first", "second"),
            "pkg/mod.py": "import os\n\n\ndef cwd() -> t.Optional[str]:\n    return os.getcwd()\n",
        },
        "from pkg.mod import cwd; cwd()",
        "import os\nimport typing as t\n\n\ndef cwd() -> t.Optional[str]:\n    return os.getcwd()\n",
        0,
    ),
    # a sibling imports the name relatively from a module of the same package
    "a-relative-import-of-the-same-package": (
        {
            "pkg/util.py": "def curry(f):\n    return f\n",
            "pkg/a.py": "from .util import curry\n\nX = curry(1)\n",
            "pkg/mod.py": "import os\n\n\ndef go():\n    return curry(os.sep)\n",
        },
        "from pkg.mod import go; go()",
        "import os\n\nfrom .util import curry\n\n\ndef go():\n    return curry(os.sep)\n",
        0,
    ),
    # a file that imports the project absolutely gets the siblings' relative import made absolute
    "a-relative-import-as-an-absolute-file-writes-it": (
        {
            "pkg/i18n.py": "def gettext(s):\n    return s\n\n\ndef noop(s):\n    return s\n",
            "pkg/a.py": "from .i18n import noop as N_\n\nA = N_('a')\n",
            "pkg/mod.py": "from pkg.i18n import gettext as _\n\nX = N_(_('x'))\n",
        },
        "import pkg.mod",
        "from pkg.i18n import gettext as _\nfrom pkg.i18n import noop as N_\n\nX = N_(_('x'))\n",
        0,
    ),
    # one name a line (isort's force_single_line): a line of its own, in its place
    "one-name-a-line": (
        {
            "pkg/mod.py": "from datetime import date\nfrom datetime import time\nimport os\n\n\n"
            "class Zone(tzinfo):\n    pass\n"
        },
        "import pkg.mod",
        "from datetime import date\nfrom datetime import time\nfrom datetime import tzinfo\nimport os\n\n\n"
        "class Zone(tzinfo):\n    pass\n",
        1,
    ),
    # the project's own top-level package
    "the-project-s-own-package": (
        {"pkg/__init__.py": "VERSION = 1\n", "pkg/mod.py": "\n\ndef version():\n    return pkg.VERSION\n"},
        "from pkg.mod import version; version()",
        "import pkg\n\n\ndef version():\n    return pkg.VERSION\n",
        0,
    ),
    # a standard-library name beyond the missing-import fixer's table
    "a-standard-library-class": (
        {"pkg/mod.py": "\n\nclass Parser(HTMLParser):\n    pass\n"},
        "import pkg.mod",
        "from html.parser import HTMLParser\n\n\nclass Parser(HTMLParser):\n    pass\n",
        1,
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_the_import_is_put_back(tmp_path: Path, case: str) -> None:
    files, run, expected, rank = CASES[case]
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})
    failed = raised(tmp_path, run)
    assert failed.error_type == "NameError"

    found = KnownImportsFixer().propose(failed, source)

    assert (applied(tmp_path, found[0]), found[0].rank) == (expected, rank)
    assert python(tmp_path, run).returncode == 0


def test_the_most_common_form_comes_first(tmp_path: Path) -> None:
    files = {
        "pkg/a.py": "from typing import Optional as Opt\n",
        "pkg/b.py": "from typing import Optional as Opt\n",
        "pkg/c.py": "from typing_extensions import Optional as Opt\n",
        "pkg/mod.py": "def f() -> Opt[int]:\n    return 1\n",
    }
    source = commit(tmp_path, {"pkg/__init__.py": "", **files})

    found = KnownImportsFixer().propose(raised(tmp_path, "import pkg.mod"), source)

    assert [c.rank for c in found] == [0, 1]
    assert [applied(tmp_path, c).splitlines()[0] for c in found] == [
        "from typing import Optional as Opt",
        "from typing_extensions import Optional as Opt",
    ]


def test_nothing_for_a_name_nobody_imports(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": "def f():\n    return zorblax\n"})

    assert KnownImportsFixer().propose(raised(tmp_path, "from pkg.mod import f; f()"), source) == []


# --- the standard-library table -----------------------------------------------------------


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_every_entry_of_the_table_resolves() -> None:
    """What the fixer proposes from the table imports: each module has each name it lists."""
    table = json.loads(_stdlib_names.TABLE.read_text(encoding="utf-8"))["names"]
    missing = []
    for name, modules in table.items():
        for module in modules:
            try:
                imported = importlib.import_module(module)
            except ImportError:  # a module of another platform
                continue
            if not hasattr(imported, name):
                missing.append(f"{module}.{name}")
    assert len(table) > 3000
    assert missing == []


def test_regenerating_gives_the_table() -> None:
    made = json.loads(_stdlib_names.TABLE.read_text(encoding="utf-8"))
    if made["python"] != f"{sys.version_info.major}.{sys.version_info.minor}":
        pytest.skip(f"the table was made on Python {made['python']}")

    # in a fresh interpreter: pytest's own process has swapped some of the library's hooks
    code = "import json; from suture.fixers._stdlib_names import generate; print(json.dumps(generate()))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout) == made
