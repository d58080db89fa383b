"""Sandboxes: where repository code runs (docs/security.md, "The split").

A check runs the project's code, and a pull request's author writes that code: a test
can read the environment, every /proc/*/environ, .git/config and the user's home, and
open sockets. `Bubblewrap` runs each check with

- an empty environment plus an allow-list (suture adds its own variables afterwards);
- no network and its own pid namespace (`--unshare-all`): no other process is visible,
  suture's own environment included;
- no capabilities, no new privileges, a session of its own, killed with its parent;
- the root read-only; /tmp, /run, every home (/home, /root) and the checkout under empty tmpfs,
  /etc/shadow and its kin emptied, with
  only what the check needs brought back read-only (the PATH entries and the interpreters
  they lead to, suture's pytest plugin, a git directory of the check's own: see `_git_view`);
  writable only the worktree and the check's scratch dir;
- /dev/null over every Unix socket it could otherwise reach.

`Unsandboxed` is the explicit opt-out (`--sandbox none`): the checks run as the user,
with the environment minus secret-looking names, and the CLI warns on every run.
"""

from __future__ import annotations

import ast
import contextlib
import os
import pwd
import re
import shlex
import shutil
import stat
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from suture.errors import SutureError, UsageError
from suture.run import checks, git, venv
from suture.run.process import program, run
from suture.run.supervisor import Limit

# Variables that look like credentials never reach repository code, whatever is allowed.
SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSW|CREDENTIAL", re.IGNORECASE)
# Variables that steer what runs or what git reads, never passed whatever is allowed: the
# user's PYTHONPATH (a directory of theirs first on the path), GIT_* (GIT_DIR, GIT_CONFIG_*),
# the dynamic loader's and shells' start-up hooks.
NEVER_PASSED = re.compile(r"^(GIT_|LD_|PYTHON|BASH_ENV$|ENV$|BASH_FUNC_|PERL5|RUBYOPT$|NODE_OPTIONS$)")
# What a shell, a locale and a virtualenv need; everything else must be allowed by name.
ALLOWED = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "VIRTUAL_ENV")
OPT_OUT = (
    "suture runs repository code only inside bubblewrap (no network, no secrets, read-only root): "
    "install it (apt-get install bubblewrap), let it create namespaces (a container may need "
    "--security-opt seccomp=unconfined, a host kernel.unprivileged_userns_clone=1), or opt out with "
    "--sandbox none (the checks then run with your files, your network and your environment)"
)


class Sandbox(Protocol):
    # the name --sandbox and `[tool.suture] sandbox` select it by
    @property
    def name(self) -> str: ...

    # one line for the progress and `suture doctor`: what confines the checks
    def describe(self) -> str: ...

    # raise UsageError, saying why and how to opt out, when the sandbox cannot start
    def probe(self) -> None: ...

    # '' or what the user must be told on every run, --quiet or not
    def warning(self) -> str: ...

    # the variables a check may see, out of suture's own (suture adds its own after)
    def environment(self, base: Mapping[str, str]) -> dict[str, str]: ...

    # the argv that runs the shell command in `tree` with `env`, `tree` and `scratch` writable
    def argv(self, command: str, *, tree: Path, scratch: Path, env: Mapping[str, str]) -> list[str]: ...

    # what one run of `argv` is watched for while it runs (its processes), or None
    def watch(self) -> Limit | None: ...


@dataclass(frozen=True)
class Unsandboxed:
    env_allow: tuple[str, ...] = ()  # unused: every variable but the secret-looking ones passes
    name: ClassVar[str] = "none"

    def describe(self) -> str:
        return "none: the checks run as you, with your files, your network and your environment"

    def probe(self) -> None:
        return None

    def warning(self) -> str:
        return (
            "WARNING: no sandbox (--sandbox none): repository code runs with your files, your network "
            "and your environment (minus secret-looking names); use it only on code you would run yourself"
        )

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        return {name: value for name, value in base.items() if not SECRET_NAME.search(name)}

    def watch(self) -> Limit | None:
        return None  # no pid namespace to count: the opt-out runs the checks as they are

    def argv(self, command: str, *, tree: Path, scratch: Path, env: Mapping[str, str]) -> list[str]:
        return ["/bin/sh", "-c", command]


