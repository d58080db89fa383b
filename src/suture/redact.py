"""Secrets out of everything the distil stage emits (SECURITY.md: "secrets in logs").

    redactor = Redactor(env={"GITHUB_TOKEN": "ghp_..."})   # built once: patterns compiled
    redactor.redact(text) -> text with each secret replaced by `[REDACTED:<kind>]`

What counts as a secret, most certain first:

1. known token shapes: AWS access key ids, GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`,
   `github_pat_`), GitLab `glpat-`, Slack `xoxb-`/`xoxp-`, OpenAI `sk-`, Anthropic `sk-ant-`,
   Google `AIza`, private-key PEM blocks (also a block cut short by the excerpt), JWTs;
2. credentials by position: `Authorization: Bearer x`, `https://user:x@host`;
3. the literal values of the secret-named environment variables the caller hands over
   (`*TOKEN*`, `*KEY*`, `*SECRET*`, `*PASSW*`, `*CREDENTIAL*`), and their base64 and
   URL-encoded forms, so a token inside `Authorization: basic <base64>` goes too;
4. assignments to secret-named keys (`password=...`, `token: ...`): a password's value
   whatever it looks like, a token's or key's value when it looks random (entropy), so that
   `token_type: bearer` and `key = cache_key(x)` stay readable.

Git SHAs and UUIDs are not secrets and survive: no rule matches bare hex. The library never
reads `os.environ`; the CLI passes it.
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

MARK = "[REDACTED:{kind}]"
SECRET_NAME = re.compile(r"TOKEN|KEY|SECRET|PASSW|CREDENTIAL", re.IGNORECASE)
MIN_SECRET = 6  # shorter environment values ("1", "true") are words, not secrets


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]  # a group named `keep`, if any, is kept before the mark

    def replace(self, match: re.Match[str]) -> str:
        keep = match["keep"] if "keep" in self.pattern.groupindex else ""
        return keep + _mark(self.kind, match[0][len(keep) :])


def _rule(kind: str, pattern: str, flags: int = 0) -> _Rule:
    return _Rule(kind, re.compile(pattern, flags))


_B64 = r"[A-Za-z0-9+/]"
_TOKEN_CHARS = r"[A-Za-z0-9_\-]"
# Most specific first: `sk-ant-` before `sk-`.
_SHAPES = (
    # A whole block; or the start of one the excerpt cut; or the end of one whose start it cut.
    _rule(
        "private-key",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)"
        rf"|(?:^{_B64}{{16,}}=*\r?\n)+-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
        re.DOTALL | re.MULTILINE,
    ),
    _rule("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b"),
    _rule("gitlab-token", rf"\bglpat-{_TOKEN_CHARS}{{20,}}"),
    _rule("slack-token", r"\bxox[bpoas]-[A-Za-z0-9-]{10,}"),
    _rule("anthropic-key", rf"\bsk-ant-{_TOKEN_CHARS}{{20,}}"),
    _rule("openai-key", rf"\bsk-(?:proj-|svcacct-|admin-)?{_TOKEN_CHARS}{{20,}}"),
    _rule("google-api-key", rf"\bAIza{_TOKEN_CHARS}{{35}}"),
    _rule("jwt", r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
    # The head of a token that a tool cut short (pytest's summary line: `ghp_a1B2c3D4...`).
    _rule(
        "token-prefix",
        r"\b(?:gh[pousr]_|github_pat_|glpat-|xox[bpoas]-|sk-|AKIA|ASIA|AIza|eyJ)[A-Za-z0-9_\-]{4,}(?=\.\.\.|\u2026)",
    ),
)
# The value after a scheme is a credential whatever it looks like.
_POSITIONAL = (
    _rule("authorization", r"(?i)(?P<keep>\bAuthorization:\s*(?:(?:Bearer|Basic|token|Digest)\s+)?)[^\s\"',]+"),
    _rule("bearer", r"(?<=\bBearer )[A-Za-z0-9._~+/-]{12,}=*"),
    _rule("url-credentials", r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)"),
)
_ASSIGNMENT = re.compile(
    r"(?P<key>(?:--?|\b)[\w.-]*?(?P<word>passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
    r"|client[_-]?key|credentials?|auth)[\w.-]*)"
    r"(?P<sep>[\"']?\s*[:=]\s*|\s+)"
    r"(?P<quote>[\"']?)(?P<value>[A-Za-z0-9+/=_.~!@#$%^&*\-]{4,})(?=(?P=quote)(?:[\s\"',;)}\]]|$))",
    re.IGNORECASE,
)
_NOT_A_VALUE = re.compile(r"^(?:none|null|true|false|nil|undefined|\*+|x+|\$\w+|str|bytes|int)$", re.IGNORECASE)
_PLAIN_WORD = re.compile(r"^[a-z_]+$|^[A-Z_]+$")  # an identifier: `password=password`, `token: TOKEN`


class Redactor:
    """Replaces secrets in text with `[REDACTED:<kind>]`; build once, use for every text.

    `env` is a mapping of environment variable names to values (typically the CLI's
    `os.environ`); the values of those whose names look secret are redacted wherever they
    appear, also base64- or URL-encoded. Values shorter than `min_length` are ignored.
    """

    def __init__(self, env: Mapping[str, str] | None = None, *, min_length: int = MIN_SECRET) -> None:
        self._env, self._env_names = _env_pattern(env or {}, min_length)

    def redact(self, text: str) -> str:
        for rule in (*_SHAPES, *_POSITIONAL):
            text = rule.pattern.sub(rule.replace, text)
        if self._env is not None:
            text = self._env.sub(self._env_mark, text)
        return _ASSIGNMENT.sub(_assignment_mark, text)

    def _env_mark(self, match: re.Match[str]) -> str:
        # Each alternative is one group: the group's number names the variable.
        return _mark(f"env:{self._env_names[(match.lastindex or 1) - 1]}", match[0])


def _mark(kind: str, secret: str) -> str:
    """The mark for a secret; one per line it spans, so the text keeps its line numbers."""
    return "\n".join([MARK.format(kind=kind)] * (secret.count("\n") + 1))


def _env_pattern(env: Mapping[str, str], min_length: int) -> tuple[re.Pattern[str] | None, list[str]]:
    """One alternation of every form of every secret value, longest first; and whose each is."""
    forms: dict[str, str] = {}  # form -> variable name
    for name, value in sorted(env.items()):
        if SECRET_NAME.search(name) and len(value) >= min_length:
            for form in _encodings(value):
                forms.setdefault(form, name)
    if not forms:
        return None, []
    ordered = sorted(forms, key=len, reverse=True)
    pattern = re.compile("|".join(f"({_form_regex(form)})" for form in ordered))
    return pattern, [forms[form] for form in ordered]


def _form_regex(form: str) -> str:
    if form.startswith("\0b64:"):
        # The middle of a base64 encoding: widen the match to the whole base64 word.
        return rf"{_B64}*{re.escape(form[5:])}{_B64}*=*"
    return re.escape(form)


def _encodings(value: str) -> Iterator[str]:
    """The value as it may appear in a log: as is, URL-encoded, inside base64."""
    yield value
    yield quote(value, safe="")
    yield quote_plus(value)
    yield from (f"\0b64:{core}" for core in _base64_cores(value.encode("utf-8")))


def _base64_cores(raw: bytes) -> Iterator[str]:
    """For each of the 3 alignments the value can have inside a base64 text, the characters
    that depend on the value alone (the first and last group also encode its neighbours)."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        core = encoded[4 if offset else 0 : len(encoded) - 4]
        if len(core) >= 8:
            yield core
            yield core.replace("+", "-").replace("/", "_")  # the URL-safe alphabet


def _assignment_mark(match: re.Match[str]) -> str:
    value, key, sep = match["value"], match["key"], match["sep"]
    word = match["word"].lower()
    if not sep.strip() and not key.startswith("-"):
        return match[0]  # `key value` only as a command-line flag: `--password x`, not prose
    if _NOT_A_VALUE.match(value) or word in value.lower():
        return match[0]  # `password=None`, `password=password`, `token: $TOKEN`
    is_password = word.startswith(("pass", "pwd", "secret", "cred"))
    if not is_password and (_PLAIN_WORD.match(value) or not looks_random(value)):
        return match[0]  # `token_type: bearer`, `api_key=cache_key`
    kind = "password" if is_password else "token"
    return f"{key}{sep}{match['quote']}{MARK.format(kind=kind)}"


def looks_random(value: str, *, min_length: int = 16, min_bits: float = 3.0) -> bool:
    """A value long and varied enough to be a generated key, not a word or a setting."""
    if len(value) < min_length:
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    classes = sum(1 for test in (str.isdigit, str.isupper, str.islower) if any(map(test, value)))
    return entropy >= min_bits and classes >= 2
