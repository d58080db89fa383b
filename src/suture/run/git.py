"""The git operations suture needs, and disposable worktrees: every git call suture makes.

Nothing here changes the user's working tree, index or HEAD: suture reads the
repository, adds worktrees of its own under the system temp dir, and writes refs
under refs/heads/suture/.

Every call goes through one hardened runner (`run_git`), because the code under test can
write its worktree and git executes what configuration names: no system or global
configuration (the user's name, email, safe.directory and, for a forge's push, http
settings are read once and passed explicitly), no fsmonitor, hooks, pager, external diff,
textconv, filter or merge driver, no transport (`protocol.allow=never`, except https/http
for a forge's push), the user's GIT_* variables dropped; and always an explicit --git-dir
and --work-tree that suture owns. For a worktree suture made, the --git-dir is the one git
wrote when suture added it, and before every call the worktree's `.git` must still be the
file suture saw then: a check that turned it into a directory, or pointed it elsewhere,
stops the run instead of steering git.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from suture.errors import CommandError, RepoError, SutureError
from suture.run.process import Completed, run, run_bytes

# Worktrees are made in directories named suture-wt-<pid>-<random> so that a later
# run can tell its own from stale ones left by a killed run.
WORKTREE_PREFIX = "suture-wt-"
TRAILER = "Healed-by: suture"
BRANCH_PREFIX = "suture/"

# Configuration every call runs with; command-line values beat every file git reads.
HARDENED = (
    "core.fsmonitor=false",
    "core.hooksPath=/dev/null",
    "core.pager=cat",
    "core.attributesFile=/dev/null",
    "core.editor=false",
    "core.sshCommand=false",
    "diff.external=",
    "credential.helper=",
    "protocol.allow=never",
    "submodule.recurse=false",
    "diff.ignoreSubmodules=all",
    "status.submoduleSummary=false",
    "gc.auto=0",
    "maintenance.auto=false",
)
NETWORK = ("protocol.https.allow=always", "protocol.http.allow=always")  # a forge's push and ls-remote
# Variables suture sets itself: no configuration but the repository's own, no prompt.
FIXED_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
    "GIT_ATTR_NOSYSTEM": "1",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_NO_LAZY_FETCH": "1",
}
# The user's variables that say who they are: kept (git's own precedence over configuration).
IDENTITY_ENV = (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_AUTHOR_DATE",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "GIT_COMMITTER_DATE",
)
# The user's variables a push over https may need (a company's CA, a proxy's).
NETWORK_ENV = ("GIT_SSL_CAINFO", "GIT_SSL_CAPATH", "GIT_SSL_CERT", "GIT_SSL_KEY", "GIT_PROXY_SSL_CAINFO")
# Subcommands that can diff: never through a program the configuration names.
DIFFING = {"diff", "diff-tree", "diff-index", "diff-files", "log", "show", "format-patch"}
# Configuration drivers that run a program on file contents: blanked per repository.
_DRIVER = re.compile(
    r"^(filter\.(.+)\.(clean|smudge|process)|diff\.(.+)\.(textconv|command)|merge\.(.+)\.driver)$", re.I
)
GITFILE_LIMIT = 4096  # bytes of a worktree's .git file read


@dataclass(frozen=True)
class Place:
    """Where git looks for a path: its git directory and work tree, as suture knows them."""

    git_dir: str
    work_tree: str | None
    common: str
    gitfile: str | None = None  # for a worktree suture made: the exact text of its .git file
    checkout: str | None = None  # for a worktree suture made: the user's checkout it was made from


_OWNED: dict[str, Place] = {}  # worktrees this process made, by path
_FOUND: dict[str, Place] = {}  # the user's repositories, by the path they were asked for
_PLACES = threading.Lock()


def run_git(
    repo: Path,
    *args: str,
    input: str | None = None,
    env: Mapping[str, str] | None = None,
    check: bool = False,
    network: bool = False,
    timeout: float | None = None,
) -> Completed:
    """git `args` on `repo` (a user's repository or a worktree suture made), hardened."""
    place = locate(repo)
    argv, full_env = _command(place, args, env=env, network=network)
    cwd = repo if os.path.isdir(repo) else place.git_dir
    return run(argv, cwd=cwd, input=input, env=full_env, check=check, timeout=timeout)


def git(repo: Path, *args: str, input: str | None = None, env: Mapping[str, str] | None = None) -> str:
    """The output of git `args` on `repo`; CommandError if it fails."""
    return run_git(repo, *args, input=input, env=env, check=True).stdout


def git_bytes(repo: Path, *args: str, env: Mapping[str, str] | None = None, cap: int | None = None) -> bytes | None:
    """The raw output of git `args` on `repo`, or None if it fails (a missing blob, say) or is over `cap` bytes."""
    place = locate(repo)
    argv, full_env = _command(place, args, env=env, network=False)
    return run_bytes(argv, cwd=repo if os.path.isdir(repo) else place.git_dir, env=full_env, cap=cap)


def plain(*args: str, cwd: Path | None = None, input: str | None = None, check: bool = True) -> Completed:
    """Hardened git bound to no repository of the user's: `init` of suture's own, `config --file`."""
    argv = ["git", *_options(None, network=False), *args]
    return run(argv, cwd=cwd, input=input, env=_environment(None, network=False), check=check)


def _command(
    place: Place, args: tuple[str, ...], *, env: Mapping[str, str] | None, network: bool
) -> tuple[list[str], dict[str, str]]:
    where = [f"--git-dir={place.git_dir}", *([f"--work-tree={place.work_tree}"] if place.work_tree else [])]
    if args and args[0] in DIFFING:
        args = (args[0], "--no-ext-diff", "--no-textconv", *args[1:])
    argv = ["git", *where, *_options(place, network=network), *args]
    return argv, _environment(env, network=network)


def _options(place: Place | None, *, network: bool) -> list[str]:
    values = [*HARDENED, *(NETWORK if network else ())]
    values += [f"safe.directory={directory}" for directory in _user_config().safe_directories]
    if network:
        values += list(_user_config().http)
    if place is not None:
        values += _drivers(place.common, place.git_dir)
    return [option for value in values for option in ("-c", value)]


def _environment(extra: Mapping[str, str] | None, *, network: bool) -> dict[str, str]:
    kept = (*IDENTITY_ENV, *(NETWORK_ENV if network else ()))
    env = {name: value for name, value in os.environ.items() if not name.startswith("GIT_") or name in kept}
    env.update(FIXED_ENV)
    for name, value in _user_config().identity.items():
        env.setdefault(name, value)
    env.update(extra or {})
    return env


@dataclass(frozen=True)
class UserConfig:
    identity: dict[str, str]  # GIT_AUTHOR_NAME and the like, from user.name and user.email
    safe_directories: tuple[str, ...]
    http: tuple[str, ...]  # http.* settings (a CA, a proxy) as key=value, never a header or cookie


_USER: list[UserConfig] = []
_USER_LOCK = threading.Lock()


def _user_config() -> UserConfig:
    """What suture keeps of the user's own git configuration (system and global), read once."""
    with _USER_LOCK:
        if not _USER:
            _USER.append(_read_user_config())
        return _USER[0]


def _read_user_config() -> UserConfig:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("GIT_") or name.startswith("GIT_CONFIG_")
    }
    env.pop("GIT_CONFIG_PARAMETERS", None)
    env.pop("GIT_CONFIG_COUNT", None)
    env["GIT_CEILING_DIRECTORIES"] = "/"
    try:
        listing = run(["git", "config", "--list", "-z"], cwd="/", env=env, check=False, timeout=60).stdout
    except SutureError:
        listing = ""
    values: dict[str, list[str]] = {}
    for entry in filter(None, listing.split("\0")):
        key, _, value = entry.partition("\n")
        values.setdefault(key.lower(), []).append(value)
    identity = {}
    for key, names in (
        ("user.name", ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME")),
        ("user.email", ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL")),
    ):
        if values.get(key):
            identity.update(dict.fromkeys(names, values[key][-1]))
    http = tuple(
        f"{key}={value}"
        for key, found in values.items()
        if key.startswith("http.") and key.rsplit(".", 1)[-1] not in ("extraheader", "cookiefile")
        for value in found[-1:]
    )
    return UserConfig(identity, tuple(values.get("safe.directory", ())), http)


_DRIVERS: dict[tuple[str, str], tuple[str, ...]] = {}


def _drivers(common: str, git_dir: str) -> tuple[str, ...]:
    """The keys of every filter, textconv, diff command and merge driver the repository's
    configuration defines: each is set empty, so no program runs on a file a check wrote."""
    key = (common, git_dir)
    if key not in _DRIVERS:
        argv = ["git", f"--git-dir={git_dir}", *_options(None, network=False), "config", "--list", "-z"]
        listing = run(argv, cwd=git_dir, env=_environment(None, network=False), check=False).stdout
        names = [entry.partition("\n")[0] for entry in listing.split("\0")]
        matched = [match for name in names if (match := _DRIVER.match(name))]
        blanked = [f"{match.group(0)}=" for match in matched]
        # A filter marked required fails every checkout once blanked: it is not required here.
        blanked += [f"filter.{match.group(2)}.required=false" for match in matched if match.group(2)]
        _DRIVERS[key] = tuple(dict.fromkeys(blanked))
    return _DRIVERS[key]


# --- where git looks: the user's repository, or a worktree suture made ---------------------


def locate(path: Path) -> Place:
    """The git directory and work tree for `path`: suture's record for a worktree it made
    (after checking the worktree's .git is still the file git wrote), else found once."""
    key = os.path.abspath(path)
    with _PLACES:
        owned = next((place for root, place in _OWNED.items() if _inside(key, root)), None)
        found = _FOUND.get(key)
    if owned is not None:
        _check_gitfile(owned)
        return owned
    if _in_suture_worktree(key):
        raise RepoError(f"{path} is in a disposable worktree this run did not make: suture runs no git there")
    if found is None:
        found = _discover(path)
        with _PLACES:
            _FOUND[key] = found
    return found


def _discover(path: Path) -> Place:
    """The repository containing `path`, found as git finds it (this is the user's own checkout)."""
    options = _options(None, network=False)
    argv = ["git", *options, "rev-parse", "--path-format=absolute", "--git-dir", "--git-common-dir"]
    env = _environment(None, network=False)
    done = run([*argv, "--show-toplevel"], cwd=path, env=env, check=False, timeout=60)
    if done.returncode != 0:  # a bare repository has no top level: ask without it
        done = run(argv, cwd=path, env=env, check=False, timeout=60)
    lines = done.stdout.splitlines()
    if done.returncode != 0 or len(lines) < 2:
        raise RepoError(
            f"{path} is not inside a git repository: run suture in the repository to heal "
            "(or `git init` and commit the project first)"
        )
    return Place(git_dir=lines[0], work_tree=lines[2] if len(lines) > 2 else None, common=lines[1])


def _in_suture_worktree(path: str) -> bool:
    parts = Path(path).parts
    scratch = Path(tempfile.gettempdir()).resolve().parts
    return (
        len(parts) > len(scratch)
        and parts[: len(scratch)] == scratch
        and parts[len(scratch)].startswith(WORKTREE_PREFIX)
    )


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def _check_gitfile(place: Place) -> None:
    assert place.work_tree is not None and place.gitfile is not None
    text = read_gitfile(Path(place.work_tree))
    if text != place.gitfile:
        raise RepoError(
            f"the worktree's .git in {place.work_tree} is no longer the file git wrote (now "
            f"{'missing, a link, a directory or not a regular file' if text is None else repr(text[:80])}): "
            "code run in it changed it; suture runs no git on it"
        )


def read_gitfile(tree: Path) -> str | None:
    """The text of `tree`/.git if it is a regular file (not a link, a directory or a FIFO), else None."""
    try:
        fd = os.open(tree / ".git", os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return os.read(fd, GITFILE_LIMIT).decode("utf-8", errors="replace")
    except OSError:
        return None
    finally:
        os.close(fd)


def owned_place(tree: Path) -> Place | None:
    """suture's record of the worktree at `tree`, if this process made it (for the sandbox)."""
    with _PLACES:
        return _OWNED.get(os.path.abspath(tree))


# --- what the heal loop asks --------------------------------------------------------------


def toplevel(path: Path) -> Path:
    """The root of the repository containing `path`, or a RepoError that says what to do."""
    place = locate(path)
    if place.work_tree is None:
        raise RepoError(f"{path} is in a bare repository: run suture in a checkout of the repository to heal")
    return Path(place.work_tree)


def head_sha(repo: Path) -> str:
    done = run_git(repo, "rev-parse", "--verify", "-q", "HEAD^{commit}")
    if done.returncode != 0:
        ref = run_git(repo, "symbolic-ref", "-q", "HEAD").stdout.strip()
        shown = run_git(repo, "show-ref", "--verify", ref or "HEAD")
        if not ref or "bad ref" in shown.stderr:
            raise RepoError(
                f"the repository at {repo} is corrupt: HEAD ({ref or 'detached'}) does not lead to a commit "
                f"({shown.stderr.strip() or 'no such object'}); see `git fsck`, or heal a fresh clone"
            )
        raise RepoError(
            f"the repository at {repo} has no commits yet: suture heals a commit, "
            "so commit the project first (git add -A && git commit)"
        )
    return done.stdout.strip()


def current_branch(repo: Path) -> str | None:
    done = run_git(repo, "symbolic-ref", "-q", "--short", "HEAD")
    return done.stdout.strip() or None


def commit_message(repo: Path, sha: str) -> str:
    return git(repo, "log", "-1", "--format=%B", sha)


def healed_by_suture(repo: Path, sha: str) -> bool:
    """Whether `sha` is a commit suture made (it carries the trailer)."""
    return any(line.strip() == TRAILER for line in commit_message(repo, sha).splitlines())


def common_dir(repo: Path) -> Path:
    """The repository's git directory (shared by all worktrees): suture's own files go here."""
    return Path(locate(repo).common)


def check_scratch(repo: Path) -> None:
    """A RepoError when the temporary directory is inside `repo`: worktrees, indexes and reports
    made there would show in the user's checkout (TMPDIR pointing into it, or Python falling
    back to the current directory when no temporary directory is writable)."""
    scratch = Path(tempfile.gettempdir()).resolve()
    if scratch == repo.resolve() or repo.resolve() in scratch.parents:
        raise RepoError(
            f"the temporary directory {scratch} is inside the repository: suture works in disposable "
            "directories outside your checkout; set TMPDIR to a writable directory elsewhere (e.g. /tmp)"
        )


def ref_sha(repo: Path, ref: str) -> str | None:
    done = run_git(repo, "rev-parse", "--verify", "-q", ref + "^{commit}")
    return done.stdout.strip() or None


@contextlib.contextmanager
def worktree(repo: Path, sha: str) -> Iterator[Path]:
    """A detached worktree of `sha` in a fresh temp dir, removed on exit whatever happens."""
    parent = Path(tempfile.mkdtemp(prefix=f"{WORKTREE_PREFIX}{os.getpid()}-"))
    path = parent / "tree"
    try:
        try:
            _add_worktree(repo, path, sha)
        except CommandError as exc:
            raise RepoError(
                f"could not check out {sha[:12]} into a disposable worktree: git says {exc.stderr.strip()!r}; "
                "a corrupt repository (see `git fsck`, or heal a fresh clone) or a full disk "
                f"(free space in {parent.parent}, or point TMPDIR elsewhere)"
            ) from exc
        yield path
    finally:
        _remove_worktree(repo, path)
        shutil.rmtree(parent, ignore_errors=True)


# Threads of one run add and remove worktrees at once (capture beside an early trial, two
# verification workers): git names each one's admin dir after the path's last component and
# `worktree prune` may drop one being added, so these steps take turns within the process,
# and an add that another process raced is retried.
_WORKTREES = threading.Lock()
ADD_ATTEMPTS = 4


def _add_worktree(repo: Path, path: Path, sha: str) -> None:
    for attempt in range(ADD_ATTEMPTS):
        try:
            with _WORKTREES:
                # No hooks (core.hooksPath=/dev/null, as on every call): post-checkout would run
                # the commit's own code outside the sandbox, with suture's environment.
                git(repo, "worktree", "add", "--detach", "--quiet", str(path), sha)
                _own(repo, path)
            return
        except CommandError:
            if attempt == ADD_ATTEMPTS - 1:
                raise
            _remove_worktree(repo, path)
            time.sleep(0.1 * 2**attempt)


def _own(repo: Path, path: Path) -> None:
    """Record the worktree git just wrote at `path`: its .git file, and the admin dir it names,
    which must be one of the repository's own (<common>/worktrees/...)."""
    origin = locate(repo)
    common = origin.common
    text = read_gitfile(path)
    pointer = text.removeprefix("gitdir:").strip() if text and text.startswith("gitdir:") else ""
    admin = os.path.normpath(os.path.join(path, pointer)) if pointer else ""
    if not admin or not _inside(admin, os.path.join(common, "worktrees")) or admin == os.path.join(common, "worktrees"):
        raise RepoError(f"git wrote an unexpected .git file in the new worktree {path}: {text!r}")
    with _PLACES:
        _OWNED[os.path.abspath(path)] = Place(
            git_dir=admin,
            work_tree=os.path.abspath(path),
            common=common,
            gitfile=text,
            checkout=origin.work_tree,
        )


def _remove_worktree(repo: Path, path: Path) -> None:
    with _WORKTREES:
        with _PLACES:
            _OWNED.pop(os.path.abspath(path), None)
        with contextlib.suppress(CommandError):
            git(repo, "worktree", "remove", "--force", "--force", str(path))
        shutil.rmtree(path, ignore_errors=True)  # fd-based: links inside are removed, never followed
        with contextlib.suppress(CommandError):
            git(repo, "worktree", "prune")


def clean_stale_worktrees(repo: Path) -> list[Path]:
    """Remove worktrees left behind by suture runs whose process is gone: those git lists, and
    the directories a run killed between making one and registering it left in the temp dir."""
    removed = []
    for path in _worktree_paths(repo):
        if _dead_run(path.parent):
            _remove_worktree(repo, path)
            shutil.rmtree(path.parent, ignore_errors=True)
            removed.append(path)
    common = common_dir(repo)
    for parent in Path(tempfile.gettempdir()).glob(f"{WORKTREE_PREFIX}*"):
        if parent.is_dir() and not parent.is_symlink() and _dead_run(parent) and _unclaimed(parent / "tree", common):
            shutil.rmtree(parent, ignore_errors=True)
            removed.append(parent / "tree")
    return removed


def _dead_run(parent: Path) -> bool:
    """Whether `parent` is a worktree's directory (suture-wt-<pid>-...) of a process that is gone."""
    match = re.fullmatch(rf"{WORKTREE_PREFIX}(\d+)-.*", parent.name)
    return match is not None and not _alive(int(match.group(1)))


def _unclaimed(tree: Path, common: Path) -> bool:
    """Whether `tree` is no other repository's worktree: not made yet, made without its `.git`
    file, or one of `common`'s (another repository's run cleans its own)."""
    text = read_gitfile(tree)
    if text is None:
        return not os.path.lexists(tree / ".git")
    return Path(text.removeprefix("gitdir:").strip()).is_relative_to(common)


def _worktree_paths(repo: Path) -> list[Path]:
    listing = git(repo, "worktree", "list", "--porcelain", "-z")
    return [Path(field[len("worktree ") :]) for field in listing.split("\0") if field.startswith("worktree ")]


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def apply(tree: Path, patch: str, *, cached: bool = False, env: Mapping[str, str] | None = None) -> str | None:
    """Apply `patch` in `tree`; None on success, else git's reason."""
    args = ["apply", "--whitespace=nowarn", *(["--cached"] if cached else []), "-"]
    done = run_git(tree, *args, input=patch, env=env)
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())


# The author and committer of the commits suture makes.
IDENTITY = {
    "GIT_AUTHOR_NAME": "suture",
    "GIT_AUTHOR_EMAIL": "suture@localhost",
    "GIT_COMMITTER_NAME": "suture",
    "GIT_COMMITTER_EMAIL": "suture@localhost",
}


class NotApplied(SutureError):
    """A patch does not apply to the commit it was meant for; the message is git's reason."""


def commit_patch(repo: Path, parent: str, patch: str, message: str) -> str:
    """A commit object of `parent` plus `patch`, built with plumbing in a private index: the
    working tree, the index, HEAD and every ref stay as they are. NotApplied when it does not apply."""
    with tempfile.TemporaryDirectory(prefix="suture-index-") as scratch:
        env = {**IDENTITY, "GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git(repo, "read-tree", parent, env=env)
        problem = apply(repo, patch, cached=True, env=env)
        if problem is not None:
            raise NotApplied(problem)
        tree = git(repo, "write-tree", env=env).strip()
        return git(repo, "commit-tree", tree, "-p", parent, "-F", "-", input=message, env=env).strip()
