"""Repository code reaches no network: a listener on 127.0.0.1 (and an abstract unix socket,
which a network namespace also separates) hears nothing from a sandboxed check.

The repository's test connects and fails if it gets through; `--sandbox none` is the control.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import make_repo
from projects import PYTEST
from sandbox_helpers import last_json, require_bubblewrap, suture

require_bubblewrap()

PROBE = """\
import socket

PORT = __PORT__
ABSTRACT = __ABSTRACT__


def _reached(family, address):
    try:
        with socket.socket(family, socket.SOCK_STREAM) as sock:
            sock.settimeout(5)
            sock.connect(address)
            sock.sendall(b"hello from the check")
            return True
    except OSError:
        return False


def test_no_network():
    reached = [name for name, family, address in [
        ("tcp 127.0.0.1", socket.AF_INET, ("127.0.0.1", PORT)),
        ("abstract unix socket", socket.AF_UNIX, ABSTRACT),
    ] if _reached(family, address)]
    if reached:
        raise AssertionError("reached: " + ", ".join(reached))
"""


class Listener:
    """Accepts connections on a socket in a thread and counts them."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.heard: list[bytes] = []
        sock.listen()
        sock.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            with conn:
                conn.settimeout(5)
                self.heard.append(conn.recv(100))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listeners() -> Iterator[tuple[Listener, Listener]]:
    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.bind(("127.0.0.1", 0))
    unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    unix.bind(f"\0suture-test-{os.getpid()}-{id(unix)}")
    both = (Listener(tcp), Listener(unix))
    yield both
    for listener in both:
        listener.close()


def make_probe_repo(root: Path, tcp: Listener, unix: Listener) -> Path:
    probe = PROBE.replace("__PORT__", str(tcp.sock.getsockname()[1])).replace(
        "__ABSTRACT__", repr(unix.sock.getsockname())
    )
    # No flaky reruns of the failing probe: one run, one connection attempt per socket.
    config = "[tool.suture]\nflaky-reruns = 0\n"
    return make_repo(root, {"calc.py": "x = 1\n", "tests/test_probe.py": probe, "pyproject.toml": config})


def test_a_sandboxed_check_reaches_no_listener(tmp_path: Path, listeners: tuple[Listener, Listener]) -> None:
    tcp, unix = listeners
    repo = make_probe_repo(tmp_path / "repo", tcp, unix)
    done = suture(repo, "diagnose", "--json", "--test-cmd", PYTEST)
    assert done.returncode == 0, f"the check reached the network:\n{done.stdout}\n{done.stderr}"
    assert last_json(done)["status"] == "nothing-to-do"
    assert tcp.heard == [] and unix.heard == []


def test_without_the_sandbox_the_check_connects(tmp_path: Path, listeners: tuple[Listener, Listener]) -> None:
    """The control: the probe can get through, so its failing to in the sandbox means something."""
    tcp, unix = listeners
    repo = make_probe_repo(tmp_path / "repo", tcp, unix)
    done = suture(repo, "diagnose", "--json", "--sandbox", "none", "--test-cmd", PYTEST)
    assert done.returncode == 1, done.stderr
    assert "reached: tcp 127.0.0.1, abstract unix socket" in last_json(done)["failures"][0]["message"]
    assert tcp.heard == [b"hello from the check"] and unix.heard == [b"hello from the check"]