# The confinement every bubblewrap run gets. With --new-session the check cannot push
# keystrokes into suture's terminal; --die-with-parent and the pid namespace mean that
# killing bwrap (process.run_logged kills its process group) kills everything inside.
FLAGS = (
    "--unshare-all",
    "--die-with-parent",
    "--new-session",
    "--cap-drop",
    "ALL",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
)
# Hidden under an empty tmpfs: other processes' temp files and sockets (an ssh or gpg
# agent, docker.sock: a socket on a read-only mount still accepts connections); every
# user's home (their keys, .netrc, cloud credentials), root's included, with only what the
# check needs brought back read-only; the host's ssh keys.
HIDDEN = ("/tmp", "/var/tmp", "/run", "/home", "/root", "/etc/ssh")
# Files replaced by an empty one: password hashes and sudo rules (root outside reads them).
MASKED = ("/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/sudoers")


@dataclass(frozen=True)
class Limits:
    """Resource limits of every check (0: no limit of suture's).

    `processes` at once in the check's pid namespace, counted by suture outside the sandbox
    while the check runs (`watch`), for root and every user alike; `tasks` (threads too) by the kernel, in a pids cgroup
    where one can be made and as RLIMIT_NPROC in the check's user namespace (supervisor.py says
    why both: the kernel never applies RLIMIT_NPROC to real root). The others are set inside
    the sandbox. The wall time is the check's timeout: the whole process tree is killed with
    bubblewrap. Only the user's flags set them (--max-processes), never a repository.
    """

    processes: int = 256  # processes of one check at once: pytest-xdist's workers and their children stay far below
    memory: int = 8 * 1024**3  # bytes of address space per process (RLIMIT_AS)
    file_size: int = 2 * 1024**3  # bytes of the largest file a check may write (RLIMIT_FSIZE)

    @property
    def tasks(self) -> int:
        """Threads and processes of one check: the kernel's bound (a thread pool per worker fits)."""
        return 4 * self.processes

    def shell(self) -> str:
        """The sh commands that set the limits (each tolerated where the hard limit is lower already),
        then run the check command, given as $1."""
        steps = []
        if self.processes:
            steps.append(f"{{ ulimit -u {self.tasks} || ulimit -p {self.tasks}; }} 2>/dev/null")
        if self.memory:
            steps.append(f"ulimit -v {self.memory // 1024} 2>/dev/null")
        if self.file_size:
            steps.append(f"ulimit -f {self.file_size // 512} 2>/dev/null")
        steps += ["ulimit -c 0 2>/dev/null", 'exec /bin/sh -c "$1"']
        return "; ".join(steps)


