"""The plugin's report is read in one place, as input the code under test controls."""

from __future__ import annotations

import json
import os
import sys
import threading
from pathlib import Path

import pytest
from helpers import git, make_repo

from suture.capture import report
from suture.capture.channel import REPORT_FD
from suture.capture.run import capture
from suture.diagnose.build import from_report
from suture.records import CheckRun, TestResult
from suture.run.sandbox import Unsandboxed

EXCEPTION = {
    "event": "exception",
    "id": "tests/test_a.py::test_a",
    "when": "call",
    "type": "NameError",
    "line": "NameError: name 'x' is not defined",
    "frames": [{"path": "/repo/a.py", "line": 3, "function": "f"}],
}


def lines(*records: object) -> str:
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records)


def written(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "report.jsonl"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


def test_the_plugin_s_events_become_typed_records(tmp_path: Path) -> None:
    text = lines(
        {"event": "collected", "ids": ["t::a", "t::b", "t::c"]},
        {"event": "result", "id": "t::a", "when": "call", "outcome": "passed"},
        {"event": "result", "id": "t::b", "when": "setup", "outcome": "failed"},
        {"event": "result", "id": "t::b", "when": "teardown", "outcome": "passed"},
        {"event": "result", "id": "t::c", "when": "call", "outcome": "xfailed"},
        {**EXCEPTION, "id": "t/test_b.py", "when": "collect"},
        {**EXCEPTION, "event": "logged"},
    )
    found = report.events(report.load(written(tmp_path, text)))

    assert found[0] == report.Collected(("t::a", "t::b", "t::c"))
    assert found[-1] == report.Raised(
        "tests/test_a.py::test_a",
        "call",
        "NameError",
        "NameError: name 'x' is not defined",
        (report.Frame("/repo/a.py", 3, "f"),),
        logged=True,
    )
    assert report.summary(found) == report.Summary(
        tests=(TestResult("t::a", "passed"), TestResult("t::b", "error"), TestResult("t::c", "xfailed")),
        collected=("t::a", "t::b", "t::c"),
        collection_errors=("t/test_b.py",),
    )


@pytest.mark.parametrize(
    "hostile",
    [
        pytest.param("not json at all", id="not-json"),
        pytest.param('{"event": "exception"', id="cut-short"),
        pytest.param("[" * 200_000 + "]" * 200_000, id="nested-list"),
        pytest.param('{"a":' * 100_000 + "1" + "}" * 100_000, id="nested-object"),
        pytest.param('{"event": "result", "id": 1' + "0" * 5000 + "}", id="int-too-long"),
        pytest.param('{"event": "collected"}', id="collected-without-ids"),
        pytest.param('{"event": "collected", "ids": "t::a"}', id="ids-not-a-list"),
        pytest.param('{"event": "result", "id": "t::a"}', id="result-without-outcome"),
        pytest.param('{"event": "result", "outcome": "passed", "when": "call"}', id="result-without-id"),
        pytest.param('{"event": "exception"}', id="exception-without-keys"),
        pytest.param('{"event": "exception", "frames": [1, "x", {"line": "3"}, {"path": ["a"]}]}', id="bad-frames"),
        pytest.param('{"event": "exception", "type": {"x": 1}, "line": [1], "id": 3}', id="wrong-types"),
        pytest.param("[1, 2, 3]", id="not-an-object"),
        pytest.param('{"event": "logged", "frames": {"path": "a.py"}}', id="frames-not-a-list"),
    ],
)
def test_a_line_that_is_not_a_good_event_neither_raises_nor_counts(tmp_path: Path, hostile: str) -> None:
    good = {"event": "result", "id": "t::a", "when": "call", "outcome": "failed"}
    text = report.load(written(tmp_path, lines(hostile, good)))

    found = report.events(text)
    check = CheckRun("pytest", 1, 0.0, False, "", report=text, root="/repo")

    assert report.summary(found).tests == (TestResult("t::a", "failed"),)
    assert all(isinstance(failure.message, str) for failure in from_report(check))
    assert len(text.splitlines()) == len(found)  # what is kept is events, and nothing else


def test_an_exception_without_its_keys_is_still_a_failure_without_a_message(tmp_path: Path) -> None:
    """It used to be a KeyError in diagnose: the run stopped on what the code under test wrote."""
    text = report.load(written(tmp_path, lines({"event": "exception", "id": "t::a", "when": "call"})))

    [failure] = from_report(CheckRun("pytest", 1, 0.0, False, "", report=text, root="/repo"))

    assert (failure.test_ids, failure.kind, failure.error_type, failure.message) == (("t::a",), "test-failure", "", "")


def test_a_huge_line_is_passed_over_and_the_file_is_read_up_to_the_cap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    good = {"event": "result", "id": "t::a", "when": "call", "outcome": "failed"}
    late = {"event": "result", "id": "t::late", "when": "call", "outcome": "failed"}
    huge = json.dumps({"event": "result", "id": "x" * (report.MAX_LINE + 1), "when": "call", "outcome": "passed"})
    path = written(tmp_path, lines(huge, good))

    assert report.summary(report.events(report.load(path))).tests == (TestResult("t::a", "failed"),)

    monkeypatch.setattr(report, "MAX_BYTES", 4096)
    path.write_text(lines(good, *[{"event": "padding", "text": "x" * 100}] * 60, late))
    found = report.load(path)
    assert "t::a" in found and "t::late" not in found  # what lies past the cap is not read


def test_only_event_lines_are_kept(tmp_path: Path) -> None:
    """What else the code under test writes into the file does not travel on in the record."""
    text = report.load(written(tmp_path, lines("machine example.com password hunter2", EXCEPTION)))

    assert "hunter2" not in text
    assert report.events(text) == report.events(lines(EXCEPTION))


def test_a_line_still_being_written_is_left_out_when_asked(tmp_path: Path) -> None:
    path = written(tmp_path, lines(EXCEPTION) + json.dumps({**EXCEPTION, "id": "t::b"}))

    assert len(report.events(report.load(path, whole_lines=True))) == 1
    assert len(report.events(report.load(path))) == 2  # the run has ended: its last line is whole


def test_no_file_is_no_events(tmp_path: Path) -> None:
    assert report.load(tmp_path / "report.jsonl") == ""


def test_a_symlink_to_a_secret_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "home" / ".netrc"
    secret.parent.mkdir()
    secret.write_text(json.dumps({"event": "collected", "ids": ["machine github.com password ghp_secret"]}) + "\n")
    (tmp_path / "report.jsonl").symlink_to(secret)

    with pytest.raises(report.ReportRefused, match=r"refused to read the test report .*report\.jsonl"):
        report.load(tmp_path / "report.jsonl")


def test_a_hard_link_to_a_secret_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / ".netrc"
    secret.write_text(json.dumps({"event": "collected", "ids": ["machine github.com password ghp_secret"]}) + "\n")
    os.link(secret, tmp_path / "report.jsonl")

    with pytest.raises(report.ReportRefused, match="has 2 names"):
        report.load(tmp_path / "report.jsonl")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "report.jsonl")
    outcome: list[BaseException | str] = []

    def read() -> None:
        try:
            outcome.append(report.load(tmp_path / "report.jsonl"))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=5)

    assert not reader.is_alive(), "the reader hangs on the FIFO"
    assert isinstance(outcome[0], report.ReportRefused)
    assert "not a regular file" in str(outcome[0])


