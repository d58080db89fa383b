"""Repository configuration never directs a secret (docs/security.md, class 5).

The commit under test writes its own `[tool.suture]`. Without a trusted base (`--base`, a
pull request's target), the keys that route a key or admit a secret (base-url, api-key-env,
provider, env-allow, sandbox) are ignored, and the run says which and how to set it. A key
goes only where the user named: the provider's own URL, or a base URL from a flag or a
trusted base; a provider's own variable never goes to a loopback port unless named. Variables
that look like credentials, by name or by value, are refused from any source.

Every case runs the real CLI against a real loopback model server (tests/llm_servers.py) and a
real sandboxed check; a control gives the same setting the trusted way and sees it work.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import make_repo
from llm_servers import FakeServer, openai_reply, serving
from projects import PYTEST
from sandbox_helpers import require_bubblewrap

from suture import config
from suture.errors import ConfigError
from suture.llm.settings import Budget, Flags, ModelSettings

KEY = "sk-canary" + "Q7" * 12  # the user's key, which must reach only where the user says
WRONG = {
    "shapes.py": "def area(width, height):\n    return width + height\n",
    "tests/test_shapes.py": "from shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n",
}
RIGHT = (
    "```diff\n--- a/shapes.py\n+++ b/shapes.py\n@@ -1,2 +1,2 @@\n def area(width, height):\n"
    "-    return width + height\n+    return width * height\n```\n"
)


def dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(repo: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real CLI, outside any CI, with the user's key; anything bound for the internet goes to a
    closed local port (a proxy nobody listens on), so a request to the official URL fails offline."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI", "SEMAPHORE"))}
    clean = {k: v for k, v in clean.items() if k.upper() not in ("NO_PROXY", "HTTP_PROXY", "ALL_PROXY")}
    clean |= {"OPENAI_API_KEY": KEY, "HTTPS_PROXY": f"http://127.0.0.1:{dead_port()}", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "suture", *args], cwd=repo, env=clean, capture_output=True, text=True, timeout=240
    )


@pytest.fixture
def server() -> Iterator[FakeServer]:
    with serving("openai") as found:
        found.queue(openai_reply(RIGHT))
        yield found


def keys_received(server: FakeServer) -> list[str]:
    return [request.headers.get("authorization", "") for request in server.requests]


def steering(server: FakeServer) -> dict[str, str]:
    """The commit's configuration: the model, its endpoint and the variable whose key goes there."""
    toml = (
        f'[tool.suture]\nprovider = "openai"\nmodel = "m"\nbase-url = "{server.url}"\napi-key-env = "OPENAI_API_KEY"\n'
    )
    return {**WRONG, "pyproject.toml": toml}


HEAL = ("heal", "--json", "--test-cmd", PYTEST, "--flaky-reruns", "0", "--max-seconds", "30")


def test_the_commits_base_url_never_receives_the_key(tmp_path: Path, server: FakeServer) -> None:
    repo = make_repo(tmp_path / "repo", steering(server))

    done = run(repo, *HEAL)

    assert server.requests == [], done.stderr  # not even a keyless request: the URL was not the user's
    assert KEY not in done.stdout + done.stderr
    for key, flag in (("base-url", "--base-url URL"), ("api-key-env", "--api-key-env VAR")):
        assert f"{key} in pyproject.toml [tool.suture] is ignored" in done.stderr
        assert f"pass {flag}, or keep it in the configuration of a trusted base commit named with --base REF" in (
            " ".join(done.stderr.split())
        )


def test_a_trusted_base_with_the_same_configuration_is_honoured(tmp_path: Path, server: FakeServer) -> None:
    """The control: the same keys from a base the user named route the key, so the test above can fail."""
    repo = make_repo(tmp_path / "repo", steering(server))

    done = run(repo, *HEAL, "--base", "main")

    assert keys_received(server) == [f"Bearer {KEY}"], done.stderr
    assert "is ignored" not in done.stderr
    assert done.returncode == 0, done.stderr


def test_the_key_arrives_where_the_flags_name_the_endpoint(tmp_path: Path, server: FakeServer) -> None:
    repo = make_repo(tmp_path / "repo", WRONG)
    flags = ("--provider", "openai", "--model", "m", "--base-url", server.url, "--api-key-env", "OPENAI_API_KEY")

    done = run(repo, *HEAL, *flags)

    assert keys_received(server) == [f"Bearer {KEY}"], done.stderr
    assert done.returncode == 0, done.stderr


