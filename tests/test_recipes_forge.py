"""The recipe for a forge, shown working: one file (a class with its metadata and `connect`)
and one line (an entry point in `suture.forges`), installed as a real distribution. The forge
keeps its pull requests in a JSON file beside a bare repository; `suture heal` publishes a
verified fix on it, and the help, the configuration and the messages know it by its metadata."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import git, make_repo
from plugin_dist import install, suture
from projects import CLASSIC, PYTEST

TOKEN = "file-forge-" + "T0ken4recipes"
SLUG = "acme/calc"

FORGE = '''
"""A forge whose pull requests live in forge.json under the server directory."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar

from suture.errors import UsageError
from suture.publish.forges.base import Request


class FileForge:
    name: ClassVar[str] = "fileforge"
    title: ClassVar[str] = "FileForge"
    extra: ClassVar[str] = "fileforge"
    token_env: ClassVar[str] = "FILEFORGE_TOKEN"
    public_url: ClassVar[str | None] = None

    @classmethod
    def connect(cls, *, url, slug, token, timeout):
        if not url:
            raise UsageError("the fileforge forge needs the server: --forge-url DIR")
        return cls(Path(url), slug, token)

    def __init__(self, root, slug, token):
        self.root, self.slug, self.file = root, slug, root / "forge.json"
        self._save({**self._load(), "token": token})

    def _load(self):
        return json.loads(self.file.read_text()) if self.file.exists() else {"pulls": []}

    def _save(self, data):
        self.file.write_text(json.dumps(data, indent=1))

    def _requests(self):
        return [
            Request(p["number"], p["url"], p["state"], p["head"], p["body"], datetime.fromisoformat(p["created"]))
            for p in reversed(self._load()["pulls"])
        ]

    def clone_url(self):
        return (self.root / f"{self.slug}.git").as_uri()

    def git_authorization(self):
        return "Basic eDp5"

    def default_branch(self):
        return "main"

    def is_protected(self, branch):
        return False

    def requests_for(self, branch):
        return [r for r in self._requests() if r.head == branch]

    def open_requests(self, prefix):
        return [r for r in self._requests() if r.state == "open" and r.head.startswith(prefix)]

    def created_since(self, prefix, since):
        return [r for r in self._requests() if r.created >= since and r.head.startswith(prefix)]

    def create(self, *, head, base, title, body, draft):
        data = self._load()
        number = len(data["pulls"]) + 1
        pull = {"number": number, "url": f"file://pulls/{number}", "state": "open", "head": head, "base": base,
                "title": title, "body": body, "draft": draft, "labels": [], "created": datetime.now(UTC).isoformat()}
        data["pulls"].append(pull)
        self._save(data)
        return self.requests_for(head)[0]

    def update(self, number, *, title, body):
        data = self._load()
        data["pulls"][number - 1].update(title=title, body=body)
        self._save(data)
        return next(r for r in self._requests() if r.number == number)

    def label(self, number, labels):
        data = self._load()
        data["pulls"][number - 1]["labels"] += [n for n in labels if n not in data["pulls"][number - 1]["labels"]]
        self._save(data)
'''


def plugin(tmp_path: Path) -> Path:
    return install(
        tmp_path / "site",
        dist="fileforge",
        group="suture.forges",
        entry="fileforge = fileforge_plugin:FileForge",
        module="fileforge_plugin",
        source=FORGE,
    )


def hosted(tmp_path: Path, repo: Path) -> Path:
    """The forge's server directory, with the repository's bare clone at SLUG."""
    server = tmp_path / "server"
    (server / "acme").mkdir(parents=True)
    git(tmp_path, "clone", "-q", "--bare", str(repo), str(server / f"{SLUG}.git"))
    return server


def test_a_forge_plugin_receives_the_verified_fix_of_suture_heal(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", CLASSIC)
    server, site = hosted(tmp_path, repo), plugin(tmp_path)
    args = ("heal", "--json", "--test-cmd", PYTEST, "--forge", "fileforge", "--forge-url", str(server))

    done = suture(repo, site, *args, "--repo-slug", SLUG, "--label", "ci", env={"FILEFORGE_TOKEN": TOKEN})

    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["published"]["forge"] == "fileforge" and result["published"]["extra"]["action"] == "created"
    state = json.loads((server / "forge.json").read_text())
    assert state["token"] == TOKEN  # read from the variable the class names
    (pull,) = state["pulls"]
    assert pull["head"] == result["branch"] and pull["base"] == "main" and pull["labels"] == ["ci"]
    assert pull["body"].endswith(f"Suture-Fingerprint: {result['fingerprint']}")
    pushed = git(server / f"{SLUG}.git", "show", f"{result['branch']}:calc.py")
    assert pushed != CLASSIC["calc.py"] and pushed == git(repo, "show", f"{result['branch']}:calc.py")

    again = suture(repo, site, *args, "--repo-slug", SLUG, env={"FILEFORGE_TOKEN": TOKEN})
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout.strip().splitlines()[-1])["published"]["extra"]["action"] == "updated"
    assert len(json.loads((server / "forge.json").read_text())["pulls"]) == 1


def test_the_forge_is_known_to_help_configuration_and_messages_by_its_metadata(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo", {**CLASSIC, "pyproject.toml": '[tool.suture]\nforge = "fileforge"\n'})
    site = plugin(tmp_path)

    shown = suture(repo, site, "heal", "--help")
    assert shown.returncode == 0, shown.stderr
    assert "local|github|gitlab|gitea|fileforge" in shown.stdout.replace("\n", "").replace(" ", "")
    assert "FILEFORGE_TOKEN" in shown.stdout

    # Chosen by [tool.suture] forge: the missing token is named by the class's variable.
    missing = suture(repo, site, "heal", "--test-cmd", PYTEST, "--forge-url", str(tmp_path), "--repo-slug", SLUG)
    assert missing.returncode == 2
    assert "the fileforge forge needs a token in the environment variable FILEFORGE_TOKEN" in missing.stderr

    unknown = suture(repo, tmp_path / "nothing", "heal", "--test-cmd", PYTEST)  # the plugin not installed
    assert unknown.returncode == 2
    assert "forge must be one of local, github, gitlab, gitea" in unknown.stderr
