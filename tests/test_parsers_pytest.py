"""The pytest parser over real pytest logs (tests/data/pytest, made by regenerate.py there)."""

from __future__ import annotations

import runpy
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest

from suture.diagnose.parsers.pytest import MAX_EXCERPT, parse_junit, parse_output, repo_path
from suture.records import Failure, Frame, TestResult

DATA = Path(__file__).parent / "data" / "pytest"
ROOT = "/ROOT"  # regenerate.py's placeholder for the temp dir pytest ran in


def read(name: str) -> str:
    return (DATA / name).read_text()


def project(name: str) -> dict[str, str]:
    """The files of a broken project, from the script that made the logs."""
    files: dict[str, str] = runpy.run_path(str(DATA / "regenerate.py"))[name]
    return files


@dataclass(frozen=True)
class Seen:
    """What a table row checks of one Failure."""

    test_id: str
    kind: str
    error_type: str
    message: str
    raised_at: tuple[str, int, int | None] | None  # the deepest repo-local frame


def seen(failure: Failure) -> Seen:
    frame = failure.location
    raised_at = (frame.path, frame.line, frame.column) if frame else None
    test_id = failure.test_ids[0] if failure.test_ids else ""
    return Seen(test_id, failure.kind, failure.error_type, failure.message, raised_at)


NAME = "name 'reslt' is not defined"
NAMEERROR = [
    Seen(
        "tests/test_calc.py::test_total",
        "test-failure",
        "NameError",
        NAME,
        ("src/calc/__init__.py", 5, None),
    ),
    Seen(
        "tests/test_calc.py::test_mean",
        "test-failure",
        "NameError",
        NAME,
        ("src/calc/__init__.py", 5, None),
    ),
]
NAMEERROR_SUGGESTED = [
    Seen(s.test_id, s.kind, s.error_type, f"{NAME}. Did you mean: 'result'?", s.raised_at) for s in NAMEERROR
]
ATTRIBUTEERROR = [
    Seen(
        "tests/test_users.py::test_greet",
        "test-failure",
        "AttributeError",
        "'User' object has no attribute 'nme'",
        ("src/users/__init__.py", 7, None),
    )
]
ATTRIBUTEERROR_SUGGESTED = [
    Seen(s.test_id, s.kind, s.error_type, f"{s.message}. Did you mean: 'name'?", s.raised_at) for s in ATTRIBUTEERROR
]
TYPEERROR_CONCAT = [
    Seen(
        "tests/test_report.py::test_summary",
        "test-failure",
        "TypeError",
        'can only concatenate str (not "int") to str',
        ("src/report/__init__.py", 3, None),
    )
]
COLLECTION_NAMEERROR = [
    Seen(
        f"tests/{module}.py",
        "collection-error",
        "NameError",
        "name 'base_price' is not defined",
        ("src/inventory/__init__.py", 2, None),
    )
    for module in ("test_inventory", "test_stock")
]
COLLECTION_SYNTAXERROR = [
    Seen(
        "tests/test_cart.py",
        "collection-error",
        "SyntaxError",
        "expected ':'",
        ("src/shop/cart.py", 5, 20),
    )
]
# No test is named: the conftest.py failed, so every test is to pass once it imports.
CONFTEST_SYNTAXERROR = [
    Seen("", "collection-error", "SyntaxError", "'(' was never closed", ("src/shop/cart.py", 6, 11)),
]
COLLECTION_IMPORTERROR = [
    Seen(
        "tests/test_basket.py",
        "collection-error",
        "ImportError",
        "cannot import name 'Basket' from 'shop' (/ROOT/src/shop/__init__.py)",
        ("tests/test_basket.py", 1, None),
    )
]
FIXTURE_ERROR = [
    Seen(
        "tests/test_app.py::test_debug",
        "test-error",
        "KeyError",
        "'APP_DEBUG'",
        ("src/app/settings.py", 2, None),
    ),
    Seen(
        "tests/test_app.py::test_query",
        "test-error",
        "RuntimeError",
        "connection already closed",
        ("tests/test_app.py", 14, None),
    ),
    Seen(
        "tests/test_app.py::test_balance",
        "test-error",
        "Failed",
        "no test account configured",
        ("tests/test_app.py", 19, None),
    ),
]
CLASS_PARAM = [
    Seen(
        "tests/test_pricing.py::TestDiscount::test_apply[80-25-60]",
        "test-failure",
        "AssertionError",
        "assert 55 == 60",
        ("tests/test_pricing.py", 11, None),
    ),
    Seen(
        "tests/test_pricing.py::test_legacy_rounding",
        "test-failure",
        "",
        "[XPASS(strict)] fixed upstream",
        None,
    ),
    Seen(
        "tests/test_pricing.py::test_code[usd]",
        "test-failure",
        "AssertionError",
        "assert False",
        ("tests/test_pricing.py", 30, None),
    ),
]
ASSERTION = [
    Seen(
        "tests/test_payments.py::test_small",
        "test-failure",
        "AssertionError",
        "assert 5 == 6",
        ("tests/test_payments.py", 5, None),
    ),
    Seen(
        "tests/test_payments.py::test_large",
        "test-failure",
        "AssertionError",
        "payment was not accepted",
        ("tests/test_payments.py", 11, None),
    ),
]
# The raising frames are in the stdlib, in site-packages and in a .venv inside the checkout:
# the deepest frame kept is the repository's last one.
DEEP = [
    Seen(
        "tests/test_config.py::test_parse",
        "test-failure",
        "json.decoder.JSONDecodeError",
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ("src/config/__init__.py", 5, None),
    ),
    Seen(
        "tests/test_config.py::test_fetch",
        "test-failure",
        "requests.exceptions.ConnectionError",
        "HTTPConnectionPool(host='127.0.0.1', port=9): Max retries exceeded with url: /settings "
        "(Caused by NewConnectionError(\"HTTPConnection(host='127.0.0.1', port=9): "
        'Failed to establish a new connection: [Errno 111] Connection refused"))',
        ("src/config/remote.py", 5, None),
    ),
    Seen(
        "tests/test_config.py::test_read",
        "test-failure",
        "tomlish.errors.DecodeError",
        "expected '=' in 'debug'",
        ("src/config/vendored.py", 5, None),
    ),
]
# The last exception of a chain is the failure.
CHAINED = [
    Seen(
        "tests/test_service.py::test_port",
        "test-failure",
        "ValueError",
        "PORT is not set",
        ("src/service/__init__.py", 5, None),
    ),
    Seen(
        "tests/test_service.py::test_workers",
        "test-failure",
        "TypeError",
        "unsupported operand type(s) for +: 'int' and 'NoneType'",
        ("src/service/__init__.py", 12, None),
    ),
]
# A TaskGroup's ExceptionGroup: the group is what the test saw.
EXCEPTION_GROUP = [
    Seen(
        "tests/test_fetcher.py::test_fetch_all",
        "test-failure",
        "ExceptionGroup",
        "unhandled errors in a TaskGroup (2 sub-exceptions)",
        ("src/fetcher/__init__.py", 9, None),
    )
]
# With --tb=no only the summary names the failures: no frames.
NAMEERROR_TB_NO = [Seen(s.test_id, s.kind, s.error_type, s.message, None) for s in NAMEERROR]