@dataclass(frozen=True)
class Bubblewrap:
    env_allow: tuple[str, ...] = ()  # more variables a check may see, by name
    limits: Limits = Limits()
    program: str = "bwrap"  # looked up on PATH when used, so a test can put a broken one first
    name: ClassVar[str] = "bwrap"

    def executable(self) -> str | None:
        try:
            return program(self.program)  # absolute PATH entries only: never a `bwrap` in the checkout
        except UsageError:
            return None

    def describe(self) -> str:
        return (
            f"bwrap (bubblewrap at {self.executable() or self.program + ', not found'}): no network, "
            "own pid namespace, no capabilities, empty environment plus an allow-list, read-only root, "
            "home hidden, only the worktree writable"
        )

    def probe(self) -> None:
        problem = _probe(self.executable(), self.program)
        if problem:
            raise UsageError(problem)

    def warning(self) -> str:
        return ""

    def environment(self, base: Mapping[str, str]) -> dict[str, str]:
        names = (*ALLOWED, *self.env_allow)
        passed = (name for name in names if name in base and not NEVER_PASSED.match(name))
        env = {name: base[name] for name in passed if not SECRET_NAME.search(name)}
        env["HOME"] = _private_home(base.get("HOME", ""))
        return env

    def argv(self, command: str, *, tree: Path, scratch: Path, env: Mapping[str, str]) -> list[str]:
        executable = self.executable() or self.program
        place = git.owned_place(tree)
        common = Path(place.common) if place is not None else None
        hidden = _hidden(env["HOME"], common, place.checkout if place is not None else None)
        needed = _needed(command, tree=tree, env=env, common=common)
        mounts = _layers(hidden, needed, keep=(tree, scratch))
        writable = ["--bind", str(tree), str(tree), "--bind", str(scratch), str(scratch)]
        sockets = _reachable_sockets(hidden, needed, keep=(tree, scratch))
        return [
            executable,
            *_flags(executable),
            *mounts,
            *writable,
            *(option for path in MASKED if os.path.isfile(path) for option in ("--ro-bind", "/dev/null", path)),
            *(option for path in sockets for option in ("--ro-bind", "/dev/null", path)),
            *_git_view(place, scratch),
            "--chdir",
            str(tree),
            "--",
            "/bin/sh",
            "-c",
            self.limits.shell(),
            "sh",
            command,
        ]

    def watch(self) -> Limit | None:
        limits = self.limits
        return Limit(limits.processes, limits.tasks) if limits.processes else None


SANDBOXES: dict[str, Callable[..., Sandbox]] = {"bwrap": Bubblewrap, "none": Unsandboxed}
DEFAULT = "bwrap"


def by_name(name: str, *, env_allow: Sequence[str] = (), limits: Limits | None = None) -> Sandbox:
    """The sandbox called `name` (a key of SANDBOXES), letting the `env_allow` variables through,
    with `limits` (bubblewrap's; the default ones when None)."""
    if name == "bwrap":
        return Bubblewrap(env_allow=tuple(env_allow), limits=limits or Limits())
    return SANDBOXES[name](env_allow=tuple(env_allow))


# --- probing: once per process and executable -------------------------------------------

_PROBED: dict[str, str] = {}  # bwrap's path -> '' when it starts, else why not


def _probe(executable: str | None, program: str) -> str:
    if executable is None:
        return f"the sandbox cannot start: {program!r} (bubblewrap) is not installed or not on PATH. {OPT_OUT}"
    if executable not in _PROBED:
        _PROBED[executable] = _try_start(executable)
    return _PROBED[executable]


def _try_start(executable: str) -> str:
    with tempfile.TemporaryDirectory(prefix="suture-probe-") as tree:
        argv = [executable, *_flags(executable), "--tmpfs", "/tmp", "--bind", tree, tree, "--chdir", tree, "--", "true"]
        try:
            done = run(argv, env={"PATH": os.defpath}, check=False, timeout=60)
        except SutureError as exc:
            return f"the sandbox cannot start: {exc}. {OPT_OUT}"
    if done.returncode == 0:
        return ""
    why = done.stderr.strip() or done.stdout.strip() or "(no message)"
    return f"the sandbox cannot start: `{executable} ... true` exited with code {done.returncode}: {why}. {OPT_OUT}"


_FLAGS: dict[str, tuple[str, ...]] = {}  # bwrap's path -> the confinement flags it understands


def _flags(executable: str) -> tuple[str, ...]:
    """FLAGS, and a ban on nested user namespaces where this bwrap has one (0.8 and later).

    In a user namespace of its own a check regains every capability there, and can mount
    over anything in its (private) mount namespace; --disable-userns forbids making one.
    """
    if executable not in _FLAGS:
        try:
            usage = run([executable, "--help"], check=False, timeout=60).stdout
        except SutureError:
            usage = ""
        _FLAGS[executable] = (*FLAGS, "--unshare-user", "--disable-userns") if "--disable-userns" in usage else FLAGS
    return _FLAGS[executable]


