"""`suture diagnose --log` and `suture heal --log`: CI logs made by really running pytest.

The logs are made here, by running pytest on a clone of the test repository at another
path (as a CI runner has it), wrapped in GitHub Actions' timestamps, groups and installs.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot, write
from projects import PASSING, PYTEST, TYPO

from suture.diagnose.fromlog import checkout_root

STAMP = "2026-11-22T07:00:{:02d}.1234567Z "
SECRET = "vault-7Hq2xP9mZ4rT8wK1"  # the value of a secret-named variable in suture's environment


def suture(
    cwd: Path, *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        timeout=180,
        env={**os.environ, **(env or {})},
    )
    return done.returncode, done.stdout.decode(), done.stderr.decode()


def last_json(stdout: str) -> dict[str, object]:
    found: dict[str, object] = json.loads(stdout.strip().splitlines()[-1])
    return found


def ci_log(repo: Path, where: Path, *pytest_args: str, extra: str = "") -> tuple[str, str]:
    """A GitHub Actions log of pytest run on a clone of `repo` at `where`; and the clone's path."""
    subprocess.run(["git", "clone", "-q", str(repo), str(where)], check=True)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *pytest_args],
        cwd=where,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST")},
        timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [
        "##[group]Run pip install -e .[test]",
        *(f"  Collecting package{n}==1.{n}" for n in range(300)),
        "##[endgroup]",
        "##[group]Run python -m pytest",
        *(done.stdout + done.stderr).splitlines(),
        extra,
        "##[error]Process completed with exit code 1.",
        *(f"Post job cleanup {n}" for n in range(250)),
    ]
    return "\n".join(STAMP.format(n % 60) + line for n, line in enumerate(lines)) + "\n", str(where)


