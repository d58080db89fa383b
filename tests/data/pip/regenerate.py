"""Recreate the pip logs in this folder: `python tests/data/pip/regenerate.py`.

No index is reached: the packages are tiny wheels made here (`wheels/` in the temp
project), installed with `--no-index --find-links`, into a throwaway virtualenv. The
outage scenario points pip at a closed port on loopback.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from regen import run  # noqa: E402


def wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> None:
    """A minimal pure-Python wheel: one empty module and the metadata pip reads."""
    info = f"{name}-{version}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires
    )
    files = {
        f"{name}/__init__.py": "",
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: suture\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{info}/RECORD"])
    with zipfile.ZipFile(folder / f"{name}-{version}-py3-none-any.whl", "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="suture-pip-") as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
        wheels = Path(tmp) / "wheels"
        wheels.mkdir()
        wheel(wheels, "shopcore", "1.0")
        wheel(wheels, "shopcore", "1.1")
        wheel(wheels, "shopweb", "1.0", ("shopcore==1.0",))
        wheel(wheels, "shopapi", "1.0", ("shopcore>=1.1",))
        pip = [sys.executable, "-m", "pip", "--isolated", "--python", str(venv / "bin" / "python"), "install"]
        pip += ["--disable-pip-version-check", "--no-cache-dir"]
        local = [*pip, "--no-index", "--find-links", str(wheels)]
        files = {"requirements.txt": "shopweb==1.0\nshopapi==1.0\n"}
        run([*local, "shopcore==2.0"], {}, HERE / "no_version.txt")
        run([*local, "-r", "requirements.txt"], files, HERE / "resolution_impossible.txt")
        run([*local, "shopmissing"], {}, HERE / "no_distribution.txt")
        outage = [*pip, "--index-url", "http://127.0.0.1:9/simple", "--retries", "1", "--timeout", "1"]
        run([*outage, "shopcore"], {}, HERE / "index_unreachable.txt")
        for path in HERE.glob("*.txt"):
            path.write_text(path.read_text().replace(tmp, "/TMP"))


if __name__ == "__main__":
    main()