# --- the file system a check sees --------------------------------------------------------


def _private_home(home: str) -> str:
    """HOME inside: the user's home path, emptied by a tmpfs (tools that expand ~ still agree).

    A home that does not exist (/nonexistent for a service user) could not be mounted on
    the read-only root: then a directory in the private /tmp.
    """
    return home if os.path.isdir(home) and os.path.realpath(home) != "/" else "/tmp/home"


def _hidden(home: str, common: Path | None, checkout: str | None = None) -> list[str]:
    """What goes under an empty tmpfs: temp dirs, /run, the user's homes and checkout.

    The checkout may hold untracked files (a .env, say) that the worktree does not.
    """
    candidates = [*HIDDEN, tempfile.gettempdir(), _passwd_home()]
    if common is not None:  # the git directory itself (config, modules/*/config), and its checkout
        candidates += [str(common), *([str(common.parent)] if common.name == ".git" else [])]
    if checkout:  # also where .git is a file and the git directory lives elsewhere
        candidates.append(checkout)
    roots = {os.path.realpath(path) for path in candidates if path and os.path.isdir(path)}
    roots.add(os.path.realpath(home))  # the private home: an empty, writable tmpfs even when it does not exist
    return sorted(root for root in roots if root != "/")


def _passwd_home() -> str:
    try:
        return pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:
        return ""


def _needed(command: str, *, tree: Path, env: Mapping[str, str], common: Path | None) -> set[str]:
    """Paths the check needs: PATH entries, interpreters' prefixes, PYTHONPATH (git: `_git_view`)."""
    paths = set(_absolute(env.get("PATH", "")))
    # A version manager's shims (pyenv, asdf) run the manager, which lives in their parent.
    paths.update(os.path.dirname(entry.rstrip("/")) for entry in list(paths) if entry.endswith("/shims"))
    paths.update(_absolute(env.get("PYTHONPATH", "")))
    if env.get("VIRTUAL_ENV"):
        paths.add(env["VIRTUAL_ENV"])
    for interpreter in _interpreters(command, tree=tree, env=env):
        paths.update(_prefixes(interpreter))
    checkout = str(common.parent) if common is not None and common.name == ".git" else None
    for prefix in list(paths):
        paths.update(
            source
            for source in _editable_sources(prefix)
            if not (checkout and _inside(os.path.realpath(source), os.path.realpath(checkout)))
        )
    # By both names: a symlink in a hidden directory (~/bin -> elsewhere) must itself come back.
    return {name for path in paths if os.path.exists(path) for name in (os.path.abspath(path), os.path.realpath(path))}


def _reachable_sockets(hidden: Sequence[str], needed: set[str], *, keep: Sequence[Path]) -> list[str]:
    """The Unix sockets bound to a path the check would see (outside the hidden roots, or in what
    comes back read-only): each gets /dev/null mounted over it, since a socket on a read-only
    mount still accepts connections (a database's, an agent's, a CI runner's outside /tmp and /run).

    Found in /proc/net/unix, which lists the sockets of suture's network namespace; the check's own
    (its worktree and scratch dir) are left alone.
    """
    try:
        with open("/proc/net/unix", encoding="utf-8", errors="replace") as table:
            listed = [fields[7] for line in table if len(fields := line.rstrip("\n").split(maxsplit=7)) == 8]
    except OSError:
        return []
    kept = [os.path.realpath(path) for path in keep]
    found = []
    for path in dict.fromkeys(entry for entry in listed if entry.startswith("/")):
        real = os.path.join(os.path.realpath(os.path.dirname(path)), os.path.basename(path))
        seen = not any(_inside(real, root) for root in hidden) or any(_inside(real, shown) for shown in needed)
        if seen and not any(_inside(real, own) for own in kept) and _is_socket(real):
            found.append(real)
    return sorted(found, key=lambda path: len(Path(path).parts))


