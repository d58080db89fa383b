"""Publishing a verified proposal on a network forge, as a well-behaved bot.

One branch `suture/<fingerprint>` and one pull request per fingerprint, updated in
place; a pull request closed without merging is never recreated; caps on new and open
pull requests; never a push to the default branch or a protected one; rate limits
waited out; a create is never retried blindly. Re-running after a crash anywhere
converges on one branch and one pull request: the push is a force-push of suture's own
branch, and the pull request is looked for before one is made.

This stage holds the forge token and runs no repository code: the commit is made with
git plumbing (`git apply --cached` into a private index) and pushed with `--no-verify`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from suture.errors import ForgeAuthError, ForgeError, ForgeUnavailable, RateLimited, SutureError
from suture.publish.forges import gitpush, local, pr
from suture.publish.forges.base import Forge, Request
from suture.publish.forges.ratelimit import Retrying
from suture.records import UPSTREAM_KEY, Proposal, Published, Rules
from suture.run.git import BRANCH_PREFIX, git, ref_sha

UPSTREAM_LABEL = "upstream"  # added to the configured labels on the pull request of an upstream heal


@dataclass(frozen=True)
class PullRequestRules:
    """How many pull requests, how they look. Defaults from docs/security.md."""

    labels: tuple[str, ...] = ("suture",)
    draft: bool = False
    max_new_per_hour: int = 2
    max_open: int = 10


def recheck(repo: Path, proposal: Proposal, rules: Rules | None = None) -> None:
    """The policy once more, right before anything is pushed: the patch may come from a file."""
    _recheck(repo, proposal.base_sha, proposal.patch, proposal.branch, rules)


def _recheck(repo: Path, base_sha: str, patch: str, branch: str, rules: Rules | None) -> None:
    """`rules` from the configuration the run already read; None: read from `base_sha`."""
    from suture import config
    from suture.run.source import Source
    from suture.verify import policy

    if rules is None:
        rules = config.load(Source(repo, base_sha)).policy
    broken = policy.check(repo, base_sha, patch, rules)
    if broken:
        raise ForgeError(f"refusing to publish {branch}: the patch breaks the policy: {'; '.join(broken)}")


def _committed_patch(repo: Path, sha: str) -> tuple[str, str]:
    """The parent of suture's commit `sha` and the patch the commit makes on it."""
    parent = ref_sha(repo, f"{sha}^1")
    if parent is None:
        raise ForgeError(
            f"the parent of commit {sha[:12]} is not in this clone, so its patch cannot be checked against the "
            "policy: check out with a depth of 2 at least (actions/checkout: fetch-depth: 2)"
        )
    return parent, git(repo, "diff", "--binary", "--no-color", "--no-ext-diff", parent, sha)