def test_a_providers_own_key_is_not_sent_to_a_loopback_port_unless_named(tmp_path: Path, server: FakeServer) -> None:
    repo = make_repo(tmp_path / "repo", WRONG)

    done = run(repo, *HEAL, "--provider", "openai", "--model", "m", "--base-url", server.url)

    assert keys_received(server) == ["Bearer no-key"], done.stderr  # the server was asked, without the key
    said = " ".join(done.stderr.split())
    assert f"OPENAI_API_KEY is not sent to {server.url}" in said
    assert "--api-key-env OPENAI_API_KEY" in said


def test_the_commits_provider_does_not_pick_the_key_for_the_users_url(tmp_path: Path) -> None:
    """--base-url names a remote endpoint; the commit's provider would choose which key goes there."""
    repo = make_repo(tmp_path / "repo", {**WRONG, "pyproject.toml": '[tool.suture]\nprovider = "anthropic"\n'})
    flags = ("--model", "m", "--base-url", "https://models.example/v1")

    done = run(repo, *HEAL, *flags, env={"ANTHROPIC_API_KEY": KEY})

    assert "provider in pyproject.toml [tool.suture] is ignored" in done.stderr
    assert done.returncode == 1 and json.loads(done.stdout.splitlines()[-1])["llm"] is None  # offline


# --- the sandbox: variables the commit may not let in ------------------------------------------

PROBE = (
    "import os\n\n\ndef test_probe():\n"
    "    seen = sorted(name for name in os.environ if name.startswith('PROBE_'))\n"
    "    assert seen == [], 'PROBE SAW ' + ' '.join(f'{name}={os.environ[name]}' for name in seen)\n"
)


def probe_repo(root: Path, allow: list[str]) -> Path:
    names = ", ".join(f'"{name}"' for name in allow)
    return make_repo(root, {"tests/test_probe.py": PROBE, "pyproject.toml": f"[tool.suture]\nenv-allow = [{names}]\n"})


def probed(done: subprocess.CompletedProcess[str]) -> str:
    failures = json.loads(done.stdout.splitlines()[-1])["failures"]
    return " ".join(str(failure["message"]) for failure in failures)


DIAGNOSE = ("diagnose", "--json", "--test-cmd", PYTEST)


def test_the_commits_env_allow_does_not_reach_the_sandbox(tmp_path: Path) -> None:
    require_bubblewrap()
    repo = probe_repo(tmp_path / "repo", ["PROBE_SETTING"])

    ignored = run(repo, *DIAGNOSE, env={"PROBE_SETTING": "from-the-user"})
    trusted = run(repo, *DIAGNOSE, "--base", "main", env={"PROBE_SETTING": "from-the-user"})

    assert ignored.returncode == 0, ignored.stdout + ignored.stderr  # the probe saw nothing
    assert "env-allow in pyproject.toml [tool.suture] is ignored" in ignored.stderr
    assert "pass --env-allow NAME" in " ".join(ignored.stderr.split())
    assert "PROBE SAW PROBE_SETTING=from-the-user" in probed(trusted), trusted.stderr  # the control


@pytest.mark.parametrize(
    ("how", "name", "value"),
    [
        ("config", "PROBE_JWT", "x"),
        ("config", "DATABASE_URL", "x"),
        ("flag", "PROBE_WEBHOOK_URL", "x"),
        ("flag", "DOCKER_AUTH_CONFIG", "x"),
        ("flag", "PROBE_DSN", "x"),
        ("flag", "PROBE_CONNECTION_STRING", "x"),
        ("flag", "PROBE_DB", "postgres://app:hunter2hunter2@db.internal/app"),
        ("flag", "PROBE_HOOK", "https://hooks.slack.com/services/T01ABCDEF/B01ABCDEF/q8Zk3XvB2mT8wLp4RsY7nC1d"),
        ("flag", "PROBE_ID", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLXNpZ25hdHVyZQ"),
        ("base", "PROBE_GH", "ghp_" + "a1B2" * 9),
    ],
)
def test_a_credential_is_refused_from_any_source(tmp_path: Path, how: str, name: str, value: str) -> None:
    """By name or by value, from the commit, a trusted base or a flag: a clear error, and no check runs."""
    require_bubblewrap()
    repo = probe_repo(tmp_path / "repo", [name] if how in ("config", "base") else [])
    extra = {"flag": ("--env-allow", name), "base": ("--base", "main"), "config": ()}[how]

    done = run(repo, *DIAGNOSE, *extra, env={name: value})

    assert done.returncode == 2, done.stdout + done.stderr
    assert "looks like a credential" in done.stderr and name in done.stderr
    assert "suture never lets credentials reach repository code" in " ".join(done.stderr.split())
    assert len(value) < 2 or value not in done.stdout + done.stderr  # a refused value is not repeated


def test_a_plain_variable_given_by_flag_reaches_the_check(tmp_path: Path) -> None:
    """The control of the refusals: the probe does report what it is given."""
    require_bubblewrap()
    repo = probe_repo(tmp_path / "repo", [])
    done = run(repo, *DIAGNOSE, "--env-allow", "PROBE_SETTING", env={"PROBE_SETTING": "/usr/lib/jvm/java-17"})
    assert "PROBE SAW PROBE_SETTING=/usr/lib/jvm/java-17" in probed(done), done.stderr


# --- the rule itself, table-driven ---------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["CI_JOB_JWT", "DATABASE_URL", "DOCKER_AUTH_CONFIG", "SLACK_WEBHOOK_URL", "SENTRY_DSN", "AZ_CONNECTIONSTRING"],
)
def test_credential_names(name: str) -> None:
    with pytest.raises(ConfigError, match="looks like a credential"):
        config.check_env_names([name], "--env-allow")