def _is_socket(path: str) -> bool:
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except OSError:
        return False


def _absolute(search_path: str) -> list[str]:
    return [entry for entry in search_path.split(os.pathsep) if os.path.isabs(entry)]


def _layers(hidden: Sequence[str], needed: set[str], *, keep: Sequence[Path]) -> list[str]:
    """bwrap mount options: tmpfs over `hidden`, then `needed` paths under them back, read-only.

    Shallow before deep, so a hidden checkout inside an exposed directory stays hidden.
    """
    kept = [os.path.realpath(path) for path in keep]
    exposed = [
        path
        for path in needed
        if any(_inside(path, root) and path != root for root in hidden) and not any(_inside(path, own) for own in kept)
    ]
    mounts = [(path, "--tmpfs") for path in hidden] + [(path, "--ro-bind") for path in _outermost(exposed, hidden)]
    mounts.sort(key=lambda mount: (len(Path(mount[0]).parts), mount[1] == "--ro-bind", mount[0]))
    options: list[str] = []
    for path, kind in mounts:
        options += [kind, path] if kind == "--tmpfs" else [kind, path, path]
    return options


def _outermost(exposed: Sequence[str], hidden: Sequence[str]) -> list[str]:
    """`exposed` without the paths that an exposed parent already shows (no hidden root in between)."""
    kept: list[str] = []
    for path in sorted(exposed, key=lambda path: len(Path(path).parts)):
        if not any(_inside(path, outer) and not _between(hidden, outer, path) for outer in kept):
            kept.append(path)
    return kept


def _between(hidden: Sequence[str], outer: str, path: str) -> bool:
    return any(_inside(root, outer) and root != outer and _inside(path, root) for root in hidden)


def _inside(path: str, root: str) -> bool:
    return Path(path).is_relative_to(root)


# --- interpreters: which Python the check runs, and where it lives --------------------------
#
# Nothing here runs anything: an interpreter is the repository's as soon as a commit can put
# it, or a #! line, a relative PATH entry or /proc/self/cwd leading to it, in the checkout;
# run on the host (to ask sys.prefix, say) it would have every secret. Where an interpreter
# lives is read from files instead: the virtualenv's pyvenv.cfg and the links to its base.

PYTHON_NAME = re.compile(r"python[\d.]*")


def _interpreters(command: str, *, tree: Path, env: Mapping[str, str]) -> set[str]:
    """The Python interpreters the check may start: its own program's, and python/python3 on PATH.

    Only interpreters outside the worktree and /proc: the worktree's files are the repository's,
    and /proc/self/cwd is the worktree inside the sandbox but suture's directory outside.
    """
    names = ["python", "python3"]
    with contextlib.suppress(ValueError):
        words = shlex.split(command)
        names += [checks.first_program(words)] if words else []
    found = (interpreter_of(name, tree=tree, env=env) for name in names)
    return {interpreter for interpreter in found if interpreter}


def interpreter_of(program: str, *, tree: Path, env: Mapping[str, str]) -> str | None:
    """The Python interpreter `program` is or starts (its #! line), if it is one outside the worktree."""
    executable = _which(program, tree=tree, env=env)
    interpreter = _python_behind(executable, env) if executable else None
    return interpreter if interpreter and not _untrusted_place(interpreter, tree) else None


def _untrusted_place(path: str, tree: Path) -> bool:
    real = os.path.realpath(path)
    return _inside(real, os.path.realpath(tree)) or _inside(os.path.abspath(path), "/proc") or _inside(real, "/proc")


