"""The deterministic fixers, in ladder order, and asking them at once.

Each fixer recognises its own failures and returns [] for the rest, so `propose` asks
every one that answers the failure's kind; verification then tries the candidates in the
order returned. The ladder names each fixer as 'module:Class' (as an entry point would), so
that adding one is its module and one line, and a module is imported only when its fixer is
first asked (a lint heal never imports libcst); `register` adds one at run time (a plugin's,
a test's).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass

from suture.fixers import lint
from suture.fixers.base import Fixer
from suture.records import Candidate, Failure
from suture.run.sandbox import Sandbox
from suture.run.source import Source
from suture.verify.policy import is_test_path

# What a fixer answers: a lint or format check that failed as a whole (the tool's output, no
# exception: `Failure.kind` 'check-failed'), or an error a program raised (its type, message
# and frames: every other kind).
CHECKS = "checks"
ERRORS = "errors"


@dataclass(frozen=True)
class Rung:
    """One fixer of the ladder: its name (the origin of its candidates), where it is, what it answers."""

    name: str
    spec: str  # 'package.module:Class', made with no arguments
    answers: str  # CHECKS or ERRORS


# The ladder: each fixer by name, module and class, one line each (a new fixer is its module and
# one line here). Ladder order breaks ties between candidates of equal rank and size: the most
# certain repairs first. The lint tools answer only failing lint/format checks, the others
# only Python errors, mostly one message each. Where two answer the same error: a stdlib
# module used without its import comes before a project name's import, and both before
# the interpreter's nearest-name guess (`time` undefined, "Did you mean: 'type'?"); the
# interpreter's own suggestion before suture's guess of an attribute. Declaring a missing
# distribution comes last: it verifies only where the checks install the project.
LADDER: tuple[Rung, ...] = (
    Rung("lint-tool", "suture.fixers.lint:LintFixer", CHECKS),
    Rung("lint-findings", "suture.fixers.findings:FindingsFixer", CHECKS),
    Rung("concat", "suture.fixers.concat:ConcatFixer", ERRORS),
    Rung("missing-import", "suture.fixers.missing_import:MissingImportFixer", ERRORS),
    Rung("names", "suture.fixers.names:NamesFixer", ERRORS),
    Rung("known-import", "suture.fixers.known_imports:KnownImportsFixer", ERRORS),
    Rung("did-you-mean", "suture.fixers.did_you_mean:DidYouMeanFixer", ERRORS),
    Rung("attributes", "suture.fixers.attributes:AttributesFixer", ERRORS),
    Rung("imports", "suture.fixers.imports:ImportsFixer", ERRORS),
    Rung("calls", "suture.fixers.calls:CallsFixer", ERRORS),
    Rung("format-args", "suture.fixers.formats:FormatFixer", ERRORS),
    Rung("returns", "suture.fixers.returns:ReturnsFixer", ERRORS),
    Rung("assertions", "suture.fixers.assertions:AssertionsFixer", ERRORS),
    Rung("syntax", "suture.fixers.syntax:SyntaxFixer", ERRORS),
    Rung("punctuation", "suture.fixers.punctuation:PunctuationFixer", ERRORS),
    Rung("brackets", "suture.fixers.brackets:BracketsFixer", ERRORS),
    Rung("strings", "suture.fixers.strings:StringsFixer", ERRORS),
    Rung("characters", "suture.fixers.characters:CharactersFixer", ERRORS),
    Rung("one-token", "suture.fixers.onetoken:OneTokenFixer", ERRORS),
    Rung("indentation", "suture.fixers.indentation:IndentationFixer", ERRORS),
    Rung("outside-block", "suture.fixers.outside:OutsideFixer", ERRORS),
    Rung("block-moves", "suture.fixers.blocks:BlocksFixer", ERRORS),
    Rung("dependencies", "suture.fixers.dependencies:DependenciesFixer", ERRORS),
    Rung("upstream", "suture.fixers.upstream:UpstreamFixer", ERRORS),
)
ANSWERS = {rung.name: rung.answers for rung in LADDER}


def load(spec: str) -> Fixer:
    """The fixer a ladder entry names: 'package.module:Class', made with no arguments."""
    module, _, name = spec.partition(":")
    fixer: Fixer = getattr(importlib.import_module(module), name)()
    return fixer


class Fixers(MutableMapping[str, Fixer]):
    """The fixers by name, in ladder order, each made when it is first asked for."""

    def __init__(self, ladder: tuple[Rung, ...]) -> None:
        self._entries: dict[str, Fixer | str] = {rung.name: rung.spec for rung in ladder}

    def __getitem__(self, name: str) -> Fixer:
        entry = self._entries[name]
        if isinstance(entry, str):
            entry = self._entries[name] = load(entry)
        return entry

    def __setitem__(self, name: str, fixer: Fixer) -> None:
        self._entries[name] = fixer

    def __delitem__(self, name: str) -> None:
        del self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)


def register(fixer: Fixer) -> None:
    """Put `fixer` at the end of the ladder (or in the place of the one of its name): a plugin's, a test's."""
    FIXERS[fixer.name] = fixer


FIXERS: MutableMapping[str, Fixer] = Fixers(LADDER)


def answered_as(failure: Failure) -> str:
    """CHECKS for a lint or format check that failed as a whole, ERRORS for the rest."""
    return CHECKS if failure.kind == "check-failed" else ERRORS


def propose(failure: Failure, source: Source, *, sandbox: Sandbox | None = None) -> list[Candidate]:
    """Every fixer's candidates for `failure`, most certain and smallest first.

    Candidates that touch a test file are dropped (tests are read-only), as is a diff
    already proposed; the sort is stable, so ties keep the ladder's order. The lint
    tools run in `sandbox` (the checks' own; bubblewrap when None).
    """
    found: list[Candidate] = []
    seen: set[str] = set()
    kind = answered_as(failure)
    for name in list(FIXERS):
        if ANSWERS.get(name, kind) != kind:
            continue  # not this fixer's kind of failure (one registered at run time is asked about all)
        for candidate in _fixer(name, sandbox).propose(failure, source):
            if candidate.diff in seen or any(is_test_path(p) for p in candidate.paths):
                continue
            seen.add(candidate.diff)
            found.append(candidate)
    return sorted(found, key=lambda candidate: (candidate.rank, candidate.size))


def _fixer(name: str, sandbox: Sandbox | None) -> Fixer:
    """The fixer of `name`; the lint tools run in the checks' own sandbox when one is given."""
    if name == "lint-tool" and sandbox is not None:
        return lint.LintFixer(sandbox)
    return FIXERS[name]
