from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, failure, pytest_passes, python, raised

from suture.fixers.did_you_mean import DidYouMeanFixer
from suture.records import Failure


@dataclasses.dataclass(frozen=True)
class Case:
    source: str  # pkg/mod.py
    line: int
    error_type: str
    message: str
    expected: str  # the file after the one candidate
    call: str  # code using pkg.mod's names, run after the fix...
    prints: str  # ...and what print() shows for it


CASES = {
    "name-every-use-on-the-line-but-not-strings-comments-attributes": Case(
        'class Box:\n    reslt = 0\n\n\ndef f(result):\n    return reslt * 2, "reslt", Box.reslt  # reslt\n',
        6,
        "NameError",
        "name 'reslt' is not defined. Did you mean: 'result'?",
        'class Box:\n    reslt = 0\n\n\ndef f(result):\n    return result * 2, "reslt", Box.reslt  # reslt\n',
        "f(4)",
        "(8, 'reslt', 0)",
    ),
    "name-in-every-field-of-an-f-string-but-not-its-text": Case(
        "def g(reslt):\n    return reslt\n\n\ndef f(result, w=3):\n"
        '    return f"reslt={reslt!r:>{w}} {{reslt}} {g(reslt=reslt)}"\n',
        6,
        "NameError",
        "name 'reslt' is not defined. Did you mean: 'result'?",
        "def g(reslt):\n    return reslt\n\n\ndef f(result, w=3):\n"
        '    return f"reslt={result!r:>{w}} {{reslt}} {g(reslt=result)}"\n',
        "f(4)",
        "reslt=  4 {reslt} 4",
    ),
    "name-in-a-field-of-a-multi-line-f-string": Case(
        'def f(result):\n    return f"""total:\n{\n    reslt} reslt"""\n',
        4,
        "NameError",
        "name 'reslt' is not defined. Did you mean: 'result'?",
        'def f(result):\n    return f"""total:\n{\n    result} reslt"""\n',
        "f(2)",
        "total:\n2 reslt",
    ),
    "name-keeps-a-keyword-argument-s-name": Case(
        "def g(reslt):\n    return reslt\n\n\ndef f(result):\n    return g(reslt=reslt)\n",
        6,
        "NameError",
        "name 'reslt' is not defined. Did you mean: 'result'?",
        "def g(reslt):\n    return reslt\n\n\ndef f(result):\n    return g(reslt=result)\n",
        "f(3)",
        "3",
    ),
    "name-suggested-as-attribute-of-self": Case(  # Python 3.12+
        "class C:\n    def __init__(self):\n        self.value = 2\n\n"
        "    def double(self):\n        return value * 2\n",
        6,
        "NameError",
        "name 'value' is not defined. Did you mean: 'self.value'?",
        "class C:\n    def __init__(self):\n        self.value = 2\n\n"
        "    def double(self):\n        return self.value * 2\n",
        "C().double()",
        "4",
    ),
    "module-attribute": Case(
        "import math\n\n\ndef root(x):\n    return math.sqr(x)\n",
        5,
        "AttributeError",
        "module 'math' has no attribute 'sqr'. Did you mean: 'sqrt'?",
        "import math\n\n\ndef root(x):\n    return math.sqrt(x)\n",
        "root(9)",
        "3.0",
    ),
    "object-attribute-every-access-not-the-plain-name": Case(
        "class Counter:\n    def __init__(self):\n        self.count = 1\n\n\n"
        "def twice(c, cont=10):\n    return c.cont + c.cont + cont\n",
        7,
        "AttributeError",
        "'Counter' object has no attribute 'cont'. Did you mean: 'count'?",
        "class Counter:\n    def __init__(self):\n        self.count = 1\n\n\n"
        "def twice(c, cont=10):\n    return c.count + c.count + cont\n",
        "twice(Counter())",
        "12",
    ),
    "class-attribute-on-a-continuation-line": Case(
        "import enum\n\n\nclass Color(enum.Enum):\n    Red = 1\n\n\n"
        "def pick():\n    return (Color.\n            RED)\n",
        10,
        "AttributeError",
        "type object 'Color' has no attribute 'RED'. Did you mean: 'Red'?",
        "import enum\n\n\nclass Color(enum.Enum):\n    Red = 1\n\n\n"
        "def pick():\n    return (Color.\n            Red)\n",
        "pick()",
        "Color.Red",
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, {"pkg/__init__.py": "", "pkg/mod.py": case.source})

    found = DidYouMeanFixer().propose(failure(case.error_type, case.message, line=case.line), source)

    assert [applied(tmp_path, c) for c in found] == [case.expected]
    assert (found[0].origin, found[0].rank, found[0].fingerprint) == ("did-you-mean", 0, "abc")
    run = python(tmp_path, f"from pkg.mod import *; print({case.call})")
    assert (run.returncode, run.stdout) == (0, case.prints + "\n"), run.stderr


def test_the_fix_makes_the_tests_pass(tmp_path: Path) -> None:
    files = {
        "pkg/__init__.py": "",
        "pkg/mod.py": "def area(width, height):\n    size = width * height\n    return sise\n",
        "tests/test_x.py": ("from pkg.mod import area\n\n\ndef test_y():\n    assert area(2, 3) == 6\n"),
    }
    source = commit(tmp_path, files)
    assert not pytest_passes(tmp_path)
    message = "name 'sise' is not defined. Did you mean: 'size'?"

    (best,) = DidYouMeanFixer().propose(failure("NameError", message, line=3), source)

    assert best.rationale == "Python suggests `size` for the unknown name `sise`; rename it on line 3"
    applied(tmp_path, best)
    assert pytest_passes(tmp_path)


def test_a_file_broken_further_down_still_gets_its_line_fixed(tmp_path: Path) -> None:
    text = 'def f(result):\n    return reslt\n\n\nDOC = """never closed\n'
    source = commit(tmp_path, {"pkg/mod.py": text})
    message = "name 'reslt' is not defined. Did you mean: 'result'?"

    (best,) = DidYouMeanFixer().propose(failure("NameError", message, line=2), source)

    assert applied(tmp_path, best) == text.replace("return reslt", "return result")


def test_a_parameter_callers_pass_by_the_name_the_body_reads_is_renamed_second(tmp_path: Path) -> None:
    money = 'def price(cents, curency="EUR"):\n    return f"{cents} {currency}"\n'
    files = {
        "pkg/__init__.py": "",
        "pkg/money.py": money,
        "tests/test_money.py": "from pkg.money import price\n\n\n"
        "def test_default():\n    assert price(5) == '5 EUR'\n\n\n"
        "def test_other():\n    assert price(5, currency='USD') == '5 USD'\n",
    }
    source = commit(tmp_path, files)
    failed = raised(tmp_path, "from pkg.money import price; price(5)")
    assert failed.message == "name 'currency' is not defined. Did you mean: 'curency'?"

    found = DidYouMeanFixer().propose(failed, source)

    renamed = money.replace("curency", "currency")
    assert [applied(tmp_path, c, "pkg/money.py") for c in found] == [money.replace("{currency}", "{curency}"), renamed]
    assert [c.rank for c in found] == [0, 1]
    assert found[1].rationale == (
        "`price()` reads `currency` but its parameter is `curency`, and callers pass `currency=`; rename the parameter"
    )
    applied(tmp_path, found[0], "pkg/money.py")
    assert not pytest_passes(tmp_path)  # the caller passing currency= still fails: verification moves on
    applied(tmp_path, found[1], "pkg/money.py")
    assert pytest_passes(tmp_path)


USES = "import math\n\n\ndef f(result):\n    return math.sqr(reslt)\n"
TYPO = "name 'reslt' is not defined. Did you mean: 'result'?"

NOT_FOR_US = {
    "no-suggestion": failure("NameError", "name 'reslt' is not defined", line=5),
    "attribute-without-suggestion": failure("AttributeError", "module 'math' has no attribute 'sqr'", line=5),
    "suggestion-for-another-error-type": failure("TypeError", TYPO, line=5),
    "name-not-on-the-line": failure("NameError", TYPO, line=4),
    "attribute-named-like-a-plain-name": failure(
        "AttributeError", "module 'math' has no attribute 'reslt'. Did you mean: 'result'?", line=5
    ),
    "plain-name-that-is-only-an-attribute": failure(
        "NameError", "name 'sqr' is not defined. Did you mean: 'sqrt'?", line=5
    ),
    "test-file": failure("NameError", TYPO, path="tests/test_mod.py", line=5),
    "file-not-in-the-commit": failure("NameError", TYPO, path="pkg/gone.py", line=5),
    "binary-file": failure("NameError", TYPO, path="pkg/blob.py", line=1),
    "line-past-the-end": failure("NameError", TYPO, line=6),
    "no-frames": dataclasses.replace(failure("NameError", TYPO), frames=()),
}


@pytest.mark.parametrize("failed", NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, failed: Failure) -> None:
    source = commit(tmp_path, {"pkg/mod.py": USES, "tests/test_mod.py": USES}, {"pkg/blob.py": b"reslt\0"})

    assert DidYouMeanFixer().propose(failed, source) == []


def test_a_private_attribute_is_renamed_as_the_source_spells_it(tmp_path: Path) -> None:
    """Python reports `self.__dat` mangled ('_Cache__dat', suggesting '_Cache__data'); the source
    says `__dat`, and a dunder like `__len__` is no private name."""
    cache = (
        "class Cache:\n    def __init__(self):\n        self.__data = {}\n\n"
        "    def __len__(self):\n        return len(self.__dat)\n"
    )
    files = {"pkg/__init__.py": "", "pkg/cache.py": cache}
    source = commit(tmp_path, files)
    failed = raised(tmp_path, "from pkg.cache import Cache; len(Cache())")
    assert failed.message == "'Cache' object has no attribute '_Cache__dat'. Did you mean: '_Cache__data'?"

    (best,) = DidYouMeanFixer().propose(failed, source)

    assert applied(tmp_path, best, "pkg/cache.py") == cache.replace("self.__dat)", "self.__data)")
    assert python(tmp_path, "from pkg.cache import Cache; print(len(Cache()))").stdout == "0\n"
    assert "`__data` for the unknown attribute `__dat`" in best.rationale
