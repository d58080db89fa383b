"""The deterministic fixers, in ladder order, and asking all of them at once.

Each fixer recognises its own failures and returns [] for the rest, so `propose` asks
every one; verification then tries the candidates in the order returned.
"""

from __future__ import annotations

from suture.fixers import (
    assertions,
    attributes,
    brackets,
    calls,
    characters,
    concat,
    dependencies,
    did_you_mean,
    imports,
    indentation,
    lint,
    missing_import,
    names,
    punctuation,
    returns,
    strings,
    syntax,
)
from suture.fixers.base import Fixer
from suture.records import Candidate, Failure
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify.policy import is_test_path

# Ladder order, which breaks ties between candidates of equal rank and size: the most
# certain repairs first. The lint tools answer only failing lint/format checks, the others
# only Python errors, mostly one message each. Where two answer the same error: a stdlib
# module used without its import comes before a project name's import, and both before
# the interpreter's nearest-name guess (`time` undefined, "Did you mean: 'type'?"); the
# interpreter's own suggestion before suture's guess of an attribute. Declaring a missing
# distribution comes last: it verifies only where the checks install the project.
FIXERS: dict[str, Fixer] = {
    "lint-tool": lint.LintFixer(),
    "concat": concat.ConcatFixer(),
    "missing-import": missing_import.MissingImportFixer(),
    "names": names.NamesFixer(),
    "did-you-mean": did_you_mean.DidYouMeanFixer(),
    "attributes": attributes.AttributesFixer(),
    "imports": imports.ImportsFixer(),
    "calls": calls.CallsFixer(),
    "returns": returns.ReturnsFixer(),
    "assertions": assertions.AssertionsFixer(),
    "syntax": syntax.SyntaxFixer(),
    "punctuation": punctuation.PunctuationFixer(),
    "brackets": brackets.BracketsFixer(),
    "strings": strings.StringsFixer(),
    "characters": characters.CharactersFixer(),
    "indentation": indentation.IndentationFixer(),
    "dependencies": dependencies.DependenciesFixer(),
}


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
