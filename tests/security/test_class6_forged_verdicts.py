"""Class 6: verdicts repository code can forge.

The repository's test wants `area(2, 3) == 7` from code that computes 6 (after a NameError the
ladder repairs): no honest patch passes it, so `fixed` can only be a forged verdict. Each
attack forges it through another vehicle (conftest.py, sitecustomize.py, a root pytest.py, an
addopts plugin) and another tell of verification (suture's phase variables, the hash of the
code under test, the report file it can write).

The control runs the same repository without the sandbox, where the payload can also tell
verification by the notes it keeps between runs (the first test run is the capture): the
judge sees the forged `fixed`.
"""

from __future__ import annotations

from attack import UNFIXABLE, Attacks, Run, broken, fixed, heal
from lab import Evidence, Lab, phase_probe

ATTACKS = Attacks(cls=6)
FORGED = "forged verdict"
PATCH_AREA = "import shapes\nshapes.area = lambda width, height: 7\n"


def forge(name: str, open: str, files: dict[str, str], *, control: Run | None = None) -> None:
    """An attack whose files (with @PHASE@ replaced by the phase probe) make the test pass in verification.
    The control runs suture without the sandbox, or `control` (an unprotected reader)."""

    @ATTACKS.add(name, check=fixed, expect=FORGED, open=open)
    def attack(lab: Lab, held: bool) -> Evidence:
        staged = {path: text.replace("@PHASE@", phase_probe(lab)) for path, text in files.items()}
        lab.repo(broken(staged, base=UNFIXABLE))
        return heal(lab, held) if held or control is None else control(lab, held)

    attack.__doc__ = f"{name}: " + ", ".join(files)


AUTOUSE = """\
@PHASE@
import pytest


@pytest.fixture(autouse=True)
def _forge(monkeypatch):
    if _verifying():
        import shapes
        monkeypatch.setattr(shapes, "area", lambda width, height: 7)
        import tests.test_shapes as module
        monkeypatch.setattr(module, "area", lambda width, height: 7)
"""

forge(
    "conftest-phase-variables",
    "",  # held: nothing in the environment or the files tells verification from capture
    {"conftest.py": AUTOUSE, "tests/__init__.py": ""},
)

AS_WRITTEN = ("--test-cmd", "python -m pytest -q && true")  # through the shell: suture starts it as written


def as_written(lab: Lab, held: bool) -> Evidence:
    """The control of a stand-in for the runner: no sandbox, and the check run as written (not by
    the interpreter's own pytest, capture/start.py), so the tree's module is imported."""
    return heal(lab, held, *AS_WRITTEN)


forge(
    "sitecustomize-phase",
    "",  # held: no phase tell, and the tree's sitecustomize.py never runs in pytest's process
    {"sitecustomize.py": "@PHASE@\nif _verifying():\n    " + PATCH_AREA.replace("\n", "\n    ")},
    control=as_written,
)

forge(
    "addopts-plugin",
    "",  # held: nothing in the environment or the files tells verification from capture
    {
        "pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-p forger"\n',
        "forger.py": AUTOUSE,
        "tests/__init__.py": "",
    },
)

ROOT_PYTEST = '''\
"""A root pytest.py: `python -m pytest` imports it instead of the real one."""
@PHASE@
import json, os, sys

if _verifying():
    node = "tests/test_shapes.py::test_area"
    lines = [{"event": "started"}, {"event": "collected", "ids": [node]}]
    lines += [{"event": "result", "id": node, "when": w, "outcome": "passed"} for w in ("setup", "call", "teardown")]
    lines += [{"event": "finished", "exitstatus": 0}]
    try:  # suture's report descriptor (capture/channel.py)
        os.write(198, "".join(json.dumps(line) + "\\n" for line in lines).encode())
    except OSError:
        pass
    print("1 passed in 0.01s")
    sys.exit(0)
here = os.path.dirname(os.path.abspath(__file__))
saved = sys.path[:]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
sys.modules.pop("pytest", None)
import pytest as real
sys.path[:] = saved
sys.exit(real.console_main())
'''

forge(
    "root-pytest-py",
    "",  # held: no phase tell, and pytest is the interpreter's own (capture/start.py), not the tree's
    {"pytest.py": ROOT_PYTEST},
    control=as_written,
)

REPORT_FORGER = """\
@PHASE@
import json, os


def pytest_sessionfinish(session, exitstatus):
    if _verifying():  # suture's report (descriptor 198) rewritten whole, then out before pytest's summary
        node = "tests/test_shapes.py::test_area"
        lines = [{"event": "started"}, {"event": "collected", "ids": [node]}]
        phases = ("setup", "call", "teardown")
        lines += [{"event": "result", "id": node, "when": w, "outcome": "passed"} for w in phases]
        lines += [{"event": "finished", "exitstatus": 0}]
        try:
            os.ftruncate(198, 0)
            os.lseek(198, 0, 0)
            os.write(198, "".join(json.dumps(line) + "\\n" for line in lines).encode())
        except OSError:
            pass
        os._exit(0)
"""

# The control: the report as a file suture reads back after the run (as it was until the report
# became a socket suture reads as it comes), judged by suture's own witnesses: capture, then
# verification, whose report the conftest rewrote whole.
FILE_REPORT = """\
import json, os, subprocess, sys, tempfile
from suture.capture import agreement, report

for run in ("capture", "verification"):
    with tempfile.TemporaryFile() as handle:
        os.dup2(handle.fileno(), 198)
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], pass_fds=(198,),
                              capture_output=True, text=True)
        data = os.pread(198, 1 << 20, 0)
found = report.summary(report.events(report.kept_lines(data, cut=False)))
doubt = agreement.disagreement("pytest", done.returncode, done.stdout, found)
print(json.dumps({"status": "fixed" if done.returncode == 0 and not doubt else "unfixed", "doubt": doubt}))
"""


