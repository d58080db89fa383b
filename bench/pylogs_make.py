"""Python CI logs nobody tuned on: real tools fail in throwaway projects, wrapped as CI wraps them.

    python bench/pylogs_make.py OUT [--seed 1906] [--per-scenario 4] [--tools DIR]
    python bench/logchunks_bench.py OUT --all          # then: the excerpt against the marked chunk

LogChunks' development split has one Python repository, so the Python slice of issue 19
(pytest, unittest, tox, nox, pip's and uv's resolvers, `ModuleNotFoundError` at import,
flake8, ruff, mypy, coverage's gate, a failing `setup.py` build) is checked on logs made
here. Each scenario builds a small project in a temp directory, runs the real tool on it
(`--tools`: a directory of executables put last on PATH, for tox, nox and coverage), and
marks the lines of the tool's output a person reading the log would mark as the reason (the
marks were written with the scenarios, before the distiller was run on any of these logs).
The output is then wrapped as a Travis CI or a GitHub Actions job wraps it: setup steps and
installs before, colour codes, folds or `##[group]`, timestamps, the runner's exit line,
cache and cleanup steps after, sometimes a retry of the failing step.

The result has the layout of ../shared/logchunks-dev (`<lang>__<owner>@<repo>__failed__<id>.log.gz`
and `spans.jsonl`, spans counted as that README says), the scenario standing for the repository.
What it is not: logs of real projects' CI. The tools' output is real; the jobs around it are
imitations, and the person marking is the author of the scenarios.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_SGR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_UNIVERSAL = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Failed:
    """One tool's failing run: what was typed, what it printed, the lines a person marks."""

    command: str
    output: list[str]
    chunk: tuple[int, int]  # [start, end) in `output`


# --- running the tools ----------------------------------------------------------------------


def sh(command: str, cwd: Path, **env: str) -> list[str]:
    """The command's stdout and stderr as one stream of lines (a CI job's view)."""
    done = subprocess.run(
        command,
        shell=True,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PY_COLORS": "1", "FORCE_COLOR": "1", "MYPY_FORCE_COLOR": "1", **env},
        check=False,
        timeout=300,
    )
    if done.returncode == 0:
        raise RuntimeError(f"{command!r} passed in {cwd}; the scenario is broken")
    return done.stdout.decode("utf-8", errors="replace").rstrip("\n").split("\n")


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))


def mark(output: list[str], first: str, last: str, *, then: int = 0) -> tuple[int, int]:
    """From the first line matching `first` to the first line at or after it matching `last`
    (and `then` lines more), matched without colour codes."""
    plain = [_SGR.sub("", line) for line in output]
    start = next(i for i, line in enumerate(plain) if re.search(first, line))
    end = next(i for i in range(start, len(plain)) if re.search(last, plain[i]))
    return start, min(len(output), end + 1 + then)


def mark_all(output: list[str], pattern: str) -> tuple[int, int]:
    """From the first line matching `pattern` to the last one."""
    plain = [_SGR.sub("", line) for line in output]
    hits = [i for i, line in enumerate(plain) if re.search(pattern, line)]
    return hits[0], hits[-1] + 1


# --- the scenarios --------------------------------------------------------------------------

WORDS = ("parse", "render", "merge", "split", "load", "index", "encode", "resolve", "fetch", "sort")


def _tests(rng: random.Random, failing: int) -> str:
    """A test module: passing tests and `failing` failing ones, in a random order."""
    bodies = [f"def test_{w}_ok():\n    assert {w!r}.upper() == {w.upper()!r}\n" for w in rng.sample(WORDS, 5)]
    kinds = [
        "def test_{w}_total():\n    values = [1, 2, 3]\n    assert sum(values) == {n}\n",
        "def test_{w}_keys():\n    got = {{'a': 1, 'b': {n}}}\n    assert got == {{'a': 1, 'b': 2, 'c': 3}}\n",
        "def test_{w}_raises():\n    import json\n    json.loads('{{\"{w}\": ' + str({n}))\n",
        "def helper(x):\n    return x['missing_{w}']\n\n\ndef test_{w}_lookup():\n    assert helper({{}}) == {n}\n",
        "class TestThing:\n    def test_{w}_len(self):\n        assert len('{w}') == {n}\n",
    ]
    for index in range(failing):
        w, n = rng.choice(WORDS) + str(index), rng.randrange(7, 99)
        bodies.insert(rng.randrange(len(bodies) + 1), rng.choice(kinds).format(w=w, n=n))
    return "\n\n".join(bodies)