CONSOLE = [
    pytest.param("nameerror_q.txt", NAMEERROR, id="NameError -q"),
    pytest.param("nameerror_v.txt", NAMEERROR, id="NameError -v"),
    pytest.param("nameerror_short.txt", NAMEERROR, id="NameError --tb=short"),
    pytest.param("nameerror_ra.txt", NAMEERROR, id="NameError -rA"),
    pytest.param("nameerror_color.txt", NAMEERROR, id="NameError --color=yes"),
    pytest.param("nameerror_tbno.txt", NAMEERROR_TB_NO, id="NameError --tb=no"),
    pytest.param("nameerror_native_py313.txt", NAMEERROR_SUGGESTED, id="NameError native 3.13"),
    pytest.param("attributeerror_v.txt", ATTRIBUTEERROR, id="AttributeError -v"),
    pytest.param("attributeerror_short.txt", ATTRIBUTEERROR, id="AttributeError --tb=short"),
    pytest.param("attributeerror_py313.txt", ATTRIBUTEERROR_SUGGESTED, id="AttributeError 3.13"),
    pytest.param("typeerror_concat.txt", TYPEERROR_CONCAT, id="TypeError str + int"),
    pytest.param("collection_nameerror.txt", COLLECTION_NAMEERROR, id="collection NameError"),
    pytest.param("collection_syntaxerror.txt", COLLECTION_SYNTAXERROR, id="collection SyntaxError"),
    pytest.param("collection_syntaxerror_v.txt", COLLECTION_SYNTAXERROR, id="collection SyntaxError -v"),
    pytest.param("collection_importerror.txt", COLLECTION_IMPORTERROR, id="collection ImportError"),
    pytest.param("conftest_syntaxerror.txt", CONFTEST_SYNTAXERROR, id="conftest SyntaxError"),
    pytest.param("conftest_syntaxerror_v.txt", CONFTEST_SYNTAXERROR, id="conftest SyntaxError -v"),
    pytest.param("fixture_error.txt", FIXTURE_ERROR, id="fixture errors"),
    pytest.param("fixture_error_ra.txt", FIXTURE_ERROR, id="fixture errors --tb=short"),
    pytest.param("class_param_v.txt", CLASS_PARAM, id="class, parametrised -v"),
    pytest.param("class_param_short.txt", CLASS_PARAM, id="class, parametrised --tb=short"),
    pytest.param("assertion.txt", ASSERTION, id="assertions"),
    pytest.param("deep.txt", DEEP, id="raised outside the repository"),
    pytest.param("deep_short.txt", DEEP, id="raised outside the repository --tb=short"),
    pytest.param("chained.txt", CHAINED, id="chained"),
    pytest.param("chained_native.txt", CHAINED, id="chained --tb=native"),
    pytest.param("exception_group.txt", EXCEPTION_GROUP, id="exception group"),
]


