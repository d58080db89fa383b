"""Redaction (docs/security.md): fake keys of every shape never come out."""

from __future__ import annotations

import base64
import subprocess
import sys
from urllib.parse import quote

import pytest

from suture.redact import Redactor, looks_random

# Fakes in the shapes of real credentials (none of them is valid anywhere).
GITHUB = "ghp_" + "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8"
SHAPES = {
    "aws-access-key": "AKIAIOSFODNN7EXAMPLE",
    "github-token": GITHUB,
    "gitlab-token": "glpat-abcdefghij1234567890",
    "slack-token": "xoxb-1234567890-abcdefghij",
    "openai-key": "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789",
    "anthropic-key": "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
    "google-api-key": "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
}
SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
UUID = "123e4567-e89b-12d3-a456-426614174000"
PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nZmFrZSBrZXkgYm9keQ==\n-----END RSA PRIVATE KEY-----"


@pytest.mark.parametrize(("kind", "secret"), SHAPES.items(), ids=SHAPES)
def test_known_shapes(kind: str, secret: str) -> None:
    text = f"step 3: using {secret} for the upload (commit {SHA}, run {UUID})"

    redacted = Redactor().redact(text)

    assert secret not in redacted
    assert f"[REDACTED:{kind}]" in redacted
    assert SHA in redacted and UUID in redacted and redacted.startswith("step 3: using ")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abcdef1234567890abcdef", "Authorization: Bearer [REDACTED:authorization]"),
        (
            "curl -H 'X: 1' https://bot:s3cr3tpass@example.com/x",
            "curl -H 'X: 1' https://[REDACTED:url-credentials]@example.com/x",
        ),
        ("password=hunter2 user=ada", "password=[REDACTED:password] user=ada"),
        ("--password hunter22 --verbose", "--password [REDACTED:password] --verbose"),
        ("API_TOKEN: Zx9Qw8Er7Ty6Ui5Op4As", "API_TOKEN: [REDACTED:token]"),
        ("token_type: bearer", "token_type: bearer"),
        ("key = cache_key(x)", "key = cache_key(x)"),
        ("password=None token=$TOKEN", "password=None token=$TOKEN"),
        ("the secret behind the trick", "the secret behind the trick"),
        ("E   assert login(password='p4ssw0rd!')", "E   assert login(password='[REDACTED:password]')"),
    ],
)
def test_credentials_by_position(text: str, expected: str) -> None:
    assert Redactor().redact(text) == expected


def test_private_key_blocks_keep_the_line_count() -> None:
    text = f"before\n{PEM}\nafter"

    redacted = Redactor().redact(text)

    assert redacted.splitlines() == ["before", *["[REDACTED:private-key]"] * 4, "after"]


@pytest.mark.parametrize(
    "text",
    [
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\nb3BlbnNzaC1rZXktdjEAAAAB",  # cut by the excerpt
        "b3BlbnNzaC1rZXktdjEAAAAA\nb3BlbnNzaC1rZXktdjEAAAAB\n-----END OPENSSH PRIVATE KEY-----",  # its start cut
    ],
)
def test_private_key_blocks_cut_short(text: str) -> None:
    assert "b3BlbnNzaC1rZXkt" not in Redactor().redact(text)


def test_environment_values_in_every_encoding() -> None:
    secret = "s3cr3t/v@lue+42"
    redactor = Redactor({"DEPLOY_SECRET": secret, "GIT_AUTHOR_NAME": "Test Author", "SHORT_KEY": "abc"})
    basic = base64.b64encode(f"x-access-token:{secret}".encode()).decode()
    text = f"plain {secret} url {quote(secret, safe='')} basic {basic} by Test Author abc"

    redacted = redactor.redact(text)

    assert redacted == (
        "plain [REDACTED:env:DEPLOY_SECRET] url [REDACTED:env:DEPLOY_SECRET] "
        "basic [REDACTED:env:DEPLOY_SECRET] by Test Author abc"
    )


def test_a_multi_line_environment_value_keeps_the_line_count() -> None:
    redactor = Redactor({"SSH_PRIVATE_KEY": "line-one-xyz\nline-two-xyz"})

    assert redactor.redact("a\nline-one-xyz\nline-two-xyz\nb").splitlines() == [
        "a",
        "[REDACTED:env:SSH_PRIVATE_KEY]",
        "[REDACTED:env:SSH_PRIVATE_KEY]",
        "b",
    ]


def test_looks_random() -> None:
    assert looks_random("Zx9Qw8Er7Ty6Ui5Op4As")
    assert not looks_random("configuration_file")
    assert not looks_random("short1A")


