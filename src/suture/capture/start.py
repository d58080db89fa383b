"""How a pytest check is started: by the interpreter's own pytest, never one the tree provides.

    isolated(command, *, tree, env) -> str     the command to run for `command`

A check that runs pytest alone (`python -m pytest -q`, `pytest tests`: checks.plain_pytest)
is started as `PYTHON -S .../_suture_start.py ARGS`, where PYTHON is the interpreter the
command names or whose #! line its program has: a root `pytest.py`, a `pytest/` package or a
`sitecustomize.py` of the tree cannot then stand in for the runner (docs/security.md, "forged
verdicts"). The check's record keeps the command as the user gave it. Any other command
(`pip install . && pytest`, `make test`) runs as written: what it starts is its own business,
and its verdict rests on the report and the agreement of its witnesses (agreement.py).
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path

from suture.run import checks, tools
from suture.run.sandbox import interpreter_of

START = Path(__file__).parent / "pytest_plugin" / "_suture_start.py"


def isolated(command: str, *, tree: Path, env: Mapping[str, str]) -> str:
    """`command`, started by the interpreter's pytest if it runs pytest alone; else as it is."""
    words = tools.shell_words(command)
    if not words or not checks.plain_pytest(command):
        return command
    if Path(words[0]).name.startswith("python") and words[1:3] == ["-m", "pytest"]:
        python, arguments = words[0], words[3:]
    else:
        found = interpreter_of(words[0], tree=tree, env=env)
        if found is None:
            return command
        python, arguments = found, words[1:]
    return shlex.join([python, "-S", str(START), *arguments])
