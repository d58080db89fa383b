"""Attacks as data: each one a function that stages a hostile repository and runs it, held or not.

    ATTACKS = Attacks(cls=1)

    @ATTACKS.add("venv-python", open="the probe runs .venv/bin/python on the host")
    def venv_python(lab: Lab, held: bool) -> Evidence:
        lab.repo(broken(**{".venv/bin/python": ...}))
        return lab.suture("heal", "--json", *([] if held else ["--sandbox", "none"]))

`held=True` runs the payload against suture as it is; `held=False` is the control: the same
payload with the protection off (no sandbox, a flag the user gave, plain git on the host, an
unprotected reader). The test then asserts the judge finds nothing in the held run and
something in the control. `open` (not held yet: what gets through) marks the held case
xfail(strict=True): the day it is held the marker must go. `tests/security/table.py` counts them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from lab import Evidence, Lab

Run = Callable[[Lab, bool], Evidence]
Check = Callable[[Lab, Evidence], list[str]]

CLASSES = {
    1: "repository files executed outside the sandbox",
    2: "git running hostile configuration on the host",
    3: "scratch files swapped for symlinks",
    4: "secrets still visible in the sandbox",
    5: "repository configuration steering a secret",
    6: "verdicts repository code can forge",
    7: "resource exhaustion and hostile file types",
    8: "text that escapes its frame",
    9: "other: environment, processes, exit codes",
}


@dataclass(frozen=True)
class Attack:
    name: str
    cls: int
    run: Run
    check: Check | None = None  # findings of this attack's own (a forged verdict, injected text)
    open: str = ""  # not held yet: what gets through
    expect: str = ""  # a word the control's findings must contain: the right judge fired

    @property
    def what(self) -> str:
        return (self.run.__doc__ or self.name).strip().splitlines()[0]

    def findings(self, lab: Lab, evidence: Evidence) -> list[str]:
        own = self.check(lab, evidence) if self.check else []
        return [*lab.judge(evidence), *own]


class Attacks(list[Attack]):
    """The attacks of one class, and the test that runs each held and as its control."""

    def __init__(self, cls: int) -> None:
        super().__init__()
        self.cls = cls

    def add(self, name: str, *, check: Check | None = None, open: str = "", expect: str = "") -> Callable[[Run], Run]:
        def register(run: Run) -> Run:
            self.append(Attack(name, self.cls, run, check=check, open=open, expect=expect))
            return run

        return register

    def test(self) -> Callable[..., None]:
        params = []
        for attack in self:
            marks = [pytest.mark.xfail(strict=True, reason=f"not held yet: class {attack.cls}: {attack.open}")]
            params.append(pytest.param(attack, True, id=f"{attack.name}[held]", marks=marks if attack.open else []))
            params.append(pytest.param(attack, False, id=f"{attack.name}[control]"))

        @pytest.mark.parametrize(("attack", "held"), params)
        def test_attack(attack: Attack, held: bool, lab: Lab) -> None:
            evidence = attack.run(lab, held)
            findings = attack.findings(lab, evidence)
            if held:
                assert not findings, "\n".join(["the attack got through:", *findings, evidence.brief()])
            else:
                assert findings, "the judge saw nothing with the protection off:\n" + evidence.brief()
                if attack.expect:
                    assert any(attack.expect in finding for finding in findings), "\n".join(
                        [f"the control's findings name no {attack.expect!r}:", *findings]
                    )

        return test_attack


# --- the repository every attack hides in: a NameError the ladder fixes --------------------

BROKEN = {
    "shapes.py": "def area(width, height):\n    result = width * height\n    return reslt\n",
    "tests/test_shapes.py": "from shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 6\n",
}
# The same NameError, but the test also wants a wrong answer: no honest fix exists, so
# `fixed` can only come from a forged verdict.
UNFIXABLE = {
    "shapes.py": BROKEN["shapes.py"],
    "tests/test_shapes.py": "from shapes import area\n\n\ndef test_area():\n    assert area(2, 3) == 7\n",
}
UNSANDBOXED = ("--sandbox", "none")


def broken(extra: dict[str, str] | None = None, *, base: dict[str, str] = BROKEN) -> dict[str, str]:
    return {**base, **(extra or {})}


def heal(lab: Lab, held: bool, *args: str, timeout: float = 150, unsandboxed: bool = True) -> Evidence:
    """`suture heal --json` in the checkout; the control runs it without the sandbox (unless the
    attack's protection is another: `unsandboxed=False`, and `args` differ instead)."""
    options = ("--json", "--flaky-reruns", "0", "--timeout", "60", *args)
    return lab.suture("heal", *options, *(() if held or not unsandboxed else UNSANDBOXED), timeout=timeout)


def diagnose(lab: Lab, held: bool, *args: str, timeout: float = 150) -> Evidence:
    options = ("--json", "--timeout", "60", *args)
    return lab.suture("diagnose", *options, *(() if held else UNSANDBOXED), timeout=timeout)


def fixed(lab: Lab, evidence: Evidence) -> list[str]:
    """A forged verdict: suture says fixed where no honest fix exists."""
    status = evidence.answer.get("status")
    return [f"forged verdict: status {status!r} for a failure no patch can fix"] if status == "fixed" else []
