"""The investigating model's tools on a repository with submodules: a submodule's files are read
from the commit its gitlink names, in the submodule's own objects (.git/modules/<name>), as real
`git submodule add` leaves them; a submodule that is not here, a hostile `.gitmodules` name and a
link out of a submodule are refused. The workbench is asked as the model asks it (`answer` of a
tool call), on real git repositories."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from helpers import git, make_repo, write

from suture.llm.base import Call
from suture.llm.workbench import Workbench
from suture.redact import Redactor
from suture.run.source import Source

SECRET = "sub-" + "Zq8LmW4xRt7NvB2kPy9HdeployKEY"
LIB = {
    "README.md": "lib\n",
    "units.py": (
        'FACTORS = {"km": 1000, "mi": 1690}\n\n\ndef to_metres(value, unit):\n    return value * FACTORS[unit]\n'
    ),
    "notes.txt": f"deploy key {SECRET}\n",
}
APP = {"app.py": "from vendor.lib.units import to_metres\n\n\ndef run(miles):\n    return to_metres(miles, 'mi')\n"}


def plain_git(cwd: Path, *args: str) -> str:
    """git as a user runs it (a local submodule needs the file transport, which suture's git never allows)."""
    done = subprocess.run(
        ["git", "-c", "protocol.file.allow=always", *args], cwd=cwd, check=True, capture_output=True, text=True
    )
    return done.stdout


def with_submodule(tmp_path: Path, lib: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A repository with `lib` as the submodule vendor/lib, checked out as `git submodule add` leaves it."""
    library = make_repo(tmp_path / "lib", lib or LIB)
    repo = make_repo(tmp_path / "repo", APP)
    plain_git(repo, "submodule", "add", "-q", str(library), "vendor/lib")
    plain_git(repo, "commit", "-q", "-m", "vendor lib")
    return repo, library


def ask(repo: Path, tool: str, /, **arguments: object) -> tuple[bool, str]:
    """(is an error, the answer) of one tool call on HEAD of `repo`."""
    bench = Workbench(Source(repo, git(repo, "rev-parse", "HEAD").strip()), Redactor({"DEPLOY_KEY": SECRET}))
    answer = bench.answer(Call("c1", tool, json.dumps(arguments)), seconds=30)
    return answer.error, answer.content


def test_a_submodule_s_files_are_read_listed_and_searched_at_the_commit_its_gitlink_names(tmp_path: Path) -> None:
    repo, library = with_submodule(tmp_path)
    # The library moves on, and the submodule's checkout with it: the commit still names the old one.
    write(library, {"units.py": LIB["units.py"].replace("1690", "1609")})
    plain_git(library, "commit", "-q", "-am", "fix the mile")
    plain_git(repo / "vendor" / "lib", "pull", "-q", "origin", "main")

    error, text = ask(repo, "read_file", path="vendor/lib/units.py")
    assert not error, text
    assert '    1  FACTORS = {"km": 1000, "mi": 1690}' in text and "lines 1-5 of 5" in text
    assert 'path="vendor/lib/units.py"' in text.splitlines()[0]
    error, text = ask(repo, "list_folder", path="vendor")
    assert not error and "lib/" in text.splitlines(), text
    error, text = ask(repo, "list_folder", path="vendor/lib")
    assert not error and {"README.md", "units.py", "notes.txt"} <= set(text.splitlines()), text
    error, text = ask(repo, "find_symbol", name="to_metres")
    assert not error, text
    defined, used = text.split("used at:")
    assert "vendor/lib/units.py:4:def to_metres(value, unit):" in defined
    assert "app.py:1:from vendor.lib.units import to_metres" in used
    error, text = ask(repo, "read_file", path="vendor/lib/notes.txt")  # its files are redacted like any
    assert not error and SECRET not in text and "[REDACTED" in text, text
    error, text = ask(repo, "read_file", path="vendor/lib")
    assert error and json.loads(text)["message"] == "'vendor/lib' is a folder of the repository's commit"


def test_a_submodule_that_is_not_here_is_said_so_and_nothing_is_fetched(tmp_path: Path) -> None:
    repo, _ = with_submodule(tmp_path)
    clone = tmp_path / "clone"
    plain_git(tmp_path, "clone", "-q", str(repo), str(clone))  # the submodule not initialised
    for path in ("vendor/lib/units.py", "vendor/lib"):
        error, text = ask(clone, "read_file", path=path)
        assert error and json.loads(text) == {
            "error": "not-found",
            "message": "'vendor/lib' is a submodule whose files are not here (it was not checked out)",
        }
    error, text = ask(clone, "find_symbol", name="to_metres")  # the superproject's uses are still found
    assert not error and "app.py:1:" in text and "vendor/lib/units.py" not in text, text
    assert not (clone / ".git" / "modules").exists()
    (clone / ".git" / "modules" / "vendor" / "lib").mkdir(parents=True)  # a folder, but no git directory
    error, text = ask(clone, "read_file", path="vendor/lib/units.py")
    assert error and json.loads(text)["error"] == "not-found" and "'vendor/lib' is a submodule" in text, text


def test_a_hostile_module_name_and_links_out_of_a_submodule_are_refused(tmp_path: Path) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_text("root:x:0:0\n")
    library = make_repo(tmp_path / "lib", LIB)
    os.symlink(str(outside), library / "escape.txt")
    plain_git(library, "add", "escape.txt")
    plain_git(library, "commit", "-q", "-m", "a link out")
    repo = make_repo(tmp_path / "repo", APP)
    plain_git(repo, "submodule", "add", "-q", str(library), "vendor/lib")
    plain_git(repo, "commit", "-q", "-m", "vendor lib")

    error, text = ask(repo, "read_file", path="vendor/lib/escape.txt")
    assert error and json.loads(text)["message"] == "'vendor/lib/escape.txt' is a symbolic link: it is not followed"

    # A commit whose .gitmodules names the submodule '../../..': its git directory would be outside .git/modules.
    write(repo, {".gitmodules": '[submodule "../../.."]\n\tpath = vendor/lib\n\turl = ./lib\n'})
    git(repo, "commit", "-q", "-am", "a hostile name")
    error, text = ask(repo, "read_file", path="vendor/lib/units.py")
    assert error and "not here" in json.loads(text)["message"], text
    error, text = ask(repo, "find_symbol", name="FACTORS")
    assert not error and "appears nowhere" in text, text
    assert "root:x" not in text


def test_a_submodule_s_own_submodule_is_read_too(tmp_path: Path) -> None:
    inner = make_repo(tmp_path / "inner", {"deep.py": "def deepest():\n    return 42\n"})
    library = make_repo(tmp_path / "lib", LIB)
    plain_git(library, "submodule", "add", "-q", str(inner), "third_party/inner")
    plain_git(library, "commit", "-q", "-m", "inner")
    repo = make_repo(tmp_path / "repo", APP)
    plain_git(repo, "submodule", "add", "-q", str(library), "vendor/lib")
    plain_git(repo / "vendor" / "lib", "submodule", "update", "-q", "--init")
    plain_git(repo, "commit", "-q", "-m", "vendor lib")
    assert (repo / ".git" / "modules" / "vendor" / "lib" / "modules" / "third_party" / "inner").is_dir()

    error, text = ask(repo, "read_file", path="vendor/lib/third_party/inner/deep.py")
    assert not error and "    2      return 42" in text, text
    error, text = ask(repo, "find_symbol", name="deepest")
    assert not error and "vendor/lib/third_party/inner/deep.py:1:def deepest():" in text, text
    error, text = ask(repo, "list_folder", path="vendor/lib/third_party")
    assert not error and "inner/" in text.splitlines(), text
