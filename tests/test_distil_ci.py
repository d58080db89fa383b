"""Distil on CI logs of other languages and runners: the rules of issue 19, one row each.

The logs in tests/data/ci are written here, modelled on the shapes of real Travis CI and
GitLab logs in LogChunks (Brandt, Panichella, Beller, MSR 2020; CC-BY-4.0): a few lines of
each failure's text are quoted from it (the rake, jest, TAP, PHPUnit, Rust and Vim
failures), the rest is made up.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from suture.diagnose.distil import Limits, distil
from suture.diagnose.logtext import normalise

DATA = Path(__file__).parent / "data" / "ci"
SMALL = Limits(max_lines=40)

CASES = [
    pytest.param(
        "travis_rake.log",
        Limits(),
        # The failed step's output, though only its first line says "aborted".
        ["No Rakefile found (looking for: rakefile, Rakefile, rakefile.rb, Rakefile.rb)", "$ rake"],
        ["Collecting pkg59==1.59"],
        id="failed step's last lines",
    ),
    pytest.param(
        "travis_lint_no_marker.log",
        Limits(),
        ["README.md:2186:Line longer than 80 characters.", "guide.md:12:Trailing spaces."],
        [],
        id="failed step without an error word",
    ),
    pytest.param(
        "travis_passed_step_errors.log",
        Limits(max_lines=20),
        ["--- FAIL: TestSync (0.18s)", "    sync_test.go:679: failed to synchronise blocks: hash chain is invalid"],
        ["src/vendor/x3.c:3: error: expected ';' (ignored, vendored)"],
        id="a passed step's errors rank last",
    ),
    pytest.param(
        "rust_panic_backtrace.log",
        Limits(),
        [
            "thread 'main' panicked at 'command did not execute successfully, got: exit code: 77', build.rs:370:9",
            "stack backtrace:",
            "   0: 0x550000 - std::panicking::frame_0::h0000",
            "  11: 0x55000b - std::panicking::frame_11::h000b",
            "             at src/libstd/panicking.rs:111",
        ],
        [],
        id="indented backtrace under a Header:",
    ),
    pytest.param(
        "jest_failure_block.log",
        SMALL,
        [
            " FAIL  test/prefixes.test.js (11.4s)",
            "  ● prevents doubling prefixes",
            "    Expected value to equal:",
            "        -ms-grid-row: 5;",
            "      at Object.<anonymous> (test/prefixes.test.js:57:7)",
        ],
        [" PASS  test/c20.test.js"],
        id="jest failure block whole",
    ),
    pytest.param(
        "vim_failures_list.log",
        Limits(),
        [
            "\tFrom test_popupwin.vim:",
            "\tRun 4:",
            "\tGiving up after 4 runs",
            "make: *** [report] Error 1",
        ],
        [],
        id="Failures: list",
    ),
    pytest.param(
        "tap_not_ok.log",
        Limits(),
        ["not ok 2 no errors", "    operator: notOk", "    at: Test.<anonymous> (test/test-order.js:57:7)"],
        [],
        id="TAP not ok",
    ),
    pytest.param(
        "phpunit_failures.log",
        Limits(),
        [
            "There were 2 failures:",
            "1) App\\Tests\\ClockTest::testTime",
            "Failed asserting that 1564764245 is identical to 1234567892.",
            "FAILURES!",
        ],
        [],
        id="PHPUnit failures",
    ),
    pytest.param(
        "gitlab_failed_job.log",
        Limits(max_lines=12),
        ["$ flake8 src", "src/shop/cart.py:7:16: F821 undefined name 'itms'", "ERROR: Job failed: exit code 1"],
        ["Collecting pkg30==1.30"],
        id="GitLab command and exit",
    ),
    pytest.param(
        "pester_stack_at_margin.log",
        Limits(max_lines=24),
        [
            "[-] - Invoke-Build writes the report -> Expected and actual values differ!",
            "Actual  : 'report.xml'",
            "at <ScriptBlock>, /home/travis/build/acme/build/tst/Build.Tests.ps1:179",
            "at <ScriptBlock>, <No file>:1",
        ],
        [
            "Tests Passed: 5, Failed: 0, Skipped: 0, Pending: 0, Inconclusive: 0",
            "    [+] loads settings 11 5ms (2ms|3ms)",
        ],
        id="a stack at the margin, amid zero counts and passing tests",
    ),
    pytest.param(
        "pytest_verbose_long_failures.log",
        Limits(max_lines=36),
        [
            "=================================== FAILURES ===================================",
            "        cart.add(Item('ink', 3))",
            "E        +  where 6 = <bound method Cart.total of Cart(items=2)>()",
            "        gross = sum(item.price for item in self.items)",
            "E       AttributeError: 'Cart' object has no attribute 'rate'",
            "shop/cart.py:31: AttributeError",
            "============== 2 failed, 62 passed, 2 warnings in 3.21s ==============",
        ],
        [
            "tests/test_api.py::test_error_message[0] PASSED          [  0%]",
            "  /home/travis/build/acme/shop/shop/api.py:40: DeprecationWarning: the 'errors' argument is deprecated",
        ],
        id="a long failures section whole before passing tests, warnings and blank lines",
    ),
    pytest.param(
        "cargo_panic_message_backtrace.log",
        Limits(),
        [
            "expected success, got: exit code: 77', build.rs:370:9",
            "stack backtrace:",
            "   5:     0x5597a5c1a705 - std::panicking::frame_5::h0005",
            "                               at src/libstd/panicking.rs:111",
        ],
        [],
        id="a Header: after the error's message at the margin",
    ),
    pytest.param(
        "phpunit_numbered_failures.log",
        Limits(max_lines=20),
        [
            "1) Symfony\\Bridge\\PhpUnit\\Tests\\ClockMockTest::testTime",
            "2) Symfony\\Bridge\\PhpUnit\\Tests\\ClockMockTest::testDate",
            "--- Expected",
            "+'1564764245'",
        ],
        ["  - Installing symfony/error-handler (v4.4.0): Loading from cache"],
        id="a numbered list of failures at the margin; a package named error is no error",
    ),
    pytest.param(
        "swiftlint_strict_warnings.log",
        Limits(max_lines=20),
        [
            "/Users/travis/build/realm/realm-cocoa/RealmSwift/Object+Combine.swift:88:42: warning: Colon Violation: "
            "Colons should be next to the identifier when specifying a type. (colon)",
        ],
        ["Linting 'Error.swift' (5/35)"],
        id="a linter that fails on warnings: its warnings are the reason",
    ),
    pytest.param(
        "exunit_numbered_failure.log",
        Limits(max_lines=20),
        [
            "  1) test assert received when different message (ExUnit.AssertionsTest)",
            "     ** (MatchError) no match of right hand side value: {:hello, [{:message, :not_expected, :at_all}]}",
            "       test/ex_unit/assertions_test.exs:408: (test)",
        ],
        [],
        id="an Elixir exception",
    ),
]


@pytest.mark.parametrize(("name", "limits", "kept", "dropped"), CASES)
def test_a_ci_failure_is_kept(name: str, limits: Limits, kept: list[str], dropped: list[str]) -> None:
    excerpt = distil(DATA / name, limits=limits)

    lines = excerpt.text.split("\n")
    for line in kept:
        assert line in lines
    for line in dropped:
        assert line not in lines
    assert len(lines) <= limits.max_lines


# The Python slice: each runner's or tool's failure in a GitHub Actions job, with the lines
# that say why, under a cap of 20 lines (pip's download noise, passing tests and the job's
# end compete for them).
PYTHON = {
    "python_tox_envs.log": [
        "E       TypeError: refund() missing 1 required positional argument: 'reason'",
        "tests/test_cart.py:41: TypeError",
        "  evaluation failed :( (15.40 seconds)",
    ],
    "python_nox_session.log": ["E   ModuleNotFoundError: No module named 'yaml'", "nox > Session tests-3.11 failed."],
    "python_pip_resolver.log": [
        "The conflict is caused by:",
        '    botocore 1.31.0 depends on urllib3<1.27 and >=1.25.4; python_version < "3.10"',
        "ERROR: ResolutionImpossible: for help visit "
        "https://pip.pypa.io/en/latest/topics/dependency-resolution/#dealing-with-dependency-conflicts",
    ],
    "python_uv_resolver.log": [
        "  \u00d7 No solution found when resolving dependencies:",
        "      And because you require pandas==2.2.0 and numpy==2.0.0, we can conclude that your requirements are "
        "unsatisfiable.",
    ],
    "python_mypy_errors.log": [
        'src/shop/cart.py:12: error: Argument 1 to "add" has incompatible type "str"; expected "Item"  [arg-type]',
        'src/shop/api.py:7: error: Module "shop.models" has no attribute "Orderr"; maybe "Order"?  [attr-defined]',
    ],
    "python_ruff_flake8.log": ["src/shop/cart.py:3:8: F401 [*] `os` imported but unused"],
    "python_coverage_gate.log": ["FAIL Required test coverage of 90% not reached. Total coverage: 84.51%"],
    "python_setup_py_build.log": [
        "      src/speedups.c:4:10: fatal error: libxml/parser.h: No such file or directory",
        "  \u00d7 python setup.py bdist_wheel did not run successfully.",
    ],
    "python_unittest_run.log": [
        "FAIL: test_refund (tests.test_cart.CartTest.test_refund)",
        "AssertionError: 0 != 10",
        "FAILED (failures=1)",
    ],
}


@pytest.mark.parametrize(("name", "kept"), PYTHON.items(), ids=list(PYTHON))
def test_a_python_failure_is_kept(name: str, kept: list[str]) -> None:
    limits = Limits(max_lines=20)
    lines = distil(DATA / name, limits=limits).text.split("\n")

    assert [line for line in kept if line not in lines] == []
    assert "Collecting pkg3==1.3" not in lines  # pip's download noise
    assert len(lines) <= limits.max_lines


def test_a_log_kept_whole_is_not_called_cut() -> None:
    # The failed step's last lines repeat the lines of its error blocks: each counts once.
    log = b'$ python -m pytest -q\nF\nE   assert 3 == 4\n1 failed in 0.03s\nThe command "pytest" exited with 1.\n'
    excerpt = distil([log])

    assert excerpt.lines == (1, 2, 3, 4, 5)
    assert not excerpt.truncated


def test_a_summary_ends_the_listing_under_it() -> None:
    # `FAILED (failures=1)` closes a unittest run: the indented lines after it are other output.
    log = "\n".join(
        ["ERROR: test_x (t.T.test_x)", "AssertionError: 1 != 2", "", "FAILED (failures=1)"]
        + [f"  Post job cleanup {i}" for i in range(100)]
        + ["make: *** [check] Error 1"]
    )
    lines = distil([log.encode()]).text.split("\n")

    assert "FAILED (failures=1)" in lines
    assert "  Post job cleanup 20" not in lines


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        (b"travis_time:start:163961b8\r\x1b[0K$ rake\r\n", "$ rake"),
        (b"travis_time:end:16b:start=1448,finish=1449,duration=117\r\x1b[0K\r\n", ""),
        (
            b'travis_time:end:1f:start=1,finish=2,duration=5\x1b[0K\x1b[31;1mThe command "x" exited with 1.\x1b[0m',
            'The command "x" exited with 1.',
        ),
        (b"travis_fold:start:install.1\r\x1b[0Ktravis_time:start:0a\r\x1b[0K$ pip install x", "$ pip install x"),
        (b"travis_fold:end:install.1\r\x1b[0K", ""),
    ],
)
def test_travis_markers_are_not_text(raw: bytes, shown: str) -> None:
    assert normalise(raw) == shown


def _job(*failure: str) -> bytes:
    """A Travis job: installs, the failing step's output, the exit line and a long cleanup."""
    lines = [f"Collecting pkg{i}==1.{i}" for i in range(60)]
    lines += ["$ make check", *failure, 'The command "make check" exited with 1.']
    lines += [f"store build cache {i}" for i in range(60)]
    return ("\n".join(lines) + "\n").encode()


