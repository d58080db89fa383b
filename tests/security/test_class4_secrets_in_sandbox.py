"""Class 4: secrets still visible in the sandbox.

A test of the repository hunts for every canary it can reach (its environment, every
/proc/*/environ, the home's credential files, the checkout's git config and whatever path
the attack adds) and fails with what it found, hex-encoded past any redactor; so suture's
own --json carries the loot if the sandbox let it through. The control runs the same with
--sandbox none.
"""

from __future__ import annotations

import shutil

from attack import Attacks, broken, diagnose
from lab import Evidence, Lab

ATTACKS = Attacks(cls=4)


@ATTACKS.add("environment-proc-home-gitconfig", expect="canary")
def environment_proc_home_gitconfig(lab: Lab, held: bool) -> Evidence:
    """The usual places: the environment, /proc/*/environ, ~/.netrc and kin, .git/config's extraheader."""
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("usual")}))
    return diagnose(lab, held)


@ATTACKS.add("submodule-credentials", expect="canary")
def submodule_credentials(lab: Lab, held: bool) -> Evidence:
    """A submodule's own config (.git/modules/lib/config) holds a token; the probe reads it."""
    module = lab.checkout / ".git" / "modules" / "lib"
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("modules", [str(module / "config")])}))
    module.mkdir(parents=True)
    header = f"AUTHORIZATION: bearer {lab.canaries['extraheader']}"
    (module / "config").write_text(f'[http "https://github.com/"]\n\textraheader = {header}\n', encoding="utf-8")
    lab.take_snapshot()
    return diagnose(lab, held)


@ATTACKS.add("unix-socket-outside-tmp", expect="Unix socket")
def unix_socket_outside_tmp(lab: Lab, held: bool) -> Evidence:
    """An agent's socket in a directory the sandbox shows read-only (a read-only mount still connects)."""
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("unix", unix=True)}))
    return diagnose(lab, held)


@ATTACKS.add("gitdir-redirect-checkout", expect="canary")
def gitdir_redirect_checkout(lab: Lab, held: bool) -> Evidence:
    """The checkout keeps its git dir elsewhere (.git is a file); its untracked .env holds a secret."""
    env_file = lab.checkout / ".env"
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("redirect", [str(env_file)])}))
    shutil.move(lab.checkout / ".git", lab.root / "gitdir")
    (lab.checkout / ".git").write_text(f"gitdir: {lab.root / 'gitdir'}\n", encoding="utf-8")
    env_file.write_text(f"DATABASE_URL=postgres://app:{lab.canaries['DATABASE_URL']}@db/app\n", encoding="utf-8")
    lab.take_snapshot()
    return diagnose(lab, held)


@ATTACKS.add("untracked-dotenv", expect="canary")
def untracked_dotenv(lab: Lab, held: bool) -> Evidence:
    """The user's untracked .env beside the code (never committed, so not in the worktree)."""
    env_file = lab.checkout / ".env"
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("dotenv", [str(env_file)])}))
    env_file.write_text(f"DATABASE_URL=postgres://app:{lab.canaries['DATABASE_URL']}@db/app\n", encoding="utf-8")
    lab.take_snapshot()
    return diagnose(lab, held)


test_attack = ATTACKS.test()
