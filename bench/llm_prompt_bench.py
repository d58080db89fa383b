"""Prompt tokens per attempt against the naive prompt (the whole log plus the whole source files).

    python bench/llm_prompt_bench.py [--only small|real|ladder]

Each project is a fresh git repository with one bug; its checks (python -m pytest) run for
real, unsandboxed, through suture's own capture and diagnosis. For each root cause, the
prompt of a first attempt is built exactly as the loop builds it (`suture.llm.context.build`,
default budget of 8,000 tokens), and compared with the naive prompt of the classic recipe:
the check's whole output (what the CI log holds of it) plus the whole text of every file
the prompt shows code from. The naive prompt is counted without any instruction, and the
log without the CI's own setup noise, so the comparison favours it.

The second comparison is the one a CI job makes: the check's output inside the job's log, a
dependency install of 100 to 600 lines before it and 0 to 400 lines of later steps after it,
GitHub timestamps throughout (the short wrappings of bench/distil_bench.py's recall corpus).
The prompt is then built the way `suture heal --log` builds it, from what `suture.diagnose.fromlog`
distils out of that log; the naive prompt is the whole job log plus the same files.

Three sets of projects:

- small: the broken projects of tests/projects.py and the demo (a few lines each);
- ladder: the 81 broken projects of issue 4's corpus (bench/ladder_corpus.py: four small
  projects, each with its own test suite, and one mistake each), with their own checks;
- real: real-sized modules of Python's standard library (300 to 2,300 lines) copied into a
  package, with one wrong operator or name injected, and a test that fails on it.

Tokens are counted with OpenAI's o200k_base tokenizer when the `bpe-openai` package is
installed (its tables ship inside the wheel: no download); else estimated as characters / 4,
which the output says. Target: median ratio <= 10%.
"""

from __future__ import annotations

import argparse
import inspect
import io
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from distil_bench import STAMP, install, later
from projects import ATTRIBUTE_TYPO, CLASSIC, FLASK_APP, MISSING_COLON, MISSING_IMPORT, SRC_LAYOUT, TYPO

from suture.capture.run import capture
from suture.diagnose import fromlog
from suture.diagnose.build import diagnose
from suture.llm import context
from suture.loop.demo import FILES as DEMO
from suture.redact import Redactor
from suture.run.sandbox import by_name
from suture.run.source import Source

PYTEST = f"{sys.executable} -m pytest -q -p no:cacheprovider"


def tokenizer() -> tuple[str, Callable[[str], int]]:
    try:
        import bpe_openai
    except ImportError:
        return "estimate (characters / 4)", lambda text: (len(text) + 3) // 4
    encoding = bpe_openai.get_encoding("o200k_base")
    return "o200k_base (bpe-openai)", lambda text: len(encoding.encode(text))


SMALL = {
    "demo": DEMO,
    "classic": CLASSIC,
    "flask-app": FLASK_APP,
    "missing-import": MISSING_IMPORT,
    "typo": TYPO,
    "attribute-typo": ATTRIBUTE_TYPO,
    "missing-colon": MISSING_COLON,
    "src-layout": SRC_LAYOUT,
}


@dataclass(frozen=True)
class Injected:
    """A standard-library module with one bug, and a call whose right answer the test states."""

    module: str
    old: str
    new: str
    call: str  # evaluated against the module as `m`