def _pytest_project(root: Path, rng: random.Random) -> None:
    files = {f"tests/test_{w}.py": _tests(rng, 0) for w in rng.sample(WORDS, 2)}
    files["tests/test_core.py"] = _tests(rng, rng.choice((1, 1, 2, 3)))
    write(root, files)


def _pytest_options(rng: random.Random) -> str:
    return rng.choice(("", "-q", "-v", "-ra", "-q -x", "--tb=short")) + " --color=yes -p no:cacheprovider"


def _first_failure(output: list[str]) -> tuple[int, int]:
    """pytest: the first failed test's section, from its `____ name ____` header to the next
    header or banner (its last location line, or its `E` lines under --tb=short)."""
    plain = [_SGR.sub("", line) for line in output]
    start = next(i for i, line in enumerate(plain) if re.match(r"_{3,} .+ _{3,}$", line))
    end = next(i for i in range(start + 1, len(plain)) if re.match(r"_{3,} .+ _{3,}$|=+ |-+ Captured", plain[i]))
    while not plain[end - 1].strip():
        end -= 1
    return start, end


def pytest_assert(root: Path, rng: random.Random) -> Failed:
    _pytest_project(root, rng)
    command = "pytest " + _pytest_options(rng)
    output = sh(command, root)
    return Failed(command, output, _first_failure(output))


def pytest_collect(root: Path, rng: random.Random) -> Failed:
    _pytest_project(root, rng)
    broken = rng.choice(
        ("import yaml_settings_loader\n", "from tests.helpers import make_fixture\n", "VALUE = undefined_name + 1\n")
    )
    (root / "tests" / "test_config.py").write_text(broken + "\n\ndef test_config():\n    assert VALUE\n")
    command = "python -m pytest " + _pytest_options(rng).replace("-q -x", "-q")
    output = sh(command, root)
    return Failed(command, output, mark(output, r"^_{3,} ERROR collecting", r"^E\s+\w+(Error|Exception)"))


def unittest_failure(root: Path, rng: random.Random) -> Failed:
    w = rng.choice(WORDS)
    write(
        root,
        {
            "tests/__init__.py": "",
            f"tests/test_{w}.py": f"""
            import unittest


            class Test{w.title()}(unittest.TestCase):
                def test_ok(self):
                    self.assertEqual("{w}".upper(), "{w.upper()}")

                def test_{w}_value(self):
                    self.assertEqual(len("{w}"), {rng.randrange(7, 20)})

                def test_{w}_other(self):
                    self.assertTrue(True)
            """,
        },
    )
    command = "python -m unittest discover " + rng.choice(("-v", "", "-b"))
    output = sh(command, root)
    return Failed(command, output, mark(output, r"^(FAIL|ERROR): ", r"^\w+(Error|Exception)\b"))


def tox_env(root: Path, rng: random.Random) -> Failed:
    _pytest_project(root, rng)
    inner = rng.choice(("pytest", "flake8"))
    if inner == "flake8":
        (root / "pkg.py").write_text("import os, sys\ndef f( x ):\n    return x+1\n")
    write(
        root,
        {
            "tox.ini": f"""
            [tox]
            envlist = py311
            skipsdist = true

            [testenv]
            skip_install = true
            allowlist_externals = pytest, flake8
            commands = {"pytest --color=yes -p no:cacheprovider" if inner == "pytest" else "flake8 pkg.py"}
            """
        },
    )
    command = "tox -e py311"
    output = sh(command, root)
    if inner == "flake8":
        return Failed(command, output, mark_all(output, r"^pkg\.py:\d+:\d+: [EWF]\d+"))
    return Failed(command, output, _first_failure(output))


