"""The MCP server: the tool table, one call of a tool (`call`: arguments checked, errors as
values, everything redacted), and the official `mcp` SDK's low-level server over stdio around it.

A call runs in a worker thread inside a `process.Scope`: when the client cancels it or goes
away, the scope kills its check runs, and the worktree they ran in is removed as the worker
unwinds; the server waits for its workers before it exits, so nothing is left behind.
"""

from __future__ import annotations

import contextlib
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from suture import __version__
from suture.errors import SutureError
from suture.mcp import checks, failure, heal, propose, resources, verify
from suture.mcp.arguments import checked
from suture.mcp.base import Arguments, Result, Session, ToolError, reporting
from suture.redact import Redactor
from suture.run import process
from suture.untrusted import one_line

INSTRUCTIONS = """\
suture: the failing CI build of this repository, distilled; its checks run in a sandbox; a fix verified \
before anything is pushed. A typical session: ci_failure (or ci_logs) to see why CI failed; run_checks \
to reproduce it here; edit, then verify_patch with `git diff` of the fix: it is accepted only when every \
check passes, the failing tests now pass and no test file changed; propose with the id it returned \
commits it to the branch suture/<fingerprint> (never the default branch). heal tries suture's own fixers."""


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    schema: dict[str, Any]
    run: Callable[[Session, Arguments], Result]
    writes: bool = False  # only propose: the one tool whose call leaves something a client asked for


TOOLS = {
    tool.name: tool
    for tool in (
        Tool(
            "ci_failure",
            "Why CI failed: the class (code, lint/format, flaky, environment, unknown), the root causes with "
            "their tests, the distilled excerpt of the log with its line numbers, and the fingerprint. From a "
            "saved log in the repository (`log`), a GitHub Actions run URL (`url`), or the CI run the server "
            "runs in.",
            failure.FAILURE_SCHEMA,
            failure.ci_failure,
        ),
        Tool(
            "ci_logs",
            "The failed jobs of a CI run as distilled excerpts (GitHub Actions, GitLab CI, Semaphore); with "
            f"`job`, a page of that job's raw log (`offset`, `limit` up to {failure.PAGE} lines).",
            failure.LOGS_SCHEMA,
            failure.ci_logs,
        ),
        Tool(
            "run_checks",
            "Run the project's checks on HEAD (or `ref`) in the sandbox (no network, no secrets): the verdict "
            "of each check, the failing tests and the diagnosis.",
            checks.SCHEMA,
            checks.run_checks,
        ),
        Tool(
            "verify_patch",
            "Verify a unified diff as suture verifies its own fixes: applied in a disposable worktree, every "
            "check run in the sandbox; accepted only when every check passes, the failing tests now pass, no "
            "test is weakened and the policy holds (no test, CI or lock files). Returns the before/after table, "
            "the reason, and for an accepted patch the id `propose` takes.",
            verify.SCHEMA,
            verify.verify_patch,
        ),
        Tool(
            "propose",
            "Commit a patch verify_patch accepted (by its id) to the branch suture/<fingerprint> with the "
            "trailer 'Healed-by: suture', through the local forge (or the configured one). Never the default "
            "branch; the checkout, its index and HEAD are not touched.",
            propose.SCHEMA,
            propose.propose,
            writes=True,
        ),
        Tool(
            "heal",
            "Run suture's own fixers (and model, if configured) on the current failure and verify their "
            "candidates; the verified winner is kept under an id for propose. Publishes nothing.",
            heal.SCHEMA,
            heal.heal,
        ),
    )
}


@dataclass(frozen=True)
class Answer:
    """One call's answer: structured content, its text, and whether it is an error."""

    data: dict[str, Any]
    text: str
    error: bool


def call(session: Session, name: str, arguments: object, *, progress: Callable[[str], None] = lambda _: None) -> Answer:
    """Run the tool `name`; every outcome is an answer (a refusal, a bug included), redacted. What
    the call says as it goes (`base.say`) reaches `progress`, redacted too."""
    redactor = session.redactor
    try:
        tool = TOOLS.get(name)
        if tool is None:
            raise ToolError("unknown-tool", f"no tool {name!r}: the tools are {', '.join(TOOLS)}", tools=list(TOOLS))
        with reporting(lambda message: progress(redactor.redact(one_line(message, 500)))):
            result = tool.run(session, checked(tool.schema, arguments))
        return Answer(redacted(result.data, redactor), redactor.redact(result.text), False)
    except ToolError as exc:
        return _error(exc, redactor)
    except SutureError as exc:
        return _error(ToolError("usage" if exc.exit_code == 2 else "failed", str(exc)), redactor)
    except Exception as exc:  # a bug: said as such, with its place, and the server carries on
        where = traceback.extract_tb(exc.__traceback__)[-1]
        bug = f"unexpected error (a bug in suture): {type(exc).__name__}: {exc} at {where.filename}:{where.lineno}"
        return _error(ToolError("internal", bug), redactor)


