"""Bisect bench: real historical breakages where several distributions changed after the project's
last commit, reproduced with real releases from the public index.

    python bench/bisect_bench.py                 # every case
    python bench/bisect_bench.py --case sqlalchemy-2

Each case is a small project committed on a date; the user's virtualenv gets releases of which
several came out after it (real uv, from PyPI). `suture heal --bisect --dry-run --json` runs on it
as a user would (bubblewrap, PyPI by default) and the bench reports, per case: how many
distributions changed, the culprit the bisect found against the known one, its runs and
environments, the fix, and the time. The bench, not the test suite, reaches the network.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = "from app import value\n\n\ndef test_value():\n    assert value() == 'ok'\n"


@dataclass(frozen=True)
class Case:
    name: str
    installed: tuple[str, ...]  # the user's venv: releases from before and after `committed`
    declared: str  # pyproject's [project] dependencies
    app: str
    committed: str
    culprit: str  # the known answer (normalised name)


CASES = (
    Case(
        "flask-2.2-werkzeug-3",  # Werkzeug 3.0 removed url_quote, which Flask 2.2 imports
        ("flask==2.2.2", "werkzeug==3.0.0", "click==8.1.7", "markupsafe==2.1.3", "pytest==7.4.0"),
        '"flask==2.2.2"',
        "import flask\n\n\ndef value():\n"
        "    return 'ok' if flask.Flask('x').test_client().get('/').status_code == 404 else 'no'\n",
        "2023-06-01T12:00:00+00:00",
        "werkzeug",
    ),
    Case(
        "numpy-1.24-float",  # numpy 1.24 removed np.float; pandas moved on too
        ("numpy==1.24.0", "pandas==1.5.2", "pytz==2022.7", "pytest==7.2.0"),
        '"numpy", "pandas"',
        "import numpy as np\nimport pandas as pd\n\n\ndef value():\n"
        "    return 'ok' if pd.Series([np.float(1)]).sum() == 1 else 'no'\n",
        "2022-11-15T12:00:00+00:00",
        "numpy",
    ),
    Case(
        "sqlalchemy-2",  # SQLAlchemy 2.0 removed Engine.execute; greenlet and typing-extensions moved on
        ("sqlalchemy==2.0.0", "greenlet==2.0.2", "typing-extensions==4.4.0", "pytest==7.2.1"),
        '"sqlalchemy"',
        "import sqlalchemy\n\n\ndef value():\n"
        "    return 'ok' if sqlalchemy.create_engine('sqlite://').execute('select 1').scalar() == 1 else 'no'\n",
        "2023-01-20T12:00:00+00:00",
        "sqlalchemy",
    ),
    Case(
        "pyyaml-6-load",  # PyYAML 6.0 made load()'s Loader required; idna and pytest moved on too
        ("pyyaml==6.0.1", "python-dateutil==2.8.2", "idna==3.4", "pytest==7.4.0"),
        '"pyyaml", "python-dateutil", "idna"',
        "import yaml\n\n\ndef value():\n    return 'ok' if yaml.load('a: 1') == {'a': 1} else 'no'\n",
        "2021-10-01T12:00:00+00:00",
        "pyyaml",
    ),
)


def run_case(case: Case, work: Path, cache: Path) -> dict[str, object]:
    repo = work / case.name
    (repo / "tests").mkdir(parents=True)
    (repo / "pyproject.toml").write_text(
        f'[project]\nname = "demo"\nversion = "0.1"\ndependencies = [{case.declared}]\n'
    )
    (repo / "app.py").write_text(case.app)
    (repo / "tests" / "test_app.py").write_text(TEST)
    dated = {**os.environ, "GIT_AUTHOR_DATE": case.committed, "GIT_COMMITTER_DATE": case.committed}
    for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "-A"], ["git", "commit", "-qm", "project"]):
        subprocess.run(argv, cwd=repo, env=dated, check=True)
    venv = work / f"{case.name}-venv"
    uv = {"PATH": os.environ["PATH"], "HOME": str(work), "UV_CACHE_DIR": str(cache / "uv")}
    uv.update({name: os.environ[name] for name in ("SSL_CERT_FILE", "SSL_CERT_DIR") if name in os.environ})
    subprocess.run(["uv", "venv", "-q", "--python", sys.executable, str(venv)], env=uv, check=True)
    pip = ["uv", "pip", "install", "-q", "--python", str(venv / "bin/python"), *case.installed]
    subprocess.run(pip, env=uv, check=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX")}
    env.update(
        PATH=f"{venv / 'bin'}:{os.environ['PATH']}",
        VIRTUAL_ENV=str(venv),
        XDG_CACHE_HOME=str(cache),
        PYTHONPATH=str(ROOT / "src"),
    )
    start = time.monotonic()
    argv = [sys.executable, "-m", "suture", "heal", "--bisect", "--dry-run", "--json", "--flaky-reruns", "0"]
    done = subprocess.run(
        [*argv, "--test-cmd", "python -m pytest -q"], cwd=repo, env=env, capture_output=True, text=True, timeout=1800
    )
    seconds = round(time.monotonic() - start, 1)
    lines = done.stdout.strip().splitlines()
    outcome = json.loads(lines[-1]) if lines else {}
    found = next((f["upstream"] for f in outcome.get("failures", []) if f.get("upstream")), None) or {}
    said = re.search(r"bisect: (\d+) distribution\(s\) changed", done.stderr)
    sentence = str(found.get("bisected", "")) or next(
        (line.split("suture: ", 1)[1] for line in done.stderr.splitlines() if "bisect over" in line), ""
    )
    bisected = re.search(r"\): (?P<name>[\w.-]+) \S+ (?:alone breaks|with)", sentence)
    return {
        "case": case.name,
        "changed": int(said[1]) if said else 0,
        "diagnosed": _normal(str(found.get("distribution", ""))),
        "bisect_found": _normal(bisected["name"]) if bisected else "",
        "right": bool(bisected) and _normal(bisected["name"]) == case.culprit,  # the bisect's own answer
        "versions": f"{found.get('good', '')} -> {found.get('installed', '')}",
        "bisected": sentence,
        "status": outcome.get("status"),
        "fixer": outcome.get("fixer"),
        "seconds": seconds,
    }


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", action="append", help="run only this case (repeatable)")
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "suture-bisect-bench-cache")
    args = parser.parse_args()
    chosen = [case for case in CASES if not args.case or case.name in args.case]
    results = []
    with tempfile.TemporaryDirectory(prefix="bisect-bench-") as scratch:
        for case in chosen:
            result = run_case(case, Path(scratch), args.cache)
            results.append(result)
            print(json.dumps(result), flush=True)
    right = sum(bool(r["right"]) for r in results)
    healed = sum(r["status"] == "fixed" for r in results)
    print(f"culprit found by the bisect: {right}/{len(results)}; healed: {healed}/{len(results)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
