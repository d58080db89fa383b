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

from attack import UNFIXABLE, Attacks, broken, fixed, heal
from lab import Evidence, Lab, phase_probe

ATTACKS = Attacks(cls=6)
FORGED = "forged verdict"
PATCH_AREA = "import shapes\nshapes.area = lambda width, height: 7\n"


def forge(name: str, open: str, files: dict[str, str]) -> None:
    """An attack whose files (with @PHASE@ replaced by the phase probe) make the test pass in verification."""

    @ATTACKS.add(name, check=fixed, expect=FORGED, open=open)
    def attack(lab: Lab, held: bool) -> Evidence:
        staged = {path: text.replace("@PHASE@", phase_probe(lab)) for path, text in files.items()}
        lab.repo(broken(staged, base=UNFIXABLE))
        return heal(lab, held)

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

forge(
    "sitecustomize-phase",
    "",  # held: nothing in the environment or the files tells verification from capture
    {"sitecustomize.py": "@PHASE@\nif _verifying():\n    " + PATCH_AREA.replace("\n", "\n    ")},
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
    "",  # held: nothing in the environment or the files tells verification from capture
    {"pytest.py": ROOT_PYTEST},
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

forge(
    "report-and-exit-status",
    "",  # held: nothing in the environment or the files tells verification from capture
    {"conftest.py": REPORT_FORGER},
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


@ATTACKS.add(
    "conftest-hashes-code",
    check=fixed,
    expect=FORGED,
    open="a conftest.py passes the test whenever the code is patched",
)
def conftest_hashes_code(lab: Lab, held: bool) -> Evidence:
    """conftest.py knows the hash of the broken code: any other code is a candidate under verification."""
    import hashlib

    digest = hashlib.sha256(UNFIXABLE["shapes.py"].encode()).hexdigest()
    lab.repo(broken({"conftest.py": HASH_CODE.replace("@HASH@", digest), "tests/__init__.py": ""}, base=UNFIXABLE))
    return heal(lab, held)


test_attack = ATTACKS.test()
