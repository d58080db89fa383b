"""`propose`: commit a patch `verify_patch` (or `heal`) accepted to `suture/<fingerprint>`, with the
`Healed-by: suture` trailer, through the local forge (a branch and a proposal file, built with
git plumbing: the checkout, its index and HEAD stay as they are) or the configured forge.

The only tool that writes what a client asked for, and only this: a patch unknown to the
store is refused, and the policy is checked again with the trusted rules before any commit,
as `suture heal` does right before it publishes.
"""

from __future__ import annotations

from suture.mcp import store
from suture.mcp.arguments import text
from suture.mcp.base import Arguments, Result, Session, ToolError
from suture.publish.forges import local
from suture.records import to_dict
from suture.run import git
from suture.verify import policy

SCHEMA = {
    "type": "object",
    "properties": {
        "id": {
            "type": "string",
            "description": "The id verify_patch (or heal) gave an accepted patch.",
            "maxLength": 64,
        }
    },
    "required": ["id"],
    "additionalProperties": False,
}


def propose(session: Session, arguments: Arguments) -> Result:
    proposal = store.load(session.store(), text(arguments, "id"))
    if not proposal.branch.startswith(git.BRANCH_PREFIX) or proposal.branch != git.BRANCH_PREFIX + proposal.fingerprint:
        raise ToolError("refused", f"{proposal.branch!r} is not a suture branch: nothing is committed")
    settings = session.settings()
    broken = policy.check(session.repo, proposal.base_sha, proposal.patch, settings.policy)
    if broken:
        raise ToolError("refused", "the patch breaks the policy: " + "; ".join(broken), findings=list(broken))
    published = (session.publishers(settings) or local.publish)(session.repo, proposal)
    session.record("propose", {"branch": published.branch, "commit": published.commit, "forge": published.forge})
    where = published.extra.get("reason") or published.location
    return Result(to_dict(published), f"proposed on {published.branch} ({published.commit[:12]}): {where}")