REAL = (
    Injected(
        "textwrap",
        "            width = self.width - len(indent)\n",
        "            width = self.width - len(indent) - 1\n",
        "m.wrap('The quick brown fox jumps over the lazy dog', 10)",
    ),
    Injected(
        "shlex",
        '    return "\'" + s.replace("\'", "\'\\"\'\\"\'") + "\'"\n',
        '    return "\'" + s + "\'"\n',
        'm.quote("it\'s")',
    ),
    Injected(
        "statistics",
        "        return (data[i - 1] + data[i]) / 2\n",
        "        return (data[i - 1] + data[i]) // 2\n",
        "m.median([1, 2, 3, 4])",
    ),
    Injected(
        "calendar",
        "    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)\n",
        "    return year % 4 == 0 and (year % 100 != 0 or year % 40 == 0)\n",
        "[m.isleap(y) for y in (1900, 2000, 2200)]",
    ),
    Injected(
        "difflib",
        "        return 2.0 * matches / length\n",
        "        return 1.0 * matches / length\n",
        "m.SequenceMatcher(None, 'abcd', 'bcde').ratio()",
    ),
    Injected(
        "ipaddress",
        "        return int(self.broadcast_address) - int(self.network_address) + 1\n",
        "        return int(self.broadcast_address) - int(self.network_address)\n",
        "m.ip_network('10.0.0.0/30').num_addresses",
    ),
    Injected(
        "ipaddress",
        "        return int(self.broadcast_address) - int(self.network_address) + 1\n",
        "        return int(self.broadcast_address) - int(self.network_adress) + 1\n",
        "m.ip_network('10.0.0.0/29').num_addresses",
    ),
    Injected(
        "configparser",
        "    BOOLEAN_STATES = {'1': True, 'yes': True, 'true': True, 'on': True,\n",
        "    BOOLEAN_STATES = {'1': True, 'yes': False, 'true': True, 'on': True,\n",
        "m.ConfigParser().BOOLEAN_STATES['yes']",
    ),
    Injected(
        "string",
        "    return (sep or ' ').join(map(str.capitalize, s.split(sep)))\n",
        "    return (sep or ' ').join(map(str.title, s.split(sep)))\n",
        'm.capwords("o\'neil and mcdonald")',
    ),
    Injected(
        "colorsys",
        "        h = 4.0+gc-rc\n    h = (h/6.0) % 1.0\n    return h, s, v\n",
        "        h = 4.0+gc+rc\n    h = (h/6.0) % 1.0\n    return h, s, v\n",
        "m.rgb_to_hsv(0.2, 0.4, 0.8)",
    ),
    Injected(
        "fnmatch",
        "            if match(name):\n                result.append(name)\n",
        "            if not match(name):\n                result.append(name)\n",
        "m.filter(['a.py', 'b.txt', 'c.py'], '*.py')",
    ),
)


def real_files(case: Injected) -> dict[str, str]:
    original = inspect.getsource(__import__(case.module))
    assert original.count(case.old) == 1, f"{case.module}: the injection site is not unique"
    expected = eval(case.call, {"m": __import__(case.module)})  # the unbroken module's answer
    test = (
        f"from proj import {case.module} as m\n\n\ndef test_{case.module}():\n    assert {case.call} == {expected!r}\n"
    )
    return {
        "proj/__init__.py": "",
        f"proj/{case.module}.py": original.replace(case.old, case.new),
        f"tests/test_{case.module}.py": test,
    }


@dataclass(frozen=True)
class Measured:
    project: str
    prompt: int
    naive: int
    shown: bool | None = None  # the injected line is in the prompt (None: not known)
    job_prompt: int = 0  # the prompt made from the CI job's log (suture heal --log), 0 if none
    job_naive: int = 0  # the whole CI job log plus the files that prompt shows

    @property
    def ratio(self) -> float:
        return self.prompt / self.naive

    @property
    def job_ratio(self) -> float:
        return self.job_prompt / self.job_naive


