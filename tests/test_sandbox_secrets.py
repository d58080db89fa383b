"""Secrets never reach repository code: not through the environment, /proc or .git/config.

The repository's own test is the attacker: it reads its environment, every
/proc/*/environ it can and the repository's git config, looking for the fake tokens
this test gives suture, and fails (so `suture diagnose` reports it) if it finds one.
The same repository run with `--sandbox none` finds them: the probe can fail.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from helpers import git, make_repo
from projects import PYTEST
from sandbox_helpers import last_json, require_bubblewrap, suture

from suture.run.sandbox import clean_git_config

require_bubblewrap()

# Fake tokens of the forge's shape, by the label the probe reports them under.
NEEDLES = {
    "github-token": "ghp_SutureFakeEnvironmentToken0000000001",
    "unrelated-variable": "ghp_SutureFakeUnrelatedNameToken00000002",
    "extraheader": base64.b64encode(b"x-access-token:ghp_SutureFakeExtraHeaderToken000003").decode(),
    "insteadof": "ghp_SutureFakeInsteadOfToken0000000000004",
    "remote-url": "ghp_SutureFakeRemoteUrlToken0000000000005",
}
# suture's environment: a token under its usual name, and one under a name that looks harmless.
SECRET_ENV = {"GITHUB_TOKEN": NEEDLES["github-token"], "BUILD_LABEL": NEEDLES["unrelated-variable"]}

PROBE = '''\
import os
import pathlib
import subprocess

NEEDLES = __NEEDLES__
CONFIG = __CONFIG__


def _git_configs():
    """The repository's config, by its path and through the worktree's .git file."""
    paths = [pathlib.Path(CONFIG)]
    own = pathlib.Path(pathlib.Path(".git").read_text().split(":", 1)[1].strip())
    paths.append(own / (own / "commondir").read_text().strip() / "config")
    return paths


def _channels():
    yield "the environment", "\\n".join(f"{k}={v}" for k, v in os.environ.items())
    for path in pathlib.Path("/proc").glob("[0-9]*/environ"):
        try:
            yield str(path), path.read_bytes().decode("utf-8", "replace")
        except OSError:
            pass  # another user's process, or gone
    for path in _git_configs():
        yield str(path), path.read_text()
    done = subprocess.run(["git", "config", "--list"], capture_output=True, text=True)
    yield "git config --list", done.stdout + done.stderr


def test_no_token_reaches_repository_code():
    seen = dict(_channels())
    assert f"/proc/{os.getpid()}/environ" in seen, "the probe could not read its own environ"
    leaks = sorted({f"{label} in {where}" for where, text in seen.items() for label, value in NEEDLES.items()
                    if value in text})
    if leaks:  # raised, not asserted: pytest would shorten the list
        raise AssertionError("leaked: " + "; ".join(leaks))
'''


def make_probe_repo(root: Path) -> Path:
    """A repository whose test hunts for the tokens, with credentials in its .git/config."""
    probe = PROBE.replace("__NEEDLES__", repr(NEEDLES)).replace("__CONFIG__", repr(str(root / ".git" / "config")))
    repo = make_repo(root, {"calc.py": "def add(a, b):\n    return a + b\n", "tests/test_probe.py": probe})
    # What actions/checkout leaves, and what a token in a rewrite or a remote looks like.
    git(repo, "config", "http.https://github.com/.extraheader", f"AUTHORIZATION: basic {NEEDLES['extraheader']}")
    git(
        repo,
        "config",
        f"url.https://x-access-token:{NEEDLES['insteadof']}@github.com/.insteadOf",
        "https://github.com/",
    )
    git(repo, "remote", "add", "origin", f"https://x-access-token:{NEEDLES['remote-url']}@github.com/o/r.git")
    return repo


def test_the_sandboxed_probe_finds_no_token(tmp_path: Path) -> None:
    repo = make_probe_repo(tmp_path / "repo")
    done = suture(repo, "diagnose", "--json", "--test-cmd", PYTEST, env=SECRET_ENV)
    assert done.returncode == 0, f"the probe found a token or could not look:\n{done.stdout}\n{done.stderr}"
    assert last_json(done)["status"] == "nothing-to-do"
    # The user's config is untouched: the check saw a copy.
    assert NEEDLES["extraheader"] in (repo / ".git" / "config").read_text()


def test_without_the_sandbox_the_probe_finds_every_token(tmp_path: Path) -> None:
    """The control: the probe works, so its silence in the sandbox means something."""
    repo = make_probe_repo(tmp_path / "repo")
    done = suture(repo, "diagnose", "--json", "--sandbox", "none", "--test-cmd", PYTEST, env=SECRET_ENV)
    assert done.returncode == 1, done.stderr
    report = json.dumps(last_json(done))
    for label in NEEDLES:
        assert f"{label} in " in report, f"the unsandboxed probe did not find {label}"
    assert "github-token in /proc/" in report  # suture's own environment, read through /proc
    assert "unrelated-variable in the environment" in report
    assert "extraheader in git config --list" in report
    assert "WARNING" in done.stderr and "no sandbox" in done.stderr


@pytest.mark.parametrize("how", ["config", "flag"])
def test_a_secret_looking_variable_cannot_be_let_through(tmp_path: Path, how: str) -> None:
    files = {"calc.py": "x = 1\n"}
    if how == "config":
        files["pyproject.toml"] = '[tool.suture]\nenv-allow = ["GITHUB_TOKEN"]\n'
    repo = make_repo(tmp_path / "repo", files)
    extra = ("--env-allow", "GITHUB_TOKEN") if how == "flag" else ()
    done = suture(repo, "diagnose", "--test-cmd", PYTEST, *extra, env=SECRET_ENV)
    assert done.returncode == 2, done.stderr
    assert "'GITHUB_TOKEN' looks like a credential" in done.stderr


def test_the_git_config_copy_keeps_settings_and_drops_credentials(tmp_path: Path) -> None:
    config = tmp_path / "config"
    kept = {
        "core.bare": "false",
        "remote.origin.url": "https://github.com/o/r.git",  # the user:token@ taken out
        "remote.origin.fetch": "+refs/heads/*:refs/remotes/origin/*",
        'branch.we "ird".merge': "refs/heads/main",
        "http.https://example.com/.sslverify": "true",
        "alias.hi": '!echo "a\\b"\ttab',
    }
    dropped = {
        "http.https://github.com/.extraheader": "AUTHORIZATION: basic dG9rZW4=",
        "http.extraheader": "AUTHORIZATION: bearer t0ken",
        "url.https://x-access-token:t0ken@github.com/.insteadof": "https://github.com/",
        "credential.helper": "store --file /home/me/.git-credentials",
        "credential.https://github.com.username": "me",
        "include.path": "/home/me/secrets.gitconfig",
        "sendemail.smtppass": "hunter2",
    }
    for key, value in {**kept, **dropped}.items():
        git(tmp_path, "config", "--file", str(config), key, value)
    git(
        tmp_path,
        "config",
        "--file",
        str(config),
        "--replace-all",
        "remote.origin.url",
        "https://me:t0ken@github.com/o/r.git",
    )

    copy = tmp_path / "copy"
    copy.write_text(clean_git_config(config))

    listed = git(tmp_path, "config", "--file", str(copy), "--list", "-z").split("\0")
    entries = dict(entry.split("\n", 1) for entry in listed if entry)
    assert entries == kept
    assert "t0ken" not in copy.read_text() and "hunter2" not in copy.read_text()


def test_the_repositorys_git_hooks_do_not_run_outside_the_sandbox(tmp_path: Path) -> None:
    """`git worktree add` runs post-checkout, and core.hooksPath may point into the commit itself."""
    ran = tmp_path / "hook-ran"
    hook = f'#!/bin/sh\necho "$GITHUB_TOKEN" > {ran}\n'
    files = {"calc.py": "x = 1\n", "tests/test_calc.py": "def test_x():\n    pass\n", ".githooks/post-checkout": hook}
    repo = make_repo(tmp_path / "repo", files)
    (repo / ".githooks" / "post-checkout").chmod(0o755)
    git(repo, "config", "core.hooksPath", ".githooks")

    done = suture(repo, "diagnose", "--test-cmd", PYTEST, env=SECRET_ENV)

    assert done.returncode == 0, done.stderr
    assert not ran.exists(), "the repository's hook ran with suture's environment"
