"""Weakened tests (docs/security.md): a diff that skips, deselects, exits early, hides coverage,
edits a protected file or section, or outgrows its budget is rejected before it is applied,
and again before it is published.

The table tests drive `policy` with diffs; the stub fixers go through the real verify path
(`verify()` on a real failing repository, in the sandbox); the last test hands a bad patch to
a real Publisher over a loopback forge, which must not receive a single call that changes it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, make_repo, snapshot
from projects import CLASSIC, PYTEST
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.diffs import join, unified
from suture.records import Build, Candidate, Diagnosis, Proposal, Rules
from suture.run.sandbox import Bubblewrap
from suture.verify import policy
from suture.verify.trial import verify

CALC = CLASSIC["calc.py"]
FIXED_CALC = CALC.replace('"The result is: " + result', 'f"The result is: {result}"')
TEST = CLASSIC["tests/test_calc.py"]
PYPROJECT = (
    "[project]\nname = 'calc'\nversion = '0.1'\ndependencies = ['click']\n\n"
    "[tool.pytest.ini_options]\ntestpaths = ['tests']\n\n[tool.coverage.run]\nbranch = true\n"
)
SETUP_CFG = "[metadata]\nname = calc\n\n[options]\ninstall_requires = click\n\n[tool:pytest]\ntestpaths = tests\n"
FILES = {**CLASSIC, "pyproject.toml": PYPROJECT, "setup.cfg": SETUP_CFG, ".github/workflows/ci.yml": "on: push\n"}


def added(path: str, text: str) -> str:
    """The diff creating `path` with `text`."""
    lines = text.splitlines(keepends=True)
    body = "".join(f"+{line}" for line in lines)
    header = f"diff --git a/{path} b/{path}\nnew file mode 100644\n--- /dev/null\n+++ b/{path}\n"
    return f"{header}@@ -0,0 +1,{len(lines)} @@\n{body}"


def calc_with(extra_before: str = "", extra_inside: str = "") -> str:
    new = extra_before + FIXED_CALC.replace("    result = a + b\n", "    result = a + b\n" + extra_inside)
    return unified("calc.py", CALC, new)


# (name, diff, the finding expected): each weakens the checks while fixing the bug, or pretends to.
TAMPERED = [
    ("skip-marker", calc_with("import pytest\n\n\n@pytest.mark.skip(reason='later')\n"), "skip or xfail marker"),
    ("xfail-marker", calc_with("import pytest\n\n\n@pytest.mark.xfail\n"), "skip or xfail marker"),
    ("unittest-skip", calc_with("import unittest\n\n\n@unittest.skip('later')\n"), "unittest skip"),
    ("pytest-skip-call", calc_with("import pytest\npytest.skip('no', allow_module_level=True)\n"), "pytest.skip("),
    ("sys-exit-0", calc_with("import sys\nsys.exit(0)\n"), "early exit"),
    ("os-exit", calc_with("import os\nos._exit(0)\n"), "early exit"),
    ("raise-systemexit", calc_with("raise SystemExit(0)\n"), "raise SystemExit"),
    ("pragma-no-cover", calc_with(extra_inside="    if a is None:  # pragma: no cover\n        pass\n"), "no cover"),
    ("assert-true", calc_with(extra_inside="    assert True\n"), "assert True"),
    ("collection-hook", calc_with("def pytest_collection_modifyitems(items):\n    items.clear()\n\n\n"), "pytest hook"),
    ("env-addopts", calc_with("import os\nos.environ['PYTEST_ADDOPTS'] = '-k nothing'\n"), "PYTEST_ADDOPTS"),
    (
        "pyproject-addopts",
        unified("pyproject.toml", PYPROJECT, PYPROJECT.replace("testpaths", "addopts = '-k not add'\ntestpaths")),
        "addopts",
    ),
    (
        "pyproject-deselect",
        unified(
            "pyproject.toml",
            PYPROJECT,
            PYPROJECT.replace("testpaths = ['tests']", "testpaths = ['tests']\naddopts = ['--deselect', 'x']"),
        ),
        "--deselect",
    ),
    (
        "setup-cfg-k",
        unified("setup.cfg", SETUP_CFG, SETUP_CFG + "addopts = -k 'not test_add'\n"),
        "pytest -k",
    ),
    ("tox-ini", added("tox.ini", "[pytest]\naddopts = -p no:cacheprovider\n"), "the test file tox.ini"),
    ("gitattributes", added(".gitattributes", "*.py filter=evil\n"), "the git file .gitattributes"),
    ("gitmodules", added(".gitmodules", '[submodule "x"]\n\tpath = x\n'), "the git file .gitmodules"),
    ("workflow", unified(".github/workflows/ci.yml", "on: push\n", "on: workflow_dispatch\n"), "CI configuration"),
    ("lockfile", added("poetry.lock", "# empty\n"), "the lockfile"),
    ("conftest-in-src", added("src/conftest.py", "collect_ignore = ['tests']\n"), "the test file src/conftest.py"),
]


@pytest.mark.parametrize(("diff", "expected"), [(d, e) for _, d, e in TAMPERED], ids=[n for n, _, _ in TAMPERED])
def test_each_tamper_pattern_is_rejected(diff: str, expected: str) -> None:
    found = policy.diff_findings(diff, Rules())
    assert any(expected in finding for finding in found), found


def test_a_plain_fix_and_a_dependency_edit_pass() -> None:
    dependency = unified("pyproject.toml", PYPROJECT, PYPROJECT.replace("['click']", "['click', 'rich']"))
    assert policy.diff_findings(join([unified("calc.py", CALC, FIXED_CALC), dependency]), Rules()) == ()


def test_an_exit_with_a_real_status_is_not_tampering() -> None:
    main = "import sys\n\n\ndef main():\n    return 0\n"
    for ending in ("sys.exit(main())\n", "raise SystemExit(main())\n"):
        assert policy.diff_findings(unified("cli.py", main, main + ending), Rules()) == ()


def test_a_pattern_already_there_is_not_added() -> None:
    """Editing a line that already carries `# pragma: no cover` adds nothing: only net additions count."""
    old = "def f(x):  # pragma: no cover\n    return x +\n"
    new = "def f(x):  # pragma: no cover\n    return x + 1\n"
    both = "def f(y):  # pragma: no cover\n    return y + 1\n"
    assert policy.diff_findings(unified("m.py", old, new), Rules()) == ()
    assert policy.diff_findings(unified("m.py", new, both), Rules()) == ()


def test_a_rename_into_a_protected_path_is_seen() -> None:
    """No ---/+++ lines: the paths are only in the `diff --git` and `rename` headers."""
    rename = "diff --git a/hook.py b/conftest.py\nsimilarity index 100%\nrename from hook.py\nrename to conftest.py\n"
    assert "touches the test file conftest.py" in policy.diff_findings(rename, Rules())


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (Rules(max_files=1), "changes 2 files, more than the budget of 1 (max-files)"),
        (Rules(max_lines=3), "changes 4 lines, more than the budget of 3 (max-lines)"),
        (Rules(protect=("calc.py",)), "touches the protected file calc.py"),
    ],
)
def test_the_budget_and_extra_protection_are_configurable(rules: Rules, expected: str) -> None:
    diff = join([unified("calc.py", CALC, FIXED_CALC), unified("util.py", "x = 1\n", "x = 2\n")])
    assert policy.diff_findings(diff, Rules()) == ()
    assert expected in policy.diff_findings(diff, rules)


def test_allow_paths_exempts_protected_files_but_never_tests() -> None:
    workflow = unified(".github/workflows/ci.yml", "on: push\n", "on: workflow_dispatch\n")
    test = unified("tests/test_calc.py", TEST, TEST.replace("assert True", "assert 1"))
    allowing = Rules(allow=(".github/*", "tests/*"))
    assert policy.diff_findings(workflow, allowing) == ()
    assert "touches the test file tests/test_calc.py" in policy.diff_findings(test, allowing)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("policy") / "repo", FILES)


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


@pytest.mark.parametrize(
    ("path", "old", "new", "section"),
    [
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("['tests']", "['src']"), "[tool.pytest]"),
        ("pyproject.toml", PYPROJECT, PYPROJECT.replace("branch = true", "branch = false"), "[tool.coverage]"),
        ("pyproject.toml", PYPROJECT, PYPROJECT + "\n[tool.suture]\nmax-lines = 9999\n", "[tool.suture]"),
        ("setup.cfg", SETUP_CFG, SETUP_CFG.replace("testpaths = tests", "testpaths = src"), "[tool:pytest]"),
        ("setup.cfg", SETUP_CFG, SETUP_CFG + "\n[coverage:report]\nfail_under = 0\n", "[coverage:report]"),
    ],
    ids=["pytest", "coverage", "suture", "setup-cfg-pytest", "setup-cfg-coverage"],
)
def test_protected_sections_of_editable_files(repo: Path, path: str, old: str, new: str, section: str) -> None:
    found = policy.check(repo, head(repo), unified(path, old, new))
    assert f"changes the {section} section of {path}" in found


def test_the_other_sections_of_those_files_may_change(repo: Path) -> None:
    dependency = join(
        [
            unified("pyproject.toml", PYPROJECT, PYPROJECT.replace("['click']", "['click', 'rich']")),
            unified("setup.cfg", SETUP_CFG, SETUP_CFG.replace("= click", "= click\n    rich")),
        ]
    )
    assert policy.check(repo, head(repo), dependency) == ()


# --- stub fixers through the real verify path ------------------------------------------------


@pytest.fixture(scope="module")
def failing(repo: Path) -> tuple[Build, Diagnosis]:
    require_bubblewrap()
    build = capture(repo, head(repo), [PYTEST], sandbox=Bubblewrap(), timeout=120)
    assert build.failed_checks
    return build, diagnose(build)


DELETE_TEST = "".join(
    [
        "diff --git a/tests/test_calc.py b/tests/test_calc.py\ndeleted file mode 100644\n",
        "--- a/tests/test_calc.py\n+++ /dev/null\n",
        f"@@ -1,{len(TEST.splitlines())} +0,0 @@\n",
        *(f"-{line}\n" for line in TEST.splitlines()),
    ]
)
STUBS = {
    "delete-the-test": DELETE_TEST,
    "skip-the-test": unified(
        "tests/test_calc.py",
        TEST,
        "import pytest\n\n\n" + TEST.replace("def test_add", "@pytest.mark.skip\ndef test_add"),
    ),
    "deselect-in-pyproject": unified(
        "pyproject.toml",
        PYPROJECT,
        PYPROJECT.replace("testpaths", "addopts = '--deselect tests/test_calc.py::test_add'\ntestpaths"),
    ),
    "patch-conftest": added("conftest.py", "collect_ignore = ['tests/test_calc.py']\n"),
    "edit-the-workflow": unified(".github/workflows/ci.yml", "on: push\n", "on: push\n# pytest -k 'not add'\n"),
    "skip-from-source": calc_with("import pytest\npytest.skip('later', allow_module_level=True)\n"),
}


@pytest.mark.parametrize("name", list(STUBS))
def test_stub_fixers_that_weaken_the_tests_are_rejected(
    repo: Path, failing: tuple[Build, Diagnosis], name: str
) -> None:
    build, diagnosis = failing
    before = snapshot(repo)
    stub = Candidate(origin=f"stub-{name}", diff=STUBS[name], rationale="make it green", fingerprint="f")

    verdict = verify(build, diagnosis, stub, sandbox=Bubblewrap(), timeout=120)

    assert not verdict.passed
    assert verdict.reason.startswith("rejected by policy"), verdict.reason
    assert verdict.findings and verdict.after == ()  # nothing ran
    assert snapshot(repo) == before


def test_the_real_fix_passes_the_same_path(repo: Path, failing: tuple[Build, Diagnosis]) -> None:
    """The control: the path the stubs fail is one a fix can pass."""
    build, diagnosis = failing
    fix = Candidate(origin="fix", diff=unified("calc.py", CALC, FIXED_CALC), rationale="fix", fingerprint="f")
    verdict = verify(build, diagnosis, fix, sandbox=Bubblewrap(), timeout=120)
    assert verdict.passed, verdict.reason


# --- and again before publishing ---------------------------------------------------------------


def test_publish_rechecks_the_policy_before_any_forge_call(repo: Path, tmp_path: Path) -> None:
    from forge_servers import serve
    from test_forges import SLUG, TOKEN, client

    from suture.errors import ForgeError
    from suture.publish.forges.publish import Publisher

    bad = Proposal(
        branch="suture/abc",
        commit_message="x\n",
        title="x",
        body="x",
        fingerprint="abc",
        patch=STUBS["deselect-in-pyproject"],
        base_sha=head(repo),
    )
    for server in serve("github", tmp_path / "forge", TOKEN):
        server.add_repo(SLUG, repo)
        with pytest.raises(ForgeError, match=r"breaks the policy: .*addopts"):
            Publisher(client(server))(repo, bad)
        assert server.mutating() == []
        assert server.api_calls() == []
    assert git(repo, "branch", "--list", "suture/*") == ""
