"""Capture: run the check commands on a commit, in a disposable worktree.

Each check runs with stdout and stderr merged (tracebacks go to stderr). When the
check runs pytest, suture's plugin is loaded through PYTEST_ADDOPTS and writes the
collected ids, outcomes and exceptions, and pytest writes JUnit XML: failing test
ids are then exact rather than scraped.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from suture.capture import agreement, start
from suture.capture import report as plugin_report
from suture.capture.channel import JUNIT_FD, Channel
from suture.records import Build, CheckRun
from suture.run import checks, readback, tools
from suture.run.git import worktree
from suture.run.process import KEPT_OUTPUT, run_logged
from suture.run.sandbox import Sandbox
from suture.run.snapshot import put_back, snapshot

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
EXIT_FILE = "exit"
MAX_LOG = 2 * KEPT_OUTPUT + 64 * 1024  # a log as run_logged writes it, head, note and tail
DOUBTED = 87  # the exit code recorded for a run whose exit status, report and summary disagree
QUICK_TOOLS = frozenset(tool.name for tool in tools.TOOLS.values() if tool.quick)  # seconds, not minutes: run first
MAX_OUTPUT = 256 * 1024  # characters of a check's output kept in the record (head and tail)

Progress = Callable[[str], None]


def capture(
    repo: Path,
    sha: str,
    commands: Sequence[str],
    *,
    sandbox: Sandbox,
    timeout: float,
    progress: Progress = lambda _: None,
    scratch: Path | None = None,
) -> Build:
    """Run `commands` on commit `sha` of `repo`, each in `sandbox`, and record how each went.

    With `scratch`, check number i keeps its files in scratch/<i> (and the worktree's
    path is in scratch/tree) so that another thread can watch them as they grow; its exit
    code goes to scratch/<i>/exit when it ends. The quick static checks run first.
    """
    with worktree(repo, sha) as tree:
        if scratch is not None:
            readback.write_new(scratch / "tree", str(tree))
        order = quick_first(commands)
        runs = run_checks(
            tree, commands, sandbox=sandbox, timeout=timeout, progress=progress, scratch=scratch, order=order
        )
    return Build(repo=str(repo), base_sha=sha, checks=runs)


def run_checks(
    tree: Path,
    commands: Sequence[str],
    *,
    sandbox: Sandbox,
    timeout: float,
    first: Sequence[str] = (),
    stop_on_failure: bool = False,
    progress: Progress = lambda _: None,
    scratch: Path | None = None,
    order: Sequence[int] | None = None,
    prepared: Mapping[str, Callable[[], CheckRun | None]] | None = None,
    keep_going: Callable[[CheckRun], bool] = lambda _: False,
    patched: Sequence[str] = (),
) -> tuple[CheckRun, ...]:
    """Run each command in `tree` (in `order`, indices of `commands`, if given; the records keep
    the commands' order); `first` test ids run before the others and stop pytest early.
    A command in `prepared` is not started: its run is already under way (warm.py), and
    the callable gives its record (None: it could not be used, run it). With `stop_on_failure`,
    a failed check for which `keep_going` says so does not stop the others.
    What a check changes of the commit's files, or of `patched` (the files the candidate's
    patch touches), is put back before the next (run/snapshot.py; NotStored if it is too large)."""
    prepared = prepared or {}
    for command in commands:
        checks.ensure_runnable(command, cwd=tree)
    runs: dict[int, CheckRun] = {}
    sequence = list(order if order is not None else range(len(commands)))
    before = snapshot(tree, patched) if len(sequence) > 1 else ""
    for step, index in enumerate(sequence):
        command = commands[index]
        if step > 0:
            put_back_after(tree, before, commands[sequence[step - 1]], progress, patched)
        files = None if scratch is None else scratch / str(index)
        ready, check = prepared.get(command), None
        if ready is not None:
            progress(f"running {command} (started while capture ran, released into the patched tree)")
            check = ready()
            if check is None:
                progress(f"{command}: a changed file was imported before the release; running it afresh")
        if check is None:
            progress(f"running {command}")
            check = run_check(tree, command, sandbox=sandbox, timeout=timeout, first=first, files=files)
        if files is not None:
            readback.write_new(files / EXIT_FILE, str(check.exit_code))  # done: watchers may read it
        runs[index] = check
        progress(f"{command}: {_summary(check)}")
        if stop_on_failure and not check.passed and not keep_going(check):
            break
    return tuple(runs[index] for index in sorted(runs))


def put_back_after(tree: Path, before: str, command: str, progress: Progress, patched: Sequence[str] = ()) -> None:
    """Undo what `command` wrote to the files of `tree`, so that the next check sees them as they were.

    A check can write: `ruff check` fixes what it finds when the project sets `fix = true`,
    a formatter may be run without --check. The next check must still run on the commit
    (and the candidate) under test, not on what the previous one made of it.
    """
    restored = put_back(tree, before, patched)
    if restored:
        shown = ", ".join(restored[:3]) + (f" and {len(restored) - 3} more" if len(restored) > 3 else "")
        progress(f"{command} changed {shown}; put back as they were before the next check")


def quick_first(commands: Sequence[str]) -> list[int]:
    """The order to run `commands` in when every failure is wanted: the quick static checks first.

    A linter or formatter check reads the source and nothing else, in a second or two; run
    first, the failure it shows is known (and can be worked on) while the tests still run.
    The records keep the order the commands were given in.
    """
    quick = [index for index, command in enumerate(commands) if (tool := tools.tool_of(command)) and tool.quick]
    return [*quick, *(index for index in range(len(commands)) if index not in quick)]


SANDBOX_STARTS = 2  # a sandbox that failed to set up (the host changed under its plan) is planned and started again


def _sandbox_did_not_start(exit_code: int, log: Path) -> bool:
    """Whether bubblewrap failed to set the sandbox up (its own message, nothing of the check's):
    a socket it was to mask vanished between the plan and the start, say."""
    if exit_code != 1:
        return False
    with log.open("rb") as handle:
        head = handle.read(512)
    return head.startswith(b"bwrap: ") and head.count(b"\n") <= 1


def run_check(
    tree: Path,
    command: str,
    *,
    sandbox: Sandbox,
    timeout: float,
    first: Sequence[str] = (),
    files: Path | None = None,
    channel: Channel | None = None,
) -> CheckRun:
    """One check run in `sandbox`; its output, JUnit and report files go to `files` (a temp dir if None).

    suture's plugin gets its order (the `first` tests) over `channel`'s descriptors; a caller
    that passes a `channel` sends the order itself, when it likes (warm.py holds the run so).
    Inside the sandbox only `tree` and an empty directory of its own are writable; `files`
    is out of its sight. A run whose exit status, report and summary line disagree (agreement.py)
    is recorded as failed, with the reason in its output.
    """
    if files is None:
        with tempfile.TemporaryDirectory(prefix="suture-check-") as scratch:
            return run_check(
                tree, command, sandbox=sandbox, timeout=timeout, first=first, files=Path(scratch), channel=channel
            )
    files.mkdir(parents=True, exist_ok=True)
    if channel is None:
        with Channel(files) as own:
            own.send({"first": list(first)})
            return run_check(tree, command, sandbox=sandbox, timeout=timeout, files=files, channel=own)
    log = files / "output.log"
    env = check_env(tree, sandbox.environment(os.environ))
    with tempfile.TemporaryDirectory(prefix="suture-box-") as box:  # the same shape in every phase
        started = start.isolated(command, tree=tree, env=env)  # the interpreter's pytest, not the tree's
        for attempt in range(SANDBOX_STARTS):
            argv, fds = channel.wrap(sandbox.argv(started, tree=tree, scratch=Path(box), env=env), env)
            timed = run_logged(argv, cwd=tree, env=env, log=log, timeout=timeout, pass_fds=fds, watch=sandbox.watch())
            if attempt + 1 == SANDBOX_STARTS or not _sandbox_did_not_start(timed.returncode, log):
                break
    reported = channel.report()
    found = plugin_report.summary(plugin_report.events(reported))
    exit_code = timed.returncode
    try:
        output = read_output(log)
        doubt = agreement.disagreement(command, exit_code, output, found) if not timed.timed_out else ""
    except readback.Refused as exc:  # only without a sandbox can the code reach suture's files
        output, doubt = "", str(exc)
    if doubt:
        exit_code = DOUBTED
        output += f"\n{agreement.NOTE}{doubt}]\n"
    return CheckRun(
        command=command,
        exit_code=exit_code,
        seconds=round(timed.seconds, 3),
        timed_out=timed.timed_out,
        output=output,
        tests=found.tests,
        collected=found.collected,
        collection_errors=found.collection_errors,
        junit=channel.junit(),
        report=reported,
        root=str(tree),
    )


def check_env(tree: Path, base: Mapping[str, str]) -> dict[str, str]:
    """The environment of a check run: what the sandbox lets through (`base`) and suture's own.

    The worktree's own code must be what gets imported: a project installed in
    editable mode points at the user's checkout, so the worktree (and its src/)
    go first on PYTHONPATH, ahead of anything site-packages adds. Nothing here says
    which phase runs (capture, verification, a held run): the plugin's descriptors
    are at the same numbers in every run (channel.py).
    """
    env = dict(base)
    paths = [str(tree / "src")] if (tree / "src").is_dir() else []
    paths += [str(tree), str(PLUGIN_DIR)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    addopts = f"-p _suture_pytest --junitxml=/dev/fd/{JUNIT_FD}"
    env["PYTEST_ADDOPTS"] = f"{env['PYTEST_ADDOPTS']} {addopts}" if env.get("PYTEST_ADDOPTS") else addopts
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # One hash seed for every run: a test parametrized over a set has ids in the set's order
    # (`test[expected3]` one run, `test[expected17]` the next), and verification compares the
    # ids each run collected. A seed the user passes through (--env-allow) is kept.
    env.setdefault("PYTHONHASHSEED", "0")
    env.pop("VIRTUAL_ENV_PROMPT", None)
    return env


def read_output(log: Path) -> str:
    """A check's output as its record keeps it: decoded, and its head and tail if it is long."""
    data = readback.read(log, cap=MAX_LOG, what="check output") or b""
    return _bounded(data.decode("utf-8", errors="replace"))


def _bounded(text: str) -> str:
    if len(text) <= MAX_OUTPUT:
        return text
    half = MAX_OUTPUT // 2
    cut = len(text) - MAX_OUTPUT
    return f"{text[:half]}\n[... suture cut {cut} characters ...]\n{text[-half:]}"


def _summary(check: CheckRun) -> str:
    if check.timed_out:
        return f"timed out after {check.seconds:.0f}s"
    verdict = "passed" if check.passed else f"failed (exit {check.exit_code})"
    if check.tests:
        failing = sum(1 for t in check.tests if t.outcome in ("failed", "error"))
        verdict += f", {len(check.collected)} collected, {failing} failing"
    if check.collection_errors:
        verdict += f", {len(check.collection_errors)} collection error(s)"
    return f"{verdict} in {check.seconds:.1f}s"
