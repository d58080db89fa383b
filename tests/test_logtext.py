"""Log lines as a person reads them: the CI's and the terminal's decorations removed."""

from __future__ import annotations

import pytest

from suture.diagnose.logtext import normalise, strip_invisible


@pytest.mark.parametrize(
    ("raw", "text"),
    [
        pytest.param(b"plain\n", "plain", id="newline"),
        pytest.param(b"crlf\r\n", "crlf", id="CRLF"),
        pytest.param(b"2024-05-01T12:00:00.1234567Z E   assert 1 == 2", "E   assert 1 == 2", id="GitHub timestamp"),
        pytest.param(b"2024-05-01T12:00:00.123456Z 00O+ tail", "tail", id="GitLab timestamp"),
        pytest.param(b"[2024-05-01T12:00:00.123Z] Building", "Building", id="Jenkins timestamp"),
        pytest.param(b"2024-05-01 is a date", "2024-05-01 is a date", id="a date is kept"),
        pytest.param(b"\x1b[31mE   \x1b[1mNameError\x1b[0m: x", "E   NameError: x", id="ANSI colours"),
        pytest.param(b"\x1b]8;;https://x\x07link\x1b]8;;\x07", "link", id="OSC hyperlink"),
        pytest.param(b" 10%\r 50%\r100% done", "100% done", id="progress bar"),
        pytest.param(b"done\r\x1b[K\r", "done", id="redraw that erases"),
        pytest.param(b"##[group]Run python -m pytest", "Run python -m pytest", id="group"),
        pytest.param(b"##[endgroup]", "", id="endgroup"),
        pytest.param(
            b"##[error]Process completed with exit code 1.", "Error: Process completed with exit code 1.", id="error"
        ),
        pytest.param(b"##[warning]slow", "Warning: slow", id="warning"),
        pytest.param(
            b"\x1b[0Ksection_start:1715000000:step_script\r\x1b[0K\x1b[0KExecuting step_script",
            "Executing step_script",
            id="GitLab section start",
        ),
        pytest.param(b"\x1b[0Ksection_end:1715000000:step_script\r\x1b[0K", "", id="GitLab section end"),
        pytest.param(b"bad \xff\xfe utf-8", "bad \ufffd\ufffd utf-8", id="invalid UTF-8"),
        pytest.param("a\u200bb\u202ec\u2066d\ufeff".encode(), "abcd", id="zero-width and bidi"),
        pytest.param(b"tab\tand\x00nul\x07bell", "tab\tandnulbell", id="control characters"),
    ],
)
def test_normalise(raw: bytes, text: str) -> None:
    assert normalise(raw) == text
    assert normalise(raw.decode("utf-8", errors="replace")) == text


def test_strip_invisible_keeps_lines() -> None:
    assert strip_invisible("one\u200d\ntwo\u2069") == "one\ntwo"
