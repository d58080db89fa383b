"""Which commands check a repository, when the user did not say."""

from __future__ import annotations

import shlex
import shutil
import tomllib
from collections.abc import Sequence
from pathlib import Path

from suture import tomlfile
from suture.errors import UsageError
from suture.run import tools
from suture.run.source import Source


def detect(source: Source, checkout: Path) -> tuple[str, ...]:
    """pytest always (the default check); ruff when the project configures it and it is installed."""
    commands = [f"{python(checkout)} -m pytest"]
    if _uses_ruff(source) and shutil.which("ruff"):
        commands.append("ruff check .")
    return tuple(commands)


def python(checkout: Path) -> str:
    """The project's interpreter: its own .venv if it has one, else python on PATH.

    Only named, never run here: it is the repository's file, and runs in the sandbox only.
    """
    for candidate in (checkout / ".venv" / "bin" / "python", checkout / "venv" / "bin" / "python"):
        if candidate.exists():
            return shlex.quote(str(candidate))
    return "python" if shutil.which("python") else "python3"


def _uses_ruff(source: Source) -> bool:
    if source.read("ruff.toml") is not None or source.read(".ruff.toml") is not None:
        return True
    text = source.read("pyproject.toml")
    if text is None:
        return False
    try:
        return "ruff" in tomlfile.loads(text).get("tool", {})
    except tomllib.TOMLDecodeError:
        return False


def ensure_runnable(command: str, *, cwd: Path) -> None:
    """Fail early, with a clear message, when a check's program does not exist."""
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise UsageError(f"cannot parse the check command {command!r}: {exc}") from exc
    if not argv:
        raise UsageError('a check command is empty; give it with --test-cmd "pytest -q"')
    program = first_program(argv)
    if "/" in program:
        found = (cwd / program).exists() or Path(program).exists()
    else:
        found = shutil.which(program) is not None or program in _SHELL_WORDS
    if not found:
        raise UsageError(
            f"the check command {command!r} cannot run: {program!r} is not installed or not on "
            "PATH; install it or pass the right command with --test-cmd"
        )


def first_program(argv: Sequence[str]) -> str:
    """The program a check command starts: its first word that is not a VAR=value assignment."""
    return next((word for word in argv if "=" not in word), argv[0])


_SHELL_WORDS = {"cd", "test", "[", "exec", "env", "export", "set", "true", "false", "(", "{"}


def plain_pytest(command: str) -> bool:
    """Whether `command` runs pytest and nothing else: `pytest -q`, `python -m pytest tests`
    (not `pip install ... && pytest`, not `pytest | tee log`, not `VAR=x pytest`)."""
    words = tools.shell_words(command)
    if words is None:
        return False
    if not words or any(word and all(c in "();<>|&" for c in word) for word in words):
        return False
    module = Path(words[0]).name.startswith("python") and words[1:2] == ["-m"]
    tool = tools.named(words[2] if module and len(words) > 2 else words[0])
    return tool is not None and tool.name == "pytest"
