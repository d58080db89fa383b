"""`suture mcp`: suture's logs, diagnosis and sandboxed verification for any coding agent, as a
Model Context Protocol server over stdio.

    base.py       the records every tool shares: `Session` (the repository served), `Result`, `ToolError`
    arguments.py  a tool's arguments checked against its schema; paths kept inside the repository
    failure.py    `ci_failure` and `ci_logs`: a log (a file, the current CI run, a run's URL) distilled
    checks.py     `run_checks`: the checks on a commit in the sandbox, the base build kept for verify_patch
    verify.py     `verify_patch`: a diff verified as suture verifies its own candidates
    store.py      the verified patches, under the repository's `.git/suture/mcp/`
    propose.py    `propose`: a verified patch committed to `suture/<fingerprint>`
    heal.py       `heal`: suture's own ladder, its winner kept for `propose`
    resources.py  the proposal texts and the recent runs
    server.py     the tool table and the `mcp` SDK around it; every output redacted

The rules (docs/security.md) hold for every tool: repository code runs only in the sandbox
(bubblewrap, whatever the configuration says), nothing returned carries a secret, and the
only tool that writes anything a client asked for is `propose`, and only a branch
`suture/<fingerprint>` of a patch that `verify_patch` or `heal` accepted.
"""
