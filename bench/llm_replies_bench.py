"""How many model replies become the exact edit they ask for, and how many that must not, do not.

    python bench/llm_replies_bench.py [--verbose]

The replies are data files (bench/llm_replies/replies/, one reply each, as a model wrote it:
fenced or not, search/replace with drift, unified diffs, apply_patch, whole files, prose
around, and replies that must be refused). bench/llm_replies/cases.json says, for each, whether
it is applicable and, if so, the exact change it must make to the files of
bench/llm_replies/repo/. Each reply goes through `suture.llm.edits.edit` exactly as the loop
calls it; an applicable reply counts as applied only when `git apply` of its diff leaves the
files exactly as expected. Targets: >= 95% of the applicable applied exactly, 0% of the others.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from suture.llm import edits
from suture.redact import Redactor
from suture.run.source import Source

HERE = Path(__file__).resolve().parent / "llm_replies"
GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost", "-c", "core.autocrlf=false"]


@dataclass(frozen=True)
class Outcome:
    name: str
    shape: str
    applies: bool
    held_out: bool  # written after the parser was last changed, and not tuned against
    applied: bool  # the reply became a diff
    exact: bool  # ... and the diff gives exactly the expected files
    problem: str


def _git(repo: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*GIT, *args], cwd=repo, input=stdin, capture_output=True, text=True, check=False)


@contextmanager
def repository() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="suture-replies-") as scratch:
        repo = Path(scratch) / "repo"
        shutil.copytree(HERE / "repo", repo)
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
            _git(repo, *args).check_returncode()
        yield repo


def expected(repo: Path, changes: dict[str, list[list[str]]]) -> dict[str, str]:
    files = {}
    for path, pairs in changes.items():
        text = (repo / path).read_text()
        for old, new in pairs:
            assert text.count(old) == 1, f"cases.json: {old!r} is not once in {path}"
            text = text.replace(old, new)
        files[path] = text
    return files


def judge(repo: Path, source: Source, case: dict[str, Any]) -> Outcome:
    reply = (HERE / "replies" / case["reply"]).read_bytes().decode()
    edited = edits.edit(
        reply, source.read, default_path=case.get("default_path"), paths=source.paths(), redactor=Redactor()
    )
    exact = False
    if edited.diff and case["applies"]:
        want = expected(repo, case.get("changes", {}))
        done = _git(repo, "apply", "-", stdin=edited.diff)
        touched = set(_git(repo, "diff", "--name-only").stdout.split())
        exact = (
            done.returncode == 0 and touched == set(want) and all((repo / p).read_text() == t for p, t in want.items())
        )
        _git(repo, "reset", "-q", "--hard")
    name = case["reply"].removesuffix(".txt")
    held_out = bool(case.get("held_out"))
    return Outcome(name, case["shape"], case["applies"], held_out, bool(edited.diff), exact, edited.problem)


def run() -> list[Outcome]:
    cases = json.loads((HERE / "cases.json").read_text())
    with repository() as repo:
        sha = _git(repo, "rev-parse", "HEAD").stdout.strip()
        source = Source(repo, sha)
        return [judge(repo, source, case) for case in cases]


def summary(outcomes: Sequence[Outcome]) -> dict[str, float]:
    applicable = [o for o in outcomes if o.applies]
    refused = [o for o in outcomes if not o.applies]
    exact = sum(o.exact for o in applicable)
    wrongly = sum(o.applied for o in refused)
    return {
        "replies": len(outcomes),
        "applicable": len(applicable),
        "applied_exactly": exact,
        "applied_exactly_pct": round(100 * exact / len(applicable), 1) if applicable else 0.0,
        "not_applicable": len(refused),
        "applied_anyway": wrongly,
        "applied_anyway_pct": round(100 * wrongly / len(refused), 1) if refused else 0.0,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--verbose", action="store_true", help="print every reply's outcome and reason")
    args = parser.parse_args(argv)
    outcomes = run()
    for o in outcomes:
        ok = o.exact if o.applies else not o.applied
        if args.verbose or not ok:
            verdict = ("applied exactly" if o.exact else "applied, WRONG") if o.applied else "refused"
            print(f"{'ok ' if ok else 'BAD'} {o.name:45} {verdict:16} {o.problem[:110]}")
    for label, chosen in (("held out", [o for o in outcomes if o.held_out]), ("all", outcomes)):
        f = summary(chosen)
        print(
            f"{label}: {f['replies']} replies: applicable {f['applied_exactly']}/{f['applicable']} applied "
            f"exactly ({f['applied_exactly_pct']}%), not applicable {f['applied_anyway']}/"
            f"{f['not_applicable']} applied ({f['applied_anyway_pct']}%)"
        )
    figures = summary(outcomes)
    return 0 if figures["applied_exactly_pct"] >= 95 and figures["applied_anyway"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
