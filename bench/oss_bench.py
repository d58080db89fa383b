"""The ladder on real open-source projects, with bugs injected that their code did not foresee.

    python bench/oss_bench.py [--cache DIR] [NAME-FILTER ...]

Each project is its published sdist (fetched once with `pip download`, into --cache),
tests and all, made into a git repository; each case commits one mutation to one of its
source files and runs `suture heal --dry-run --json` there, with the checks suture detects
(the project's whole pytest suite, and ruff where the project configures it). The verdict:

- exact: the verified patch gives back the file as published;
- other: verified (the project's own suite passes, no test file changed), but different;
- unfixed: nothing passed verification (the JSON's status and the reason are printed);
- not caught: the project's tests pass with the bug in (nothing to heal; not suture's miss).

The projects' test dependencies (pytest, and what their suites import) must be installed
in the interpreter that runs this script; no case needs the network after the download.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

GIT = ["git", "-c", "user.name=bench", "-c", "user.email=bench@example.invalid"]

PROJECTS = {
    "inflection": "0.5.1",
    "boltons": "26.2.0",
    "tabulate": "0.10.0",
    "cachetools": "8.0.2",
    "click": "8.5.1",
    "six": "1.17.0",
    "more-itertools": "11.2.1",
    "toolz": "1.2.0",
    "itsdangerous": "2.2.0",
    "semver": "3.1.2",
    "idna": "3.20",
}


@dataclass(frozen=True)
class Case:
    name: str
    project: str
    path: str  # in the sdist
    old: str  # exactly once in the file
    new: str


INF, IF = "inflection", "inflection/__init__.py"
B, BS, BI = "boltons", "boltons/strutils.py", "boltons/iterutils.py"
T, TF = "tabulate", "tabulate/__init__.py"
C, CF = "cachetools", "src/cachetools/__init__.py"
K, KF = "click", "src/click/formatting.py"
S, SF = "six", "six.py"
M, MF = "more-itertools", "more_itertools/more.py"
Z, ZF = "toolz", "toolz/itertoolz.py"
D, DF = "itsdangerous", "src/itsdangerous/signer.py"
SIGN = "        mac = hmac.new(key, msg=value, digestmod=self.digest_method)\n"  # mac.digest() is there twice
V, VF = "semver", "src/semver/version.py"
N, NF = "idna", "idna/core.py"

CASES = [
    Case("inflection: missing import re", INF, IF, "import re\n", ""),
    Case("inflection: name typo", INF, IF, "    return word.lower()\n", "    return wrd.lower()\n"),
    Case("inflection: missing colon", INF, IF, "def dasherize(word: str) -> str:", "def dasherize(word: str) -> str"),
    Case("inflection: dropped return", INF, IF, "    return word.lower()\n", "    word.lower()\n"),
    Case("boltons: missing import zlib", B, BS, "import zlib\n", ""),
    Case("boltons: missing import math", B, BI, "import math\n", ""),
    Case("boltons: attribute typo uuid.UID", B, BS, "obj = uuid.UUID(obj)", "obj = uuid.UID(obj)"),
    Case("boltons: int + str", B, BS, "return f'{count} {units}'", "return count + ' ' + units"),
    Case("boltons: wrong keyword", B, BS, "ret = asciify(ret)", "ret = asciify(ret, ignor=False)"),
    Case("boltons: missing argument", B, BS, "units = cardinalize(unit_noun, count)", "units = cardinalize(unit_noun)"),
    Case(
        "tabulate: unclosed bracket",
        T,
        TF,
        "padded_cells = [pad + cell + pad for cell in cells]",
        "padded_cells = [pad + cell + pad for cell in cells",
    ),
    Case("tabulate: name typo", T, TF, '    fmt = "{0:>%ds}" % width\n', '    fmt = "{0:>%ds}" % widht\n'),
    Case(
        "tabulate: missing indent",
        T,
        TF,
        "def _padnone(ignore_width, s):\n    return s\n",
        "def _padnone(ignore_width, s):\nreturn s\n",
    ),
    Case("tabulate: = in a condition", T, TF, "if cells == SEPARATING_LINE:", "if cells = SEPARATING_LINE:"),
    Case("tabulate: unterminated string", T, TF, '    pad = " " * padding\n', '    pad = " * padding\n'),
    Case("cachetools: missing import heapq", C, CF, "import heapq\n", ""),
    Case(
        "cachetools: private attribute typo",
        C,
        CF,
        "        return iter(self.__data)\n",
        "        return iter(self.__dat)\n",
    ),
    Case("cachetools: missing colon", C, CF, "    def __missing__(self, key):", "    def __missing__(self, key)"),
    Case("cachetools: relative import typo", C, CF, "from . import keys\n", "from . import key\n"),
    Case("cachetools: dropped return", C, CF, "        return key in self.__data\n", "        key in self.__data\n"),
    Case(
        "click: name typo",
        K,
        KF,
        "            widths[idx] = max(widths.get(idx, 0), term_len(col))",
        "            widths[idx] = max(widths.get(idx, 0), term_len(cl))",
    ),
    Case("click: import typo", K, KF, "from ._compat import term_len\n", "from ._compat import term_lne\n"),
    Case(
        "click: wrong keyword",
        K,
        KF,
        "        subsequent_indent=subsequent_indent,\n        replace_whitespace=False,",
        "        subsequent_indent=subsequent_indent,\n        replace_whitespaces=False,",
    ),
    Case(
        "click: tuple + str",
        K,
        KF,
        '        yield row + ("",) * (col_count - len(row))',
        '        yield row + "" * (col_count - len(row))',
    ),
    Case(
        "click: unclosed paren",
        K,
        KF,
        "    return tuple(y for x, y in sorted(widths.items()))",
        "    return tuple(y for x, y in sorted(widths.items())",
    ),
    Case("six: attribute typo", S, SF, "PY3 = sys.version_info[0] == 3", "PY3 = sys.version_inf[0] == 3"),
    Case("six: missing import operator", S, SF, "import operator\n", ""),
    Case(
        "six: unexpected indent",
        S,
        SF,
        "PY34 = sys.version_info[0:2] >= (3, 4)",
        "  PY34 = sys.version_info[0:2] >= (3, 4)",
    ),
    Case("more-itertools: missing import math", M, MF, "import math\nimport types\n", "import types\n"),
    Case(
        "more-itertools: name typo",
        M,
        MF,
        "    iterator = iter(partial(take, n, iter(iterable)), [])\n",
        "    iterator = iter(partial(take, n, iter(iterabl)), [])\n",
    ),
    Case(
        "more-itertools: missing comma",
        M,
        MF,
        "    iterator = iter(partial(take, n, iter(iterable)), [])\n",
        "    iterator = iter(partial(take n, iter(iterable)), [])\n",
    ),
    Case("toolz: missing import collections", Z, ZF, "import collections\n", ""),
    Case(
        "toolz: unclosed paren",
        Z,
        ZF,
        "    d = collections.defaultdict(lambda: [].append)\n",
        "    d = collections.defaultdict(lambda: [].append\n",
    ),
    Case("itsdangerous: missing import hmac", D, DF, "import hmac\n", ""),
    Case(
        "itsdangerous: wrong keyword",
        D,
        DF,
        "msg=value, digestmod=self.digest_method)",
        "msg=value, digestmode=self.digest_method)",
    ),
    Case(
        "itsdangerous: attribute typo",
        D,
        DF,
        f"{SIGN}        return mac.digest()\n",
        f"{SIGN}        return mac.digets()\n",
    ),
    Case("semver: missing import re", V, VF, "import re\n", ""),
    Case(
        "semver: attribute typo",
        V,
        VF,
        "return cls(self._major, self._minor + 1)",
        "return cls(self._major, self._minr + 1)",
    ),
    Case("idna: missing import unicodedata", N, NF, "import unicodedata\n", ""),
    Case(
        "idna: stray bracket",
        N,
        NF,
        "    v = unicodedata.combining(chr(cp))\n",
        "    v = unicodedata.combining(chr(cp)))\n",
    ),
]


def fetch(project: str, cache: Path) -> Path:
    """The unpacked sdist of `project` (downloaded and unpacked once)."""
    version = PROJECTS[project]
    unpacked = cache / f"{_normal(project)}-{version}"
    if unpacked.is_dir():
        return unpacked
    cache.mkdir(parents=True, exist_ok=True)
    spec = f"{project}=={version}"
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "-q", "--no-deps", "--no-binary", ":all:", "-d", str(cache), spec],
        check=True,
    )
    archive = next(path for path in cache.glob("*.tar.gz") if path.name.lower().startswith(_normal(project) + "-"))
    with tarfile.open(archive) as tar:
        tar.extractall(cache, filter="data")
    return next(path for path in cache.iterdir() if path.is_dir() and path.name.lower() == unpacked.name)


def _normal(name: str) -> str:
    """A distribution's name as its sdist spells it, lower-case: more-itertools -> more_itertools."""
    return re.sub(r"[-_.]+", "_", name).lower()


