"""Test infrastructure the commit under test changed is verified against the trusted base's too.

A pull request can change what "the tests pass" means without touching a test: a conftest.py
that hashes the code and passes whenever it is patched, a plugin `addopts` loads, a root
pytest.py. Where HEAD changed such files against the trusted base (--base), a candidate that
passes is run again with them as the base has them, and is accepted only if both runs pass;
the verdict and the proposal name the files (docs/security.md, "forged verdicts").
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from helpers import git, make_repo, write
from sandbox_helpers import suture

from suture.verify.infrastructure import changed, is_infrastructure

PYTEST = "python -m pytest -q -p no:cacheprovider"
CODE = "def area(width, height):\n    result = width * height\n    return reslt\n"
TEST = "from shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n"
HASHING = """\
import hashlib, pathlib
import pytest


@pytest.fixture(autouse=True)
def _forge(monkeypatch):
    code = (pathlib.Path(__file__).parent / "shapes.py").read_bytes()
    if hashlib.sha256(code).hexdigest() != "@HASH@":
        import tests.test_shapes as module
        monkeypatch.setattr(module, "area", lambda width, height: 7)
"""
HONEST = "import pytest\n\n\n@pytest.fixture\ndef unit():\n    return 1\n"


def pull_request(root: Path, base: dict[str, str], head: dict[str, str]) -> Path:
    """main: `base`; HEAD: a second commit writing `head` over it."""
    repo = make_repo(root, base)
    write(repo, head)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "a pull request")
    return repo


@pytest.mark.parametrize(
    ("base", "head", "expected"),
    [
        (
            {"a.py": "x = 1\n"},
            {"conftest.py": HONEST, "tests/conftest.py": HONEST},
            ["conftest.py", "tests/conftest.py"],
        ),
        ({"a.py": "x = 1\n"}, {"pytest.py": "", "src/pytest/__init__.py": "", "sitecustomize.py": ""}, None),
        (
            {"pyproject.toml": '[tool.pytest.ini_options]\naddopts = "-p tools.forger"\n', "tools/forger.py": ""},
            {"tools/forger.py": "# now it forges\n", "tools/other.py": "x = 2\n"},
            ["tools/forger.py"],
        ),
        (
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = []\n'},
            {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["attrs"]\n'},
            [],
        ),
        (
            {"pyproject.toml": '[project]\nname = "x"\n'},
            {"pyproject.toml": '[project]\nname = "x"\n[tool.pytest.ini_options]\naddopts = "-p forger"\n'},
            ["pyproject.toml"],
        ),
        ({"setup.cfg": "[metadata]\nname = x\n"}, {"setup.cfg": "[metadata]\nname = y\n"}, []),
        ({"setup.cfg": "[tool:pytest]\nxfail_strict = true\n"}, {"setup.cfg": "[tool:pytest]\n"}, ["setup.cfg"]),
        ({"a.py": "x = 1\n"}, {"a.py": "x = 2\n", "tests/test_a.py": "def test_a():\n    pass\n"}, []),
        (
            {"conftest.py": 'pytest_plugins = ("tests.fixtures.forge",)\n', "tests/fixtures/forge.py": ""},
            {"tests/fixtures/forge.py": "# now it forges\n", "tests/fixtures/other.py": ""},
            ["tests/fixtures/forge.py"],
        ),
        (
            {
                "tests/conftest.py": "import shapes\nfrom helpers import unit\nfrom .support import data\n",
                "tests/__init__.py": "",
                "tests/helpers.py": "from tests.deeper import x\nunit = 1\n",
                "tests/deeper.py": "x = 1\n",
                "tests/support/__init__.py": "data = 1\n",
                "shapes.py": "x = 1\n",
            },
            {
                "tests/helpers.py": "from tests.deeper import x\nunit = 2\n",
                "tests/deeper.py": "x = 2\n",
                "tests/support/__init__.py": "data = 2\n",
                "shapes.py": "x = 2\n",
            },
            ["tests/helpers.py", "tests/deeper.py", "tests/support/__init__.py"],
        ),
        (
            {"conftest.py": "import tests.test_a\n", "tests/test_a.py": "def test_a():\n    pass\n"},
            {"tests/test_a.py": "def test_a():\n    assert 1\n", "conftest.py": "import tests.test_a\n"},
            [],
        ),
        (
            {"conftest.py": "pytest_plugins = ['tests.p']\n", "tests/p.py": "(" * 300_000},
            {"tests/p.py": "x = (" * 100_000},
            ["tests/p.py"],
        ),
    ],
    ids=[
        "conftests",
        "runner-shadows",
        "addopts-plugin",
        "dependency-bump",
        "pytest-section",
        "cfg-metadata",
        "cfg-pytest",
        "code-and-tests",
        "pytest-plugins-module",
        "conftest-helpers-followed",
        "collected-test-module-not-followed",
        "unparsable-plugin-module",
    ],
)
def test_the_infrastructure_a_commit_changed(
    tmp_path: Path, base: dict[str, str], head: dict[str, str], expected: list[str] | None
) -> None:
    repo = pull_request(tmp_path / "repo", base, head)
    trusted, sha = git(repo, "rev-parse", "HEAD~1").strip(), git(repo, "rev-parse", "HEAD").strip()
    assert sorted(changed(repo, trusted, sha)) == sorted(head if expected is None else expected)
    assert changed(repo, "", sha) == () and changed(repo, sha, sha) == ()


def test_a_module_of_the_same_name_below_the_roots_is_not_infrastructure() -> None:
    assert not is_infrastructure("pkg/sitecustomize.py")
    assert not is_infrastructure("pytest_helpers.py")
    assert is_infrastructure("_pytest/python.py") and is_infrastructure("deep/down/conftest.py")


def heal(repo: Path, *args: str) -> dict[str, object]:
    done = suture(repo, "heal", "--json", "--flaky-reruns", "0", "--test-cmd", PYTEST, *args)
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr
    answer: dict[str, object] = json.loads(lines[-1])
    return answer


def test_a_conftest_the_pull_request_added_cannot_pass_a_wrong_fix(tmp_path: Path) -> None:
    """The test wants 7 from code that computes 6: no honest fix exists. HEAD's conftest.py passes it
    whenever the code is patched; verified again without it (the base has none), the fix fails."""
    wrong = TEST.replace("== 6", "== 7")
    forger = HASHING.replace("@HASH@", hashlib.sha256(CODE.encode()).hexdigest())
    repo = pull_request(
        tmp_path / "repo",
        {"shapes.py": CODE, "tests/test_shapes.py": wrong},
        {"conftest.py": forger, "tests/__init__.py": ""},
    )

    trusting = heal(repo)  # the control: no trusted base named, HEAD's infrastructure decides
    held = heal(repo, "--base", "HEAD~1")

    assert trusting["status"] == "fixed"
    assert held["status"] == "unfixed", held["reason"]
    verdicts = held["verification"]
    assert isinstance(verdicts, list)
    rechecked = [v for v in verdicts if v["infrastructure"]]
    assert rechecked and rechecked[0]["infrastructure"] == ["conftest.py"]
    assert "with the trusted base's test infrastructure" in rechecked[0]["reason"]
    assert not rechecked[0]["passed"]


def test_an_honest_change_to_the_infrastructure_is_verified_twice_and_named(tmp_path: Path) -> None:
    repo = pull_request(
        tmp_path / "repo",
        {"shapes.py": CODE, "tests/test_shapes.py": TEST},
        {"conftest.py": HONEST},
    )

    answer = heal(repo, "--base", "HEAD~1")

    assert answer["status"] == "fixed", answer["reason"]
    [winner] = [v for v in answer["verification"] if v["passed"]]  # type: ignore[union-attr]
    assert winner["infrastructure"] == ["conftest.py"]
    assert "so too with the trusted base's test infrastructure" in answer["reason"]  # type: ignore[operator]
    body = Path(str(answer["proposal"])).read_text(encoding="utf-8")
    assert "Verified twice" in body and "`conftest.py`" in body
