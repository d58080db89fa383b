"""Secrets in logs (docs/security.md): fake keys of every shape, in the repository's source, in its
test output and in suture's environment, reach none of the channels that leave suture:
stdout and stderr (JSON and rendered), the commit message, the proposal (the PR body), the
crash log of exit code 3 and the language model's requests. Git SHAs survive.

Each channel is read back in full and searched for every secret; the repository really
carries them (the controls read them from its files), so silence means redaction.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import git, make_repo
from llm_servers import FakeServer, openai_reply, serving
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture.cli import commands as cli

require_bubblewrap()

ENV_SECRET = "tangerine-walrus-0451"  # no token shape: only its variable's name makes it secret
SHAPES = {
    "aws": "AKIA" + "Q7XW2ZKD4M9PLT3B",
    "github": "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8",
    "github-pat": "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    "gitlab": "glpat-" + "xY9zW8vU7tS6rQ5pO4nM",
    "slack": "xoxb-" + "123456789012-abcdefghijkl",
    "anthropic": "sk-ant-" + "api03-" + "Zq" * 15,
    "openai": "sk-proj-" + "Qw3rTy7UiOp9AsDfGhJkL2",
    "google": "AIza" + "SyD4fakeFAKEfake0123456789abcdefghi",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzdXR1cmUifQ.c2lnbmF0dXJlLWZha2U",
    "bearer": "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5",
    "url-password": "S3cr3tPassw0rdValue",
    "private-key": "MIIEowIBAAKCAQEAsuturefakePRIVATEkeyBODY0123456789",
    "env-literal": ENV_SECRET,
    "env-base64": base64.b64encode(f"deploy:{ENV_SECRET}".encode()).decode(),
    "env-token": "ghp_" + "EnvironmentOnly0123456789abcdefghijkl",
}
IN_SOURCE = " ".join(
    [
        *(SHAPES[k] for k in ("aws", "github", "github-pat", "gitlab", "slack", "anthropic", "openai", "google")),
        SHAPES["jwt"],
        f"Authorization: Bearer {SHAPES['bearer']}",
        f"https://deploy:{SHAPES['url-password']}@example.com/x",
        ENV_SECRET,
        f"basic {SHAPES['env-base64']}",
    ]
)
PEM = f"    # -----BEGIN RSA PRIVATE KEY-----\n    # {SHAPES['private-key']}\n    # -----END RSA PRIVATE KEY-----\n"
FILES = {
    # The buggy line carries the single-line keys, three lines after a key block: the diff shows them all.
    "calc.py": f'def add(a, b):\n{PEM}    return "The result is: " + (a + b)  # {IN_SOURCE}\n',
    "tests/test_calc.py": (
        "import pytest\n\nfrom calc import add\n\n\n"
        f"@pytest.mark.parametrize('n', [5], ids=[{SHAPES['github']!r}])\n"
        "def test_add(n):\n"
        f"    print('deploying with', {IN_SOURCE!r})\n"
        "    assert add(2, 3) == f'The result is: {n}'\n"
    ),
}
ENVIRONMENT = {"DEPLOY_PASSWORD": ENV_SECRET, "GITHUB_TOKEN": SHAPES["env-token"], "SUTURE_PROBE_KEY": SHAPES["gitlab"]}


def leaks(text: str) -> list[str]:
    return [name for name, secret in SHAPES.items() if secret in text]


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=repo,
        env={**os.environ, **ENVIRONMENT},
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def healed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    repo = make_repo(tmp_path_factory.mktemp("redaction") / "repo", FILES)
    return repo, run(repo, "heal", "--json", "--test-cmd", PYTEST)


def test_the_repository_really_carries_every_secret(healed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    """The control: the source, the diff of the fix and the test output hold each key."""
    repo, done = healed
    source = (repo / "calc.py").read_text() + (repo / "tests" / "test_calc.py").read_text()
    assert sorted(leaks(source)) == sorted(set(SHAPES) - {"env-token"})
    assert done.returncode == 0, done.stderr
    branch = json.loads(done.stdout.strip().splitlines()[-1])["branch"]
    patch = git(repo, "diff", "HEAD", branch)
    assert sorted(leaks(patch)) == sorted(set(SHAPES) - {"env-token"})  # the code keeps them: it is the code


def test_stdout_and_stderr_carry_no_secret(healed: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    repo, done = healed
    assert leaks(done.stdout) == [] and leaks(done.stderr) == []
    rendered = run(repo, "heal", "--dry-run", "--test-cmd", PYTEST)  # the rich rendering, progress included
    assert rendered.returncode == 0, rendered.stderr
    assert "[REDACTED:" in rendered.stdout
    assert leaks(rendered.stdout) == [] and leaks(rendered.stderr) == []


def test_the_commit_message_and_the_proposal_carry_no_secret(
    healed: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    repo, done = healed
    result = json.loads(done.stdout.strip().splitlines()[-1])
    message = git(repo, "log", "-1", "--format=%B", result["branch"])
    body = Path(result["proposal"]).read_text()
    record = json.loads(Path(result["proposal"]).with_suffix(".json").read_text())
    for text in (message, body, record["body"], record["title"], record["commit_message"]):
        assert leaks(text) == []
    assert "[REDACTED:github-token]" in body
    base = git(repo, "rev-parse", "HEAD").strip()
    assert base in body and result["fingerprint"] in message  # SHAs and fingerprints survive


def test_the_crash_log_carries_no_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import suture.loop.heal

    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)

    def crash(*args: object, **kwargs: object) -> None:
        raise RuntimeError(f"a bug, with {IN_SOURCE} and {SHAPES['env-token']} in its message")

    monkeypatch.setattr(suture.loop.heal, "heal", crash)
    repo = make_repo(tmp_path / "repo", {"x.py": "x = 1\n"})

    assert cli.main(["heal", "-C", str(repo), "--test-cmd", "true"]) == 3

    err = capsys.readouterr().err
    log = Path(err.split("the traceback is in ")[1].strip())
    text = log.read_text()
    assert "RuntimeError: a bug, with" in text
    assert leaks(text) == [] and leaks(err) == []


@pytest.fixture
def model() -> Iterator[FakeServer]:
    with serving("openai") as fake:
        yield fake


def test_the_model_request_carries_no_secret(tmp_path: Path, model: FakeServer) -> None:
    """A failure no built-in fixer knows (a wrong operator) goes to the model, with the keys around it."""
    files = {
        "calc.py": f"def add(a, b):\n{PEM}    return a - b  # {IN_SOURCE}\n",
        "tests/test_calc.py": FILES["tests/test_calc.py"].replace("f'The result is: {n}'", "n"),
    }
    repo = make_repo(tmp_path / "repo", files)
    edit = f"<<<<<<< SEARCH\n    return a - b  # {IN_SOURCE}\n=======\n    return a + b\n>>>>>>> REPLACE\n"
    right = f"calc.py\n```python\n{edit}```\n"
    model.queue(openai_reply(right))

    done = run(
        repo, "heal", "--json", "--test-cmd", PYTEST, "--provider", "openai", "--base-url", model.url, "--model", "m"
    )

    assert model.requests, done.stderr
    for request in model.requests:
        assert "return a - b" in request.text  # the source was sent
        assert leaks(json.dumps(request.body)) == []
    assert leaks(done.stdout) == [] and leaks(done.stderr) == []