def test_a_code_frame_is_kept_to_the_blank_line_after_it() -> None:
    # ruff's full format (rustc's too): a pointer `--> path:1:2`, the frame, its help, a blank line.
    frame = [
        "E401 [*] Multiple imports on one line",
        " --> src/pkg/util.py:1:1",
        "  |",
        "1 | import os, sys",
        "  | ^^^^^^^^^^^^^^",
        "2 | import json",
        "  |",
        "help: Split imports",
        "  - import os, sys",
        "1 + import os",
        "2 + import sys",
        "",
    ]
    noise = [f"checking module {i}" for i in range(40)]
    lines = distil([_job(*frame, *noise, "Found 1 error.")], limits=Limits(max_lines=40)).text.split("\n")

    assert [line for line in frame[:-1] if line not in lines] == []
    assert "checking module 20" not in lines


def test_mocha_bare_numbered_items_are_the_failure() -> None:
    # mocha: `2 failing`, then `1) ` with the suite and the test's title on the lines below it.
    failure = ["", "  1 passing (3s)", "  2 failing", "", "  1) ", "       compiler tests", "         emits x:"]
    failure += ["     TypeError: Cannot read property 'parent' of undefined", "      at f (src/checker.ts:52:65)", ""]
    failure += ["  2) ", "       compiler tests", "         emits y:", "     Error: differs", ""]
    failure += [f"  ok {i}" for i in range(40)]
    lines = distil([_job(*failure)], limits=Limits(max_lines=40)).text.split("\n")

    assert "  1) " in lines
    assert "         emits x:" in lines
    assert "         emits y:" in lines


