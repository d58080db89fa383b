"""The investigating model loop: after a first one-prompt attempt fails, the model may call tools
(read a file, find a symbol, list a folder, see a failing test's output) before it edits. Driven
through the real `openai` and `anthropic` clients talking to a scripted server on 127.0.0.1; the
assertions are on the exact requests the server received. The judge stands in for verification
(test_llm_heal runs the real one; the last test here runs `suture heal` end to end)."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fixer_helpers import commit
from helpers import git, make_repo
from llm_servers import (
    FakeServer,
    Kind,
    Scripted,
    anthropic_reply,
    anthropic_tool_use,
    openai_reply,
    openai_tool_calls,
    serving,
)
from test_llm_loop import DIAGNOSIS, FAILURE, FILES, PLAIN_SECRET, RIGHT, WRONG, judge_by_diff

from suture.llm import providers
from suture.llm.base import Endpoint, Reply
from suture.llm.loop import Assistant
from suture.llm.providers.openai import OpenAIProvider
from suture.llm.settings import Budget, ModelSettings
from suture.llm.workbench import Workbench
from suture.records import Build, CheckRun, TestResult
from suture.redact import Redactor
from suture.run.source import Source

SECRET = PLAIN_SECRET
TEST = FAILURE.test_ids[0]
OUTPUT = (
    "F\n=================================== FAILURES ===================================\n"
    "___________________________________ test_add ___________________________________\n\n"
    "    def test_add():\n>       assert add(2, 3) == 5\nE       assert -1 == 5\n\n"
    "tests/test_calc.py:5: AssertionError\n"
    "=========================== short test summary info ============================\n"
    "FAILED tests/test_calc.py::test_add - assert -1 == 5\n1 failed in 0.01s\n"
)


@pytest.fixture
def source(tmp_path: Path) -> Source:
    return commit(tmp_path / "repo", FILES)


def build_of(source: Source) -> Build:
    check = CheckRun(
        "python -m pytest -q", 1, 0.1, False, OUTPUT, tests=(TestResult(TEST, "failed"),), collected=(TEST,)
    )
    return Build(repo=str(source.repo), base_sha=source.sha, checks=(check,))


def assistant(server: FakeServer, **budget: int) -> Assistant:
    settings = ModelSettings(server.kind, "fake", server.url, None, Budget(**budget))
    return Assistant(providers.connect(settings, {}.get), settings, redactor=Redactor({"DEPLOY_TOKEN": SECRET}))


def fix(server: FakeServer, source: Source, *, build: Build | None = None, **budget: int) -> Any:
    said: list[str] = []
    seen, judge = judge_by_diff()
    bench = Workbench(source, Redactor({"DEPLOY_TOKEN": SECRET}), build)
    result = assistant(server, **budget).fix(DIAGNOSIS, source, judge, progress=said.append, workbench=bench)
    return result, seen, said


def tool_messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [m for m in body["messages"] if m["role"] == "tool"]


def errors(body: dict[str, Any]) -> list[dict[str, str]]:
    return [json.loads(m["content"]) for m in tool_messages(body)]


@pytest.fixture
def openai() -> Iterator[FakeServer]:
    with serving("openai") as fake:
        yield fake


def test_the_first_attempt_is_one_prompt_and_the_second_reads_a_file_then_edits(
    openai: FakeServer, source: Source
) -> None:
    openai.queue(
        openai_reply(WRONG),
        openai_tool_calls(("read_file", {"path": "calc.py", "start": 2, "end": 3})),
        openai_reply(RIGHT, prompt_tokens=1500, completion_tokens=40),
    )

    result, seen, said = fix(openai, source)

    assert result.fixed and len(seen) == 2
    first, second, third = (r.body for r in openai.requests)
    assert "tools" not in first and "tool_choice" not in first  # today's one prompt, unchanged
    assert [t["function"]["name"] for t in second["tools"]] == ["read_file", "find_symbol", "list_folder"]
    assert second["tools"][0]["function"]["parameters"]["required"] == ["path"]
    assert second["tool_choice"] == "auto" and third["tool_choice"] == "auto"
    assert "the run allows 12 more call(s)" in second["messages"][0]["content"]
    assert [m["role"] for m in third["messages"]] == ["system", "user", "assistant", "tool"]
    call = third["messages"][2]["tool_calls"][0]
    assert call == {
        "id": "call_0",
        "type": "function",
        "function": {"name": "read_file", "arguments": '{"path": "calc.py", "start": 2, "end": 3}'},
    }
    answer = third["messages"][3]
    assert answer["tool_call_id"] == "call_0"
    assert answer["content"].startswith('<data kind="file" path="calc.py" lines="lines 2-3 of 3" id="')
    assert "    2  def add(a, b):\n    3      return a - b\n</data id=" in answer["content"]
    usage = result.usage
    assert (usage.requests, usage.attempts, usage.tool_calls) == (3, 2, 1)
    assert (usage.input_tokens, usage.output_tokens) == (1000 + 1000 + 1500, 100 + 20 + 40)
    assert usage.notes[1] == "attempt 2: after 1 tool call(s) (read_file): verified: ok"
    assert 'the model asks for read_file {"path": "calc.py", "start": 2, "end": 3}' in said


def test_anthropic_tool_use_reads_a_file_and_sees_the_failing_test_s_output(tmp_path: Path, source: Source) -> None:
    with serving("anthropic") as server:
        server.queue(
            anthropic_reply(WRONG),
            anthropic_tool_use(
                ("read_file", {"path": "./calc.py"}), ("test_output", {"test_id": TEST}), text="Let me look."
            ),
            anthropic_reply(RIGHT),
        )
        result, _, _ = fix(server, source, build=build_of(source))

    assert result.fixed
    first, second, third = (r.body for r in server.requests)
    assert "tools" not in first
    assert [t["name"] for t in second["tools"]] == [
        "read_file",
        "find_symbol",
        "list_folder",
        "test_output",
    ]  # no run_test without a sandbox to run it in
    assert second["tools"][3]["input_schema"]["required"] == ["test_id"]
    assert second["tool_choice"] == {"type": "auto"}
    assert [m["role"] for m in third["messages"]] == ["user", "assistant", "user"]
    assert third["messages"][1]["content"] == [
        {"type": "text", "text": "Let me look."},
        {"type": "tool_use", "id": "toolu_0", "name": "read_file", "input": {"path": "./calc.py"}},
        {"type": "tool_use", "id": "toolu_1", "name": "test_output", "input": {"test_id": TEST}},
    ]
    read, output = third["messages"][2]["content"]
    assert (read["type"], read["tool_use_id"], read["is_error"]) == ("tool_result", "toolu_0", False)
    assert "    3      return a - b" in read["content"]
    assert SECRET not in read["content"] and "[REDACTED:env:DEPLOY_TOKEN]" in read["content"]  # redacted data
    assert output["content"].startswith(f'<data kind="test-output" test="{TEST}" id="')
    assert "E       assert -1 == 5" in output["content"] and "short test summary" not in output["content"]


def test_a_model_that_keeps_calling_tools_is_stopped_at_the_cap(openai: FakeServer, source: Source) -> None:
    again = [openai_tool_calls(("list_folder", {}), ("find_symbol", {"name": "add"}), first=2 * n) for n in range(4)]
    openai.queue(openai_reply(WRONG), *again)

    result, seen, _ = fix(openai, source, max_attempts=2, max_tool_calls=3)

    assert not result.fixed and len(seen) == 1  # only the first attempt's edits were ever judged
    _, first, second, last = (r.body for r in openai.requests)
    assert (first["tool_choice"], second["tool_choice"], last["tool_choice"]) == ("auto", "auto", "none")
    assert [m["tool_call_id"] for m in tool_messages(last)] == ["call_0", "call_1", "call_2", "call_3"]
    answers = [m["content"] for m in tool_messages(last)]
    assert answers[0].startswith('<data kind="folder" path="." id=') and "tests/\n" in answers[0]
    assert "defined at:\ncalc.py:2:def add(a, b):" in answers[1]
    assert answers[2].startswith('<data kind="folder"')
    assert json.loads(answers[3]) == {
        "error": "cap-reached",
        "message": "the run's 3 tool calls (max-tool-calls) are spent: answer with edit blocks now",
    }
    assert len(openai.requests) == 4  # the model called tools after tool_choice none: no more requests
    assert result.usage.tool_calls == 3
    assert "the model kept calling tools past the cap (max-tool-calls 3)" in result.usage.notes[1]
    assert result.usage.stopped == "no verified fix in 2 attempt(s) per failure (max-attempts 2)"


def test_requests_outside_the_repository_and_bad_calls_get_structured_errors(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", FILES)
    os.symlink("/etc/passwd", repo / "passwd")
    os.symlink("/etc", repo / "etc")
    os.symlink("..", repo / "up")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "links")
    source = Source(repo, git(repo, "rev-parse", "HEAD").strip())
    asks = [
        ("read_file", {"path": "/etc/passwd"}),
        ("read_file", {"path": "../../../../etc/passwd"}),
        ("read_file", {"path": "passwd"}),
        ("read_file", {"path": "etc/passwd"}),
        ("list_folder", {"path": "up/"}),
        ("read_file", {"path": "C:\\Windows\\win.ini"}),
        ("read_file", {"path": "tests/../../calc.py"}),
        ("shell", {"command": "cat /etc/passwd"}),
        ("read_file", '{"path": "calc.py"'),
        ("read_file", {"path": 3}),
        ("read_file", {"file": "calc.py"}),
        ("find_symbol", {"name": "$(cat /etc/passwd)"}),
    ]
    with serving("openai") as server:
        server.queue(openai_reply(WRONG), openai_tool_calls(*asks), openai_reply(RIGHT))
        result, _, _ = fix(server, source, max_tool_calls=20)

    assert result.fixed
    found = errors(server.requests[-1].body)
    assert [e["error"] for e in found] == [
        *["outside-repository"] * 7,
        "unknown-tool",
        *["malformed-arguments"] * 4,
    ]
    assert found[0]["message"] == "'/etc/passwd' is not a path inside the repository: give it relative"
    assert found[1]["message"] == "'../../../../etc/passwd' leaves the repository ('..' is refused)"
    assert found[2]["message"] == "'passwd' is a symbolic link: it is not followed"
    assert found[3]["message"] == "'etc' is a symbolic link: it is not followed"
    assert found[7]["message"] == "there is no tool 'shell'; the tools are read_file, find_symbol, list_folder"
    assert found[8]["message"].startswith("the arguments are not JSON")
    assert (found[9]["message"], found[10]["message"]) == (
        "path must be a string",
        "read_file takes no argument 'file'",
    )
    assert "root:" not in "\n".join(r.text + json.dumps(r.body) for r in server.requests)


def test_an_endpoint_that_refuses_tools_gets_one_prompt_per_attempt(openai: FakeServer, source: Source) -> None:
    refused = Scripted(400, {"error": {"type": "invalid_request_error", "message": "fake does not support tools"}})
    openai.queue(openai_reply(WRONG), refused, openai_reply(WRONG.replace("*", "/")), openai_reply(RIGHT))

    result, _, said = fix(openai, source, max_attempts=3)

    assert result.fixed
    bodies = [r.body for r in openai.requests]
    assert ["tools" in body for body in bodies] == [False, True, False, False]
    assert bodies[2]["messages"][1] == bodies[1]["messages"][1]  # the same prompt, asked plainly
    assert bodies[1]["messages"][0]["content"].startswith(bodies[2]["messages"][0]["content"])
    assert any("does not take tools (400: fake does not support tools): one prompt per attempt" in s for s in said)
    assert result.usage.tool_calls == 0 and result.usage.requests == 3


@pytest.mark.parametrize("kind", ["openai", "anthropic"])
def test_max_tool_calls_zero_never_offers_tools(kind: Kind, source: Source) -> None:
    reply = openai_reply if kind == "openai" else anthropic_reply
    with serving(kind) as server:
        server.queue(reply(WRONG), reply(RIGHT))
        result, _, _ = fix(server, source, max_tool_calls=0)

    assert result.fixed
    assert all("tools" not in r.body for r in server.requests)


def test_suture_heal_lets_the_model_rerun_a_test_in_the_sandbox(tmp_path: Path, openai: FakeServer) -> None:
    from test_llm_heal import BROKEN, heal, model
    from test_llm_heal import RIGHT as FIX
    from test_llm_heal import WRONG as NOT_A_FIX

    repo = make_repo(tmp_path / "repo", BROKEN)
    openai.queue(
        openai_reply(NOT_A_FIX),
        openai_tool_calls(("run_test", {"test_id": TEST}), ("run_test", {"test_id": f"{TEST} --co; id"})),
        openai_reply(FIX),
    )

    code, result, stderr = heal(repo, *model(openai))

    assert code == 0, stderr
    assert result["status"] == "fixed" and result["llm"]["tool_calls"] == 2
    offered = [t["function"]["name"] for t in openai.requests[1].body["tools"]]
    assert offered == ["read_file", "find_symbol", "list_folder", "test_output", "run_test"]
    ran, refused = tool_messages(openai.requests[2].body)
    assert ran["content"].startswith(f'<data kind="test-run" test="{TEST}" result="exit code 1" id="')
    assert "1 failed" in ran["content"] and str(tmp_path) not in ran["content"]  # paths made relative
    assert json.loads(refused["content"])["error"] == "unknown-test"
    body = Path(result["proposal"]).read_text()
    assert "`openai/fake`: 2 attempt(s), 3 request(s), 2 tool call(s), 3,000 tokens in" in body
    assert result["llm"]["notes"][1] == (
        "attempt 2: after 2 tool call(s) (run_test, run_test): verified: every check passes; 1 failing test(s) now pass"
    )


def test_an_answer_is_bounded_however_long_the_file_s_lines(openai: FakeServer, tmp_path: Path) -> None:
    source = commit(tmp_path / "big", {**FILES, "blob.py": "x = '" + "a" * 100_000 + "'\ny = 1\n"})
    openai.queue(openai_reply(WRONG), openai_tool_calls(("read_file", {"path": "blob.py"})), openai_reply(RIGHT))

    result, _, _ = fix(openai, source)

    assert result.fixed
    (answer,) = tool_messages(openai.requests[-1].body)
    assert 20_000 < len(answer["content"]) < 20_400
    assert "[…cut at 20000 characters: ask for fewer lines]\n</data id=" in answer["content"]


class OnePromptOnly:
    """A plugin provider without `converse`: it can only be asked with one prompt."""

    name = "one-prompt"
    key_env_var = "ONE_PROMPT_API_KEY"
    extra = "openai"

    def __init__(self, endpoint: Endpoint) -> None:
        self.inner = OpenAIProvider(endpoint)

    def complete(self, system: str, prompt: str, *, max_tokens: int, timeout: float) -> Reply:
        return self.inner.complete(system, prompt, max_tokens=max_tokens, timeout=timeout)


def test_a_provider_without_tool_calling_keeps_the_one_prompt_loop(openai: FakeServer, source: Source) -> None:
    openai.queue(openai_reply(WRONG), openai_reply(RIGHT))
    settings = ModelSettings("one-prompt", "fake", openai.url, None, Budget())
    plain = OnePromptOnly(Endpoint("fake", openai.url, None, "ONE_PROMPT_API_KEY"))
    model = Assistant(plain, settings, redactor=Redactor({}))
    _, judge = judge_by_diff()

    result = model.fix(DIAGNOSIS, source, judge, progress=lambda _: None, workbench=Workbench(source, Redactor({})))

    assert result.fixed and result.usage.tool_calls == 0
    assert [("tools" in r.body) for r in openai.requests] == [False, False]
