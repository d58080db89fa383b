"""The parsers of tools other than pytest, over real logs (tests/data/<tool>, made by each
folder's regenerate.py by running the tool on a small broken project).

Each row parses one log twice: with the check command that printed it (the parser is picked
by the tool the command runs) and with no command (picked by what the log looks like, as for
a CI log given with `--log`); both must find the same failures.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pytest

from suture.diagnose.parsers import PARSERS, junit, parse, tool_of
from suture.diagnose.parsers.common import MAX_EXCERPT
from suture.records import Failure

DATA = Path(__file__).parent / "data"
ROOT = "/ROOT"  # regen.py's placeholder for the temp dir the tool ran in


class Row(NamedTuple):
    kind: str
    error_type: str
    message: str
    at: tuple[str, int, int | None] | None  # the failure's location: path, line, column
    test_ids: tuple[str, ...]


def row(failure: Failure) -> Row:
    where = failure.location
    at = (where.path, where.line, where.column) if where else None
    return Row(failure.kind, failure.error_type, failure.message, at, failure.test_ids)


LOGS = [
    # unittest
    pytest.param(
        "unittest/default.txt",
        "python -m unittest",
        "unittest",
        [
            Row(
                "collection-error",
                "ImportError",
                "cannot import name 'missing_function' from 'calc' (/ROOT/calc/__init__.py)",
                ("tests/test_broken.py", 2, None),
                ("tests.test_broken",),
            ),
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_mean",),
            ),
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_total",),
            ),
            Row(
                "test-error",
                "KeyError",
                "'port'",
                ("tests/test_misc.py", 6, None),
                ("tests.test_misc.TestMisc.test_port",),
            ),
            Row(
                "test-failure",
                "AssertionError",
                "2 != 3 : arithmetic is broken",
                ("tests/test_misc.py", 14, None),
                ("tests.test_misc.TestMath.test_add",),
            ),
        ],
        id="unittest/default",
    ),
    pytest.param(
        "unittest/nameerror.txt",
        "python -m unittest",
        "unittest",
        [
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_mean",),
            ),
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_total",),
            ),
        ],
        id="unittest/nameerror",
    ),
    pytest.param(
        "unittest/verbose.txt",
        "python -m unittest",
        "unittest",
        [
            Row(
                "collection-error",
                "ImportError",
                "cannot import name 'missing_function' from 'calc' (/ROOT/calc/__init__.py)",
                ("tests/test_broken.py", 2, None),
                ("tests.test_broken",),
            ),
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_mean",),
            ),
            Row(
                "test-failure",
                "NameError",
                "name 'reslt' is not defined",
                ("calc/__init__.py", 5, None),
                ("tests.test_calc.TestTotal.test_total",),
            ),
            Row(
                "test-error",
                "KeyError",
                "'port'",
                ("tests/test_misc.py", 6, None),
                ("tests.test_misc.TestMisc.test_port",),
            ),
            Row(
                "test-failure",
                "AssertionError",
                "2 != 3 : arithmetic is broken",
                ("tests/test_misc.py", 14, None),
                ("tests.test_misc.TestMath.test_add",),
            ),
        ],
        id="unittest/verbose",
    ),
    # traceback
    pytest.param(
        "traceback/cause.txt",
        "python main.py",
        "python",
        [
            Row("exception", "RuntimeError", "bad settings file", ("app/config.py", 16, None), ()),
        ],
        id="traceback/cause",
    ),
    pytest.param(
        "traceback/chained.txt",
        "python main.py",
        "python",
        [
            Row("exception", "ValueError", "PORT is not set", ("app/config.py", 9, None), ()),
        ],
        id="traceback/chained",
    ),
    pytest.param(
        "traceback/module.txt",
        "python main.py",
        "python",
        [
            Row("exception", "ModuleNotFoundError", "No module named 'app.missing'", ("main_module.py", 1, None), ()),
        ],
        id="traceback/module",
    ),
    pytest.param(
        "traceback/nameerror.txt",
        "python main.py",
        "python",
        [
            Row(
                "exception",
                "NameError",
                "name 'nme' is not defined. Did you mean: 'name'?",
                ("main_nameerror.py", 2, None),
                (),
            ),
        ],
        id="traceback/nameerror",
    ),
    pytest.param(
        "traceback/syntax.txt",
        "python main.py",
        "python",
        [
            Row("exception", "SyntaxError", "expected ':'", ("app/broken.py", 1, 13), ()),
        ],
        id="traceback/syntax",
    ),
    pytest.param(
        "traceback/typeerror.txt",
        "python main.py",
        "python",
        [
            Row(
                "exception",
                "TypeError",
                "unsupported operand type(s) for +: 'int' and 'NoneType'",
                ("app/config.py", 20, None),
                (),
            ),
        ],
        id="traceback/typeerror",
    ),
    # ruff
    pytest.param(
        "ruff/check_clean.txt",
        "ruff check .",
        "ruff",
        [],
        id="ruff/check_clean",
    ),
    pytest.param(
        "ruff/check_concise.txt",
        "ruff check .",
        "ruff",
        [
            Row(
                "lint",
                "invalid-syntax",
                "Expected a parameter or the end of the parameter list",
                ("src/shop/broken.py", 1, 11),
                (),
            ),
            Row("lint", "invalid-syntax", "Expected `)`, found newline", ("src/shop/broken.py", 1, 12), ()),
            Row("lint", "F401", "`os` imported but unused", ("src/shop/cart.py", 1, 8), ()),
            Row("lint", "F401", "`sys` imported but unused", ("src/shop/cart.py", 2, 8), ()),
            Row("lint", "E711", "Comparison to `None` should be `cond is None`", ("src/shop/cart.py", 7, 17), ()),
            Row("lint", "F821", "Undefined name `itms`", ("src/shop/cart.py", 9, 16), ()),
        ],
        id="ruff/check_concise",
    ),
    pytest.param(
        "ruff/check_full.txt",
        "ruff check .",
        "ruff",
        [
            Row(
                "lint",
                "invalid-syntax",
                "Expected a parameter or the end of the parameter list",
                ("src/shop/broken.py", 1, 11),
                (),
            ),
            Row("lint", "invalid-syntax", "Expected `)`, found newline", ("src/shop/broken.py", 1, 12), ()),
            Row("lint", "F401", "`os` imported but unused", ("src/shop/cart.py", 1, 8), ()),
            Row("lint", "F401", "`sys` imported but unused", ("src/shop/cart.py", 2, 8), ()),
            Row("lint", "E711", "Comparison to `None` should be `cond is None`", ("src/shop/cart.py", 7, 17), ()),
            Row("lint", "F821", "Undefined name `itms`", ("src/shop/cart.py", 9, 16), ()),
        ],
        id="ruff/check_full",
    ),
    pytest.param(
        "ruff/format_check.txt",
        "ruff format --check .",
        "ruff",
        [
            Row(
                "lint",
                "invalid-syntax",
                "Expected a parameter or the end of the parameter list",
                ("src/shop/broken.py", 1, 11),
                (),
            ),
            Row("format", "format", "File would be reformatted", ("src/shop/money.py", 2, 12), ()),
        ],
        id="ruff/format_check",
    ),
    # black
    pytest.param(
        "black/check.txt",
        "black --check .",
        "black",
        [
            Row("lint", "SyntaxError", "cannot parse", ("src/shop/broken.py", 1, 10), ()),
            Row("format", "format", "would reformat", ("src/shop/cart.py", 1, None), ()),
            Row("format", "format", "would reformat", ("src/shop/money.py", 1, None), ()),
        ],
        id="black/check",
    ),
    pytest.param(
        "black/check_diff.txt",
        "black --check .",
        "black",
        [
            Row("format", "format", "would reformat", ("src/shop/cart.py", 1, None), ()),
            Row("format", "format", "would reformat", ("src/shop/money.py", 1, None), ()),
        ],
        id="black/check_diff",
    ),
    pytest.param(
        "black/check_verbose.txt",
        "black --check .",
        "black",
        [
            Row("format", "format", "would reformat", ("src/shop/cart.py", 1, None), ()),
            Row("format", "format", "would reformat", ("src/shop/money.py", 1, None), ()),
        ],
        id="black/check_verbose",
    ),
    # isort
    pytest.param(
        "isort/check.txt",
        "isort --check-only .",
        "isort",
        [
            Row(
                "format",
                "unsorted-imports",
                "Imports are incorrectly sorted and/or formatted",
                ("src/shop/cart.py", 1, None),
                (),
            ),
            Row(
                "format",
                "unsorted-imports",
                "Imports are incorrectly sorted and/or formatted",
                ("src/shop/money.py", 1, None),
                (),
            ),
        ],
        id="isort/check",
    ),
    pytest.param(
        "isort/check_diff.txt",
        "isort --check-only .",
        "isort",
        [
            Row(
                "format",
                "unsorted-imports",
                "Imports are incorrectly sorted and/or formatted",
                ("src/shop/cart.py", 1, None),
                (),
            ),
            Row(
                "format",
                "unsorted-imports",
                "Imports are incorrectly sorted and/or formatted",
                ("src/shop/money.py", 1, None),
                (),
            ),
        ],
        id="isort/check_diff",
    ),
    # flake8
    pytest.param(
        "flake8/default.txt",
        "flake8 .",
        "flake8",
        [
            Row("lint", "E999", "SyntaxError: invalid syntax", ("src/shop/broken.py", 1, 12), ()),
            Row("lint", "F401", "'os' imported but unused", ("src/shop/cart.py", 1, 1), ()),
            Row("lint", "E711", "comparison to None should be 'if cond is None:'", ("src/shop/cart.py", 5, 14), ()),
            Row("lint", "F821", "undefined name 'itms'", ("src/shop/cart.py", 7, 16), ()),
            Row("lint", "E302", "expected 2 blank lines, found 0", ("src/shop/cart.py", 8, 1), ()),
            Row("lint", "W291", "trailing whitespace", ("src/shop/cart.py", 9, 17), ()),
        ],
        id="flake8/default",
    ),
    pytest.param(
        "flake8/show_source.txt",
        "flake8 .",
        "flake8",
        [
            Row("lint", "E999", "SyntaxError: invalid syntax", ("src/shop/broken.py", 1, 12), ()),
            Row("lint", "F401", "'os' imported but unused", ("src/shop/cart.py", 1, 1), ()),
            Row("lint", "E711", "comparison to None should be 'if cond is None:'", ("src/shop/cart.py", 5, 14), ()),
            Row("lint", "F821", "undefined name 'itms'", ("src/shop/cart.py", 7, 16), ()),
            Row("lint", "E302", "expected 2 blank lines, found 0", ("src/shop/cart.py", 8, 1), ()),
            Row("lint", "W291", "trailing whitespace", ("src/shop/cart.py", 9, 17), ()),
        ],
        id="flake8/show_source",
    ),
    # mypy
    pytest.param(
        "mypy/pretty.txt",
        "mypy src",
        "mypy",
        [
            Row(
                "type-error",
                "return-value",
                'Incompatible return value type (got "float | Literal[0]", expected "str")',
                ("src/shop/cart.py", 9, None),
                (),
            ),
            Row(
                "type-error",
                "attr-defined",
                '"Cart" has no attribute "totl"; maybe "total"?',
                ("src/shop/cart.py", 13, None),
                (),
            ),
            Row(
                "type-error",
                "no-untyped-def",
                "Function is missing a type annotation",
                ("src/shop/cart.py", 16, None),
                (),
            ),
        ],
        id="mypy/pretty",
    ),
    pytest.param(
        "mypy/strict.txt",
        "mypy src",
        "mypy",
        [
            Row(
                "type-error",
                "return-value",
                'Incompatible return value type (got "float | Literal[0]", expected "str")',
                ("src/shop/cart.py", 9, None),
                (),
            ),
            Row(
                "type-error",
                "attr-defined",
                '"Cart" has no attribute "totl"; maybe "total"?',
                ("src/shop/cart.py", 13, None),
                (),
            ),
            Row(
                "type-error",
                "no-untyped-def",
                "Function is missing a type annotation",
                ("src/shop/cart.py", 16, None),
                (),
            ),
        ],
        id="mypy/strict",
    ),
    pytest.param(
        "mypy/syntax.txt",
        "mypy src",
        "mypy",
        [
            Row(
                "type-error",
                "syntax",
                "Expected a parameter or the end of the parameter list",
                ("src/shop/broken.py", 1, None),
                (),
            ),
            Row("type-error", "syntax", "Expected `)`, found newline", ("src/shop/broken.py", 1, None), ()),
        ],
        id="mypy/syntax",
    ),
    # pip
    pytest.param(
        "pip/index_unreachable.txt",
        "pip install -r requirements.txt",
        "pip",
        [
            Row(
                "install-error",
                "no-matching-distribution",
                "Could not find a version that satisfies the requirement shopcore (from versions: none)",
                None,
                (),
            ),
        ],
        id="pip/index_unreachable",
    ),
    pytest.param(
        "pip/no_distribution.txt",
        "pip install -r requirements.txt",
        "pip",
        [
            Row(
                "install-error",
                "no-matching-distribution",
                "Could not find a version that satisfies the requirement shopmissing (from versions: none)",
                None,
                (),
            ),
        ],
        id="pip/no_distribution",
    ),
    pytest.param(
        "pip/no_version.txt",
        "pip install -r requirements.txt",
        "pip",
        [
            Row(
                "install-error",
                "no-matching-distribution",
                "Could not find a version that satisfies the requirement shopcore==2.0 (from versions: 1.0, 1.1)",
                None,
                (),
            ),
        ],
        id="pip/no_version",
    ),
    pytest.param(
        "pip/resolution_impossible.txt",
        "pip install -r requirements.txt",
        "pip",
        [
            Row(
                "install-error",
                "ResolutionImpossible",
                "Cannot install -r requirements.txt (line 1) and -r requirements.txt (line 2) "
                "because these package versions have conflicting dependencies.",
                None,
                (),
            ),
        ],
        id="pip/resolution_impossible",
    ),
    # generic
    pytest.param(
        "generic/gcc.txt",
        "make",
        "make",
        [
            Row(
                "error",
                "error",
                "'itms' undeclared (first use in this function); did you mean 'items'?",
                ("src/cart.c", 6, 16),
                (),
            ),
            Row("error", "error", "expected ';' before '}' token", ("src/cart.c", 8, 15), ()),
        ],
        id="generic/gcc",
    ),
    pytest.param(
        "generic/javac.txt",
        "make",
        "make",
        [
            Row("error", "error", "cannot find symbol", ("src/Cart.java", 7, None), ()),
        ],
        id="generic/javac",
    ),
    pytest.param(
        "generic/rustc.txt",
        "make",
        "make",
        [
            Row("error", "E0425", "cannot find value `itms` in this scope", ("src/main.rs", 7, 27), ()),
        ],
        id="generic/rustc",
    ),
]


@pytest.mark.parametrize(("name", "check", "tool", "expected"), LOGS)
def test_parse(name: str, check: str, tool: str, expected: list[Row]) -> None:
    text = (DATA / name).read_text()

    by_command = parse(text, root=ROOT, check=check)
    by_content = parse(text, root=ROOT, check="")

    assert [row(f) for f in by_command] == expected
    assert [row(f) for f in by_content] == expected
    for failure in by_command:
        assert (failure.tool, failure.check) == (tool, check)
        assert failure.excerpt and len(failure.excerpt) <= MAX_EXCERPT
        assert len(failure.fingerprint) == 12


def test_junit_of_another_language() -> None:
    xml = (DATA / "junit" / "node.junit.xml").read_text()

    failures = parse(xml, root=ROOT, check="node --test --test-reporter=junit")

    assert junit.is_junit(xml)
    assert [row(f) for f in failures] == [
        Row(
            "test-failure",
            "AssertionError",
            "Expected values to be strictly equal:",
            ("test/cart.test.js", 6, 10),
            ("test.total adds prices",),
        ),
        Row(
            "test-failure",
            "TypeError",
            "Cannot read properties of undefined (reading 'toFixed')",
            ("src/cart.js", 5, 32),
            ("test.label formats",),
        ),
    ]
    # The stack's repository frames, outermost first; node's internals are not the repository's.
    assert [f.path for f in failures[1].frames] == ["test/cart.test.js", "src/cart.js"]


def test_junit_of_pytest_reads_its_python_tracebacks() -> None:
    xml = (DATA / "pytest" / "nameerror.junit.xml").read_text()

    failures = junit.parse(xml, root=ROOT, check="tox")

    assert [(f.test_ids, f.error_type, f.location) for f in failures] == [
        (("tests.test_calc.test_total",), "NameError", failures[0].frames[-1]),
        (("tests.test_calc.test_mean",), "NameError", failures[1].frames[-1]),
    ]
    assert {f.frames[-1].path for f in failures} == {"src/calc/__init__.py"}


@pytest.mark.parametrize("text", ["", "<html>502 Bad Gateway</html>", "<testsuite><testcase>"])
def test_broken_junit_is_no_failure_through_parse(text: str) -> None:
    assert parse(text, root=ROOT, check="") == []
    if text.startswith("<testsuite"):
        with pytest.raises(ValueError, match="not valid JUnit XML"):
            junit.parse(text, root=ROOT, check="")


@pytest.mark.parametrize(
    ("command", "tool"),
    [
        ("python -m pytest -q", "pytest"),
        ("pytest -x tests", "pytest"),
        ("py.test", "pytest"),
        ("python -m unittest discover", "unittest"),
        ("ruff check .", "ruff"),
        ("uv run ruff format --check", "ruff"),
        ("/usr/bin/black --check src", "black"),
        ("python -m mypy", "mypy"),
        ("pip install -r requirements.txt", "pip"),
        ("python -m pip install .", "pip"),
        ("make test", ""),
        ("", ""),
        ("sh -c 'unbalanced", ""),
    ],
)
def test_tool_of(command: str, tool: str) -> None:
    assert tool_of(command) == tool
    assert not tool or tool in PARSERS


def test_diffs_are_the_excerpts_of_files_to_reformat() -> None:
    black = parse((DATA / "black" / "check_diff.txt").read_text(), root=ROOT, check="black --check --diff .")
    isort = parse((DATA / "isort" / "check_diff.txt").read_text(), root=ROOT, check="isort --check-only --diff .")

    assert '+    return "%.2f" % x' in black[1].excerpt
    assert black[1].excerpt.startswith("--- /ROOT/src/shop/money.py")
    assert "+from typing import Dict, List" in isort[1].excerpt
    assert "import json" not in isort[1].excerpt  # cart.py's diff, not money.py's


def test_excerpts_keep_what_the_tool_shows_below_a_diagnostic() -> None:
    mypy = parse((DATA / "mypy" / "pretty.txt").read_text(), root=ROOT, check="mypy --pretty src")
    flake8 = parse((DATA / "flake8" / "show_source.txt").read_text(), root=ROOT, check="flake8 --show-source src")
    ruff = parse((DATA / "ruff" / "check_full.txt").read_text(), root=ROOT, check="ruff check .")

    assert "return money(cart.totl())" in mypy[1].excerpt
    assert flake8[3].excerpt.splitlines()[1:] == ["    return sum(itms)", "               ^"]
    assert ruff[2].excerpt.splitlines()[:2] == ["F401 [*] `os` imported but unused", " --> src/shop/cart.py:1:8"]
    assert "help: Remove unused import: `os`" in ruff[2].excerpt


def test_a_chained_traceback_is_one_failure_with_the_whole_chain_as_excerpt() -> None:
    (failure,) = parse((DATA / "traceback" / "cause.txt").read_text(), root=ROOT, check="python main_cause.py")

    assert failure.error_type == "RuntimeError"
    assert "json.decoder.JSONDecodeError" in failure.excerpt
    assert "The above exception was the direct cause" in failure.excerpt


def test_a_ci_log_of_several_steps_is_read_by_every_parser_it_needs() -> None:
    log = "\n".join(
        [
            "Run pip install -r requirements.txt",
            (DATA / "pip" / "no_version.txt").read_text(),
            "Run ruff check .",
            (DATA / "ruff" / "check_concise.txt").read_text(),
            "Run python -m pytest",
            (DATA / "pytest" / "nameerror_q.txt").read_text(),
        ]
    )

    tools = [f.tool for f in parse(log, root=ROOT, check="")]

    assert tools == ["pytest"] * 2 + ["ruff"] * 6 + ["pip"]


@pytest.mark.parametrize("name", ["ruff/check_clean.txt", "pytest/green.txt"])
def test_a_green_log_has_no_failures(name: str) -> None:
    assert parse((DATA / name).read_text(), root=ROOT, check="") == []


def test_ruff_format_check_before_its_full_format() -> None:
    # What ruff before 0.9 printed for `ruff format --check` (no `-->` lines).
    text = (
        "error: Failed to parse src/shop/broken.py:1:11: Expected a parameter or the end of the parameter list\n"
        "Would reformat: src/shop/money.py\n"
        "1 file would be reformatted, 2 files already formatted\n"
    )

    failures = parse(text, root=ROOT, check="ruff format --check .")

    assert [row(f) for f in failures] == [
        Row(
            "lint",
            "invalid-syntax",
            "Expected a parameter or the end of the parameter list",
            ("src/shop/broken.py", 1, 11),
            (),
        ),
        Row("format", "format", "File would be reformatted", ("src/shop/money.py", 1, None), ()),
    ]