def test_diagnose_a_log_file(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    text, _ = ci_log(repo, tmp_path / "runner" / "work" / "app", "-q", extra=f"deploy key: {SECRET}\u202e")
    log = tmp_path / "ci.log"
    log.write_text(text)
    before = snapshot(repo)

    code, stdout, stderr = suture(repo, "diagnose", "--log", str(log), "--json", env={"DEPLOY_API_KEY": SECRET})

    assert code == 1, stderr
    found = last_json(stdout)
    assert {"excerpt", "lines", "failures", "class", "fingerprint"} <= found.keys()
    assert found["class"] == "code"
    [failure] = found["failures"]  # type: ignore[misc]
    assert failure["error_type"] == "NameError"
    assert failure["test_ids"] == ["tests/test_shapes.py::test_area"]
    assert failure["frames"][-1]["path"] == "shapes.py"
    # The excerpt keeps the log's own line numbers, and is a small part of it.
    numbered = dict(zip(found["lines"], str(found["excerpt"]).split("\n"), strict=True))  # type: ignore[call-overload]
    all_lines = text.split("\n")
    error_line = next(n for n, line in enumerate(all_lines, 1) if "E       NameError" in line)
    assert numbered[error_line] == "E       NameError: name 'reslt' is not defined"
    assert len(numbered) < len(all_lines) / 4
    # The secret from the environment and the bidi override are gone; nothing else is.
    assert SECRET not in stdout and "\u202e" not in stdout
    assert "[REDACTED:env:DEPLOY_API_KEY]" in str(found["excerpt"])
    assert snapshot(repo) == before


def test_diagnose_reads_stdin_and_prints_the_class_failures_and_excerpt(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    text, _ = ci_log(repo, tmp_path / "ci", "-q")

    code, stdout, stderr = suture(repo, "diagnose", "--log", "-", stdin=text.encode())

    assert code == 1, stderr
    assert "class: code" in stdout
    assert "NameError: name 'reslt' is not defined" in stdout
    assert "tests/test_shapes.py::test_area" in stdout
    assert "| E       NameError" in stdout  # the excerpt, numbered


def test_absolute_paths_of_the_ci_checkout_become_repository_paths(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    text, checkout = ci_log(repo, tmp_path / "home" / "runner" / "work" / "shapes", "-q", "--tb=native")
    assert f'File "{checkout}/shapes.py", line 3' in text  # a native traceback: absolute paths

    code, stdout, _ = suture(repo, "diagnose", "--log", "-", "--json", stdin=text.encode())

    found = last_json(stdout)
    assert code == 1
    assert found["root"] == checkout
    [failure] = found["failures"]  # type: ignore[misc]
    assert failure["frames"][-1] == {"path": "shapes.py", "line": 3, "function": "area", "column": None}


@pytest.mark.parametrize(
    ("paths", "root"),
    [
        ((), ""),
        (("src/app/core.py",), "/home/runner/work/app/app"),
        (("other.py",), ""),
    ],
)
def test_checkout_root(paths: tuple[str, ...], root: str) -> None:
    text = 'File "/home/runner/work/app/app/src/app/core.py", line 3, in f\n  /usr/lib/python3.11/json/x.py:1\n'
    assert checkout_root(text, paths) == root


def bad_inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    (tmp_path / "folder").mkdir()
    (tmp_path / "empty.log").write_bytes(b"")
    (tmp_path / "ci.log.gz").write_bytes(gzip.compress(b"FAILED tests/test_x.py::test_y\n"))
    (tmp_path / "core.bin").write_bytes(bytes(range(256)) * 64)
    (tmp_path / "one.log").write_bytes(b"x" * (8 << 20))  # 8 MB, no line break
    return {
        "missing": (tmp_path / "nope.log", "no log file at"),
        "directory": (tmp_path / "folder", "is a directory, not a log file"),
        "empty": (tmp_path / "empty.log", "is empty"),
        "compressed": (tmp_path / "ci.log.gz", "is a gzip archive, not a text log: extract it first"),
        "binary": (tmp_path / "core.bin", "is binary data, not a text log"),
        "one huge line": (tmp_path / "one.log", "no line breaks, not a CI log"),
    }


@pytest.mark.parametrize("case", ["missing", "directory", "empty", "compressed", "binary", "one huge line"])
def test_bad_input_is_a_usage_error_that_names_the_problem(tmp_path: Path, case: str) -> None:
    path, message = bad_inputs(tmp_path)[case]

    code, stdout, stderr = suture(tmp_path, "diagnose", "--log", str(path))

    assert code == 2, stdout + stderr
    assert message in stderr
    assert "unexpected error" not in stderr


@pytest.mark.parametrize("case", ["empty", "binary"])
def test_bad_input_on_stdin(tmp_path: Path, case: str) -> None:
    path, message = bad_inputs(tmp_path)[case]

    code, _, stderr = suture(tmp_path, "diagnose", "--log", "-", stdin=path.read_bytes())

    assert code == 2
    assert f"stdin {message}" in stderr


def test_a_log_without_a_failure_exits_0(tmp_path: Path) -> None:
    log = tmp_path / "ok.log"
    log.write_text("".join(f"{STAMP.format(n)}step {n} done\n" for n in range(50)))

    code, stdout, _ = suture(tmp_path, "diagnose", "--log", str(log), "--json")

    assert code == 0
    assert last_json(stdout)["class"] == "unknown"


def test_the_capture_path_redacts_what_the_checks_print(tmp_path: Path) -> None:
    """Without --log the checks run; their failures' messages and excerpts are redacted too."""
    token = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
    repo = make_repo(
        tmp_path / "repo",
        {
            "login.py": "def login(token, key):\n    return 'refused'\n",
            "tests/test_login.py": (
                "from login import login\n\n"
                f"TOKEN = 'ghp_' + '{token[4:]}'\n"
                f"KEY = '{SECRET}'\n\n\n"
                "def test_login():\n"
                "    assert login(TOKEN, KEY) == 'ok', f'refused {TOKEN} {KEY} \\u200b\\u202e'\n"
            ),
        },
    )

    code, stdout, stderr = suture(
        repo, "diagnose", "--test-cmd", PYTEST, "--json", env={"VAULT_TOKEN": SECRET, "VAULT_TOKEN_OLD": "x"}
    )

    assert code == 1, stderr
    found = last_json(stdout)
    assert found["class"] == "code"
    [failure] = found["failures"]  # type: ignore[misc]
    assert failure["message"] == "refused [REDACTED:github-token] [REDACTED:env:VAULT_TOKEN] "
    assert "[REDACTED:github-token] [REDACTED:env:VAULT_TOKEN]" in failure["excerpt"]
    # pytest's summary line cuts the message: the token's head is still a secret.
    for leaked in (token[:12], SECRET, "\u200b", "\u202e"):
        assert leaked not in stdout


def heal(repo: Path, *args: str, stdin: bytes | None = None) -> tuple[int, dict[str, object], str]:
    code, stdout, stderr = suture(repo, "heal", "--json", "--test-cmd", PYTEST, *args, stdin=stdin)
    return code, last_json(stdout) if stdout.strip() else {}, stderr


def test_heal_from_a_log_reproduces_then_fixes(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    text, _ = ci_log(repo, tmp_path / "ci", "-q")
    log = tmp_path / "ci.log"
    log.write_text(text)
    before = snapshot(repo)

    code, result, stderr = heal(repo, "--log", str(log), "--dry-run")

    assert code == 0, stderr
    assert result["status"] == "fixed"
    assert "+    return result" in str(result["patch"])
    assert "reproducing 1 failing test(s) of" in stderr
    assert snapshot(repo) == before


def test_heal_from_a_log_whose_failure_does_not_reproduce(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", TYPO)
    text, _ = ci_log(repo, tmp_path / "ci", "-q")
    write(repo, {"shapes.py": TYPO["shapes.py"].replace("reslt", "result")})
    git(repo, "commit", "-qam", "fixed meanwhile")

    code, result, stderr = heal(repo, "--log", "-", stdin=text.encode())

    assert code == 1, stderr
    assert result["status"] == "not-reproduced"
    assert "did not reproduce" in str(result["reason"])
    assert result["patch"] is None
    assert git(repo, "branch", "--list", "suture/*") == ""


def test_heal_from_a_log_of_another_checks_failure(tmp_path: Path) -> None:
    """The log's test passes here, but another test fails: that is not the log's failure."""
    repo = make_repo(tmp_path / "repo", TYPO)
    text, _ = ci_log(repo, tmp_path / "ci", "-q")
    write(
        repo,
        {
            "shapes.py": TYPO["shapes.py"].replace("reslt", "result"),
            "tests/test_more.py": "def test_more():\n    assert 1 == 2\n",
        },
    )
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "another failure")

    code, result, _ = heal(repo, "--log", "-", "--flaky-reruns", "0", stdin=text.encode())

    assert code == 1
    assert result["status"] == "not-reproduced"
    assert "tests/test_shapes.py::test_area" in str(result["reason"])
    assert "without --log" in str(result["reason"])


def test_heal_from_a_log_of_a_runner_out_of_disk(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", PASSING)
    log = tmp_path / "ci.log"
    log.write_text(
        "##[group]Run pip install -e .\n  Collecting numpy\n"
        "ERROR: Could not install packages due to an OSError: [Errno 28] No space left on device\n"
        "##[error]Process completed with exit code 1.\n"
    )

    code, result, stderr = heal(repo, "--log", str(log))

    assert code == 1
    assert result["status"] == "unfixed"
    assert result["classification"] == "environment"
    assert "No space left on device" in str(result["reason"])
    assert "reproducing" not in stderr  # nothing ran