def _which(name: str, *, tree: Path, env: Mapping[str, str]) -> str | None:
    if "/" in name:
        path = Path(name) if os.path.isabs(name) else tree / name
        return str(path) if path.is_file() else None
    return shutil.which(name, path=os.pathsep.join(_absolute(env.get("PATH", ""))))


def _python_behind(executable: str, env: Mapping[str, str]) -> str | None:
    """`executable` if it is a Python interpreter, the one its #! line names, or None."""
    if PYTHON_NAME.fullmatch(os.path.basename(executable)):
        return executable
    line = _first_line(executable)
    words = line[2:].decode("utf-8", errors="replace").split() if line.startswith(b"#!") else []
    if words and os.path.basename(words[0]) == "env":
        words = [word for word in words[1:] if not word.startswith("-")]
        return shutil.which(words[0], path=os.pathsep.join(_absolute(env.get("PATH", "")))) if words else None
    return words[0] if words and PYTHON_NAME.fullmatch(os.path.basename(words[0])) else None


def _first_line(path: str) -> bytes:
    """The first line of a regular file (a FIFO or a device is not waited on), or b''."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return b""
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return b""
        return os.read(fd, 512).split(b"\n", 1)[0]
    except OSError:
        return b""
    finally:
        os.close(fd)


def _prefixes(interpreter: str) -> tuple[str, ...]:
    """The virtualenv `interpreter` belongs to, and the prefix of the Python it runs: read, not asked.

    A virtualenv is found by the pyvenv.cfg beside its bin/; its base Python by the cfg's
    `home` (the base's bin directory) and by where the interpreter's links end. A Python
    outside any virtualenv lives in the directory above its bin/. Both may be a commit's
    files (a `.venv` in the checkout): a prefix counts only as the parent of a `bin/` that
    holds a Python, so no link or `home` can bring ~/.config or ~/.ssh into the sandbox.
    """
    found = []
    environment = _virtualenv(interpreter)
    if environment is not None:
        found.append(environment)
        home = (venv.config(Path(environment)) or {}).get("home", "")
        if os.path.isabs(home):
            found += [_prefix_of(os.path.join(home, name)) for name in ("python3", "python")]
    found.append(_prefix_of(interpreter))
    return tuple(dict.fromkeys(path for path in found if path))


def _prefix_of(python: str) -> str:
    """The directory above the bin/ that `python`'s links end in, or '' if they end elsewhere."""
    real = os.path.realpath(python)
    bin_dir = os.path.dirname(real)
    plausible = PYTHON_NAME.fullmatch(os.path.basename(real)) and os.path.basename(bin_dir) == "bin"
    prefix = os.path.dirname(bin_dir)
    return prefix if plausible and os.path.isfile(real) and prefix != "/" else ""


def _virtualenv(interpreter: str) -> str | None:
    """The virtualenv whose bin/ holds `interpreter` (its symlink is not followed: it leads to the base)."""
    for candidate in (Path(interpreter).parent, Path(interpreter).parent.parent):
        if venv.config(candidate) is not None:
            return str(candidate)
    return None


# --- editable installs: sources that live outside the environment --------------------------

_FINDER_MAPPING = re.compile(r"^MAPPING\s*(?::[^=]*)?=\s*(\{.*?\})\s*$", re.MULTILINE | re.DOTALL)
_EDITABLE: dict[str, tuple[str, ...]] = {}


def _editable_sources(prefix: str) -> tuple[str, ...]:
    """The directories that packages installed in editable mode into `prefix` import from.

    `pip install -e ~/src/lib` leaves a .pth line (flit, hatch, pdm, setuptools' compat mode)
    or a setuptools finder with a MAPPING of package to directory; those directories live
    wherever the user keeps them, often under a home or /tmp that the sandbox hides, where
    the package would then fail to import in the checks and nowhere else. They are shown
    read-only, except inside the user's checkout (the worktree is the project's code).
    """
    if prefix not in _EDITABLE:
        found: list[str] = []
        for site in sorted(Path(prefix).glob("lib*/python*/site-packages")):
            for pth in sorted(site.glob("*.pth")):
                found += _pth_paths(pth)
            for finder in sorted(site.glob("__editable___*_finder.py")):
                found += _finder_paths(finder)
        _EDITABLE[prefix] = tuple(dict.fromkeys(path for path in found if os.path.isabs(path) and os.path.exists(path)))
    return _EDITABLE[prefix]


# Bytes of a .pth file or an editable finder read: a real one is a line or a few KiB. The
# environment may be a commit's `.venv`: a file there can be a FIFO, a link to /dev/zero or a
# sparse giant, so it is read as `_small_file` reads (regular, not through a link, capped).
EDITABLE_LIMIT = 1024 * 1024


def _pth_paths(pth: Path) -> list[str]:
    lines = _small_file(pth, limit=EDITABLE_LIMIT).decode("utf-8", errors="replace").splitlines()
    entries = [line.strip() for line in lines if line.strip() and not line.startswith(("#", "import ", "import\t"))]
    return [os.path.normpath(os.path.join(pth.parent, entry)) for entry in entries]


def _finder_paths(finder: Path) -> list[str]:
    text = _small_file(finder, limit=EDITABLE_LIMIT).decode("utf-8", errors="replace")
    try:
        match = _FINDER_MAPPING.search(text)
        mapping = ast.literal_eval(match.group(1)) if match else {}
    except (ValueError, SyntaxError, RecursionError, MemoryError):
        return []
    return [str(path) for path in mapping.values()] if isinstance(mapping, dict) else []


# --- git: the directory a worktree reads, and its config without credentials ---------------


def _git_view(place: git.Place | None, scratch: Path) -> list[str]:
    """Options that give the check a git directory of its own: enough for `git describe`,
    `git status` and setuptools-scm, and nothing else of the user's.

    Its config is made here (the repository format and extensions, no remote, credential,
    extraheader or include), its HEAD and index are copies of the worktree's, its objects,
    refs and packed-refs the repository's, read-only; the whole directory is read-only and
    the worktree's .git is a read-only file that names it (so a check can neither rewrite
    the .git file suture checks nor reach .git/config, .git/modules/*/config or anything
    else under the repository's git directory, which is hidden). The system config is
    replaced by a copy without credentials. Everything is written into a new directory of
    `scratch`, files created exclusively and never through a link an earlier check left.
    """
    view = _new_directory(scratch, ".suture-git")
    options: list[str] = []
    system = Path("/etc/gitconfig")
    if system.is_file():
        _write_new(view / "system-config", clean_git_config(system))
        options += ["--ro-bind", str(view / "system-config"), str(system)]
    if place is None or place.work_tree is None:
        return options
    common, own = Path(place.common), view / "git"
    own.mkdir()
    _write_new(own / "HEAD", _small_file(Path(place.git_dir) / "HEAD").decode("utf-8", errors="replace"))
    _write_new(own / "config", _view_config(common / "config"))
    _write_new(own / "commondir", ".\n")  # shaped as a worktree's, which tools may follow
    index = _small_file(Path(place.git_dir) / "index", limit=INDEX_LIMIT)
    if index:
        _write_new(own / "index", index)
    options += ["--ro-bind", str(own), str(own)]
    for name in ("objects", "refs", "packed-refs", "shallow", "reftable"):
        source = common / name
        if source.is_symlink() or not source.exists():
            continue
        if source.is_dir():
            (own / name).mkdir()
        else:
            _write_new(own / name, "")
        options += ["--ro-bind", str(source), str(own / name)]
    _write_new(view / "gitfile", f"gitdir: {own}\n")
    options += ["--ro-bind", str(view / "gitfile"), str(Path(place.work_tree) / ".git")]
    # The repository's git directory is hidden; its config, for a tool that reads the file by
    # its path, is the made one.
    return [*options, "--ro-bind", str(own / "config"), str(common / "config")]


def _new_directory(parent: Path, name: str) -> Path:
    """A new directory `name` in `parent` (the same path in every phase, so a check cannot tell
    them apart by it), or a new randomly named one where that name is taken (by an earlier
    check, or by a link it left)."""
    try:
        (parent / name).mkdir(mode=0o700)
    except FileExistsError:
        return Path(tempfile.mkdtemp(prefix=f"{name}-", dir=parent))
    return parent / name


INDEX_LIMIT = 256 * 1024 * 1024  # bytes of a worktree's index copied for the check (a huge one is left out)


def _view_config(config: Path) -> str:
    """The repository format of `config` and its extensions (sha256 objects, say), and nothing else."""
    done = git.plain("config", "--file", str(config), "--list", "-z", check=False)
    kept = ["[core]", "\tbare = false", "\tlogallrefupdates = false"]
    extensions = []
    for entry in filter(None, done.stdout.split("\0")):
        key, _, value = entry.partition("\n")
        if key.lower() == "core.repositoryformatversion":
            kept.append(f"\trepositoryformatversion = {_quoted(value)}")
        elif key.lower().startswith("extensions.") and key.lower() != "extensions.worktreeconfig":
            extensions.append(f"\t{key.split('.', 1)[1]} = {_quoted(value)}")
    return "\n".join([*kept, *(["[extensions]", *extensions] if extensions else [])]) + "\n"


def _write_new(path: Path, content: str | bytes) -> None:
    """Create `path` (never an existing file, never through a link) with `content`."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with os.fdopen(fd, "wb") as file:
        file.write(data)


def _small_file(path: Path, *, limit: int = 4096) -> bytes:
    """The bytes of a regular file of at most `limit` bytes (not through a link), else b''."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return b""
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:  # a directory, a FIFO, a device
            return b""
        return os.read(fd, limit)
    except OSError:
        return b""
    finally:
        os.close(fd)


# Keys a checkout's config uses to carry credentials: actions/checkout's extraheader, a
# token in an insteadOf rewrite, credential helpers and stores, includes of other files.
_DROPPED_SECTIONS = {"credential", "url", "include", "includeif"}
_DROPPED_HTTP = {"extraheader", "cookiefile", "sslcert", "sslkey", "proxy"}
_SECRET_KEY = re.compile(r"TOKEN|KEY|SECRET|PASS|CREDENTIAL|COOKIE", re.IGNORECASE)  # sendemail.smtpPass, ...
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://)[^/@\s]*@", re.IGNORECASE)


def clean_git_config(path: Path) -> str:
    """The git config at `path` without its credentials, in git's own syntax."""
    done = git.plain("config", "--file", str(path), "--list", "-z", check=False)
    sections: dict[tuple[str, str | None], list[str]] = {}
    for entry in filter(None, done.stdout.split("\0")):
        key, has_value, value = entry.partition("\n")
        section, _, rest = key.partition(".")
        subsection, _, name = rest.rpartition(".")
        if _dropped(section.lower(), name.lower()):
            continue
        value = _USERINFO.sub(r"\1", value)  # https://user:token@host/ -> https://host/
        line = f"\t{name} = {_quoted(value)}" if has_value else f"\t{name}"
        sections.setdefault((section, subsection or None), []).append(line)
    blocks = [f"[{section}{_subsection(sub)}]\n" + "\n".join(lines) for (section, sub), lines in sections.items()]
    return "\n".join(blocks) + "\n" if blocks else ""


def _dropped(section: str, name: str) -> bool:
    return (
        section in _DROPPED_SECTIONS
        or (section == "http" and name in _DROPPED_HTTP)
        or _SECRET_KEY.search(name) is not None
    )


def _quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\t", "\\t")
    return f'"{escaped}"'


def _subsection(name: str | None) -> str:
    return "" if name is None else ' "' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
