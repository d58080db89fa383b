"""suture's readers of repository files against hostile files (issue 16, "a binary file, a hostile file type").

Each reader meets each kind of file a commit (or code that ran before suture) can leave where
it reads: a FIFO (a read would wait for ever), a link to a device or to /proc (endless), a 2 GB
sparse file, binary data, invalid UTF-8, a 200,000-deep bracket line, a link out of the tree to
a secret, a directory where a file is expected. The reader runs in a process of its own, with a
timeout and a memory cap: it must end, must not crash (a traceback), must not print the secret,
and must say what it made of the file (a clear reason, or that there is nothing to use).

The readers: a virtualenv's pyvenv.cfg and the .pth files of its site-packages (the sandbox
reads them to show an editable install's sources: a committed `.venv` is the repository's),
the configuration from a commit (`[tool.suture]`, through git), a saved CI log
(`suture diagnose --log`), and the files fixers read from a commit.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from helpers import git, make_repo

SECRET = "sutcanhostilefilesecret"
DEEP = "[" * 200_000
SECONDS = 30
MEMORY = 1024**3  # a reader that takes the whole of /dev/zero or 2 GB fails under it


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def plant(path: Path, kind: str, outside: Path) -> None:
    """Put a hostile file of `kind` at `path` (its parent exists)."""
    secret = outside / "netrc"
    secret.write_text(f"machine github.com password {SECRET}\n", encoding="utf-8")
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "device":
        path.symlink_to("/dev/zero")
    elif kind == "proc":
        path.symlink_to("/proc/self/pagemap")
    elif kind == "sparse":
        with path.open("wb") as handle:
            handle.truncate(2 * 1024**3)
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 64)
    elif kind == "invalid-utf8":
        path.write_bytes(b"home = /usr/bin\n\xff\xfe\xc3\x28 = x\n")
    elif kind == "deep":
        path.write_text(f"x = {DEEP}\n", encoding="utf-8")
    elif kind == "link-out":
        path.symlink_to(secret)
    elif kind == "directory":
        path.mkdir()
    else:
        raise ValueError(kind)


FILE_KINDS = ("fifo", "device", "proc", "sparse", "binary", "invalid-utf8", "deep", "link-out", "directory")


def run(code: str, *, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`code` in a process of its own (timeout, memory cap); a hang fails the test, not the suite."""
    try:
        return subprocess.run(
            [sys.executable, "-c", textwrap.dedent(code)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=SECONDS,
            preexec_fn=_capped,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"the reader hung (killed after {SECONDS}s)")


def judged(done: subprocess.CompletedProcess[str], *, allowed: tuple[int, ...] = (0,)) -> str:
    output = done.stdout + done.stderr
    assert "Traceback" not in output and done.returncode in allowed, output[-3000:]
    assert SECRET not in output, output[-3000:]
    return output


# --- a virtualenv's files, on disk ------------------------------------------------------------


def fake_venv(root: Path) -> Path:
    """A `.venv` as a commit can hold one: bin/python linked to the real interpreter, a pyvenv.cfg."""
    venv = root / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").symlink_to(os.path.realpath(sys.executable))
    (venv / "pyvenv.cfg").write_text(f"home = {os.path.dirname(os.path.realpath(sys.executable))}\n")
    site = venv / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / "site-packages"
    site.mkdir(parents=True)
    return venv


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_pyvenv_cfg(tmp_path: Path, kind: str) -> None:
    venv = tmp_path / "checkout" / ".venv"
    venv.mkdir(parents=True)
    plant(venv / "pyvenv.cfg", kind, tmp_path)
    done = run(
        f"from pathlib import Path\nfrom suture.run import venv\nprint(venv.config(Path({str(venv)!r})))", cwd=tmp_path
    )
    output = judged(done).strip()
    assert output == "None" or output.startswith("{"), output  # no virtualenv, or keys (of junk): never a crash
    if kind in ("fifo", "device", "proc", "link-out", "directory"):
        assert output == "None", output  # a sparse giant: its first 64 KiB read, NULs, no keys


@pytest.mark.parametrize("kind", FILE_KINDS)
@pytest.mark.parametrize("name", ["evil.pth", "__editable___evil_finder.py"])
def test_a_committed_venvs_site_packages(tmp_path: Path, kind: str, name: str) -> None:
    """The sandbox reads the .pth files and editable finders of the check's interpreter's environment."""
    checkout = tmp_path / "checkout"
    venv = fake_venv(checkout)
    [site] = venv.glob("lib/python*/site-packages")
    plant(site / name, kind, tmp_path)
    command = f"{venv / 'bin' / 'python'} -m pytest"
    code = f"""
        from pathlib import Path
        from suture.run.sandbox import Bubblewrap
        env = {{"HOME": "/nonexistent", "PATH": "/usr/bin:/bin"}}
        argv = Bubblewrap().argv({command!r}, tree=Path({str(checkout)!r}), scratch=Path({str(tmp_path)!r}), env=env)
        print("argv of", len(argv), "words")
    """
    assert "argv of" in judged(run(code, cwd=tmp_path))


# --- files of a commit, through git ------------------------------------------------------------

GIT_KINDS = ("binary", "invalid-utf8", "deep", "link-out", "directory", "big")


def commit_with(tmp_path: Path, name: str, kind: str) -> Path:
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})
    path = repo / name
    if kind == "big":
        path.write_bytes(b"x = 1\n" * (12 * 1024 * 1024 // 6))  # a blob far past what a reader keeps
    else:
        plant(path, kind, tmp_path)
        if kind == "directory":
            (path / "keep").write_text("x\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", kind)
    return repo


@pytest.mark.parametrize("kind", GIT_KINDS)
@pytest.mark.parametrize("name", ["pyproject.toml", "suture.toml"])
def test_the_configuration_of_a_commit(tmp_path: Path, kind: str, name: str) -> None:
    repo = commit_with(tmp_path, name, kind)
    code = """
        from pathlib import Path
        from suture import config
        from suture.errors import SutureError
        from suture.run import git
        from suture.run.source import Source
        try:
            print(config.load(Source(Path.cwd(), git.head_sha(Path.cwd()))).origin)
        except SutureError as exc:
            print("refused:", exc)
    """
    output = judged(run(code, cwd=repo))
    assert output.startswith(("defaults", "refused: ")), output
    if kind in ("deep", "binary", "invalid-utf8") and output.startswith("refused"):
        assert name in output


@pytest.mark.parametrize("kind", GIT_KINDS)
def test_a_source_file_a_fixer_reads(tmp_path: Path, kind: str) -> None:
    repo = commit_with(tmp_path, "calc.py", kind)
    code = """
        from pathlib import Path
        from suture.run import git
        from suture.run.source import Source
        text = Source(Path.cwd(), git.head_sha(Path.cwd())).read("calc.py")
        print("none" if text is None else f"{len(text)} characters")
    """
    output = judged(run(code, cwd=repo))
    if kind in ("binary", "directory", "big"):
        assert output.strip() == "none", output


# --- a saved CI log -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", FILE_KINDS)
def test_a_saved_log(tmp_path: Path, kind: str) -> None:
    repo = make_repo(tmp_path / "repo", {"README": "x\n"})
    plant(repo / "ci.log", kind, tmp_path)
    done = run(
        "from suture.cli.commands import main\nraise SystemExit(main(['diagnose', '--log', 'ci.log']))", cwd=repo
    )
    output = judged(done, allowed=(0, 1, 2))
    if kind in ("fifo", "device", "proc", "sparse", "binary", "link-out", "directory"):
        assert done.returncode == 2 and "ci.log" in output, output