@pytest.mark.parametrize("name", ["DJANGO_SETTINGS_MODULE", "GIT_AUTHOR_NAME", "PATCH_LEVEL", "JAVA_HOME"])
def test_ordinary_names(name: str) -> None:
    assert config.check_env_names([name], "--env-allow") == (name,)


@pytest.mark.parametrize(
    "value",
    [
        "myproject.settings",
        "/usr/lib/jvm/Java17-OpenJDK",
        "0123456789abcdef" * 2 + "01234567",
        "https://pypi.org/simple/",
    ],
)
def test_ordinary_values(value: str) -> None:
    config.check_env_values(["X"], {"X": value})


def test_the_key_decision() -> None:
    remote = ModelSettings(provider="openai", model="m", base_url="https://models.example/v1", api_key_env=None)
    local = ModelSettings(provider="openai", model="m", base_url="http://127.0.0.1:8000/v1", api_key_env=None)
    named = ModelSettings(provider="openai", model="m", base_url="http://localhost:8000/v1", api_key_env="MY_API_KEY")
    assert remote.withheld("OPENAI_API_KEY") == "" and named.withheld("MY_API_KEY") == ""
    assert local.withheld("OPENAI_API_KEY").startswith("OPENAI_API_KEY is not sent to http://127.0.0.1:8000/v1")


SPENDING = (
    '[tool.suture]\nprovider = "openai"\nmodel = "m"\nmax-cost-usd = 500\nmax-attempts = 40\n'
    "max-tool-calls = 900\nmax-seconds = 86400\nmax-tokens = 1000\n"
    'prices = { "m" = { input = 0, output = 0 } }\n'
)


def test_the_commits_budget_may_tighten_but_never_raise_what_the_model_spends(tmp_path: Path) -> None:
    """A pull request raises the cost cap, the attempts, the tool calls and the time, and prices its
    model at nothing; only its tighter max-tokens applies, and the run says what it ignored."""
    repo = make_repo(tmp_path / "repo", {**WRONG, "pyproject.toml": SPENDING})
    settings = config.resolve(repo, config.Flags())
    model = settings.model()
    assert model is not None
    default = Budget()
    assert model.budget == Budget(max_tokens=1000)
    assert model.budget.max_cost_usd == default.max_cost_usd and model.prices == {}
    ignored = "\n".join(settings.ignored)
    for key in ("max-cost-usd", "max-attempts", "max-tool-calls", "max-seconds", "prices"):
        assert f"{key} in pyproject.toml [tool.suture] is ignored" in ignored
    assert "max-tokens in" not in ignored and "pass --max-cost-usd USD" in ignored


def test_the_budget_applies_from_a_trusted_base_or_the_flags(tmp_path: Path) -> None:
    """The controls: the same keys from a trusted base apply, and a flag sets the cap."""
    repo = make_repo(tmp_path / "repo", {**WRONG, "pyproject.toml": SPENDING})
    based = config.resolve(repo, config.Flags(), base="HEAD").model()
    assert based is not None and based.budget.max_cost_usd == 500 and "m" in based.prices
    flagged = config.resolve(repo, config.Flags(llm=Flags(max_cost_usd=2.0))).model()
    assert flagged is not None and flagged.budget.max_cost_usd == 2.0
