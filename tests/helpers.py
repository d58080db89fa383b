"""Helpers for tests: real git repositories in temp dirs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def make_repo(root: Path, files: dict[str, str], message: str = "initial") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write(root, files)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return root


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def snapshot(repo: Path) -> dict[str, object]:
    """Everything about the user's checkout suture promises not to change."""
    files = {}
    for path in sorted(repo.rglob("*")):
        if ".git" in path.relative_to(repo).parts or not path.is_file():
            continue
        files[str(path.relative_to(repo))] = path.read_bytes()
    index = (repo / ".git" / "index").read_bytes() if (repo / ".git" / "index").exists() else b""
    return {
        "files": files,
        "index": index,
        "head": (repo / ".git" / "HEAD").read_text(),
        "head_sha": git(repo, "rev-parse", "HEAD"),
        "status": git(repo, "status", "--porcelain", "--untracked-files=all"),
        "stash": git(repo, "stash", "list"),
    }


def heal_json(repo: Path, *args: str) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """`suture heal --dry-run --json ARGS` run in `repo`: its outcome (the last line) and the run."""
    done = subprocess.run(
        [sys.executable, "-m", "suture", "heal", "--dry-run", "--json", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    return json.loads(done.stdout.strip().splitlines()[-1]), done
