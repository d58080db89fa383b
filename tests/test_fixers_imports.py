from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, failure, pytest_passes, python

from suture.fixers.missing_import import MissingImportFixer
from suture.records import Failure


@dataclasses.dataclass(frozen=True)
class Case:
    source: str  # pkg/mod.py
    line: int
    message: str
    expected: list[str]  # the file after each candidate, in the fixer's order
    ranks: list[int]


CASES = {
    "module-joins-the-stdlib-block-in-order": Case(
        '"""Tools."""\n\nimport json\nimport sys\n\nimport pytest\n\n\ndef cwd():\n    return os.getcwd()\n',
        10,
        "name 'os' is not defined",
        [
            '"""Tools."""\n\nimport json\nimport os\nimport sys\n\nimport pytest\n\n\n'
            "def cwd():\n    return os.getcwd()\n"
        ],
        [0],
    ),
    "first-import-after-docstring-and-future": Case(
        '"""Tools."""\n\nfrom __future__ import annotations\n\n\ndef cwd():\n    return os.getcwd()\n',
        7,
        "name 'os' is not defined",
        ['"""Tools."""\n\nfrom __future__ import annotations\n\nimport os\n\n\ndef cwd():\n    return os.getcwd()\n'],
        [0],
    ),
    "where-an-import-was-deleted-one-blank-line-before-a-constant": Case(
        '"""Shapes."""\n\n\nSCALE = {"m": 1}\n\n\ndef area(r):\n    return math.pi * r * r\n',
        8,
        "name 'math' is not defined",
        ['"""Shapes."""\n\nimport math\n\nSCALE = {"m": 1}\n\n\ndef area(r):\n    return math.pi * r * r\n'],
        [0],
    ),
    "where-an-import-was-deleted-two-blank-lines-before-a-def": Case(
        '"""Shapes."""\n\n\n\ndef area(r):\n    return math.pi * r * r\n',
        6,
        "name 'math' is not defined",
        ['"""Shapes."""\n\nimport math\n\n\ndef area(r):\n    return math.pi * r * r\n'],
        [0],
    ),
    "first-import-after-shebang-and-comments": Case(
        "#!/usr/bin/env python\n# Where we run.\nHERE = os.getcwd()\n",
        3,
        "name 'os' is not defined",
        ["#!/usr/bin/env python\n# Where we run.\nimport os\n\nHERE = os.getcwd()\n"],
        [0],
    ),
    "only-third-party-imports-start-a-stdlib-block": Case(
        "import pytest\nfrom pkg import util\n\n\ndef dump(x):\n    return json.dumps(x)\n",
        6,
        "name 'json' is not defined. Did you forget to import 'json'?",  # Python 3.12+
        ["import json\n\nimport pytest\nfrom pkg import util\n\n\ndef dump(x):\n    return json.dumps(x)\n"],
        [0],
    ),
    "name-joins-its-module-s-from-import": Case(
        "import os\nfrom pathlib import PurePath\n\n\ndef here():\n    return Path(os.getcwd())\n",
        6,
        "name 'Path' is not defined",
        ["import os\nfrom pathlib import Path, PurePath\n\n\ndef here():\n    return Path(os.getcwd())\n"],
        [0],
    ),
    "name-joins-a-parenthesised-from-import": Case(
        "from typing import (\n    Any,\n)\n\n\ndef f(x: Any) -> Optional[int]:\n    return x\n",
        6,
        "name 'Optional' is not defined",
        ["from typing import (\n    Any,\n    Optional,\n)\n\n\ndef f(x: Any) -> Optional[int]:\n    return x\n"],
        [0],
    ),
    "new-from-import-in-module-order": Case(
        "import sys\nfrom collections import OrderedDict\nfrom os import path\n\n\n"
        "@dataclass\nclass Point:\n    x: int\n",
        6,
        "name 'dataclass' is not defined",
        [
            "import sys\nfrom collections import OrderedDict\nfrom dataclasses import dataclass\n"
            "from os import path\n\n\n@dataclass\nclass Point:\n    x: int\n"
        ],
        [0],
    ),
    "a-name-that-is-also-a-module-gets-both": Case(
        "import sys\n\n\ndef stamp():\n    return datetime.now().year > 2000\n",
        5,
        "name 'datetime' is not defined",
        [
            "import sys\nfrom datetime import datetime\n\n\ndef stamp():\n    return datetime.now().year > 2000\n",
            "import datetime\nimport sys\n\n\ndef stamp():\n    return datetime.now().year > 2000\n",
        ],
        [0, 0],
    ),
    "a-module-name-not-used-as-a-module-ranks-lower": Case(
        "def bump():\n    return code + 1\n",
        2,
        "name 'code' is not defined",
        ["import code\n\ndef bump():\n    return code + 1\n"],
        [1],
    ),
    "the-blank-lines-a-deleted-import-left-are-reused": Case(
        '"""Tools."""\n\n\n\ndef cwd():\n    return os.getcwd()\n',
        6,
        "name 'os' is not defined",
        ['"""Tools."""\n\nimport os\n\n\ndef cwd():\n    return os.getcwd()\n'],
        [0],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": case.source})

    found = MissingImportFixer().propose(failure("NameError", case.message, line=case.line), source)

    assert [applied(tmp_path, c) for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks
    assert all(c.origin == "missing-import" and c.fingerprint == "abc" for c in found)


def test_the_fix_makes_the_tests_pass(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": '"""Paths."""\n\nimport sys\n\n\ndef name(p):\n    return Path(p).name\n',
        "tests/test_x.py": 'from pkg.mod import name\n\n\ndef test_y():\n    assert name("a/b.txt") == "b.txt"\n',
    }
    source = commit(tmp_path, files)
    assert not pytest_passes(tmp_path)

    (best,) = MissingImportFixer().propose(failure("NameError", "name 'Path' is not defined", line=7), source)

    assert best.rationale == ("`Path` comes from the standard library's pathlib; add `from pathlib import Path`")
    assert applied(tmp_path, best) == (
        '"""Paths."""\n\nimport sys\nfrom pathlib import Path\n\n\ndef name(p):\n    return Path(p).name\n'
    )
    assert pytest_passes(tmp_path)


def test_a_module_import_runs(tmp_path: Path) -> None:
    source = commit(tmp_path, {"pkg/mod.py": "def root():\n    return os.sep\n"})

    (best,) = MissingImportFixer().propose(failure("NameError", "name 'os' is not defined", line=2), source)

    applied(tmp_path, best)
    run = python(tmp_path, "import pkg.mod, os; print(pkg.mod.root() == os.sep)")
    assert (run.returncode, run.stdout) == (0, "True\n"), run.stderr


USES = "import os\n\n\ndef f():\n    return os.sep + Path('.').name\n"

NOT_FOR_US = {
    "not-stdlib": failure("NameError", "name 'requests' is not defined", line=5),
    "a-typo": failure("NameError", "name 'reslt' is not defined. Did you mean: 'result'?", line=5),
    "private-module": failure("NameError", "name '_thread' is not defined", line=5),
    "easter-egg": failure("NameError", "name 'this' is not defined", line=5),
    "already-imported": failure("NameError", "name 'os' is not defined", line=5),
    "other-error-type": failure("UnboundLocalError", "name 'Path' is not defined", line=5),
    "other-message": failure("NameError", "free variable 'os' referenced before assignment"),
    "test-file": failure("NameError", "name 'Path' is not defined", path="tests/test_mod.py"),
    "file-not-in-the-commit": failure("NameError", "name 'Path' is not defined", path="pkg/x.py"),
    "binary-file": failure("NameError", "name 'Path' is not defined", path="pkg/blob.py", line=1),
    "line-past-the-end": failure("NameError", "name 'Path' is not defined", line=99),
    "file-does-not-parse": failure("NameError", "name 'Path' is not defined", path="pkg/broken.py", line=1),
    "no-frames": dataclasses.replace(failure("NameError", "name 'Path' is not defined"), frames=()),
}


@pytest.mark.parametrize("failed", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, failed: Failure) -> None:
    files = {"pkg/mod.py": USES, "tests/test_mod.py": USES, "pkg/broken.py": "x = Path(\n"}
    source = commit(tmp_path, files, {"pkg/blob.py": b"Path\0"})

    assert MissingImportFixer().propose(failed, source) == []