@dataclass(frozen=True)
class Publisher:
    """Publishes proposals on `forge`; `heal` calls it with each verified proposal."""

    forge: Forge
    pull_requests: PullRequestRules = PullRequestRules()
    run_url: str = ""  # the failing CI run, linked from the PR body
    push_only: bool = False  # verify-in-CI flow: push the branch; `suture propose` opens the PR later
    retrying: Retrying = field(default_factory=Retrying)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC), compare=False)
    progress: Callable[[str], None] = field(default=lambda _: None, compare=False)
    # The policy's rules from the configuration the run read (the trusted commit's); None: each
    # proposal's own base commit's, read when it is published.
    rules: Rules | None = None

    def __call__(self, repo: Path, proposal: Proposal) -> Published:
        """Push `proposal` to its branch and open or update its pull request (unless withheld)."""
        recheck(repo, proposal, self.rules)
        base = self._guard(proposal.branch)
        text = pr.compose(proposal, run_url=self.run_url, hosts=self._hosts())
        held = self._withheld(repo, proposal.branch, proposal.fingerprint)
        if held is not None:
            return held
        message = pr.commit_message(text, proposal.fingerprint)
        sha = self._push(repo, dataclasses.replace(proposal, commit_message=message))
        if self.push_only:
            self.progress(f"pushed {proposal.branch}: `suture propose` opens the pull request when CI passes on it")
            return self._published(proposal.branch, sha, self.forge.clone_url(), "pushed")
        return self._open(proposal.branch, base, proposal.fingerprint, text, sha)

    def propose(self, repo: Path, sha: str) -> Published:
        """Open or update the pull request of the pushed suture commit `sha`, from its message alone."""
        found = pr.from_commit(git(repo, "log", "-1", "--format=%B", sha))
        if found is None:
            raise ForgeError(f"commit {sha[:12]} is not a suture proposal (no Suture-Fingerprint/Healed-by trailers)")
        # CI passed on the branch, but what it holds is checked as a proposal from a file would be.
        _recheck(repo, *_committed_patch(repo, sha), found.branch, self.rules)
        base = self._guard(found.branch)
        held = self._withheld(repo, found.branch, found.fingerprint)
        return held or self._open(found.branch, base, found.fingerprint, found.text, sha)

    def _guard(self, branch: str) -> str:
        """The default branch; an error when `branch` is not suture's or is protected."""
        base = self.retrying.call(self.forge.default_branch)
        if not branch.startswith(BRANCH_PREFIX) or branch == base:
            raise ForgeError(f"refusing to publish on {branch!r}: suture only pushes its own {BRANCH_PREFIX}* branches")
        if self.retrying.call(lambda: self.forge.is_protected(branch)):
            raise ForgeError(f"refusing to push to {branch}: the branch is protected on {self.forge.name}")
        return base

    def _hosts(self) -> tuple[str, ...]:
        return tuple(h for h in (urlsplit(self.forge.clone_url()).hostname,) if h)

    def _ours(self, branch: str, fingerprint: str) -> list[Request]:
        found = self.retrying.call(lambda: self.forge.requests_for(branch))
        return [r for r in found if pr.has_marker(r.body, fingerprint)]

    def _withheld(self, repo: Path, branch: str, fingerprint: str) -> Published | None:
        """Why nothing may be published for this fingerprint now, as a record; None when it may."""
        ours = self._ours(branch, fingerprint)
        if any(r.state == "open" for r in ours):
            return None  # updated in place: caps do not apply
        declined = [r for r in ours if r.state == "closed"]
        if declined:
            self._delete_branch(repo, branch)
            reason = f"{declined[0].url} was closed without merging: suture does not propose this fingerprint again"
            return self._published(branch, "", declined[0].url, "declined", reason)
        opened = self.retrying.call(lambda: self.forge.open_requests(BRANCH_PREFIX))
        if len(opened) >= self.pull_requests.max_open:
            reason = (
                f"{len(opened)} suture pull requests are open (cap {self.pull_requests.max_open}): review those first"
            )
            return self._published(branch, "", "", "capped", reason)
        since = self.now() - timedelta(hours=1)
        recent = self.retrying.call(lambda: self.forge.created_since(BRANCH_PREFIX, since))
        if len(recent) >= self.pull_requests.max_new_per_hour:
            cap = self.pull_requests.max_new_per_hour
            reason = f"{len(recent)} suture pull requests were opened in the last hour (cap {cap}): try later"
            return self._published(branch, "", "", "capped", reason)
        return None

    def _push(self, repo: Path, proposal: Proposal) -> str:
        sha = local.commit(repo, proposal)
        url = self.forge.clone_url()
        self.progress(f"pushing {proposal.branch} to {url}")
        gitpush.push(repo, url, self.forge.git_authorization(), sha, proposal.branch)
        # The same branch locally, as the local forge makes it: `git show suture/<fingerprint>` works.
        git(repo, "update-ref", "-m", "suture: published fix", f"refs/heads/{proposal.branch}", sha)
        return sha

    def _delete_branch(self, repo: Path, branch: str) -> None:
        try:
            gitpush.delete(repo, self.forge.clone_url(), self.forge.git_authorization(), branch)
        except SutureError as exc:  # cleaning up is a courtesy: it must not fail the run
            self.progress(f"could not delete {branch}: {exc}")

    def _open(self, branch: str, base: str, fingerprint: str, text: pr.Text, sha: str) -> Published:
        existing = next((r for r in self._ours(branch, fingerprint) if r.state == "open"), None)
        if existing is not None:
            request = self.retrying.call(lambda: self.forge.update(existing.number, title=text.title, body=text.body))
            action = "updated"
        else:
            request = self._create(branch, base, fingerprint, text)
            action = "created"
        labels = self.pull_requests.labels
        if labels and fingerprint.startswith(UPSTREAM_KEY):  # a release broke it: one PR per release, said so
            labels = (*labels, UPSTREAM_LABEL)
        if labels:
            self.retrying.call(lambda: self.forge.label(request.number, labels))
        self.progress(f"{action} {request.url}")
        return self._published(branch, sha, request.url, action, number=str(request.number))

    def _create(self, branch: str, base: str, fingerprint: str, text: pr.Text) -> Request:
        """Create the pull request; after a failure, look for it before trying again."""
        attempt = 1
        while True:
            try:
                draft = self.pull_requests.draft
                return self.forge.create(head=branch, base=base, title=text.title, body=text.body, draft=draft)
            except ForgeAuthError:
                raise
            except ForgeError as exc:
                # A timeout may hide a create that succeeded, and a 422 may mean it exists already.
                found = next((r for r in self._ours(branch, fingerprint) if r.state == "open"), None)
                if found is not None:
                    return found
                if attempt >= self.retrying.attempts or not isinstance(exc, RateLimited | ForgeUnavailable):
                    raise
                self.retrying.pause(attempt, exc)
                attempt += 1

    def _published(
        self, branch: str, sha: str, location: str, action: str, reason: str = "", **extra: str
    ) -> Published:
        details = {"action": action, **({"reason": reason} if reason else {}), **extra}
        if reason:
            self.progress(reason)
        return Published(forge=self.forge.name, branch=branch, commit=sha, location=location, extra=details)
