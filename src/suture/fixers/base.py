"""What a fixer is.

A fixer looks at one `Failure` and the base commit's files and proposes zero or more
`Candidate`s: unified diffs with a rationale. It never touches a checkout, never runs
repository code and never needs the network; verification decides which candidate
is right, so a fixer may offer several (rank 0 = its best guess).
"""

from __future__ import annotations

from typing import Protocol

from suture.records import Candidate, Failure
from suture.run.source import Source

# A candidate of this rank or past it is a guess no message pointed at (a statement moved across
# a block's end): verified on its own, and never built on in a later round when it only changes
# what fails (a wrong move changes the failure as often as a right one).
GUESS = 3


class Fixer(Protocol):
    # Short, stable identifier: appears in Candidate.origin, the PR body and history.
    name: str

    # Candidates for `failure`; [] when this fixer does not recognise it.
    def propose(self, failure: Failure, source: Source) -> list[Candidate]: ...