def _error(exc: ToolError, redactor: Redactor) -> Answer:
    data = redacted(exc.to_json(), redactor)
    return Answer(data, f"error ({exc.code}): {data['error']['message']}", True)


def redacted(value: Any, redactor: Redactor) -> Any:
    """`value` (JSON) with every string in it redacted."""
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, dict):
        return {key: redacted(item, redactor) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redacted(item, redactor) for item in value]
    return value


class Workers:
    """The calls under way, each with the scope of its check runs: stopped when the client goes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[process.Scope, threading.Event] = {}

    def start(self, work: Callable[[], Answer]) -> tuple[process.Scope, Callable[[], Answer]]:
        """`work` wrapped to run in a scope of its own, and the scope that stops it."""
        scope, done = process.Scope(), threading.Event()
        with self._lock:
            self._running[scope] = done

        def scoped() -> Answer:
            try:
                with process.scoped(scope):
                    return work()
            finally:
                with self._lock:
                    self._running.pop(scope, None)
                done.set()

        return scope, scoped

    def stop_all(self, wait: float) -> bool:
        """Cancel every call under way and wait up to `wait` seconds for them to unwind; whether they did."""
        with self._lock:
            running = dict(self._running)
        for scope in running:
            scope.cancel()
        return all(done.wait(wait) for done in running.values())


def serve(session: Session) -> None:
    """Serve `session` over stdin and stdout until the client closes the connection."""
    import anyio

    workers = Workers()
    try:
        anyio.run(_serve, session, workers)
    finally:
        workers.stop_all(wait=30.0)


async def _serve(session: Session, workers: Workers) -> None:
    import anyio
    import mcp.types as types
    from mcp import MCPError
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server
    from mcp_types import INVALID_PARAMS

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        listed = [
            types.Tool(
                name=tool.name,
                description=tool.description,
                input_schema=tool.schema,
                annotations=types.ToolAnnotations(read_only_hint=not tool.writes, destructive_hint=False),
            )
            for tool in TOOLS.values()
        ]
        return types.ListToolsResult(tools=listed)

    async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
        progress = _notifier(ctx)
        scope, work = workers.start(lambda: call(session, params.name, params.arguments, progress=progress))
        try:
            answer = await anyio.to_thread.run_sync(work, abandon_on_cancel=True)
        except anyio.get_cancelled_exc_class():
            scope.cancel()  # its check runs killed; the worker unwinds and removes its worktree
            raise
        content: list[types.ContentBlock] = [types.TextContent(text=answer.text)]
        return types.CallToolResult(content=content, structured_content=answer.data, is_error=answer.error)

    async def list_resources(ctx: Any, params: Any) -> types.ListResourcesResult:
        found = await anyio.to_thread.run_sync(resources.listed, session)
        return types.ListResourcesResult(
            resources=[
                types.Resource(uri=r.uri, name=r.name, description=r.description, mime_type=r.mime_type) for r in found
            ]
        )

    async def read_resource(ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        try:
            text, mime = await anyio.to_thread.run_sync(resources.read, session, str(params.uri))
        except ToolError as exc:
            raise MCPError(INVALID_PARAMS, session.redactor.redact(str(exc)), exc.to_json()) from None
        contents: list[types.TextResourceContents | types.BlobResourceContents] = [
            types.TextResourceContents(uri=str(params.uri), mime_type=mime, text=session.redactor.redact(text))
        ]
        return types.ReadResourceResult(contents=contents)

    def _notifier(ctx: Any) -> Callable[[str], None]:
        """Sends `notifications/progress` from a worker thread (the SDK sends none unless the client
        gave a progress token); a notification that cannot be sent never stops the call."""
        count = 0

        def notify(message: str) -> None:
            nonlocal count
            count += 1
            # The client went away (the stream closed, the loop is stopping): the call is being cancelled anyway.
            with contextlib.suppress(RuntimeError, anyio.BrokenResourceError, anyio.ClosedResourceError):
                anyio.from_thread.run(ctx.session.report_progress, float(count), None, message)

        return notify

    server: Server[Any] = Server(
        "suture",
        version=__version__,
        instructions=INSTRUCTIONS,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
        on_list_resources=list_resources,
        on_read_resource=read_resource,
    )
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())
