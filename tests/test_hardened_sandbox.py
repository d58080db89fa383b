"""What the sandbox lets a check reach: no Unix socket outside /tmp and /run (a socket on a
read-only mount still accepts connections), none of the user's PYTHONPATH, GIT_* or LD_*
whatever `env-allow` says. Each test runs a real check in bubblewrap and looks from inside.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import git as plain_git
from helpers import make_repo
from sandbox_helpers import require_bubblewrap

from suture.capture.run import run_check
from suture.run import git
from suture.run.sandbox import Bubblewrap

require_bubblewrap()

# Directories outside every hidden root (/tmp, /run, homes), where a service's socket may live.
OUTSIDE = ("/srv", "/mnt", "/opt", "/var/lib")


@pytest.fixture
def outside_dir() -> Iterator[Path]:
    for root in OUTSIDE:
        if os.access(root, os.W_OK):
            with tempfile.TemporaryDirectory(prefix="suture-sock-", dir=root) as where:
                yield Path(where)
            return
    pytest.skip(f"none of {OUTSIDE} is writable here")


def listener(path: Path) -> list[bytes]:
    """A Unix socket at `path` that records what every connection sends."""
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    received: list[bytes] = []

    def serve() -> None:
        while True:
            try:
                peer, _ = server.accept()
            except OSError:
                return
            with peer:
                received.append(peer.recv(100))

    threading.Thread(target=serve, daemon=True).start()
    return received


def check(tree: Path, code: str, box: Bubblewrap | None = None, files: Path | None = None) -> str:
    script = tree / "probe.py"
    script.write_text(code)
    done = run_check(tree, f"{sys.executable} {script}", sandbox=box or Bubblewrap(), timeout=60, files=files)
    return done.output


def test_a_unix_socket_outside_tmp_and_run_is_unreachable(tmp_path: Path, outside_dir: Path) -> None:
    address = outside_dir / "agent.sock"
    received = listener(address)
    tree = tmp_path / "tree"
    tree.mkdir()
    output = check(
        tree,
        "import socket\n"
        "s = socket.socket(socket.AF_UNIX)\n"
        f"try:\n    s.connect({str(address)!r}); s.sendall(b'leak'); print('CONNECTED')\n"
        "except OSError as exc:\n    print('refused', exc)\n",
    )
    assert "CONNECTED" not in output and received == [], output
    assert "refused" in output, output


def test_the_users_pythonpath_git_and_loader_variables_never_reach_a_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Even when `env-allow` names them: the user's PYTHONPATH would put their directories first
    on the check's path, GIT_DIR/GIT_CONFIG_* would steer git inside, LD_PRELOAD every program."""
    names = ("PYTHONPATH", "GIT_DIR", "GIT_CONFIG_PARAMETERS", "LD_PRELOAD", "PYTHONSTARTUP", "BASH_ENV")
    for name in names:
        monkeypatch.setenv(name, f"/canary/{name}")
    monkeypatch.setenv("MY_SETTING", "shown")
    box = Bubblewrap(env_allow=(*names, "MY_SETTING"))
    tree = tmp_path / "tree"
    tree.mkdir()
    output = check(tree, "import os\nprint(sorted(os.environ.items()))\n", box)
    assert "'MY_SETTING', 'shown'" in output, output  # allowing still works for everything else
    assert "/canary/" not in output, output


CANARY = "sutcanary0123456789"


def repository_with_secrets(root: Path) -> Path:
    """A checkout with credentials where git keeps them: an extraheader in .git/config, a
    token in a submodule's config, a credentials file; and a tag for `git describe`."""
    repo = make_repo(root, {"calc.py": "x = 1\n", "tests/test_calc.py": "def test_x():\n    assert 1\n"})
    plain_git(repo, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: basic {CANARY}")
    plain_git(repo, "tag", "v1.2.3")
    modules = repo / ".git" / "modules" / "lib"
    modules.mkdir(parents=True)
    (modules / "config").write_text(f'[remote "origin"]\n\turl = https://x:{CANARY}@example.com/lib.git\n')
    (repo / ".git" / "credentials").write_text(f"https://x:{CANARY}@example.com\n")
    return repo


PROBE_GIT = f"""\
import os, pathlib, subprocess
common = {{common!r}}
seen = []
for path in (common + "/config", common + "/modules/lib/config", common + "/credentials"):
    try:
        seen.append(pathlib.Path(path).read_text())
    except OSError as exc:
        seen.append(type(exc).__name__)
listing = subprocess.run(["git", "config", "--list", "--show-origin"], capture_output=True, text=True)
seen.append(listing.stdout)
print("LEAK" if any({CANARY!r} in text for text in seen) else "no canary")
print("describe:", subprocess.run(["git", "describe", "--tags"], capture_output=True, text=True).stdout.strip())
print("status:", subprocess.run(["git", "status", "--porcelain"], capture_output=True, text=True).returncode)
for target in (".git", common + "/objects/planted"):
    try:
        pathlib.Path(target).unlink() if target == ".git" else pathlib.Path(target).write_text("x")
        print("WROTE", target)
    except OSError:
        pass
"""


def test_a_check_sees_a_git_directory_of_its_own_without_credentials(tmp_path: Path) -> None:
    repo = repository_with_secrets(tmp_path / "repo")
    common = str(repo / ".git")
    with git.worktree(repo, git.head_sha(repo)) as tree:
        output = check(tree, PROBE_GIT.format(common=common))
        assert "no canary" in output and "LEAK" not in output, output
        assert "describe: v1.2.3" in output, output  # setuptools-scm and friends still work
        assert "status: 0" in output, output
        assert "WROTE" not in output, output
        assert git.read_gitfile(tree) is not None  # still the file suture wrote
