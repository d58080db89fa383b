"""Pushing a branch to a forge over HTTPS with a token that never shows.

The token reaches git only through its environment, as an `http.<url>.extraHeader`
set with GIT_CONFIG_COUNT/KEY/VALUE: it is not in the URL (which git would print and
store in FETCH_HEAD), not in argv (visible to every user in /proc), and any error
message is scrubbed of it before it is raised. Credential helpers are switched off so
the token is neither looked up nor saved, prompts are off so a refusal fails at once,
and `--no-verify` keeps the pre-push hook — repository code — from running.
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Iterable
from pathlib import Path

from suture.errors import ForgeError, SutureError
from suture.run.git import run_git
from suture.run.process import Completed


def basic(user: str, token: str) -> str:
    """An `Authorization` header value for HTTP basic auth."""
    return "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode("ascii")


def environment(url: str, authorization: str) -> dict[str, str]:
    """The variables that make git send `authorization` to `url`, and nowhere else (suture's
    hardened git runner adds them to an environment without the user's GIT_* variables)."""
    return {
        "GIT_CONFIG_COUNT": "2",
        "GIT_CONFIG_KEY_0": f"http.{url}.extraHeader",
        "GIT_CONFIG_VALUE_0": f"Authorization: {authorization}",
        "GIT_CONFIG_KEY_1": "credential.helper",
        "GIT_CONFIG_VALUE_1": "",  # an empty value resets the list: no helper asked or told
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "true",  # a refused token fails instead of asking anyone
        "SSH_ASKPASS": "true",
    }


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret (and its header and base64 forms) replaced by ***."""
    for secret in secrets:
        for form in _forms(secret):
            if form:
                text = text.replace(form, "***")
    return text


def _forms(secret: str) -> tuple[str, ...]:
    bare = secret.split(" ", 1)[1] if secret.startswith(("Basic ", "Bearer ", "token ")) else secret
    forms = [secret, bare]
    with contextlib.suppress(ValueError):  # not base64: the secret itself is all there is
        forms.extend(base64.b64decode(bare, validate=True).decode().split(":", 1))
    return tuple(f for f in forms if len(f) >= 6)  # never scrub a short, common string


def _git(repo: Path, args: list[str], url: str, authorization: str) -> Completed:
    # The hardened runner allows https and http only; a forge the user named by a local path
    # (a bare repository on a shared disk, a plugin's file-backed forge) gets its transport too.
    local = ["-c", "protocol.file.allow=always"] if url.startswith("file://") else []
    try:
        return run_git(repo, *local, *args, env=environment(url, authorization), check=True, network=True)
    except SutureError as exc:
        raise ForgeError(f"git {args[0]} to {url} failed: {scrub(str(exc), [authorization])}") from None


def push(repo: Path, url: str, authorization: str, sha: str, branch: str) -> None:
    """Force-push commit `sha` to `refs/heads/<branch>` at `url` (the branch is suture's own)."""
    _git(repo, ["push", "--no-verify", "--force", "--quiet", url, f"{sha}:refs/heads/{branch}"], url, authorization)


def delete(repo: Path, url: str, authorization: str, branch: str, *, expect: str | None = None) -> None:
    """Delete `branch` at `url`; a branch that is already gone is not an error.

    With `expect`, only while the branch still points at that commit (a lease): a branch
    pushed again since it was looked at is kept.
    """
    sha = remote_sha(repo, url, authorization, branch)
    if sha is None or (expect is not None and sha != expect):
        return
    lease = [f"--force-with-lease=refs/heads/{branch}:{sha}"] if expect else []
    _git(repo, ["push", "--no-verify", "--quiet", *lease, url, f":refs/heads/{branch}"], url, authorization)


def remote_branches(repo: Path, url: str, authorization: str, prefix: str) -> dict[str, str]:
    """The branches under `prefix` at `url`, name -> commit."""
    listing = _git(repo, ["ls-remote", "--heads", url, f"refs/heads/{prefix}*"], url, authorization).stdout
    found = {}
    for line in listing.splitlines():
        sha, _, ref = line.partition("\t")
        name = ref.removeprefix("refs/heads/")
        if ref.startswith("refs/heads/") and name.startswith(prefix):
            found[name] = sha
    return found


def remote_sha(repo: Path, url: str, authorization: str, branch: str) -> str | None:
    listing = _git(repo, ["ls-remote", "--heads", url, f"refs/heads/{branch}"], url, authorization).stdout
    for line in listing.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return None