def _missing_import(root: Path, rng: random.Random) -> str:
    missing = rng.choice(("requests_toolbeltx", "ruamel_yamlx", "attr_helpers", "dateparser_tz"))
    write(
        root,
        {
            "app/__init__.py": "",
            "app/__main__.py": "from app.cli import main\n\nmain()\n",
            "app/cli.py": f"import sys\n\nimport {missing}\n\n\ndef main():\n    print({missing}, sys.argv)\n",
        },
    )
    return missing


def nox_import(root: Path, rng: random.Random) -> Failed:
    _missing_import(root, rng)
    write(
        root,
        {
            "noxfile.py": """
            import nox


            @nox.session(python=False)
            def smoke(session):
                session.run("python", "-c", "print('ready')")
                session.run("python", "-m", "app", "--help")
            """
        },
    )
    command = "nox -s smoke"
    output = sh(command, root)
    return Failed(command, output, mark(output, r"^Traceback", r"^ModuleNotFoundError"))


def import_error(root: Path, rng: random.Random) -> Failed:
    _missing_import(root, rng)
    command = "python -m app --version"
    output = sh(command, root)
    return Failed(command, output, mark(output, r"^Traceback", r"^ModuleNotFoundError"))


def _wheel(folder: Path, name: str, version: str, requires: list[str]) -> None:
    """A minimal wheel: metadata and one module, enough for a resolver."""
    dist = f"{name.replace('-', '_')}-{version}"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    metadata += "".join(f"Requires-Dist: {r}\n" for r in requires)
    files = {
        f"{name.replace('-', '_')}/__init__.py": "",
        f"{dist}.dist-info/METADATA": metadata,
        f"{dist}.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{dist}.dist-info/RECORD"] = "".join(f"{n},,\n" for n in files) + f"{dist}.dist-info/RECORD,,\n"
    with zipfile.ZipFile(folder / f"{dist}-py3-none-any.whl", "w") as wheel:
        for path, text in files.items():
            wheel.writestr(path, text)


def _index(root: Path, rng: random.Random) -> tuple[Path, str, str]:
    """A local index where two requirements cannot both be met: a and c pin b apart."""
    wheels = root / "wheels"
    wheels.mkdir()
    a, b, c = rng.sample(("acme-client", "blue-lib", "corelib", "datakit", "eventbus", "fastcodec"), 3)
    for version in ("1.4.0", "2.1.0"):
        _wheel(wheels, b, version, [])
    _wheel(wheels, a, "3.0.1", [f"{b}<2"])
    _wheel(wheels, c, "0.9.2", [f"{b}>=2"])
    return wheels, a, c


def pip_conflict(root: Path, rng: random.Random) -> Failed:
    wheels, a, c = _index(root, rng)
    target = root / "target"
    if rng.random() < 0.3:
        command = f"python -m pip install --no-index --find-links {wheels} --target {target} '{a}==9.0'"
        output = sh(command, root)
        return Failed(command, output, mark(output, r"^ERROR: Could not find a version", r"^ERROR: No matching"))
    command = f"python -m pip install --progress-bar off --no-index --find-links {wheels} --target {target} {a} {c}"
    output = sh(command, root)
    # pip prints the conflict on stdout and its ERROR lines on stderr: in a pipe they come apart
    return Failed(command, output, mark_all(output, r"^The conflict is caused by|^\s+\S+ \S+ depends on "))


def uv_conflict(root: Path, rng: random.Random) -> Failed:
    wheels, a, c = _index(root, rng)
    subprocess.run(["uv", "venv", "-q", ".venv"], cwd=root, check=True)
    command = f"uv pip install --python .venv --no-index --find-links {wheels} {a} {c}"
    output = sh(command, root)
    return Failed(command, output, mark(output, r"No solution found", r"unsatisfiable|requirements are unsat"))


