"""Packages installed in editable mode from elsewhere still import inside the sandbox.

`pip install -e ~/src/lib` (or from /tmp) leaves a .pth line or a setuptools finder in the
environment's site-packages that points at a directory the sandbox hides (homes, /tmp). The
check then fails with a ModuleNotFoundError that happens nowhere else; suture's own CI met it.
Those directories are shown read-only; the user's checkout stays hidden even when the
project itself is installed in editable mode.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import git, make_repo
from sandbox_helpers import require_bubblewrap

from suture.capture.run import capture
from suture.run.sandbox import Bubblewrap

require_bubblewrap()

# The shape of what setuptools writes for `pip install -e` (a MAPPING of package to directory
# and a finder that imports from it), reduced to what the test needs.
FINDER = """\
import importlib.util
import sys
from importlib.machinery import PathFinder

MAPPING: dict[str, str] = {"otherlib": __OTHER__}


class _Finder:
    @classmethod
    def find_spec(cls, fullname, path=None, target=None):
        if fullname in MAPPING:
            return PathFinder.find_spec(fullname, [MAPPING[fullname].rsplit("/", 1)[0]])
        return None


def install():
    sys.meta_path.append(_Finder)
"""


def test_editable_installs_from_hidden_places_import_in_the_sandbox(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = next(venv.glob("lib/python*/site-packages"))
    flat = tmp_path / "elsewhere" / "extlib_src"  # a .pth line, as flit, hatch and pdm write it
    (flat / "extlib").mkdir(parents=True)
    (flat / "extlib" / "__init__.py").write_text("X = 7\n")
    (site / "_extlib.pth").write_text(f"{flat}\n")
    other = tmp_path / "elsewhere" / "other_src" / "otherlib"  # a setuptools finder
    other.mkdir(parents=True)
    (other / "__init__.py").write_text("Y = 8\n")
    (site / "__editable___otherlib_0_1_finder.py").write_text(FINDER.replace("__OTHER__", repr(str(other))))
    (site / "__editable__.otherlib-0.1.pth").write_text(
        "import __editable___otherlib_0_1_finder; __editable___otherlib_0_1_finder.install()\n"
    )
    repo = make_repo(tmp_path / "repo", {"app.py": "A = 1\n"})
    (repo / ".env").write_text("SECRET=1\n")  # untracked, in the checkout
    (site / "_project.pth").write_text(f"{repo}\n")  # the project itself, installed in editable mode
    probe = (
        f'{venv}/bin/python -c "import extlib, otherlib, os; print(extlib.X, otherlib.Y, '
        f"os.path.exists('{repo}/.env'))\""
    )
    build = capture(repo, git(repo, "rev-parse", "HEAD").strip(), [probe], sandbox=Bubblewrap(), timeout=60)
    check = build.checks[0]
    assert check.exit_code == 0, check.output
    assert check.output.split() == ["7", "8", "False"]
