"""The command line: flags in, the library called, results printed, outcomes mapped to exit codes."""

from suture.cli.commands import main

__all__ = ["main"]