def mypy_errors(root: Path, rng: random.Random) -> Failed:
    lines = [
        "def total(values: list[int]) -> int:\n    return sum(values)\n",
        "def name(user: dict[str, str]) -> str:\n    return user.get('name')\n",
        "def count(text: str) -> int:\n    return text.count('a') + '1'\n",
        "def first(items: list[str]) -> int:\n    return items[0]\n",
        "x: int = 'seven'\n",
        "def call() -> None:\n    total(['a', 'b'])\n",
    ]
    chosen = rng.sample(lines, rng.randrange(2, 5))
    write(root, {"pkg/__init__.py": "", "pkg/core.py": lines[0] + "\n\n" + "\n\n".join(chosen)})
    command = "mypy --strict --no-incremental pkg " + rng.choice(("", "--pretty", "--show-error-codes"))
    output = sh(command, root)
    return Failed(command, output, mark_all(output, r"^pkg/\S+\.py:\d+: (error|note):|^\s+\^|^\s{4}\S"))


_LINT = """
import os, sys
import json
def f( x ):
    y = 1
    if x == None:
        return x+1
    return json.dumps(x) ;
"""


def ruff_check(root: Path, rng: random.Random) -> Failed:
    write(root, {"src/pkg/util.py": _LINT, "src/pkg/__init__.py": ""})
    style = rng.choice(("", "--output-format=concise", "--output-format=full"))
    command = f"ruff check --no-cache --select E,F,W {style} src"
    output = sh(command, root)
    if "concise" in style:
        return Failed(command, output, mark_all(output, r"^src/pkg/util\.py:\d+:\d+: [EFW]\d+"))
    # the full format: each diagnostic with its code frame; the last frame ends at its help line or blank
    start, _ = mark_all(output, r"(^|-->\s*)src/pkg/util\.py:\d+:\d+|^[EFW]\d+ ")
    plain = [_SGR.sub("", line) for line in output]
    end = next(i for i in range(len(plain) - 1, -1, -1) if re.match(r"^Found \d+ error", plain[i]))
    while end > start and not plain[end - 1].strip():
        end -= 1
    return Failed(command, output, (start, end))


def flake8_lint(root: Path, rng: random.Random) -> Failed:
    write(root, {"pkg/util.py": _LINT, "pkg/__init__.py": ""})
    command = "flake8 pkg " + rng.choice(("", "--count", "--show-source", "--max-line-length=100"))
    output = sh(command, root)
    return Failed(command, output, mark_all(output, r"^pkg/util\.py:\d+:\d+: [EFW]\d+|^\s+\^|^\S.*\S$"))


def coverage_gate(root: Path, rng: random.Random) -> Failed:
    write(
        root,
        {
            "pkg/__init__.py": "",
            "pkg/core.py": "def used(x):\n    return x + 1\n\n\n"
            + "".join(f"def unused_{w}(x):\n    if x:\n        return x * 2\n    return 0\n\n\n" for w in WORDS[:4]),
            "tests/test_core.py": "from pkg.core import used\n\n\ndef test_used():\n    assert used(1) == 2\n",
        },
    )
    gate = rng.choice((80, 90, 95))
    command = f"coverage run --source=pkg -m pytest -q -p no:cacheprovider && coverage report --fail-under={gate}"
    output = sh(command, root)
    return Failed(command, output, mark(output, r"^Coverage failure: total of", r"."))


def setup_build(root: Path, rng: random.Random) -> Failed:
    name = rng.choice(("fastparse", "cspeedups", "hashext"))
    write(
        root,
        {
            "setup.py": f"""
            from setuptools import Extension, setup

            setup(name="{name}", version="0.1", ext_modules=[Extension("{name}._speed", ["src/speed.c"])],
                  packages=["{name}"], package_dir={{"": "src"}})
            """,
            f"src/{name}/__init__.py": "",
            "src/speed.c": """
            #include <Python.h>

            static PyObject *speed(PyObject *self, PyObject *args) {
                long n = count_items(args);
                return PyLong_FromLong(n + undefined_total);
            }
            """,
        },
    )
    command = rng.choice(("python setup.py build_ext --inplace", "python setup.py build", "python setup.py develop"))
    output = sh(command, root)
    return Failed(
        command, output, mark(output, r"In function|speed\.c:\d+:\d+: error", r"speed\.c:\d+:\d+: error", then=2)
    )


