"""The errors suture expects.

    SutureError            an expected failure: the message says what is wrong and how to fix it
     +-- UsageError        bad input or configuration (exit code 2)
     |    +-- ConfigError  `[tool.suture]` or a flag holds a value suture cannot use
     |    +-- RepoError    not a git repository, no commits, ...
     +-- CommandError      a subprocess suture relies on (git, mostly) failed
     +-- ForgeError        a forge (GitHub, GitLab, Gitea) or a CI's API refused or failed a call (exit code 3)
          +-- ForgeAuthError   the token is missing or refused (exit code 2)
          +-- ForgeUnavailable a timeout, a dropped connection or a 5xx: may be retried
          +-- RateLimited      a 429 or a rate-limit 403; `wait` is the server's reset, if it said

Anything else escaping the CLI is a bug: it is logged with its traceback (exit code 3).
A candidate fix that fails verification is not an error but a `Verdict`.
"""

from __future__ import annotations

from collections.abc import Sequence


class SutureError(Exception):
    """Base of the errors whose message is meant for the user."""

    exit_code = 3


class UsageError(SutureError):
    exit_code = 2


class ConfigError(UsageError):
    pass


class RepoError(UsageError):
    pass


class CommandError(SutureError):
    """A command exited non-zero; the message carries its code and output."""

    def __init__(self, argv: Sequence[str], returncode: int, stdout: str, stderr: str) -> None:
        self.argv = tuple(argv)
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        super().__init__(self._describe())

    def _describe(self) -> str:
        def block(text: str) -> str:
            text = text.rstrip()
            return "\n".join("    " + line for line in text.splitlines()) if text else "    (none)"

        return (
            f"command {' '.join(self.argv)!r} exited with code {self.returncode}\n"
            f"  stdout:\n{block(self.stdout)}\n  stderr:\n{block(self.stderr)}"
        )


class ForgeError(SutureError):
    """A forge call failed; the message names the call and the server's answer, never the token.

    Exit code 3, "the run could not complete" (the command-line contract has no other fit: 1
    means no candidate passed, 2 that the user's input is wrong). Unlike a bug it writes
    no traceback log: the message is the whole story. A refused token is the user's to fix
    (ForgeAuthError, exit code 2).
    """

    exit_code = 3


class ForgeAuthError(ForgeError):
    exit_code = 2


class ForgeUnavailable(ForgeError):
    """The call may or may not have reached the server: a create must look before it retries."""


class RateLimited(ForgeError):
    def __init__(self, message: str, wait: float | None = None) -> None:
        super().__init__(message)
        self.wait = wait  # seconds until the server's reset, when it said; else back off
