"""Class 9: the rest: the user's environment reaching the sandbox, exit-code confusion.

The control runs with --sandbox none (the environment) or the payload directly on the host
(the exit code), where the judge must fire.
"""

from __future__ import annotations

import sys

from attack import Attacks, broken, diagnose, heal
from lab import Evidence, Lab

ATTACKS = Attacks(cls=9)


@ATTACKS.add("git-config-parameters", expect="canary")
def git_config_parameters(lab: Lab, held: bool) -> Evidence:
    """The runner exports GIT_CONFIG_PARAMETERS with an extraheader (as some CI images do)."""
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("git-params")}))
    header = f"'http.extraheader'='AUTHORIZATION: bearer {lab.canaries['extraheader']}'"
    lab.env |= {"GIT_CONFIG_PARAMETERS": header, "GIT_CONFIG_COUNT": "0"}
    return diagnose(lab, held)


@ATTACKS.add("pythonpath-home", expect="canary")
def pythonpath_home(lab: Lab, held: bool) -> Evidence:
    """The user's PYTHONPATH includes $HOME (a common shortcut); the sandbox shows every entry read-only."""
    lab.repo(broken({"tests/test_probe.py": lab.probe_test("pythonpath")}))
    lab.env["PYTHONPATH"] = ":".join(filter(None, [lab.env.get("PYTHONPATH", ""), str(lab.home)]))
    return diagnose(lab, held)


EXIT_130 = "import os\n\n\ndef pytest_unconfigure(config):\n    os._exit(130)\n"


@ATTACKS.add("check-exits-130", expect="exit code")
def check_exits_130(lab: Lab, held: bool) -> Evidence:
    """Every check exits 130 (what an interrupted program returns): suture must not report itself interrupted."""
    lab.repo(broken({"conftest.py": EXIT_130}))
    if held:
        return heal(lab, held)
    return lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


EXIT_86 = "import os\n\n\ndef pytest_unconfigure(config):\n    os._exit(86)\n"


@ATTACKS.add("check-exits-stale", expect="exit code")
def check_exits_stale(lab: Lab, held: bool) -> Evidence:
    """Every check exits 86, the status suture's own plugin uses for 'run me again' (a held run gone stale)."""
    lab.repo(broken({"conftest.py": EXIT_86}))
    if held:
        return heal(lab, held)
    return lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"], env={"SUTURE_PYTEST_HOLD": "x"})


test_attack = ATTACKS.test()