SCENARIOS: dict[str, Callable[[Path, random.Random], Failed]] = {
    "pytest-assert": pytest_assert,
    "pytest-collect": pytest_collect,
    "unittest": unittest_failure,
    "tox": tox_env,
    "nox-import": nox_import,
    "import-error": import_error,
    "pip-resolver": pip_conflict,
    "uv-resolver": uv_conflict,
    "mypy": mypy_errors,
    "ruff": ruff_check,
    "flake8": flake8_lint,
    "coverage-gate": coverage_gate,
    "setup-py-build": setup_build,
}


# --- the CI job around it -------------------------------------------------------------------

PACKAGES = ("numpy", "attrs", "six", "idna", "certifi", "urllib3", "packaging", "pluggy", "iniconfig", "tomli")


def _installs(rng: random.Random, count: int) -> list[str]:
    out = []
    for name in rng.sample(PACKAGES * 4, count):
        version = f"{rng.randrange(1, 30)}.{rng.randrange(0, 12)}.{rng.randrange(0, 9)}"
        out += [
            f"Collecting {name}>={version.split('.')[0]}",
            f"  Downloading {name}-{version}-py3-none-any.whl (45 kB)",
        ]
    names = " ".join(f"{n}-1.{i}" for i, n in enumerate(PACKAGES[: count // 2 + 1]))
    return [
        *out,
        "Installing collected packages: " + ", ".join(PACKAGES[: count // 2 + 1]),
        f"Successfully installed {names}",
    ]


def _noise(rng: random.Random, count: int) -> list[str]:
    kinds = (
        lambda i: f"copying build/lib/pkg/mod{i}.py -> build/bdist.linux-x86_64/wheel/pkg",
        lambda i: f"Get:{i} http://archive.ubuntu.com/ubuntu jammy/main amd64 libfoo{i} amd64 1.{i}-1 [{i * 7} kB]",
        lambda i: f"Setting up libfoo{i}:amd64 (1.{i}-1) ...",
        lambda i: f"Unpacking libbar{i} (2.{i}) ...",
    )
    return [rng.choice(kinds)(i) for i in range(count)]


@dataclass
class Job:
    """The lines of a job's log being written, and where the tool's marked chunk went."""

    lines: list[str]
    chunk: tuple[int, int] = (0, 0)


def travis(failed: Failed, rng: random.Random) -> Job:
    job = Job([])
    job.lines += [
        "travis_fold:start:worker_info\r\x1b[0K\x1b[33;1mWorker information\x1b[0m",
        "hostname: 8f2a1c0d-0b6e-4d35-a1c4-2f8c6e0b9d11@1.worker-com-5c6b9f-4.gce-production-2",
        "version: v6.2.1 https://github.com/travis-ci/worker/tree/5e5476e01646a7c2a9b0d83d5d3a9b5d0e7d5a43",
        "travis_fold:end:worker_info\r\x1b[0K",
        "travis_fold:start:git.checkout\r\x1b[0Ktravis_time:start:0b1c2d3e\r\x1b[0K$ git clone --depth=50 ...",
        "Cloning into 'owner/project'...",
        "travis_fold:end:git.checkout\r\x1b[0K",
        "\x1b[33;1mSetting environment variables from .travis.yml\x1b[0m",
        "$ export PYTHONWARNINGS=default",
        "$ source ~/virtualenv/python3.11/bin/activate",
        "$ python --version",
        "Python 3.11.7",
        "travis_fold:start:install.1\r\x1b[0Ktravis_time:start:1a2b3c\r\x1b[0K$ pip install -r requirements.txt",
        *_installs(rng, rng.randrange(6, 30)),
        "travis_time:end:1a2b3c:start=1,finish=2,duration=1\r\x1b[0Ktravis_fold:end:install.1\r\x1b[0K",
        *_noise(rng, rng.randrange(0, 300)),
    ]
    for attempt in range(rng.choice((1, 1, 1, 2))):
        job.lines.append(f"travis_time:start:2b3c4d{attempt}\r\x1b[0K$ {failed.command}")
        start = len(job.lines)
        job.lines += failed.output
        job.chunk = (start + failed.chunk[0], start + failed.chunk[1])  # the last attempt's
        job.lines.append(f"travis_time:end:2b3c4d{attempt}:start=2,finish=3,duration=1\r\x1b[0K")
        job.lines.append(f'\x1b[31;1mThe command "{failed.command}" exited with 1.\x1b[0m')
    job.lines += [
        "travis_fold:start:cache.2\r\x1b[0Kstore build cache",
        *(f"change detected: /home/travis/.cache/pip/wheels/{i:02x}" for i in range(rng.randrange(0, 40))),
        "travis_fold:end:cache.2\r\x1b[0K",
        "",
        "Done. Your build exited with 1.",
    ]
    return job


def github(failed: Failed, rng: random.Random) -> Job:
    body: list[str] = ["##[group]Run actions/checkout@v4", "with:", "  fetch-depth: 1", "##[endgroup]"]
    body += ["Syncing repository: owner/project", "##[group]Run pip install -e .[test]", "pip install -e .[test]"]
    body += ["shell: /usr/bin/bash -e {0}", "##[endgroup]", *_installs(rng, rng.randrange(6, 30))]
    body += _noise(rng, rng.randrange(0, 300))
    chunk = (0, 0)
    for _ in range(rng.choice((1, 1, 1, 2))):
        body += [f"##[group]Run {failed.command}", failed.command, "shell: /usr/bin/bash -e {0}", "##[endgroup]"]
        start = len(body)
        body += failed.output
        chunk = (start + failed.chunk[0], start + failed.chunk[1])
        body.append("##[error]Process completed with exit code 1.")
    body += ["Post job cleanup.", "[command]/usr/bin/git version", "git version 2.43.0"]
    body += [f"Cleaning up orphan processes {i}" for i in range(rng.randrange(0, 20))]
    day, seconds = rng.randrange(1, 28), rng.randrange(0, 3000)
    stamps = (
        f"2026-11-{day:02d}T10:{(seconds + i // 40) // 60 % 60:02d}:{(seconds + i // 40) % 60:02d}"
        for i in range(len(body))
    )
    lines = [f"{stamp}.{rng.randrange(10**7):07d}Z {line}" for stamp, line in zip(stamps, body, strict=True)]
    return Job(lines, chunk)


# --- writing --------------------------------------------------------------------------------


def text_mode_index(lines: list[str], index: int) -> int:
    """The 0-based line `index` (split on `\\n`) as text mode counts lines (a lone `\\r` ends one too)."""
    return sum(len(_UNIVERSAL.split(line)) for line in lines[:index])


def make(out: Path, seed: int, per_scenario: int, tools: Path | None) -> None:
    if tools is not None:
        os.environ["PATH"] = f"{os.environ['PATH']}{os.pathsep}{tools}"
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    rows = []
    for name, scenario in SCENARIOS.items():
        for number in range(per_scenario):
            with tempfile.TemporaryDirectory(prefix="pylog-") as work:
                failed = scenario(Path(work), rng)
            job = rng.choice((travis, github))(failed, rng)
            file = f"Python__synthetic@{name}__failed__{seed}{number:03d}.log.gz"
            text = "\n".join(job.lines) + "\n"
            (out / file).write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))
            start, end = job.chunk
            span = [text_mode_index(job.lines, start), text_mode_index(job.lines, end)]
            chunk = "\n".join(job.lines[start:end])
            rows.append(
                {
                    "file": file,
                    "log": file,
                    "lang": "Python",
                    "category": name,
                    "chunk": chunk,
                    "match": "span",
                    "span": span,
                    "log_lines": len(job.lines),
                    "chunk_lines": end - start,
                    "wrapper": job_kind(job),
                }
            )
            print(f"{file}: {end - start} marked lines of {len(job.lines)}", file=sys.stderr)
    (out / "spans.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))


def job_kind(job: Job) -> str:
    return "github" if job.lines and job.lines[0][:4].isdigit() else "travis"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=1906)
    parser.add_argument("--per-scenario", type=int, default=4)
    parser.add_argument("--tools", type=Path, help="a directory of executables (tox, nox, coverage) put last on PATH")
    args = parser.parse_args(argv)
    make(args.out, args.seed, args.per_scenario, args.tools)
    return 0


if __name__ == "__main__":
    sys.exit(main())
