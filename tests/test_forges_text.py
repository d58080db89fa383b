"""The pieces of publishing that are pure functions: PR text, markers, rate-limit headers, slugs, scrubbing."""

from __future__ import annotations

import pytest

from suture.cli.publishing import slug_from_url
from suture.publish.compose import MAX_BODY
from suture.publish.forges import pr
from suture.publish.forges.gitpush import basic, environment, scrub
from suture.publish.forges.ratelimit import wait_from
from suture.records import Proposal

PATCH = "diff --git a/calc.py b/calc.py\n--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-x\n+y\n"


def proposal(body: str, patch: str = PATCH) -> Proposal:
    return Proposal("suture/abc", "m", "Fix   TypeError\nin calc.py", body, "abc", patch, "0" * 40)


def test_images_html_and_foreign_links_never_reach_the_body() -> None:
    body = (
        "See ![pwned](https://evil.example/x.png) and <img src=x onerror=alert(1)> <!-- hidden -->\n"
        "[click](https://evil.example/login) or https://evil.example/steal and [ok](https://forge.test/acme/calc)\n"
        "[ref]: https://evil.example/ref\n"
        "`<b>in code</b>`\n"
        "```\n![log image](https://evil.example/y.png) <script>kept literally</script>\n```\n"
    )
    text = pr.compose(proposal(body), hosts=("forge.test",), run_url="https://ci.test/runs/1").body
    prose, fence = text.split("```\n", 1)
    assert "evil.example" not in prose.replace("`https://evil.example/steal`", "")
    assert "<img" not in prose and "&lt;img" in prose and "hidden" not in text
    assert "[ok](https://forge.test/acme/calc)" in prose
    assert "`<b>in code</b>`" in prose
    assert "<script>kept literally</script>" in fence  # a code block shows it as text
    assert "Failing run: https://ci.test/runs/1" in text
    assert text.splitlines()[-1] == "Suture-Fingerprint: abc"


def test_the_title_is_one_line_and_the_body_within_the_limit_with_its_fence_closed() -> None:
    huge = "### Log\n```\n" + "x" * 80 + "\n" * 1 + ("line\n" * 20_000)
    text = pr.compose(proposal(huge))
    assert text.title == "Fix TypeError in calc.py"
    assert len(text.body) <= MAX_BODY
    assert text.body.count("```") % 2 == 0 and "(truncated" in text.body
    assert pr.has_marker(text.body, "abc")


def test_risk_flags() -> None:
    deps = PATCH.replace("calc.py", "requirements-dev.txt")
    assert any("dependencies" in flag for flag in pr.risks(deps))
    assert any("CI configuration" in flag for flag in pr.risks(PATCH.replace("calc.py", ".github/workflows/ci.yml")))
    large = PATCH + "".join(f"+line {n}\n" for n in range(50))
    assert any("large diff" in flag for flag in pr.risks(large))
    assert pr.risks(PATCH) == ()
    assert "none flagged" in pr.compose(proposal("b")).body


def test_the_commit_message_carries_the_whole_pull_request() -> None:
    text = pr.compose(proposal("### Root cause\nbody text"))
    message = pr.commit_message(text, "abc")
    assert message.endswith("Suture-Fingerprint: abc\nHealed-by: suture\n")
    found = pr.from_commit(message)
    assert found is not None and found.text == text and found.branch == "suture/abc"
    assert pr.from_commit("Fix a thing\n\nby a human\n") is None


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "Thu, 01 Jan 1970 00:00:30 GMT"}, 20.0),
        ({"X-RateLimit-Reset": "1000000040"}, 30.0),
        ({"RateLimit-Reset": "12"}, 12.0),
        ({}, None),
    ],
)
def test_waits_from_rate_limit_headers(headers: dict[str, str], expected: float | None) -> None:
    now = 1_000_000_010.0 if "X-RateLimit-Reset" in headers else 10.0
    assert wait_from(headers, now=now) == expected


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        ("https://github.com/acme/calc.git", "acme/calc"),
        ("https://x-access-token:ghp_secret@github.com/acme/calc", "acme/calc"),
        ("git@github.com:acme/calc.git", "acme/calc"),
        ("ssh://git@gitlab.example:2222/group/sub/calc.git", "group/sub/calc"),
        ("/srv/calc.git", None),
        ("", None),
    ],
)
def test_slugs_from_remote_urls(url: str, slug: str | None) -> None:
    assert slug_from_url(url) == slug


def test_the_token_reaches_git_only_through_its_environment_and_is_scrubbed_from_messages() -> None:
    token = "ghp_" + "S3cretValue0123456789abcdefghijklmnop"
    header = basic("x-access-token", token)
    env = environment("https://forge.test/acme/calc.git", header)
    assert env["GIT_CONFIG_KEY_0"] == "http.https://forge.test/acme/calc.git.extraHeader"
    assert env["GIT_CONFIG_VALUE_0"] == f"Authorization: {header}"
    assert env["GIT_CONFIG_VALUE_1"] == "" and env["GIT_TERMINAL_PROMPT"] == "0"
    message = f"fatal: {token} {header} {header.split()[1]}"
    assert token not in scrub(message, [header]) and header.split()[1] not in scrub(message, [header])