def job_log(output: str, seed: str) -> str:
    """`output` as a GitHub Actions job log shows it: installs before, later steps after, timestamps."""
    rng = random.Random(seed)
    lines = [*install(rng, rng.randrange(100, 600)), *output.splitlines(), *later(rng, rng.randrange(0, 400))]
    lines.append("##[error]Process completed with exit code 1.")
    return "\n".join(STAMP.format(0, n // 60 % 60, n) + line for n, line in enumerate(lines)) + "\n"


def make(root: Path, files: dict[str, str], binary: dict[str, bytes] | None = None) -> tuple[Path, str]:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    for name, data in (binary or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    git = ["git", "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "base"]):
        subprocess.run([*git, *args], cwd=root, check=True)
    sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True)
    return root, sha.stdout.strip()


def measure(
    name: str,
    files: dict[str, str],
    count: Callable[[str], int],
    bug: str | None = None,
    *,
    checks: Sequence[str] = (PYTEST,),
    binary: dict[str, bytes] | None = None,
) -> Iterator[Measured]:
    with tempfile.TemporaryDirectory(prefix="suture-prompt-") as scratch:
        repo, sha = make(Path(scratch) / "repo", files, binary)
        build = capture(repo, sha, list(checks), sandbox=by_name("none"), timeout=120)
        log = "\n".join(check.output for check in build.failed_checks)
        source = Source(repo, sha)
        job = job_log(log, name)
        logged = fromlog.read(io.BytesIO(job.encode()), name="job.log", redactor=Redactor(), paths=source.paths())
        from_job = logged.diagnosis.failures
        for number, failure in enumerate(diagnose(build).failures, 1):
            prompt = context.build(failure, source, redactor=Redactor())
            paths = dict.fromkeys(_shown_paths(prompt.user))
            naive = log + "".join(source.read(path) or "" for path in paths)
            label = name if number == 1 else f"{name} #{number}"
            shown = None if bug is None else all(line.strip() in prompt.user for line in bug.splitlines())
            job_prompt = job_naive = 0
            if number <= len(from_job):
                prompted = context.build(from_job[number - 1], source, redactor=Redactor())
                files = dict.fromkeys(_shown_paths(prompted.user))
                job_prompt = count(prompted.system + prompted.user)
                job_naive = count(job + "".join(source.read(path) or "" for path in files))
            yield Measured(label, count(prompt.system + prompt.user), count(naive), shown, job_prompt, job_naive)


def ladder(count: Callable[[str], int]) -> Iterator[Measured]:
    """The broken projects of issue 4's corpus, each with its own checks; the bug is the lines the
    broken file has that its known fix does not (none when the mistake deleted a line)."""
    from ladder_corpus import CASES

    for case in CASES:
        fixed = case.fixes[0]
        bug = "\n".join(
            line
            for path, text in fixed.items()
            for line in case.files[path].splitlines()
            if line.strip() and line not in text.splitlines()
        )
        yield from measure(
            f"{case.kind}: {case.name}", case.files, count, bug or None, checks=case.checks, binary=case.binary
        )


def _shown_paths(user: str) -> Iterator[str]:
    for line in user.splitlines():
        if line.startswith('<data kind="code" path="'):
            yield line.split('path="', 1)[1].split('"', 1)[0]


def report(title: str, rows: Sequence[Measured]) -> None:
    print(f"\n{title}\n")
    heads = ("project", "prompt tokens", "naive tokens", "ratio", "bug in prompt", "from the job log", "naive", "ratio")
    print("| " + " | ".join(heads) + " |")
    print("|---|---:|---:|---:|:-:|---:|---:|---:|")
    for row in rows:
        bug = {None: "", True: "yes", False: "**no**"}[row.shown]
        job = f"{row.job_prompt:,} | {row.job_naive:,} | {row.job_ratio:.1%}" if row.job_naive else "| |"
        print(f"| {row.project} | {row.prompt:,} | {row.naive:,} | {row.ratio:.1%} | {bug} | {job} |")
    if rows:
        median = statistics.median(r.ratio for r in rows)
        tokens = statistics.median(r.prompt for r in rows)
        naive = statistics.median(r.naive for r in rows)
        known = [r.shown for r in rows if r.shown is not None]
        bugs = f"{sum(known)}/{len(known)}" if known else ""
        jobs = [r for r in rows if r.job_naive]
        job = "| |"
        if jobs:
            job_tokens = statistics.median(r.job_prompt for r in jobs)
            job_naive = statistics.median(r.job_naive for r in jobs)
            job = f"{job_tokens:,.0f} | {job_naive:,.0f} | **{statistics.median(r.job_ratio for r in jobs):.1%}**"
        print(f"| **median** | {tokens:,.0f} | {naive:,.0f} | **{median:.1%}** | {bugs} | {job} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=("small", "real", "ladder"), help="one set of projects")
    args = parser.parse_args(argv)
    if shutil.which("git") is None:
        raise SystemExit("git is needed")
    name, count = tokenizer()
    print(f"tokens: {name}")
    everything: list[Measured] = []
    if args.only in (None, "small"):
        rows = [m for project, files in SMALL.items() for m in measure(project, files, count)]
        report("Small projects (tests/projects.py, the demo)", rows)
        everything += rows
    if args.only in (None, "real"):
        rows = []
        for case in REAL:
            label = case.module if not any(r.project.startswith(case.module) for r in rows) else f"{case.module} (b)"
            rows += measure(label, real_files(case), count, case.new)
        report("Real-sized modules (the standard library's, one bug injected)", rows)
        everything += rows
    if args.only in (None, "ladder"):
        rows = list(ladder(count))
        report("The ladder corpus (bench/ladder_corpus.py, issue 4)", rows)
        everything += rows
    if everything:
        jobs = [r.job_ratio for r in everything if r.job_naive]
        print(f"\nall {len(everything)}: median ratio {statistics.median(r.ratio for r in everything):.1%}", end="")
        print(f"; from the job log ({len(jobs)}): {statistics.median(jobs):.1%}" if jobs else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
