"""The error behind the error: a test that fails on a symptom (the project's own exception, an
assertion on a CLI runner's exit code, "DID NOT WARN") while the real error is a NameError or a
SyntaxError in the project's code. Real pytest runs through suture's plugin; the diagnosis must
point at the project's line, and a heal must fix it."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import git, heal_json, make_repo
from projects import PYTEST

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.records import Failure
from suture.run.sandbox import Bubblewrap

SHOUT = "def shout(word):\n    return wrod.upper() + '!'\n"

CASES = {
    "raise-from": {
        "app.py": "class AppError(Exception):\n    pass\n\n\n"
        + SHOUT
        + "\n\ndef run(word):\n    try:\n        return shout(word)\n"
        "    except Exception as exc:\n        raise AppError('could not shout') from exc\n",
        "tests/test_app.py": "from app import run\n\n\ndef test_run():\n    assert run('hi') == 'HI!'\n",
    },
    "raised-while-handling": {
        "app.py": SHOUT + "\n\ndef run(word):\n    try:\n        return shout(word)\n"
        "    except Exception:\n        raise RuntimeError('failed')\n",
        "tests/test_app.py": "from app import run\n\n\ndef test_run():\n    assert run('hi') == 'HI!'\n",
    },
    "runner-caught-it": {
        "app.py": SHOUT,
        "tests/runner.py": "class Result:\n    def __init__(self, code, exception):\n"
        "        self.exit_code = code\n        self.exception = exception\n\n\n"
        "def invoke(func, *args):\n    try:\n        func(*args)\n    except Exception as exc:\n"
        "        return Result(1, exc)\n    return Result(0, None)\n",
        "tests/test_app.py": "from app import shout\nfrom runner import invoke\n\n\n"
        "def test_cli():\n    result = invoke(shout, 'hi')\n    assert result.exit_code == 0\n",
    },
    "did-not-warn": {
        "app.py": "import warnings\n\n\ndef old():\n    from legacy import value\n"
        "    warnings.warn('old', DeprecationWarning)\n    return value\n",
        "legacy.py": "value = (1,\n",
        "tests/test_app.py": "import pytest\n\nfrom app import old\n\n\n"
        "def test_old_warns():\n    with pytest.warns(DeprecationWarning):\n        old()\n",
    },
    "raises-did-not-match": {
        "app.py": SHOUT + "\n\ndef check(word):\n    if not word:\n        raise ValueError('empty')\n"
        "    return shout(word)\n",
        "tests/test_app.py": "import pytest\n\nfrom app import check\n\n\n"
        "def test_check():\n    with pytest.raises(Exception, match='empty'):\n        check('x')\n",
    },
}

EXPECTED = {
    "raise-from": ("NameError", "app.py", 6),
    "raised-while-handling": ("NameError", "app.py", 2),
    "runner-caught-it": ("NameError", "app.py", 2),
    "did-not-warn": ("SyntaxError", "legacy.py", 1),
    "raises-did-not-match": ("NameError", "app.py", 2),
}


def _failures(tmp_path: Path, files: dict[str, str]) -> list[Failure]:
    repo = make_repo(tmp_path / "repo", {"tests/conftest.py": "", **files})
    sha = git(repo, "rev-parse", "HEAD").strip()
    build = capture(repo, sha, [PYTEST], sandbox=Bubblewrap(), timeout=60)
    assert build.checks[0].exit_code == 1
    return list(diagnose(build).failures)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_project_error_behind_the_symptom_is_the_root_cause(tmp_path: Path, name: str) -> None:
    [failure] = _failures(tmp_path, CASES[name])
    error_type, path, line = EXPECTED[name]
    assert failure.error_type == error_type
    assert failure.location is not None
    assert (failure.location.path, failure.location.line) == (path, line)
    test = CASES[name]["tests/test_app.py"].split("def ")[-1].split("(")[0]
    assert failure.test_ids == (f"tests/test_app.py::{test}",)


def test_an_error_the_project_wraps_on_purpose_in_a_test_is_not_hidden(tmp_path: Path) -> None:
    """A plain assertion failure with no program error behind it stays the assertion."""
    files = {
        "app.py": "def double(x):\n    return x * 3\n",
        "tests/test_app.py": "from app import double\n\n\ndef test_double():\n    assert double(2) == 4\n",
    }
    [failure] = _failures(tmp_path, files)
    assert failure.error_type == "AssertionError"


def test_an_error_outside_the_project_behind_a_symptom_is_not_taken(tmp_path: Path) -> None:
    """A TypeError raised inside the standard library (not the project's code) is not the root cause."""
    files = {
        "app.py": "import json\n\n\ndef dump(value):\n    try:\n        return json.dumps(value)\n"
        "    except TypeError as exc:\n        raise ValueError('not JSON') from exc\n",
        "tests/test_app.py": "from app import dump\n\n\ndef test_dump():\n    assert dump({1, 2}) == '[1, 2]'\n",
    }
    [failure] = _failures(tmp_path, files)
    assert failure.error_type == "ValueError"


def test_heal_fixes_a_name_error_the_project_re_raised_as_its_own(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {"tests/conftest.py": "", **CASES["raise-from"]})
    outcome, done = heal_json(repo, "--test-cmd", PYTEST, "-q")
    assert outcome["status"] == "fixed", done.stderr[-2000:]
    assert "-    return wrod.upper() + '!'" in outcome["patch"]
    assert "+    return word.upper() + '!'" in outcome["patch"]
    # A NameError in the project's code fails the same way every time: no flaky reruns.
    assert "rerunning" not in done.stderr
