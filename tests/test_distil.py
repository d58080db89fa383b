"""Distil: the lines of a log that explain its failure, from a log of any size."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest

from suture.diagnose.distil import Excerpt, Limits, distil, distil_text
from suture.diagnose.logtext import normalise
from suture.redact import Redactor

DATA = Path(__file__).parent / "data"
STAMP = "2024-05-01T12:00:00.1234567Z "


def github(*parts: str) -> str:
    """Lines as a GitHub Actions raw log has them: each with a timestamp."""
    return "".join(STAMP + line + "\n" for part in parts for line in part.splitlines())


def noise(count: int, what: str = "Collecting") -> str:
    return "\n".join(f"  {what} package-{i}==1.{i} (from -r requirements.txt (line {i}))" for i in range(count))


def kept(excerpt: Excerpt) -> list[str]:
    return excerpt.text.split("\n")


def test_a_pytest_failure_in_a_github_log() -> None:
    pytest_output = (DATA / "pytest" / "nameerror_q.txt").read_text()
    log = github(
        "##[group]Run pip install -r requirements.txt",
        noise(400),
        "##[endgroup]",
        "##[group]Run python -m pytest -q",
        pytest_output,
        "##[endgroup]",
        noise(50, "Post job cleanup"),
        "##[error]Process completed with exit code 1.",
    )

    excerpt = distil_text(log)

    lines = kept(excerpt)
    assert "E       NameError: name 'reslt' is not defined" in lines
    assert "FAILED tests/test_calc.py::test_mean - NameError: name 'reslt' is not defined" in lines
    assert "Error: Process completed with exit code 1." in lines
    assert "Run python -m pytest -q" in lines  # the command that exited, far above its exit status
    assert not any("Collecting" in line for line in lines)
    assert excerpt.total_lines == len(log.splitlines())
    # Each kept line's number is its place in the log.
    original = log.splitlines()
    for number, line in zip(excerpt.lines, lines, strict=True):
        assert normalise(original[number - 1]) == line


def test_a_traceback_is_kept_whole_with_its_chain() -> None:
    chained = (DATA / "traceback" / "cause.txt").read_text()
    log = github(noise(300), chained, noise(300, "Uploading"))

    lines = kept(distil_text(log))

    start = lines.index("Traceback (most recent call last):")
    assert lines[start : start + len(chained.splitlines())] == chained.splitlines()


@pytest.mark.parametrize(
    ("tool_output", "must_keep"),
    [
        ("ruff/check_full.txt", ["F821 Undefined name `itms`", " --> src/shop/cart.py:9:16"]),
        ("flake8/default.txt", ["./src/shop/cart.py:7:16: F821 undefined name 'itms'"]),
        (
            "mypy/strict.txt",
            ['src/shop/cart.py:13: error: "Cart" has no attribute "totl"; maybe "total"?  [attr-defined]'],
        ),
        ("black/check.txt", ["would reformat /ROOT/src/shop/cart.py"]),
        ("isort/check.txt", ["ERROR: /ROOT/src/shop/cart.py Imports are incorrectly sorted and/or formatted."]),
        ("pip/resolution_impossible.txt", ["    shopweb 1.0 depends on shopcore==1.0"]),
        ("generic/gcc.txt", ["src/cart.c:8:15: error: expected ';' before '}' token"]),
        ("unittest/default.txt", ["FAIL: test_add (tests.test_misc.TestMath.test_add)"]),
    ],
)
def test_every_tools_failure_lines_are_kept(tool_output: str, must_keep: list[str]) -> None:
    log = github(
        noise(500), (DATA / tool_output).read_text(), noise(500, "Post job cleanup"), "make: *** [check] Error 1"
    )

    lines = kept(distil_text(log))

    for line in must_keep:
        assert line in lines
    assert "make: *** [check] Error 1" in lines


def test_the_cap_holds_and_says_so() -> None:
    failures = "\n".join(f"src/m{i}.py:{i}:1: F821 Undefined name `x{i}`" for i in range(1, 1000))
    log = github(failures, "Found 999 errors.")

    excerpt = distil_text(log, limits=Limits(max_lines=50, max_bytes=2_000))

    assert len(excerpt.lines) <= 50
    assert len(excerpt.text.encode()) <= 2_000
    assert excerpt.truncated
    assert "src/m1.py:1:1: F821 Undefined name `x1`" in kept(excerpt)  # the first error comes first
    assert kept(excerpt)[-1] == "Found 999 errors."  # and how the job ended is always kept


def test_a_log_without_error_lines_gives_its_last_lines() -> None:
    excerpt = distil_text("\n".join(f"step {i}" for i in range(100)))

    assert kept(excerpt) == ["step 97", "step 98", "step 99"]
    assert excerpt.lines == (98, 99, 100)


def test_secrets_never_leave(tmp_path: Path) -> None:
    token = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
    log = github(
        "-----BEGIN RSA PRIVATE KEY-----",
        "MIIEowIBAAKCAQEA7",
        "-----END RSA PRIVATE KEY-----",
        f"fatal: could not read from https://x-access-token:{token}@github.com/o/r.git",
        "error: failed to push deploy-secret-value-9 to origin",
    )

    excerpt = distil_text(log, redactor=Redactor({"DEPLOY_KEY": "deploy-secret-value-9"}))

    assert token not in excerpt.text
    assert "deploy-secret-value-9" not in excerpt.text
    assert "MIIEowIBAAKCAQEA7" not in excerpt.text
    assert "[REDACTED:env:DEPLOY_KEY]" in excerpt.text
    assert len(kept(excerpt)) == len(excerpt.lines)


def test_a_50_mb_line_and_invalid_utf8(tmp_path: Path) -> None:
    path = tmp_path / "big.log"
    with path.open("wb") as log:
        log.write(b"start\r\n")
        log.write(b"x" * (50 << 20) + b"\n")
        log.write(b"pip: \xff\xfe garbage\r\n")
        log.write(b"src/a.py:3:1: E999 SyntaxError: invalid \xff syntax\r\n")
        log.write(b"downloading" + b"\r 10%" * 100_000 + b"\r100% done\n")
        log.write(b"Error: Process completed with exit code 1.\n")

    excerpt = distil(path)

    lines = kept(excerpt)
    assert excerpt.total_lines == 6
    assert "src/a.py:3:1: E999 SyntaxError: invalid \ufffd syntax" in lines
    assert "Error: Process completed with exit code 1." in lines
    assert all(len(line) <= Limits().max_line for line in lines)


def test_sources_a_path_a_file_and_chunks_agree(tmp_path: Path) -> None:
    data = github(noise(3000), (DATA / "pytest" / "assertion.txt").read_text()).encode()
    path = tmp_path / "ci.log"
    path.write_bytes(data)

    from_path = distil(path)
    from_file = distil(io.BytesIO(data))
    from_chunks = distil(data[i : i + 777] for i in range(0, len(data), 777))

    assert from_path == from_file == from_chunks
    assert "E       assert 5 == 6" in kept(from_path)


def test_memory_does_not_grow_with_the_log() -> None:
    line = (STAMP + "  Downloading numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl (18.2 MB)\n").encode()

    def log(megabytes: int) -> Iterator[bytes]:
        chunk = line * ((1 << 20) // len(line))
        for _ in range(megabytes):
            yield chunk
        yield b"ERROR: No matching distribution found for numpy==9\n"

    peaks = []
    for size in (8, 64):
        tracemalloc.start()
        excerpt = distil(log(size))
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert "ERROR: No matching distribution found for numpy==9" in kept(excerpt)
    assert peaks[1] < peaks[0] * 1.5
    assert peaks[1] < 16 << 20


def test_numbered() -> None:
    excerpt = Excerpt(text="a\nb\nc", lines=(3, 4, 9), truncated=False, total_lines=10)

    assert excerpt.numbered() == "3 | a\n4 | b\n...\n9 | c"
