from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from fixer_helpers import applied, commit, raised

from suture.fixers.dependencies import DependenciesFixer, distribution

# The interpreter of a CI job where the project's dependencies were never installed.
BARE = "import sys; sys.path[:] = [p for p in sys.path if 'site-packages' not in p]; "
USES_YAML = {
    "pkg/__init__.py": "",
    "pkg/conf.py": "import yaml\n\n\ndef load(text):\n    return yaml.safe_load(text)\n",
}
PYPROJECT = (
    '[project]\nname = "pkg"\nversion = "0.1"\ndependencies = [\n    "click>=8",  # the CLI\n]\n\n'
    "[tool.ruff]\nline-length = 100\n"
)


@dataclasses.dataclass(frozen=True)
class Case:
    files: dict[str, str]
    run: str
    expected: list[dict[str, str]]  # per candidate: the files it changes, after it
    ranks: list[int]
    check: str = "python -m pytest"  # the failing check's command


CASES = {
    "pyproject-dependencies-over-lines": Case(
        {**USES_YAML, "pyproject.toml": PYPROJECT},
        "import pkg.conf",
        [{"pyproject.toml": PYPROJECT.replace("  # the CLI\n", '  # the CLI\n    "PyYAML",\n')}],
        [1],
    ),
    "pyproject-dependencies-on-one-line-with-a-bracket-in-a-string": Case(
        {**USES_YAML, "pyproject.toml": "[project]\nname = 'pkg'\ndependencies = ['rich[jupyter]', 'click']\n"},
        "import pkg.conf",
        [{"pyproject.toml": "[project]\nname = 'pkg'\ndependencies = ['rich[jupyter]', 'click', 'PyYAML']\n"}],
        [1],
    ),
    "pyproject-without-dependencies-and-requirements-too": Case(
        {**USES_YAML, "pyproject.toml": '[project]\nname = "pkg"\n\n[tool.black]\n', "requirements.txt": "click"},
        "import pkg.conf",
        [
            {"pyproject.toml": '[project]\nname = "pkg"\ndependencies = [\n    "PyYAML",\n]\n\n[tool.black]\n'},
            {"requirements.txt": "click\nPyYAML\n"},
        ],
        [1, 2],
    ),
    "a-test-s-import-goes-to-the-test-extra": Case(
        {
            "pkg/__init__.py": "",
            "tests/test_conf.py": "import yaml\n",
            "pyproject.toml": '[project]\nname = "pkg"\ndependencies = []\n\n'
            '[project.optional-dependencies]\ntest = ["pytest"]\n',
        },
        "import tests.test_conf",
        [
            {
                "pyproject.toml": '[project]\nname = "pkg"\ndependencies = []\n\n'
                '[project.optional-dependencies]\ntest = ["pytest", "PyYAML"]\n'
            }
        ],
        [1],
    ),
    "a-test-s-import-goes-to-the-dev-requirements": Case(
        {"tests/test_conf.py": "import yaml\n", "requirements.txt": "click\n", "requirements-dev.txt": "pytest\n"},
        "import tests.test_conf",
        [{"requirements-dev.txt": "pytest\nPyYAML\n"}],
        [1],
    ),
    "poetry": Case(
        {**USES_YAML, "pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\n\n[build-system]\n'},
        "import pkg.conf",
        [{"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.11"\nPyYAML = "*"\n\n[build-system]\n'}],
        [1],
    ),
    "a-distribution-known-from-this-machine": Case(
        {"pkg/md.py": "import markdown_it\n", "requirements.txt": "click\n"},
        "import pkg.md",
        [{"requirements.txt": "click\nmarkdown-it-py\n"}],
        [1],
    ),
    "a-distribution-guessed-from-the-module-name": Case(
        {"pkg/x.py": "import nosuch_dist\n", "requirements.txt": "click\n"},
        "import pkg.x",
        [{"requirements.txt": "click\nnosuch-dist\n"}],
        [2],
    ),
    "a-sorted-requirements-file-stays-sorted": Case(
        {"pkg/x.py": "import nosuch_dist\n", "requirements.txt": "# runtime\nclick>=8\nrich\n"},
        "import pkg.x",
        [{"requirements.txt": "# runtime\nclick>=8\nnosuch-dist\nrich\n"}],
        [2],
    ),
    "an-unsorted-one-gets-it-last": Case(
        {"pkg/x.py": "import nosuch_dist\n", "requirements.txt": "rich\nclick\n"},
        "import pkg.x",
        [{"requirements.txt": "rich\nclick\nnosuch-dist\n"}],
        [2],
    ),
    "requirements-in-a-folder-go-to-the-base-file": Case(
        {
            "pkg/x.py": "import nosuch_dist\n",
            "requirements/base.txt": "click\n",
            "requirements/dev.txt": "-r base.txt\npytest\n",
        },
        "import pkg.x",
        [{"requirements/base.txt": "click\nnosuch-dist\n"}],
        [2],
    ),
    "the-file-the-check-installs-from": Case(
        {"pkg/x.py": "import nosuch_dist\n", "requirements.txt": "click\n", "requirements/ci.txt": "rich\n"},
        "import pkg.x",
        [{"requirements/ci.txt": "rich\nnosuch-dist\n"}],
        [2],
        "pip install -r ./requirements/ci.txt && python -m pytest -rA",
    ),
    "the-runtime-file-of-those-the-check-installs-from": Case(
        {
            "pkg/x.py": "import nosuch_dist\n",
            "requirements/base.txt": "click\n",
            "requirements/prod.txt": "rich\n",
            "requirements/test.txt": "pytest\n",
        },
        "import pkg.x",
        [{"requirements/prod.txt": "rich\nnosuch-dist\n"}],
        [2],
        "pip install --requirement=requirements/test.txt -rrequirements/prod.txt && pytest",
    ),
    "a-test-s-import-goes-to-the-test-file-in-the-folder": Case(
        {
            "tests/test_conf.py": "import yaml\n",
            "requirements/base.txt": "click\n",
            "requirements/test.txt": "pytest\n",
        },
        "import tests.test_conf",
        [{"requirements/test.txt": "pytest\nPyYAML\n"}],
        [1],
    ),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_candidates(tmp_path: Path, case: Case) -> None:
    source = commit(tmp_path, case.files)
    failed = dataclasses.replace(raised(tmp_path, BARE + case.run), check=case.check)
    assert failed.error_type == "ModuleNotFoundError"

    found = DependenciesFixer().propose(failed, source)

    assert [{path: applied(tmp_path, c, path) for path in c.paths} for c in found] == case.expected
    assert [c.rank for c in found] == case.ranks


def test_the_rationale_says_it_verifies_only_where_dependencies_are_installed(tmp_path: Path) -> None:
    source = commit(tmp_path, {**USES_YAML, "pyproject.toml": PYPROJECT})

    (found,) = DependenciesFixer().propose(raised(tmp_path, BARE + "import pkg.conf"), source)

    assert found.rationale == (
        "yaml is not installed; declare PyYAML (the distribution that provides it) in pyproject.toml's "
        "[project] dependencies (it verifies only where the checks install the project's dependencies)"
    )


@pytest.mark.parametrize(
    ("module", "expected"),
    [("yaml", "PyYAML"), ("PIL.Image", "Pillow"), ("google.protobuf", "protobuf"), ("markdown_it", "markdown-it-py")],
)
def test_distribution(module: str, expected: str) -> None:
    assert distribution(module) == expected


NOT_FOR_US = {
    "declared-already-so-the-environment-is-wrong": (
        {**USES_YAML, "requirements.txt": "pyyaml==6.0  # config\n"},
        "import pkg.conf",
    ),
    "declared-in-an-extra": (
        {
            **USES_YAML,
            "pyproject.toml": '[project]\nname = "pkg"\n[project.optional-dependencies]\nyaml = ["PyYAML"]\n',
        },
        "import pkg.conf",
    ),
    "nowhere-to-declare-it": (USES_YAML, "import pkg.conf"),
    "a-project-module": (
        {"pkg/__init__.py": "", "pkg/a.py": "import pkg.nothere\n", "requirements.txt": ""},
        "import pkg.a",
    ),
    "a-standard-library-module-missing-here": (
        {"pkg/a.py": "import tkinter.nothere\n", "requirements.txt": ""},
        "import pkg.a",
    ),
}


@pytest.mark.parametrize(("files", "run"), NOT_FOR_US.values(), ids=NOT_FOR_US.keys())
def test_nothing_to_propose(tmp_path: Path, files: dict[str, str], run: str) -> None:
    source = commit(tmp_path, files)
    failed = raised(tmp_path, BARE + run)
    assert failed.error_type == "ModuleNotFoundError"

    assert DependenciesFixer().propose(failed, source) == []