def test_a_directory_is_refused(tmp_path: Path) -> None:
    (tmp_path / "report.jsonl").mkdir()

    with pytest.raises(report.ReportRefused, match="not a regular file"):
        report.load(tmp_path / "report.jsonl")


def test_a_real_capture_reads_the_plugin_s_report(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "calc.py": "def add(a, b):\n    return a + c\n",
            "tests/test_calc.py": (
                "from calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n\n\n"
                "def test_other():\n    assert True\n"
            ),
            "tests/test_broken.py": "import nowhere_to_be_found\n",
        },
    )
    command = f"{sys.executable} -m pytest -q -p no:cacheprovider --continue-on-collection-errors"

    sha = git(repo, "rev-parse", "HEAD").strip()

    [check] = capture(repo, sha, [command], sandbox=Unsandboxed(), timeout=120).checks

    assert check.collected == ("tests/test_calc.py::test_add", "tests/test_calc.py::test_other")
    assert set(check.tests) == {
        TestResult("tests/test_calc.py::test_add", "failed"),
        TestResult("tests/test_calc.py::test_other", "passed"),
    }
    assert check.collection_errors == ("tests/test_broken.py",)
    failures = {failure.error_type: failure for failure in from_report(check)}
    assert failures["NameError"].message == "name 'c' is not defined"
    assert failures["NameError"].frames[-1].path == "calc.py"
    assert failures["ModuleNotFoundError"].kind == "collection-error"


def test_a_check_that_swaps_its_report_for_a_link_cannot_make_suture_read_the_link(tmp_path: Path) -> None:
    """The code under test runs in the plugin's process: without a sandbox it can look behind the
    plugin's descriptor and put a link where its file's name was. The report is a socket, which has
    no name, and suture reads its own end."""
    secret = tmp_path / "netrc"
    secret.write_text("machine github.com password ghp_secret\n")
    planted = tmp_path / "planted"
    swap = (
        f"{sys.executable} -c \"import os; p = os.readlink('/proc/self/fd/{REPORT_FD}'); "
        f"open({str(planted)!r}, 'w').write(p); os.path.lexists(p) or os.symlink({str(secret)!r}, p); "
        f"os.write({REPORT_FD}, b'{{}}\\n')\""
    )
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})

    try:
        [check] = capture(
            repo, git(repo, "rev-parse", "HEAD").strip(), [swap], sandbox=Unsandboxed(), timeout=60
        ).checks
    finally:
        name = planted.read_text() if planted.exists() else ""
        if name and os.path.islink(name):
            os.unlink(name)

    assert check.exit_code == 0, check.output
    assert name.startswith("socket:[")
    assert "ghp_secret" not in check.report + check.output + check.junit
