"""Other people's files: a sandboxed check sees no home but the empty one it is given, not
another user's (/home/*), not root's (/root, but for what its PATH needs), and neither the
password hashes (/etc/shadow) nor the host's ssh keys.

The repository's test looks for a fake credential this test plants in another home, and
for anything credential-like under /home and /root; the unsandboxed control finds the plant.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.records import CheckRun
from suture.run.sandbox import Bubblewrap, Sandbox, Unsandboxed

require_bubblewrap()

PROBE = """\
import os
import pathlib

PLANTED = pathlib.Path(__PLANTED__)
CREDENTIALS = {".netrc", ".git-credentials", "credentials", "id_rsa", "id_ed25519", ".pypirc"}


def test_another_users_home_is_out_of_sight():
    assert not PLANTED.exists()


def test_no_credential_file_under_any_home():
    found = []
    for root in ("/home", "/root"):
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("versions", "lib", "site-packages")]  # interpreters are big
            found += [os.path.join(folder, name) for name in files if name in CREDENTIALS]
    assert found == []


def test_password_hashes_and_host_keys_are_out_of_sight():
    try:
        shadow = pathlib.Path("/etc/shadow").read_bytes()
    except OSError:
        shadow = b""
    assert shadow == b""
    ssh = pathlib.Path("/etc/ssh")
    assert not ssh.is_dir() or [p.name for p in ssh.iterdir() if p.name.endswith("_key")] == []
"""


@pytest.fixture
def planted() -> Iterator[Path]:
    """A credential in a home of another user's, under /home (skipped where /home is not writable)."""
    other = Path("/home") / f"suture-probe-{os.getpid()}"
    try:
        (other / ".config").mkdir(parents=True)
    except OSError as exc:
        pytest.skip(f"cannot make another user's home under /home here: {exc}")
    secret = other / ".netrc"
    secret.write_text("machine github.com login x password ghp_SutureFakeOtherHomeToken000000000001\n")
    try:
        yield secret
    finally:
        shutil.rmtree(other, ignore_errors=True)


def run_probe(tmp_path: Path, planted: Path, sandbox: Sandbox) -> dict[str, str]:
    repo = make_repo(tmp_path / "repo", {"tests/test_probe.py": PROBE.replace("__PLANTED__", repr(str(planted)))})
    check: CheckRun = capture(
        repo, git(repo, "rev-parse", "HEAD").strip(), [PYTEST], sandbox=sandbox, timeout=120
    ).checks[0]
    return {test.test_id.split("::")[-1]: test.outcome for test in check.tests} | {"output": check.output}


def test_the_sandbox_hides_other_homes_and_system_secrets(tmp_path: Path, planted: Path) -> None:
    found = run_probe(tmp_path, planted, Bubblewrap())
    output = found.pop("output")
    assert found == dict.fromkeys(
        [
            "test_another_users_home_is_out_of_sight",
            "test_no_credential_file_under_any_home",
            "test_password_hashes_and_host_keys_are_out_of_sight",
        ],
        "passed",
    ), output


def test_without_the_sandbox_the_probe_finds_the_plant(tmp_path: Path, planted: Path) -> None:
    """The control: the planted credential is there to be found."""
    found = run_probe(tmp_path, planted, Unsandboxed())
    assert found["test_another_users_home_is_out_of_sight"] == "failed", found["output"]
    assert found["test_no_credential_file_under_any_home"] == "failed"
    if os.access("/etc/shadow", os.R_OK):
        assert found["test_password_hashes_and_host_keys_are_out_of_sight"] == "failed"