def test_a_cross_mark_with_a_position_is_an_error() -> None:
    # xcpretty prints a compiler error as `❌  path:97:2: message`, with no error word.
    error = "\u274c  /Users/travis/build/o/p/Source/JSON.swift:97:2: unknown attribute 'dynamicMemberLookup'"
    build = [f"\u25b8 Compiling File{i}.swift" for i in range(30)] + [error]
    build += [f"\u25b8 Linking Target{i}" for i in range(80)] + ["** BUILD FAILED **"]
    lines = distil([_job(*build)], limits=Limits(max_lines=40)).text.split("\n")

    assert error in lines


def test_pytest_warnings_are_not_the_failed_steps_tail() -> None:
    failure = ["=" * 20 + " FAILURES " + "=" * 20, "_" * 10 + " test_x " + "_" * 10, "", "    def test_x():"]
    failure += [">       assert 1 == 2", "E       assert 1 == 2", "", "tests/test_x.py:2: AssertionError"]
    failure += ["=" * 20 + " warnings summary " + "=" * 20]
    for i in range(12):
        failure += [f"tests/test_conf.py::test_{i}", f"  /w/conf.py:{i}: UserWarning: path {i} is deprecated"]
    failure += ["-- Docs: https://docs.pytest.org/en/latest/warnings.html", "=" * 5 + " 1 failed in 0.1s " + "=" * 5]
    lines = distil([_job(*failure)]).text.split("\n")

    assert "E       assert 1 == 2" in lines
    assert [line for line in lines if "UserWarning" in line] == []