@pytest.mark.parametrize(("name", "expected"), CONSOLE)
def test_console_output(name: str, expected: list[Seen]) -> None:
    failures = parse_output(read(name), root=ROOT, check="python -m pytest")

    assert [seen(failure) for failure in failures] == expected
    for failure in failures:
        assert (failure.tool, failure.check) == ("pytest", "python -m pytest")
        assert failure.excerpt and len(failure.excerpt) <= MAX_EXCERPT
        assert len(failure.fingerprint) == 12


PASSED: Final = "passed"
FAILED: Final = "failed"
ERROR: Final = "error"
CLASS_PARAM_RESULTS = [
    TestResult("tests/test_pricing.py::TestDiscount::test_apply[100-10-90]", PASSED),
    TestResult("tests/test_pricing.py::TestDiscount::test_apply[80-25-60]", FAILED),
    TestResult("tests/test_pricing.py::TestDiscount::test_apply[50-0-50]", PASSED),
    TestResult("tests/test_pricing.py::TestDiscount::test_rounding", "xfailed"),
    TestResult("tests/test_pricing.py::test_legacy_rounding", FAILED),
    TestResult("tests/test_pricing.py::test_currency", "skipped"),
    TestResult("tests/test_pricing.py::test_code[EUR]", PASSED),
    TestResult("tests/test_pricing.py::test_code[usd]", FAILED),
]
JUNIT = [
    pytest.param(
        "nameerror.junit.xml",
        [
            TestResult("tests/test_calc.py::test_total", FAILED),
            TestResult("tests/test_calc.py::test_mean", FAILED),
            TestResult("tests/test_calc.py::test_nothing", PASSED),
        ],
        NAMEERROR,
        id="NameError",
    ),
    pytest.param(
        "attributeerror_py313.junit.xml",
        [TestResult("tests/test_users.py::test_greet", FAILED)],
        ATTRIBUTEERROR_SUGGESTED,
        id="AttributeError 3.13",
    ),
    pytest.param(
        "typeerror_concat.junit.xml",
        [TestResult("tests/test_report.py::test_summary", FAILED)],
        TYPEERROR_CONCAT,
        id="TypeError str + int",
    ),
    # A module that failed to import is a failure, not a test result.
    pytest.param("collection_nameerror.junit.xml", [], COLLECTION_NAMEERROR, id="collection NameError"),
    pytest.param("collection_syntaxerror.junit.xml", [], COLLECTION_SYNTAXERROR, id="collection SyntaxError"),
    pytest.param("collection_importerror.junit.xml", [], COLLECTION_IMPORTERROR, id="collection ImportError"),
    pytest.param(
        "fixture_error.junit.xml",
        [
            TestResult("tests/test_app.py::test_debug", ERROR),
            TestResult("tests/test_app.py::test_query", ERROR),  # passed, then teardown failed
            TestResult("tests/test_app.py::test_balance", ERROR),
            TestResult("tests/test_app.py::test_ok", PASSED),
        ],
        FIXTURE_ERROR,
        id="fixture errors",
    ),
    pytest.param("class_param.junit.xml", CLASS_PARAM_RESULTS, CLASS_PARAM, id="class, parametrised"),
    pytest.param(
        "class_param_xunit1.junit.xml",
        CLASS_PARAM_RESULTS,
        CLASS_PARAM,
        id="class, parametrised xunit1",
    ),
    pytest.param(
        "deep.junit.xml",
        [TestResult(f"tests/test_config.py::{name}", FAILED) for name in ("test_parse", "test_fetch", "test_read")],
        DEEP,
        id="raised outside the repository",
    ),
    pytest.param(
        "exception_group.junit.xml",
        [TestResult("tests/test_fetcher.py::test_fetch_all", FAILED)],
        EXCEPTION_GROUP,
        id="exception group",
    ),
]


