"""Class 7: resource exhaustion and hostile file types.

Every payload limits itself (a few hundred processes that exit within seconds, sparse files,
a few hundred MB at most) so that the suite cannot harm the machine it runs on; every process
the lab starts also has its address space capped. The judge: a crash (exit 3), a hang (the
process group killed), a limit the check could have breached (its own report), the user's
.git/objects grown. The control runs the payload against an unprotected reader or on the host.
"""

from __future__ import annotations

import os
import sys

from attack import Attacks, broken, diagnose, heal
from lab import Evidence, Lab

ATTACKS = Attacks(cls=7)
BREACHED = "SUTURE-LIMIT-BREACHED"  # spelt in two halves in the payloads: their source is shown on failure


def breached(lab: Lab, evidence: Evidence) -> list[str]:
    """The check's own report that a limit it tried was not there."""
    text = evidence.stdout + evidence.stderr
    return [f"no limit: {line.strip()[:160]}" for line in text.splitlines() if BREACHED in line][:1]


def limit_probe(body: str) -> dict[str, str]:
    test = f"import os, resource, sys, time\n\n\ndef test_limit():\n{body}"
    return broken({"tests/test_limit.py": test})


FORKS = """\
    children = []
    try:
        for _ in range(300):
            pid = os.fork()
            if pid == 0:
                time.sleep(2)
                os._exit(0)
            children.append(pid)
    except OSError:
        pass
    for pid in children:
        os.waitpid(pid, 0)
    assert len(children) < 300, "SUTURE-LIMIT-" + "BREACHED: " + str(len(children)) + " processes"
"""


@ATTACKS.add("fork-bomb", check=breached, expect="no limit")
def fork_bomb(lab: Lab, held: bool) -> Evidence:
    """A test forks 300 children that sleep two seconds (a fork bomb, capped)."""
    lab.repo(limit_probe(FORKS))
    return diagnose(lab, True) if held else lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


SPARSE = """\
    path = "big.bin"
    try:
        with open(path, "wb") as handle:
            handle.truncate(64 * 2**30)
            handle.seek(64 * 2**30 - 1)
            handle.write(b"x")
        size = os.path.getsize(path)
    except OSError:
        size = 0
    finally:
        if os.path.exists(path):
            os.unlink(path)
    assert size == 0, "SUTURE-LIMIT-" + "BREACHED: wrote a " + str(size) + "-byte file"
"""


@ATTACKS.add("file-size", check=breached, expect="no limit")
def file_size(lab: Lab, held: bool) -> Evidence:
    """A test writes the last byte of a 64 GiB file (sparse: no disk used)."""
    lab.repo(limit_probe(SPARSE))
    return diagnose(lab, True) if held else lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


LATE = """\
import os, pathlib


def pytest_unconfigure(config):
    report = os.environ.get("SUTURE_PYTEST_REPORT")
    if report:
        path = pathlib.Path(report).parent / {name!r}
        if os.path.lexists(path):
            path.unlink()
{make}
"""


def late(name: str, make: str) -> str:
    return LATE.format(name=name, make=make)


@ATTACKS.add("fifo-report", expect="hang")
def fifo_report(lab: Lab, held: bool) -> Evidence:
    """report.jsonl becomes a FIFO nobody writes: a reader that opens it waits forever."""
    lab.repo(broken({"conftest.py": late("report.jsonl", "        os.mkfifo(path)")}))
    if held:
        return diagnose(lab, True, timeout=60)
    fifo = lab.root / "fifo"
    os.mkfifo(fifo)
    return lab.python(f"open({str(fifo)!r}).read()", timeout=5)


@ATTACKS.add("sparse-output-log", expect="exit code")
def sparse_output_log(lab: Lab, held: bool) -> Evidence:
    """output.log becomes a 64 GiB sparse file: a reader that reads it whole runs out of memory."""
    make = "        with open(path, 'wb') as handle:\n            handle.truncate(64 * 2**30)"
    lab.repo(broken({"conftest.py": late("output.log", make)}))
    if held:
        return diagnose(lab, True)
    sparse = lab.root / "sparse"
    with open(sparse, "wb") as handle:
        handle.truncate(64 * 2**30)
    return lab.python(f"open({str(sparse)!r}, 'rb').read()")