def test_a_listing_keeps_its_lines_of_indentation_at_the_cap() -> None:
    # pytest prints a test's source in bold: its blank lines are `ESC[1m    ESC[0m`, part of the listing.
    source = [f"\x1b[1m        step_{i}()\x1b[0m" if i % 3 else "\x1b[1m    \x1b[0m" for i in range(24)]
    failure = ["=" * 20 + " FAILURES " + "=" * 20, "_" * 10 + " test_long " + "_" * 10, ""]
    failure += ["\x1b[1m    def test_long():\x1b[0m", *source]
    failure += ["\x1b[1m\x1b[31mE       AssertionError: step 23\x1b[0m", "", "tests/test_long.py:30: AssertionError"]
    failure += ["=" * 5 + " 1 failed in 0.1s " + "=" * 5, *[""] * 12]
    excerpt = distil([_job(*failure)], limits=Limits(max_lines=37))

    listing = {number for number, text in zip(excerpt.lines, excerpt.text.split("\n"), strict=True) if text == "    "}
    assert len(listing) == 8


def test_an_exception_without_an_error_word_is_found_by_its_stack() -> None:
    # sbt prints `sbt.ResolveException: ...` and a tab-indented JVM stack: no `error`, no `fail`
    # on those lines; the frames' positions (`File.scala:320)`) are what lead to them.
    stack = ["sbt.ResolveException: unresolved dependency: org.scala-lang#scala-compiler;2.12.9: not found"]
    stack += [f"\tat sbt.IvyActions$$anonfun$update{i}.apply(IvyActions.scala:{300 + i})" for i in range(20)]
    lines = distil([_job(*stack, *[f"[info] Resolving dep{i}" for i in range(80)])]).text.split("\n")

    assert stack[0] in lines
    assert stack[20] in lines