@pytest.mark.parametrize(("name", "results", "expected"), JUNIT)
def test_junit(name: str, results: list[TestResult], expected: list[Seen]) -> None:
    tests, failures = parse_junit(read(name), root=ROOT, check="python -m pytest --junitxml=r.xml")

    assert tests == results
    assert [seen(failure) for failure in failures] == expected
    assert all(len(failure.excerpt) <= MAX_EXCERPT for failure in failures)


SAME_RUN = [
    ("nameerror_ra.txt", "nameerror.junit.xml"),
    ("attributeerror_py313.txt", "attributeerror_py313.junit.xml"),
    ("typeerror_concat.txt", "typeerror_concat.junit.xml"),
    ("collection_nameerror.txt", "collection_nameerror.junit.xml"),
    ("collection_syntaxerror_v.txt", "collection_syntaxerror.junit.xml"),
    ("collection_importerror.txt", "collection_importerror.junit.xml"),
    ("fixture_error_ra.txt", "fixture_error.junit.xml"),
    ("class_param_v.txt", "class_param.junit.xml"),
    ("deep.txt", "deep.junit.xml"),
    ("rerun_a.txt", "rerun_a.junit.xml"),
    ("exception_group.txt", "exception_group.junit.xml"),
]


@pytest.mark.parametrize(("console", "junit"), SAME_RUN)
def test_console_and_junit_of_one_run_agree(console: str, junit: str) -> None:
    def essence(failure: Failure) -> tuple[object, ...]:
        return (failure.test_ids, failure.kind, failure.error_type, failure.message, failure.frames)

    from_console = parse_output(read(console), root=ROOT, check="pytest")
    _, from_junit = parse_junit(read(junit), root=ROOT, check="pytest")

    assert [essence(f) for f in from_console] == [essence(f) for f in from_junit]
    assert [f.fingerprint for f in from_console] == [f.fingerprint for f in from_junit]


def test_frames_are_the_repositorys_outermost_first() -> None:
    mean = parse_output(read("nameerror_q.txt"), root=ROOT, check="pytest")[1]

    assert mean.frames == (
        Frame("tests/test_calc.py", 9, "test_mean"),
        Frame("src/calc/__init__.py", 9, "mean"),
        Frame("src/calc/__init__.py", 5, "total"),
    )


def test_frames_outside_the_repository_are_dropped() -> None:
    # stdlib json, requests and urllib3 in site-packages, tomlish in the checkout's .venv
    failures = parse_output(read("deep.txt"), root=ROOT, check="pytest")

    assert [failure.frames for failure in failures] == [
        (
            Frame("tests/test_config.py", 7, "test_parse"),
            Frame("src/config/__init__.py", 5, "parse"),
        ),
        (
            Frame("tests/test_config.py", 11, "test_fetch"),
            Frame("src/config/remote.py", 5, "fetch"),
        ),
        (
            Frame("tests/test_config.py", 15, "test_read"),
            Frame("src/config/vendored.py", 5, "read"),
        ),
    ]


def test_syntax_error_frame_points_at_the_caret() -> None:
    (failure,) = parse_output(read("collection_syntaxerror.txt"), root=ROOT, check="pytest")
    source = project("COLLECTION_SYNTAXERROR")["src/shop/cart.py"]
    with pytest.raises(SyntaxError) as raised:
        compile(source, "cart.py", "exec")

    assert failure.frames == (
        Frame("tests/test_cart.py", 1, "<module>"),
        Frame("src/shop/cart.py", 5, "", 20),
    )
    # Python strips the line's indentation before drawing the caret: the column counts from
    # the first non-blank character, and plus the indentation it is the interpreter's offset.
    line = source.splitlines()[4]
    indentation = len(line) - len(line.lstrip())
    assert (raised.value.lineno, raised.value.offset) == (5, 20 + indentation)


def test_long_excerpt_keeps_the_exception_the_test_saw() -> None:
    fetch = parse_output(read("deep.txt"), root=ROOT, check="pytest")[1]

    assert len(read("deep.txt")) > MAX_EXCERPT
    assert len(fetch.excerpt) == MAX_EXCERPT
    assert fetch.excerpt.startswith("_" * 10)
    assert "earlier exceptions of the chain cut" in fetch.excerpt
    assert 'assert fetch("http://127.0.0.1:9/settings") == {}' in fetch.excerpt
    assert fetch.excerpt.endswith(": ConnectionError")  # the long style's last location line


