"""The deterministic fixers, in ladder order, and asking all of them at once.

Each fixer recognises its own failures and returns [] for the rest, so `propose` asks
every one; verification then tries the candidates in the order returned. The ladder names
each fixer as 'module:Class' (as an entry point would), so that adding one is its module
and one line; `register` adds one at run time (a plugin's, a test's).
"""

from __future__ import annotations

import importlib

from suture.fixers import lint
from suture.fixers.base import Fixer
from suture.records import Candidate, Failure
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify.policy import is_test_path

# The ladder: each fixer by module and class, one line each (a new fixer is its module and
# one line here). Ladder order breaks ties between candidates of equal rank and size: the most
# certain repairs first. The lint tools answer only failing lint/format checks, the others
# only Python errors, mostly one message each. Where two answer the same error: a stdlib
# module used without its import comes before a project name's import, and both before
# the interpreter's nearest-name guess (`time` undefined, "Did you mean: 'type'?"); the
# interpreter's own suggestion before suture's guess of an attribute. Declaring a missing
# distribution comes last: it verifies only where the checks install the project.
LADDER: tuple[str, ...] = (
    "suture.fixers.lint:LintFixer",
    "suture.fixers.findings:FindingsFixer",
    "suture.fixers.concat:ConcatFixer",
    "suture.fixers.missing_import:MissingImportFixer",
    "suture.fixers.names:NamesFixer",
    "suture.fixers.known_imports:KnownImportsFixer",
    "suture.fixers.did_you_mean:DidYouMeanFixer",
    "suture.fixers.attributes:AttributesFixer",
    "suture.fixers.imports:ImportsFixer",
    "suture.fixers.calls:CallsFixer",
    "suture.fixers.formats:FormatFixer",
    "suture.fixers.returns:ReturnsFixer",
    "suture.fixers.assertions:AssertionsFixer",
    "suture.fixers.syntax:SyntaxFixer",
    "suture.fixers.punctuation:PunctuationFixer",
    "suture.fixers.brackets:BracketsFixer",
    "suture.fixers.strings:StringsFixer",
    "suture.fixers.characters:CharactersFixer",
    "suture.fixers.onetoken:OneTokenFixer",
    "suture.fixers.indentation:IndentationFixer",
    "suture.fixers.outside:OutsideFixer",
    "suture.fixers.dependencies:DependenciesFixer",
    "suture.fixers.upstream:UpstreamFixer",
)


def load(spec: str) -> Fixer:
    """The fixer a ladder entry names: 'package.module:Class', made with no arguments."""
    module, _, name = spec.partition(":")
    fixer: Fixer = getattr(importlib.import_module(module), name)()
    return fixer


def register(fixer: Fixer) -> None:
    """Put `fixer` at the end of the ladder (or in the place of the one of its name): a plugin's, a test's."""
    FIXERS[fixer.name] = fixer


FIXERS: dict[str, Fixer] = {fixer.name: fixer for fixer in map(load, LADDER)}


def propose(failure: Failure, source: Source, *, sandbox: Sandbox | None = None) -> list[Candidate]:
    """Every fixer's candidates for `failure`, most certain and smallest first.

    Candidates that touch a test file are dropped (tests are read-only), as is a diff
    already proposed; the sort is stable, so ties keep the ladder's order. The lint
    tools run in `sandbox` (the checks' own; bubblewrap when None).
    """
    found: list[Candidate] = []
    seen: set[str] = set()
    ladder = FIXERS if sandbox is None else {**FIXERS, "lint-tool": lint.LintFixer(sandbox)}
    for fixer in ladder.values():
        for candidate in fixer.propose(failure, source):
            if candidate.diff in seen or any(is_test_path(p) for p in candidate.paths):
                continue
            seen.add(candidate.diff)
            found.append(candidate)
    return sorted(found, key=lambda candidate: (candidate.rank, candidate.size))