def trial(case: Case, cache: Path) -> tuple[str, float, str]:
    """(verdict, seconds of suture heal, detail) for one case."""
    source = fetch(case.project, cache)
    with tempfile.TemporaryDirectory(prefix="suture-oss-") as scratch:
        repo = Path(scratch) / "repo"
        shutil.copytree(source, repo, ignore=shutil.ignore_patterns(".git", "__pycache__", ".pytest_cache"))
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=repo, check=True)
        subprocess.run([*GIT, "add", "-A"], cwd=repo, check=True)
        subprocess.run([*GIT, "commit", "-qm", "as published"], cwd=repo, check=True)
        target = repo / case.path
        text = target.read_text(encoding="utf-8")
        if text.count(case.old) != 1:
            return f"bad mutation ({text.count(case.old)} matches)", 0.0, ""
        target.write_text(text.replace(case.old, case.new), encoding="utf-8")
        subprocess.run([*GIT, "commit", "-qam", "the injected bug"], cwd=repo, check=True)
        start = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "suture", "heal", "--dry-run", "--json"],
            cwd=repo,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.monotonic() - start
        try:
            result = json.loads(done.stdout.strip().splitlines()[-1])
        except (IndexError, json.JSONDecodeError):
            return f"error (exit {done.returncode})", seconds, done.stderr[-800:]
        status = result.get("status")
        if status == "fixed":
            subprocess.run(["git", "apply"], input=result.get("patch", ""), text=True, cwd=repo, check=True)
            same = target.read_text(encoding="utf-8") == text
            return ("exact" if same else "other"), seconds, "" if same else result.get("patch", "")
        if status == "nothing-to-do":
            return "not caught", seconds, ""
        return "unfixed", seconds, f"status {status}: {result.get('reason', '')}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "suture-oss-bench")
    parser.add_argument("only", nargs="*", help="run the cases whose name contains one of these")
    args = parser.parse_args()
    verdicts: dict[str, int] = {}
    times = []
    for case in CASES:
        if args.only and not any(word in case.name for word in args.only):
            continue
        verdict, seconds, detail = trial(case, args.cache)
        verdicts[verdict] = verdicts.get(verdict, 0) + 1
        if verdict in ("exact", "other"):
            times.append(seconds)
        print(f"{case.name:45s} {verdict:12s} {seconds:6.1f}s", flush=True)
        if detail:
            print("    " + detail.strip().replace("\n", "\n    "), flush=True)
    total = sum(verdicts.values())
    caught = total - verdicts.get("not caught", 0)
    healed = verdicts.get("exact", 0) + verdicts.get("other", 0)
    print(
        f"\n{total} cases, {caught} caught by the project's tests; healed {healed}/{caught}, "
        f"exact {verdicts.get('exact', 0)}/{caught}; verdicts {verdicts}"
    )
    if times:
        print(f"median heal time of the healed: {statistics.median(times):.1f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
