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
from sandbox_helpers import require_bubblewrap

from suture.capture.run import run_check
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


def check(tree: Path, code: str, box: Bubblewrap | None = None) -> str:
    script = tree / "probe.py"
    script.write_text(code)
    done = run_check(tree, f"{sys.executable} {script}", sandbox=box or Bubblewrap(), timeout=60)
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