@ATTACKS.add("python-version-pagemap", expect="exit code")
def python_version_pagemap(lab: Lab, held: bool) -> Evidence:
    """The commit's .python-version is a symlink to /proc/self/pagemap (the reader's own, endless)."""
    lab.repo(broken(), symlinks={".python-version": "/proc/self/pagemap"})
    if held:
        return heal(lab, True, timeout=90)
    return lab.python(f"open({str(lab.checkout / '.python-version')!r}, 'rb').read()", timeout=20)


DEEP = "[" * 200_000


@ATTACKS.add("deep-brackets-output", expect="exit code")
def deep_brackets_output(lab: Lab, held: bool) -> Evidence:
    """The failing test's message is a 200,000-deep bracket line."""
    test = f"def test_deep():\n    raise ValueError({DEEP!r})\n"
    lab.repo(broken({"tests/test_deep.py": test}))
    if held:
        return diagnose(lab, True)
    return lab.python(f"import ast; ast.literal_eval({DEEP + ']' * len(DEEP)!r})")


@ATTACKS.add("report-event-without-ids", expect="exit code")
def report_event_without_ids(lab: Lab, held: bool) -> Evidence:
    """conftest.py appends {"event": "collected"} and {"event": "result"} (no ids) to suture's report."""
    conftest = (
        "import os\n\n\ndef pytest_unconfigure(config):\n"
        "    with open(os.environ.get('SUTURE_PYTEST_REPORT', os.devnull), 'a') as handle:\n"
        '        handle.write(\'{"event": "collected"}\\n{"event": "result"}\\n\')\n'
    )
    lab.repo(broken({"conftest.py": conftest}))
    if held:
        return diagnose(lab, True)
    return lab.python("import json\nfor line in ['{\"event\": \"collected\"}']:\n    json.loads(line)['ids']")


LONG = "def label(n):\n    return 'n=' + n" + " + ''" * 800 + "\n"


@ATTACKS.add("long-expression", expect="exit code")
def long_expression(lab: Lab, held: bool) -> Evidence:
    """`'n=' + n + '' + ... ` (800 terms) fails with a TypeError the concatenation fixer handles."""
    test = "from label import label\n\n\ndef test_label():\n    assert label(3).startswith('n=3')\n"
    lab.repo({"label.py": LONG, "tests/test_label.py": test})
    if held:
        return heal(lab, True)
    return lab.python(f"import ast; ast.unparse(ast.parse({LONG!r}))")


GENERATE = """\
import os, pathlib


def pytest_unconfigure(config):
    out = pathlib.Path(__file__).parent / "generated"
    out.mkdir(exist_ok=True)
    for index in range(6):
        (out / f"blob{index}.bin").write_bytes(os.urandom(10 * 2**20))
"""


@ATTACKS.add("generated-files-into-objects", expect="objects grew")
def generated_files_into_objects(lab: Lab, held: bool) -> Evidence:
    """The first of two checks leaves 60 MB of random files; suture snapshots the tree with git add --all.

    Through heal: the capture's checks and the candidate's (a snapshot with the patch in it) both
    run twice."""
    two = '[tool.suture]\ntest-cmd = ["python -m pytest -q", "python -c pass"]\n'
    lab.repo(broken({"conftest.py": GENERATE, "pyproject.toml": two}))
    if held:
        return heal(lab, True)
    tree, index = lab.root / "plain", lab.root / "index"
    script = (
        f"git worktree add -q --detach {tree} HEAD && cd {tree} && PYTHONPATH=. python -m pytest -q >/dev/null; "
        f"GIT_INDEX_FILE={index} git add --all && git write-tree"
    )
    return lab.host(["sh", "-c", script])


AKIA = "AKIA-" * 200_000


@ATTACKS.add("redactor-akia", expect="hang")
def redactor_akia(lab: Lab, held: bool) -> Evidence:
    """The failure message is "AKIA-" * 200,000 (1 MB): a redactor that backtracks takes quadratic time."""
    lab.repo(broken({"tests/test_akia.py": "def test_akia():\n    raise ValueError('AKIA-' * 200_000)\n"}))
    if held:
        return diagnose(lab, True, timeout=90)
    return lab.python(f"import re; re.findall(r'(?:AKIA-)*AKIA[0-9A-Z]{{16}}', {AKIA!r})", timeout=5)


test_attack = ATTACKS.test()
