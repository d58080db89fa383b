"""Capture: run the check commands on a commit, in a disposable worktree.

Each check runs with stdout and stderr merged (tracebacks go to stderr). When the
check runs pytest, suture's plugin is loaded through PYTEST_ADDOPTS and writes the
collected ids, outcomes and exceptions, and pytest writes JUnit XML: failing test
ids are then exact rather than scraped.
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from suture.capture import report as plugin_report
from suture.records import Build, CheckRun
from suture.run import checks, tools
from suture.run.git import put_back, snapshot, worktree
from suture.run.process import run_logged
from suture.run.sandbox import Sandbox

PLUGIN_DIR = Path(__file__).parent / "pytest_plugin"
EXIT_FILE = "exit"
REPORT_FILE = "report.jsonl"  # the plugin's, beside the output (report.py reads it)
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
            (scratch / "tree").write_text(str(tree), encoding="utf-8")
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
) -> tuple[CheckRun, ...]:
    """Run each command in `tree` (in `order`, indices of `commands`, if given; the records keep
    the commands' order); `first` test ids run before the others and stop pytest early.
    A command in `prepared` is not started: its run is already under way (warm.py), and
    the callable gives its record (None: it could not be used, run it). With `stop_on_failure`,
    a failed check for which `keep_going` says so does not stop the others."""
    prepared = prepared or {}
    for command in commands:
        checks.ensure_runnable(command, cwd=tree)
    runs: dict[int, CheckRun] = {}
    sequence = list(order if order is not None else range(len(commands)))
    before = snapshot(tree) if len(sequence) > 1 else ""
    for step, index in enumerate(sequence):
        command = commands[index]
        if step > 0:
            put_back_after(tree, before, commands[sequence[step - 1]], progress)
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
            (files / EXIT_FILE).write_text(str(check.exit_code), encoding="utf-8")  # done: watchers may read it
        runs[index] = check
        progress(f"{command}: {_summary(check)}")
        if stop_on_failure and not check.passed and not keep_going(check):
            break
    return tuple(runs[index] for index in sorted(runs))


def put_back_after(tree: Path, before: str, command: str, progress: Progress) -> None:
    """Undo what `command` wrote to the files of `tree`, so that the next check sees them as they were.

    A check can write: `ruff check` fixes what it finds when the project sets `fix = true`,
    a formatter may be run without --check. The next check must still run on the commit
    (and the candidate) under test, not on what the previous one made of it.
    """
    restored = put_back(tree, before)
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


def run_check(
    tree: Path,
    command: str,
    *,
    sandbox: Sandbox,
    timeout: float,
    first: Sequence[str] = (),
    files: Path | None = None,
    hold: Path | None = None,
) -> CheckRun:
    """One check run in `sandbox`; its output, JUnit and plugin files go to `files` (a temp dir if None).
    With `hold`, suture's pytest plugin waits for that file (in `files`) before collecting.

    Inside the sandbox only `tree` and `files` are writable.
    """
    if files is None:
        with tempfile.TemporaryDirectory(prefix="suture-check-") as scratch:
            return run_check(
                tree, command, sandbox=sandbox, timeout=timeout, first=first, files=Path(scratch), hold=hold
            )
    files.mkdir(parents=True, exist_ok=True)
    log, junit, report = files / "output.log", files / "junit.xml", files / REPORT_FILE
    first_file = files / "first.txt"
    first_file.write_text("".join(f"{node_id}\n" for node_id in first), encoding="utf-8")
    env = check_env(tree, sandbox.environment(os.environ), junit=junit, report=report, first=first_file)
    if hold is not None:  # pytest waits for this file before it collects (warm.py)
        env["SUTURE_PYTEST_HOLD"] = str(hold)
    argv = sandbox.argv(command, tree=tree, scratch=files, env=env)
    timed = run_logged(argv, cwd=tree, env=env, log=log, timeout=timeout)
    reported = plugin_report.load(report)  # ReportRefused: the code under test put something else there
    found = plugin_report.summary(plugin_report.events(reported))
    return CheckRun(
        command=command,
        exit_code=timed.returncode,
        seconds=round(timed.seconds, 3),
        timed_out=timed.timed_out,
        output=read_output(log),
        tests=found.tests,
        collected=found.collected,
        collection_errors=found.collection_errors,
        junit=junit.read_text(encoding="utf-8", errors="replace") if junit.exists() else "",
        report=reported,
        root=str(tree),
    )


def check_env(tree: Path, base: Mapping[str, str], *, junit: Path, report: Path, first: Path) -> dict[str, str]:
    """The environment of a check run: what the sandbox lets through (`base`) and suture's own.

    The worktree's own code must be what gets imported: a project installed in
    editable mode points at the user's checkout, so the worktree (and its src/)
    go first on PYTHONPATH, ahead of anything site-packages adds.
    """
    env = dict(base)
    paths = [str(tree / "src")] if (tree / "src").is_dir() else []
    paths += [str(tree), str(PLUGIN_DIR)]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    addopts = f"-p _suture_pytest --junitxml={shlex.quote(str(junit))}"
    env["PYTEST_ADDOPTS"] = f"{env['PYTEST_ADDOPTS']} {addopts}" if env.get("PYTEST_ADDOPTS") else addopts
    env["SUTURE_PYTEST_REPORT"] = str(report)
    env["SUTURE_PYTEST_FIRST"] = str(first)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.pop("VIRTUAL_ENV_PROMPT", None)
    return env


def read_output(log: Path) -> str:
    """A check's output as its record keeps it: decoded, and its head and tail if it is long."""
    return _bounded(log.read_bytes().decode("utf-8", errors="replace"))


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
