"""Start the project's pytest so that nothing in the tree under test stands in for it.

Run as ``python -S _suture_start.py ARGS`` in the worktree (capture/start.py writes the command).
``python -m pytest`` would import a ``pytest.py`` or ``pytest/`` of the tree (the current
directory and the worktree are first on ``sys.path``), and ``site`` would run the tree's
``sitecustomize.py`` before anything else: either can stand in for the runner and report what
it likes. Here, with ``-S``, no site has run yet: the tree's entries are taken off ``sys.path``,
``site`` runs (the interpreter's own site-packages and sitecustomize), pytest and what it
imports come from the interpreter's installation, and only then does the tree go back in front,
where ``python -m pytest`` puts it, for the tests and their conftest.py files.

Standard library only, Python 3.8 and later: it runs in the project's interpreter.
"""

import contextlib
import os
import sys

RUNNER = ("pytest", "_pytest.config", "_pytest.main", "pluggy", "iniconfig", "packaging.version")


def _inside(entry: str, here: str) -> bool:
    real = os.path.realpath(entry or here)
    return real == here or real.startswith(here + os.sep)


def main() -> int:
    here = os.path.realpath(os.getcwd())
    if sys.path and os.path.realpath(sys.path[0]) == os.path.dirname(os.path.realpath(__file__)):
        del sys.path[0]  # this script's folder: on PYTHONPATH already, for the plugin
    tree = [entry for entry in sys.path if _inside(entry, here)]
    sys.path[:] = [entry for entry in sys.path if not _inside(entry, here)]
    import site

    site.main()
    for name in RUNNER:
        with contextlib.suppress(ImportError):
            __import__(name)
    sys.path[:0] = [here, *tree]
    import pytest

    return pytest.console_main()


if __name__ == "__main__":
    raise SystemExit(main())