def test_excerpt_is_the_traceback_without_captured_output() -> None:
    large = parse_output(read("assertion.txt"), root=ROOT, check="pytest")[1]

    assert large.excerpt.splitlines()[0].strip("_ ") == "test_large"
    assert large.excerpt.endswith("tests/test_payments.py:11: AssertionError")
    assert "Captured stdout call" in read("assertion.txt")
    assert "Captured stdout call" not in large.excerpt


def test_summary_lines_name_the_failures_without_sections() -> None:
    failures = parse_output(read("nameerror_tbno.txt"), root=ROOT, check="pytest")

    assert [f.excerpt for f in failures] == [
        f"FAILED tests/test_calc.py::test_total - NameError: {NAME}",
        f"FAILED tests/test_calc.py::test_mean - NameError: {NAME}",
    ]


def test_a_green_run_has_no_failures() -> None:
    tests, failures = parse_junit(read("green.junit.xml"), root=ROOT, check="pytest")

    assert parse_output(read("green.txt"), root=ROOT, check="pytest") == []
    assert failures == []
    assert tests == [
        TestResult("tests/test_calc.py::test_total[values0-0]", PASSED),
        TestResult("tests/test_calc.py::test_total[values1-3]", PASSED),
        TestResult("tests/test_calc.py::test_later", "skipped"),
        TestResult("tests/test_calc.py::test_floats", "xfailed"),
    ]


@pytest.mark.parametrize(
    "xml",
    [
        pytest.param(read("nameerror.junit.xml")[:300], id="cut short"),
        pytest.param("", id="empty"),
        pytest.param("<html><body>502 Bad Gateway</body></html>", id="not JUnit"),
    ],
)
def test_broken_junit_is_a_clear_value_error(xml: str) -> None:
    with pytest.raises(ValueError, match="not valid JUnit XML"):
        parse_junit(xml, root=ROOT, check="pytest")


@pytest.mark.parametrize(
    ("path", "root", "expected"),
    [
        ("tests/test_calc.py", ROOT, "tests/test_calc.py"),
        ("./src/calc/__init__.py", ROOT, "src/calc/__init__.py"),
        ("/ROOT/src/shop/cart.py", ROOT, "src/shop/cart.py"),
        ("/ROOT/src/shop/cart.py", "/ROOT/", "src/shop/cart.py"),
        ("/ROOT-rerun/src/shop/cart.py", ROOT, None),
        ("/ROOT/tmp/cache.py", ROOT, "tmp/cache.py"),
        ("../other/m.py", ROOT, None),
        ("/root/.pyenv/versions/3.11.7/lib/python3.11/json/decoder.py", ROOT, None),
        ("/usr/lib/python3.12/importlib/__init__.py", "/", None),
        ("/usr/lib/python3/dist-packages/yaml/__init__.py", "/", None),
        ("/ROOT/.venv/lib/python3.11/site-packages/tomlish/__init__.py", ROOT, None),
        ("venv/lib/python3.11/site-packages/x.py", ROOT, None),
        ("/ROOT/.tox/py311/lib/python3.11/site-packages/x.py", ROOT, None),
        ("<frozen importlib._bootstrap>", ROOT, None),
        ("D:\\a\\shop\\shop\\src\\shop\\cart.py", "D:\\a\\shop\\shop", "src/shop/cart.py"),
        ("C:\\hostedtoolcache\\Python\\3.11.7\\x64\\Lib\\json\\decoder.py", "D:\\a\\shop", None),
        ("/ROOT/src/m.py", "", None),
    ],
)
def test_repo_path(path: str, root: str, expected: str | None) -> None:
    assert repo_path(path, root) == expected


def test_a_plugin_that_fails_to_import_is_a_collection_error() -> None:
    """pytest 9.2's own report (exit 3) when `-p pkg_plugin` imports a package that does not
    parse; earlier versions print a plain traceback (the traceback parser's)."""
    text = (
        'Error while loading plugin "pkg_plugin".\n'
        "pkg_plugin.py:1: in <module>\n"
        "    import pkg\n"
        'E     File "/ROOT/pkg/__init__.py", line 2\n'
        "E       return (1))\n"
        "E                 ^\n"
        "E   SyntaxError: unmatched ')'\n"
    )
    (failure,) = parse_output(text, root=ROOT, check="pytest -p pkg_plugin")
    assert (failure.kind, failure.error_type, failure.message) == ("collection-error", "SyntaxError", "unmatched ')'")
    assert failure.frames == (Frame("pkg_plugin.py", 1, "<module>"), Frame("pkg/__init__.py", 2, "", 11))
    assert failure.test_ids == ()
