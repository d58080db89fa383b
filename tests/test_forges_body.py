"""The pull request body as the forge receives it: composed from real records, handed over through
`suture heal --out` / `suture publish` and through the commit for `suture propose`, and read back
from a loopback GitHub server (PyGithub) backed by a real bare repository."""

from __future__ import annotations

import difflib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from forge_servers import ForgeServer, serve
from helpers import git, make_repo
from test_forges import TOKEN, client

from suture.publish import compose
from suture.publish.forges.outfile import OutFile
from suture.publish.forges.publish import Publisher
from suture.records import Build, Candidate, CheckRun, Diagnosis, Failure, Frame, Proposal, Usage, Verdict

SLUG = "acme/calc"
BROKEN = 'def add(a, b):\n    result = a + b\n    return "The result is: " + result\n'
FIXED = 'def add(a, b):\n    result = a + b\n    return f"The result is: {result}"\n'
USAGE = Usage("openai", "gpt-4o-mini", 2, 2, 1234, 56, 0.0012, 3.4)
SPENT = "`openai/gpt-4o-mini`: 2 attempt(s), 2 request(s), 1,234 tokens in, 56 out, $0.0012"
HOSTILE = (
    "boom\n```\n![pwned](https://evil.example/x.png) <img src=x onerror=alert(1)> "
    "[login](https://evil.example/login) https://evil.example/steal <!-- hidden -->"
)


def patch_of(path: str, before: str, after: str) -> str:
    lines = difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{path}", f"b/{path}")
    return f"diff --git a/{path} b/{path}\n" + "".join(lines)


def proposal(
    repo: Path,
    *,
    fingerprint: str = "abc123",
    origin: str = "concat",
    usage: Usage | None = None,
    message: str = 'can only concatenate str (not "int") to str',
    error_type: str = "TypeError",
    patch: str = "",
) -> Proposal:
    """A proposal as `heal` composes it, from the records of a verified fix."""
    command = "python -m pytest -q"
    before = CheckRun(command, 1, 1.2, False, "1 failed")
    after = CheckRun(command, 0, 1.1, False, "1 passed")
    failure = Failure(
        "pytest", "test-failure", command, error_type, message, ("tests/test_calc.py::test_add",),
        (Frame("calc.py", 3, "add"),), "excerpt", "f1",
    )  # fmt: skip
    candidate = Candidate(origin, patch or patch_of("calc.py", BROKEN, FIXED), "Format the number.", "f1")
    verdict = Verdict(candidate, True, "every check passes", (before,), (after,), 3, 3, 2.5)
    build = Build(str(repo), git(repo, "rev-parse", "HEAD").strip(), (before,))
    return compose.propose(build, Diagnosis("code", (failure,), (), fingerprint), verdict, usage=usage)


@pytest.fixture
def github(tmp_path: Path) -> Iterator[ForgeServer]:
    yield from serve("github", tmp_path / "forge", TOKEN)


@pytest.fixture
def repo(tmp_path: Path, github: ForgeServer) -> Path:
    work = make_repo(tmp_path / "work", {"calc.py": BROKEN, "pyproject.toml": "[project]\nname = 'calc'\n"})
    github.add_repo(SLUG, work)
    return work


def publish(repo: Path, github: ForgeServer, made: Proposal, tmp_path: Path) -> str:
    """`suture publish` of the file `suture heal --out` writes; the body the forge received."""
    path = tmp_path / f"{made.fingerprint}.json"
    OutFile(path, run_url=f"{github.url}/acme/calc/actions/runs/7")(repo, made)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI_", "SEMAPHORE"))}
    args = ("publish", str(path), "--forge", "github", "--forge-url", github.url, "--repo-slug", SLUG)
    done = subprocess.run(
        [sys.executable, "-m", "suture", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
        env={**clean, "GITHUB_TOKEN": TOKEN},
    )
    assert done.returncode == 0, done.stderr
    pulls = [p for p in github.repos[SLUG].pulls if p.head == made.branch]
    assert len(pulls) == 1
    return pulls[0].body


def prose(body: str) -> str:
    """What a forge renders as markdown: the body without its fenced code blocks and code spans."""
    out, fence = [], ""
    for line in body.splitlines():
        match = re.match(r"^ {0,3}(`{3,}|~{3,})", line)
        if fence:
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) and not line.strip(" `~"):
                fence = ""
        elif match:
            fence = match.group(1)
        else:
            out.append(re.sub(r"(`+).+?\1", "", line))
    return "\n".join(out)


def test_the_model_s_attempts_tokens_and_cost_reach_the_pull_request_through_out_and_publish(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    body = publish(repo, github, proposal(repo, origin="llm:openai/gpt-4o-mini", usage=USAGE), tmp_path)
    assert f"### Language model\n{SPENT}" in body
    assert "### Fix (llm:openai/gpt-4o-mini, " in body and "Deterministic" not in body
    assert f"Failing run: {github.url}/acme/calc/actions/runs/7" in body


def test_propose_carries_the_model_s_spend_from_the_commit_alone(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    made = proposal(repo, fingerprint="def456", origin="llm:openai/gpt-4o-mini", usage=USAGE)
    Publisher(client(github), push_only=True)(repo, made)
    clone = tmp_path / "ci-checkout"
    subprocess.run(
        ["git", "clone", "-q", "--branch", made.branch, str(github.repos[SLUG].bare), str(clone)], check=True
    )
    opened = Publisher(client(github)).propose(clone, git(clone, "rev-parse", "HEAD").strip())
    assert opened.extra["action"] == "created"
    (pull,) = github.repos[SLUG].pulls
    assert f"### Language model\n{SPENT}" in pull.body


def test_a_deterministic_fix_says_so(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    body = publish(repo, github, proposal(repo), tmp_path)
    assert "### Fixer\nDeterministic: `concat`; no language model wrote this fix." in body
    assert "### Language model" not in body
    assert "- none flagged: a small change to source files" in body


def test_risk_flags_for_dependencies_and_a_large_diff(github: ForgeServer, repo: Path, tmp_path: Path) -> None:
    old = "[project]\nname = 'calc'\n"
    new = old + "dependencies = [\n" + "".join(f"    'package{n}',\n" for n in range(45)) + "]\n"
    body = publish(repo, github, proposal(repo, patch=patch_of("pyproject.toml", old, new)), tmp_path)
    assert "- touches dependencies: `pyproject.toml`" in body
    assert re.search(r"- large diff: \d+ changed lines", body)


def test_log_text_stays_in_code_blocks_and_nothing_hostile_is_rendered(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    body = publish(repo, github, proposal(repo, message=HOSTILE, error_type=""), tmp_path)
    rendered = prose(body)
    assert "evil.example" not in rendered and "boom" not in rendered  # the log's text is all in a code block
    assert "<img" not in rendered and "![" not in rendered
    assert "![pwned](https://evil.example/x.png)" in body  # shown literally, inside the block
    assert "(image removed" not in body  # the fence held: there was nothing outside to defuse


def test_a_huge_failure_message_leaves_a_body_within_the_limit_with_balanced_fences(
    github: ForgeServer, repo: Path, tmp_path: Path
) -> None:
    huge = "AssertionError: " + "\n".join(f"line {n} " + "x" * 60 for n in range(3000))
    body = publish(repo, github, proposal(repo, message=huge), tmp_path)
    assert len(body) <= 60_000
    assert prose(body).count("line 1") == 0  # cut, but never spilled out of its block
    assert body.rstrip().endswith("Suture-Fingerprint: abc123")