def file_report(lab: Lab, held: bool) -> Evidence:
    return lab.python(FILE_REPORT, timeout=120)


forge(
    "report-and-exit-status",
    "",  # held: the report is a socket suture reads as it comes: what it read cannot be rewritten
    {"conftest.py": REPORT_FORGER},
    control=file_report,
)

REWRITE_TEST = """\
@PHASE@


def pytest_collect_file(file_path, parent):
    if file_path.name == "test_shapes.py" and _verifying():  # collected after suture reset the tests
        file_path.write_text(file_path.read_text().replace("== 7", "== 6"))
"""

forge(
    "rewrite-test-file",
    "",  # held: nothing in the environment or the files tells verification from capture
    {"conftest.py": REWRITE_TEST},
)

HASH_CODE = """\
import hashlib, pathlib
import pytest

ORIGINAL = "@HASH@"


@pytest.fixture(autouse=True)
def _forge(monkeypatch):
    code = (pathlib.Path(__file__).parent / "shapes.py").read_bytes()
    if hashlib.sha256(code).hexdigest() != ORIGINAL:  # patched: suture is verifying a candidate
        import tests.test_shapes as module
        monkeypatch.setattr(module, "area", lambda width, height: 7)
"""


@ATTACKS.add("conftest-hashes-code", check=fixed, expect=FORGED)
def conftest_hashes_code(lab: Lab, held: bool) -> Evidence:
    """conftest.py, added by the pull request, knows the hash of the broken code: any other code is a
    candidate under verification. Held: the pull request's target is named (--base), and the fix is
    verified again without the conftest.py the target does not have. The control names no base."""
    import hashlib

    digest = hashlib.sha256(UNFIXABLE["shapes.py"].encode()).hexdigest()
    lab.repo(UNFIXABLE, message="the target branch")
    lab.repo({"conftest.py": HASH_CODE.replace("@HASH@", digest), "tests/__init__.py": ""})
    return heal(lab, held, *(("--base", "HEAD~1") if held else ()), unsandboxed=False)


@ATTACKS.add("plugin-module-hashes-code", check=fixed, expect=FORGED)
def plugin_module_hashes_code(lab: Lab, held: bool) -> Evidence:
    """The target's conftest.py loads a fixture module (`pytest_plugins`); the pull request leaves the
    conftest alone and rewrites the module into the forger. Held: a module the conftest files load is
    test infrastructure too (verify/infrastructure.py follows them), so the fix is verified again
    with the target's module. The control names no base."""
    import hashlib

    digest = hashlib.sha256(UNFIXABLE["shapes.py"].encode()).hexdigest()
    plugin = {"conftest.py": 'pytest_plugins = ["tests.support"]\n', "tests/__init__.py": ""}
    lab.repo({**UNFIXABLE, **plugin, "tests/support.py": "import pytest\n"}, message="the target branch")
    forger = HASH_CODE.replace("@HASH@", digest).replace("Path(__file__).parent", "Path(__file__).parent.parent")
    lab.repo({"tests/support.py": forger})
    return heal(lab, held, *(("--base", "HEAD~1") if held else ()), unsandboxed=False)


# A stand-in for the runner that knows the hash of the broken code: when the code differs, it is
# a candidate under verification, and it reports a pass on its own (suture's report descriptor,
# pytest's summary line, exit status 0), all witnesses agreeing. Held: a check that runs pytest
# alone is started by the interpreter's pytest (capture/start.py), with no site of the tree's;
# the control runs the same check through the shell (`&& true`), which suture starts as written.
STAND_IN = """\
import hashlib, json, os, sys

if hashlib.sha256(open(os.path.join(os.getcwd(), "shapes.py"), "rb").read()).hexdigest() != "@HASH@":
    node = "tests/test_shapes.py::test_area"
    lines = [{"event": "started"}, {"event": "collected", "ids": [node]}]
    lines += [{"event": "result", "id": node, "when": "call", "outcome": "passed"}]
    lines += [{"event": "finished", "exitstatus": 0}]
    try:
        os.write(198, "".join(json.dumps(line) + "\\n" for line in lines).encode())
    except OSError:
        pass
    sys.stdout.write("1 passed in 0.01s\\n")
    sys.stdout.flush()
    os._exit(0)
"""
FALL_THROUGH = """
import os, sys
here = os.path.dirname(os.path.abspath(os.path.dirname(__file__) if "__main__" in __file__ else __file__))
saved = sys.path[:]
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]
sys.modules.pop("pytest", None)
import pytest as real
sys.path[:] = saved
sys.exit(real.console_main())
"""


def stand_in(name: str, files: dict[str, str]) -> None:
    @ATTACKS.add(name, check=fixed, expect=FORGED)
    def attack(lab: Lab, held: bool) -> Evidence:
        import hashlib

        digest = hashlib.sha256(UNFIXABLE["shapes.py"].encode()).hexdigest()
        lab.repo(broken({path: text.replace("@HASH@", digest) for path, text in files.items()}, base=UNFIXABLE))
        return heal(lab, held, *(() if held else AS_WRITTEN), unsandboxed=False)

    attack.__doc__ = f"{name}: " + ", ".join(files) + " stands in for pytest when the code is patched"


stand_in("root-pytest-hashes-code", {"pytest.py": STAND_IN + FALL_THROUGH})
stand_in("pytest-package-hashes-code", {"pytest/__init__.py": STAND_IN, "pytest/__main__.py": FALL_THROUGH})
stand_in("sitecustomize-hashes-code", {"sitecustomize.py": STAND_IN})

test_attack = ATTACKS.test()
