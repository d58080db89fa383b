"""A file that holds U+FFFD (the replacement character) as text is valid UTF-8: fixers edit it.

Source.read returns None for bytes that are not UTF-8; a literal U+FFFD in a docstring or a
string (a library documenting how it decodes bad input) is a character like any other.
"""

from __future__ import annotations

from pathlib import Path

from helpers import heal_json, make_repo
from projects import PYTEST

DOC = '"""Bad bytes decode to \ufffd, the replacement character."""\n\n\n'


def test_a_typo_in_a_file_with_a_literal_replacement_character_is_healed(tmp_path: Path) -> None:
    repo = make_repo(
        tmp_path / "repo",
        {
            "clean.py": DOC + "def clean(text):\n    return txt.replace('\ufffd', '?')\n",
            "tests/test_clean.py": "from clean import clean\n\n\ndef test_clean():\n"
            "    assert clean('a\ufffdb') == 'a?b'\n",
        },
    )
    outcome, done = heal_json(repo, "--test-cmd", PYTEST)
    assert outcome["status"] == "fixed", done.stderr[-2000:]
    assert "+    return text.replace('\ufffd', '?')" in outcome["patch"]
    assert (repo / "clean.py").read_text(encoding="utf-8").count("txt.replace") == 1  # the checkout untouched
