"""The gatekeeper: good candidates pass, broken or test-weakening ones do not, the repo is untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import make_repo, snapshot
from projects import FLASK_APP, PYTEST

from suture.capture.run import capture
from suture.diagnose.build import diagnose
from suture.diffs import unified
from suture.records import Build, Candidate, Diagnosis
from suture.run.sandbox import Bubblewrap
from suture.verify.trial import verify

APP = FLASK_APP["app.py"]
SANDBOX = Bubblewrap()
TEST = FLASK_APP["tests/test_app.py"]


@pytest.fixture(scope="module")
def failing(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Build, Diagnosis]:
    repo = make_repo(tmp_path_factory.mktemp("gate") / "repo", FLASK_APP)
    build = capture(repo, _head(repo), [PYTEST], sandbox=SANDBOX, timeout=120)
    return repo, build, diagnose(build)


def _head(repo: Path) -> str:
    from helpers import git

    return git(repo, "rev-parse", "HEAD").strip()


def candidate(diff: str) -> Candidate:
    return Candidate(origin="test", diff=diff, rationale="test candidate", fingerprint="f")


def app_edit(old: str, new: str) -> Candidate:
    assert old in APP
    return candidate(unified("app.py", APP, APP.replace(old, new)))


def test_the_base_really_fails(failing: tuple[Path, Build, Diagnosis]) -> None:
    _, build, diagnosis = failing
    assert [check.passed for check in build.checks] == [False]
    assert diagnosis.failing_tests == ("tests/test_app.py::test_add",)
    assert diagnosis.failures[0].error_type == "TypeError"


def test_known_good_candidate_is_accepted(failing: tuple[Path, Build, Diagnosis]) -> None:
    repo, build, diagnosis = failing
    before = snapshot(repo)
    verdict = verify(
        build,
        diagnosis,
        app_edit("'The result is: ' + result", "f'The result is: {result}'"),
        sandbox=SANDBOX,
        timeout=120,
    )
    assert verdict.passed, verdict.reason
    assert verdict.after[0].outcome_of("tests/test_app.py::test_add") == "passed"
    assert verdict.tests_before == verdict.tests_after == 1
    assert snapshot(repo) == before


@pytest.mark.parametrize(
    ("old", "new", "reason"),
    [
        (
            "'The result is: ' + result",
            "f'The result is: {result}'(",
            "still fails",
        ),  # syntax error
        ("/add/<int:a>/<int:b>", "/sum/<int:a>/<int:b>", "still fails"),  # wrong route: 404
        (
            "'The result is: ' + result",
            "'The result is: ' + str(result + 1)",
            "still fails",
        ),  # wrong value
    ],
    ids=["syntax-error", "wrong-route", "wrong-value"],
)
def test_known_broken_candidates_are_rejected(
    failing: tuple[Path, Build, Diagnosis], old: str, new: str, reason: str
) -> None:
    repo, build, diagnosis = failing
    before = snapshot(repo)
    verdict = verify(build, diagnosis, app_edit(old, new), sandbox=SANDBOX, timeout=120)
    assert not verdict.passed
    assert reason in verdict.reason
    assert snapshot(repo) == before


def test_deleting_the_failing_test_is_rejected(failing: tuple[Path, Build, Diagnosis]) -> None:
    repo, build, diagnosis = failing
    before = snapshot(repo)
    deletion = "".join(
        [
            "diff --git a/tests/test_app.py b/tests/test_app.py\n",
            "deleted file mode 100644\n",
            "--- a/tests/test_app.py\n",
            "+++ /dev/null\n",
            f"@@ -1,{len(TEST.splitlines())} +0,0 @@\n",
            *(f"-{line}\n" for line in TEST.splitlines()),
        ]
    )
    verdict = verify(build, diagnosis, candidate(deletion), sandbox=SANDBOX, timeout=120)
    assert not verdict.passed
    assert "tests/test_app.py" in verdict.reason
    assert verdict.findings
    assert snapshot(repo) == before


def test_skipping_the_failing_test_from_source_is_caught_by_outcomes(
    failing: tuple[Path, Build, Diagnosis],
) -> None:
    """A candidate outside the test files that makes the test skip is still rejected.

    The skip is spelled so that no tamper pattern sees it: the outcomes alone must catch it.
    """
    _, build, diagnosis = failing
    sneaky = app_edit(
        "from flask import Flask\n",
        "from flask import Flask\nimport pytest\ngetattr(pytest, 'sk' + 'ip')('later', allow_module_level=True)\n",
    )
    verdict = verify(build, diagnosis, sneaky, sandbox=SANDBOX, timeout=120)
    assert not verdict.passed
    assert any(sign in verdict.reason for sign in ("exit 5", "test_add", "collected")), verdict.reason


def test_a_diff_that_does_not_apply_is_rejected(failing: tuple[Path, Build, Diagnosis]) -> None:
    _, build, diagnosis = failing
    stale = candidate(unified("app.py", APP.replace("app = Flask", "application = Flask"), "x = 1\n"))
    verdict = verify(build, diagnosis, stale, sandbox=SANDBOX, timeout=120)
    assert not verdict.passed
    assert "does not apply" in verdict.reason


def test_a_hanging_candidate_times_out(failing: tuple[Path, Build, Diagnosis]) -> None:
    _, build, diagnosis = failing
    hang = app_edit("    result = a + b\n", "    import time\n    time.sleep(60)\n    result = a + b\n")
    verdict = verify(build, diagnosis, hang, sandbox=SANDBOX, timeout=3)
    assert not verdict.passed
    assert "timed out" in verdict.reason
    assert verdict.seconds < 30