@pytest.mark.parametrize("secret", [GITHUB, SHAPES["gitlab-token"], SHAPES["aws-access-key"], SHAPES["jwt"]])
def test_the_head_of_a_token_a_tool_cut_short(secret: str) -> None:
    """pytest's summary line cuts a long message: `AssertionError: refused ghp_A1b2C3d4...`."""
    head = secret[:14]
    redacted = Redactor().redact(f"FAILED tests/t.py::test_x - AssertionError: refused {head}...")

    assert head not in redacted
    assert redacted.endswith("refused [REDACTED:token-prefix]...")


@pytest.mark.parametrize("text", ["ruff check src...", f"commit {SHA[:12]}...", "risk-free...", "task-1234..."])
def test_words_cut_short_are_not_tokens(text: str) -> None:
    assert Redactor().redact(text) == text


PATHOLOGICAL_SCRIPT = """
import base64, sys
from suture.redact import Redactor
secret = "s3cr3t-Value-9x8y7z"
b64 = base64.b64encode(("user:" + secret).encode()).decode()
text = "a-" * 200_000 + " token=Zx9Qw8Er7Ty6Ui5Op4As " + "a." * 200_000 + " x" * 100_000 + " " + "QUJD" * 100_000 + b64
out = Redactor({"DEPLOY_TOKEN": secret}).redact(text)
assert "token=[REDACTED:token]" in out, out[-200:]
assert secret not in out and b64 not in out
assert out.endswith(" [REDACTED:env:DEPLOY_TOKEN]"), out[-100:]
print(len(text))
"""


def test_long_lines_without_spaces_are_redacted_in_linear_time() -> None:
    """Minified output, `-----` rulers, base64 blobs: one line of a megabyte must not take hours.

    The patterns used to backtrack quadratically (20 KB of `a-a-...` took 76 s); a linear
    redactor does this 1.4 MB line in well under a second, so the generous timeout only
    catches the blow-up, it does not time the code.
    """
    done = subprocess.run(
        [sys.executable, "-c", PATHOLOGICAL_SCRIPT], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 1_400_000


GROWTH_SCRIPT = """
import sys, time
from suture.redact import Redactor
redactor = Redactor({"DEPLOY_TOKEN": "s3cr3t-Value-9x8y7z"})
unit = sys.argv[1]
def seconds(n):
    text = unit * n
    start = time.perf_counter()
    redactor.redact(text)
    return time.perf_counter() - start
# the fastest of five each: a busy machine's pauses fall on single runs, not on every one
small, large = min(seconds(25_000) for _ in range(5)), min(seconds(200_000) for _ in range(5))
print(large / max(small, 1e-4))
"""


@pytest.mark.parametrize(
    "unit", ["AKIA-", "ghp_-", "eyJ-", "password=", "api_key=_", "token: ", "token:  ", "sk-ant-...", "s3cr3t-Va..."]
)
def test_hostile_repetitions_take_linear_time(unit: str) -> None:
    """Shapes a hostile repository prints to make a backtracking redactor quadratic: eight times
    the text takes about eight times as long (a quadratic pass takes sixty-four; before, 20,000
    characters of `AKIA-` took 1.5 s and 40,000 took 127 s)."""
    done = subprocess.run(
        [sys.executable, "-c", GROWTH_SCRIPT, unit], capture_output=True, text=True, timeout=120, check=False
    )

    assert done.returncode == 0, done.stderr
    assert float(done.stdout) < 24, f"eight times the text took {float(done.stdout):.0f} times as long"


@pytest.mark.parametrize("ellipsis", ["...", "\u2026"])
def test_the_head_of_an_environment_value_a_tool_cut_short(ellipsis: str) -> None:
    """pytest's summary line and rich's tables cut long values: the head alone is still the secret's."""
    value = "hunter2-Corp-db-Passphrase-77"
    redactor = Redactor({"DB_PASSWORD": value})

    shown = redactor.redact(f"FAILED tests/t.py::test_db - AssertionError: login with {value[:14]}{ellipsis}")

    assert value[:8] not in shown
    assert shown.endswith(f"login with [REDACTED:env:DB_PASSWORD]{ellipsis}")


def test_a_word_that_only_starts_like_a_secret_survives() -> None:
    redactor = Redactor({"DB_PASSWORD": "hunter2-Corp-db-Passphrase-77"})
    assert redactor.redact("hunter2-Corp-wiki is down") == "hunter2-Corp-wiki is down"  # no ellipsis: not cut
    assert redactor.redact("hunter2... is a short head") == "hunter2... is a short head"  # 7 characters
