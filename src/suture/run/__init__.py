"""Where commands run: subprocesses, the sandbox, git, and the checks a repository has."""
