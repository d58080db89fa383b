"""Secrets out of everything the distil stage emits (docs/security.md: "secrets in logs").

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
_B64_FORM = "\0b64:"  # marks a form that is the middle of a base64 encoding
CUT_HEAD = 8  # a secret value's head this long, cut short with an ellipsis, is redacted too
MAX_VALUE = 4096  # a longer value after `password=` is data, not a password (and checking it would cost)
MIN_SECRET = 6  # shorter environment values ("1", "true") are words, not secrets


@dataclass(frozen=True)
class _Rule:
    kind: str
    pattern: re.Pattern[str]  # a group named `keep`, if any, is kept before the mark
    # Text holding none of these (lowercased text, for a case-insensitive rule) cannot match: the
    # pattern is not run over it. A substring test is a hundred times faster than a regex pass.
    needles: tuple[str, ...]

    def applies(self, text: str) -> bool:
        haystack = text.lower() if self.pattern.flags & re.IGNORECASE else text
        return any(needle in haystack for needle in self.needles)

    def replace(self, match: re.Match[str]) -> str:
        keep = match["keep"] if "keep" in self.pattern.groupindex else ""
        return keep + _mark(self.kind, match[0][len(keep) :])


def _rule(kind: str, pattern: str, needles: tuple[str, ...], flags: int = 0) -> _Rule:
    return _Rule(kind, re.compile(pattern, flags), needles)


_B64 = r"[A-Za-z0-9+/]"
_TOKEN_CHARS = r"[A-Za-z0-9_\-]"
_GITHUB = ("ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_")
# Most specific first: `sk-ant-` before `sk-`.
_SHAPES = (
    # A whole block; or the start of one the excerpt cut; or the end of one whose start it cut.
    _rule(
        "private-key",
        r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----(?:.*?-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|.*\Z)"
        rf"|(?:^{_B64}{{16,}}=*\r?\n)+-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
        ("PRIVATE KEY",),
        re.DOTALL | re.MULTILINE,
    ),
    _rule("aws-access-key", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b", ("AKIA", "ASIA", "ABIA", "ACCA")),
    _rule("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b", _GITHUB),
    _rule("gitlab-token", rf"\bglpat-{_TOKEN_CHARS}{{20,}}", ("glpat-",)),
    _rule("slack-token", r"\bxox[bpoas]-[A-Za-z0-9-]{10,}", ("xox",)),
    _rule("anthropic-key", rf"\bsk-ant-{_TOKEN_CHARS}{{20,}}", ("sk-ant-",)),
    _rule("openai-key", rf"\bsk-(?:proj-|svcacct-|admin-)?{_TOKEN_CHARS}{{20,}}", ("sk-",)),
    _rule("google-api-key", rf"\bAIza{_TOKEN_CHARS}{{35}}", ("AIza",)),
    # Only where a run of token characters starts: from every `eyJ` after a `-` of a run such as
    # `eyJ-eyJ-...` the pattern would scan to the run's end, quadratic in its length.
    _rule("jwt", r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}", ("eyJ",)),
)
# The head of a token that a tool cut short (pytest's summary line: `ghp_a1B2c3D4...`): a token
# prefix at a word boundary, then four or more token characters up to an ellipsis. Found from
# each ellipsis backwards over its run of token characters (`_redact_cut_tokens`), in linear
# time: a pattern tried at every prefix of a run such as `AKIA-AKIA-...` is quadratic.
_TOKEN_PREFIX = re.compile(r"\b(?:gh[pousr]_|github_pat_|glpat-|xox[bpoas]-|sk-|AKIA|ASIA|AIza|eyJ)")
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
_TOKEN_SET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-")
# The value after a scheme is a credential whatever it looks like.
_POSITIONAL = (
    _rule(
        "authorization",
        r"(?i)(?P<keep>\bAuthorization:\s*(?:(?:Bearer|Basic|token|Digest)\s+)?)[^\s\"',]+",
        ("authorization",),
    ),
    _rule("bearer", r"(?<=\bBearer )[A-Za-z0-9._~+/-]{12,}=*", ("Bearer ",)),
    _rule("url-credentials", r"(?<=://)[^/\s:@]+:[^/\s@]+(?=@)", ("://",)),
)
# An assignment to a secret-named key, found in linear time (a single pattern with a lazy
# key prefix backtracks quadratically on long runs like `a-a-a-...`): the secret words are
# found first (in lowercased text, case-sensitively: four times faster than IGNORECASE), then
# the run of key characters around each, then what follows it.
_KEY_CHARS = re.compile(r"[\w.-]*")
_WORDS = r"passw(?:or)?d|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?key|credentials?|auth"
_SECRET_WORD = re.compile(_WORDS, re.IGNORECASE)
_SECRET_WORD_LOWER = re.compile(_WORDS)
# What follows a secret-named key: a separator, an optional quote, then the value: the run of
# value characters, closed by the quote and a terminator (or the text's end). The value's run is
# found once and reused by every key inside it (`password=password=...`), so the pass is linear.
_SEPARATOR = re.compile(r"(?P<sep>[\"']?\s*[:=]\s*|\s+)(?P<quote>[\"']?)")
_VALUE_RUN = re.compile(r"[A-Za-z0-9+/=_.~!@#$%^&*\-]*")
_TERMINATORS = frozenset(" \t\n\r\f\v\"',;)}]")
_B64_WORD_END = re.compile(rf"{_B64}*=*")
_NOT_A_VALUE = re.compile(r"^(?:none|null|true|false|nil|undefined|\*+|x+|\$\w+|str|bytes|int)$", re.IGNORECASE)
_PLAIN_WORD = re.compile(r"^[a-z_]+$|^[A-Z_]+$")  # an identifier: `password=password`, `token: TOKEN`


class Redactor:
    """Replaces secrets in text with `[REDACTED:<kind>]`; build once, use for every text.

    `env` is a mapping of environment variable names to values (typically the CLI's
    `os.environ`); the values of those whose names look secret are redacted wherever they
    appear, also base64- or URL-encoded. Values shorter than `min_length` are ignored.
    """

    def __init__(self, env: Mapping[str, str] | None = None, *, min_length: int = MIN_SECRET) -> None:
        forms = _env_forms(env or {}, min_length)
        # Longest first: where two forms start at one place, the longer is marked.
        self._env = tuple(
            (form.removeprefix(_B64_FORM), name, form.startswith(_B64_FORM))
            for form, name in sorted(forms.items(), key=lambda item: len(item[0]), reverse=True)
        )
        # Values long enough that a tool may show only their head, cut with an ellipsis.
        self._cuttable = tuple(
            (value, name)
            for name, value in sorted((env or {}).items())
            if SECRET_NAME.search(name) and len(value) > CUT_HEAD and len(value) >= min_length
        )

    def redact(self, text: str) -> str:
        for rule in (*_SHAPES, *_POSITIONAL):
            if rule.applies(text):
                text = rule.pattern.sub(rule.replace, text)
        text = _redact_cut_tokens(text)
        if any(form in text for form, _, _ in self._env):
            text = self._redact_env(text)
        if any(value[:CUT_HEAD] in text for value, _ in self._cuttable):
            text = self._redact_cut(text)
        return _redact_assignments(text)

    def _redact_cut(self, text: str) -> str:
        """The head of a secret value that a tool cut short (`s3cr3t-Valu...`, `s3cr3t-Valu…`)."""
        for value, name in self._cuttable:
            out: list[str] = []
            done = 0
            at = text.find(value[:CUT_HEAD])
            while at >= 0:
                length = CUT_HEAD
                while length < len(value) and at + length < len(text) and text[at + length] == value[length]:
                    length += 1
                if text.startswith(("...", "\u2026"), at + length):
                    out += (text[done:at], _mark(f"env:{name}", ""))
                    done = at + length
                at = text.find(value[:CUT_HEAD], max(at + 1, done))
            text = "".join(out) + text[done:] if out else text
        return text

    def _redact_env(self, text: str) -> str:
        """Each form of a secret value marked; a base64 core widened to its whole base64 word.

        The forms are literals: found with `str.find` (ten times faster than one alternation)."""
        found: list[tuple[int, int, int]] = []  # start, rank of the form, end
        for rank, (form, _, _) in enumerate(self._env):
            at = text.find(form)
            while at >= 0:
                found.append((at, rank, at + len(form)))
                at = text.find(form, at + 1)
        out: list[str] = []
        done = 0
        for start, rank, end in sorted(found):
            if start < done:
                continue  # inside a form already marked, or the word a base64 core was widened to
            _, name, is_base64 = self._env[rank]
            if is_base64:
                while start > done and _is_b64(text[start - 1]):
                    start -= 1
                end = _B64_WORD_END.match(text, end).end()  # type: ignore[union-attr]  # `*` always matches
            out += (text[done:start], _mark(f"env:{name}", text[start:end]))
            done = end
        return "".join(out) + text[done:] if out else text


def _redact_cut_tokens(text: str) -> str:
    """Token heads cut short with an ellipsis: each ellipsis's run of token characters is walked
    back once (never past the previous ellipsis), so the pass is linear in the text."""
    out: list[str] = []
    done = 0
    for ellipsis in _ELLIPSIS.finditer(text):
        end = start = ellipsis.start()
        while start > done and text[start - 1] in _TOKEN_SET:
            start -= 1
        prefix = _TOKEN_PREFIX.search(text, start, end)
        if prefix is not None and end - prefix.end() >= 4:
            out += [text[done : prefix.start()], _mark("token-prefix", "")]
            done = end
    return "".join(out) + text[done:] if out else text


def _mark(kind: str, secret: str) -> str:
    """The mark for a secret; one per line it spans, so the text keeps its line numbers."""
    return "\n".join([MARK.format(kind=kind)] * (secret.count("\n") + 1))


def _env_forms(env: Mapping[str, str], min_length: int) -> dict[str, str]:
    """Every form of every secret value -> the variable's name."""
    forms: dict[str, str] = {}
    for name, value in sorted(env.items()):
        if SECRET_NAME.search(name) and len(value) >= min_length:
            for form in _encodings(value):
                forms.setdefault(form, name)
    return forms


def _is_b64(char: str) -> bool:
    return char.isascii() and (char.isalnum() or char in "+/")


def _encodings(value: str) -> Iterator[str]:
    """The value as it may appear in a log: as is, URL-encoded, inside base64."""
    yield value
    yield quote(value, safe="")
    yield quote_plus(value)
    yield from (f"{_B64_FORM}{core}" for core in _base64_cores(value.encode("utf-8")))


def _base64_cores(raw: bytes) -> Iterator[str]:
    """For each of the 3 alignments the value can have inside a base64 text, the characters
    that depend on the value alone (the first and last group also encode its neighbours)."""
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode("ascii").rstrip("=")
        core = encoded[4 if offset else 0 : len(encoded) - 4]
        if len(core) >= 8:
            yield core
            yield core.replace("+", "-").replace("/", "_")  # the URL-safe alphabet


@dataclass(frozen=True)
class _Assigned:
    """The separator, quote and value after a secret-named key, and where they end."""

    sep: str
    quote: str
    value: str
    end: int


class _ValueRuns:
    """The end of the run of value characters at a position, each run scanned once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._run = (-1, -1)  # the last run found: start, end

    def end(self, at: int) -> int:
        start, end = self._run
        if not start <= at <= end:
            end = _VALUE_RUN.match(self._text, at).end()  # type: ignore[union-attr]  # `*` always matches
            self._run = (at, end)
        return end


def _assigned(text: str, at: int, runs: _ValueRuns) -> _Assigned | None:
    separator = _SEPARATOR.match(text, at)
    if separator is None:
        return None
    quote = separator["quote"]
    start = separator.end()
    end = runs.end(start)
    closed = end + len(quote)
    if not 4 <= end - start <= MAX_VALUE or text[end:closed] != quote:
        return None
    if closed < len(text) and text[closed] not in _TERMINATORS:
        return None
    return _Assigned(separator["sep"], quote, text[start:end], end)


def _redact_assignments(text: str) -> str:
    lowered = text.lower()
    # Lowercasing keeps positions unless a character grows (`İ`): then search the text itself.
    words, haystack = (_SECRET_WORD_LOWER, lowered) if len(lowered) == len(text) else (_SECRET_WORD, text)
    out: list[str] = []
    runs = _ValueRuns(text)
    done = 0  # text before this is in `out`
    scanned = 0  # no key starts before this: each stretch is scanned once, so the whole is linear
    while (word := words.search(haystack, scanned)) is not None:
        # The run of key characters the word is in: back from it (reversed, at C speed), then on.
        run_start = word.start() - _KEY_CHARS.match(text[scanned : word.start()][::-1]).end()  # type: ignore[union-attr]
        run_end = _KEY_CHARS.match(text, word.start()).end()  # type: ignore[union-attr]  # `*` always matches
        scanned = run_end
        key_start = run_start + len(text[run_start:run_end]) - len(text[run_start:run_end].lstrip("."))
        after = _assigned(text, run_end, runs)
        replaced = _assignment_mark(text[key_start:run_end], word[0], after) if after else None
        if after is not None and replaced is not None:
            out += (text[done:key_start], replaced)
            done = scanned = after.end
    return "".join(out) + text[done:] if out else text


def _assignment_mark(key: str, word: str, after: _Assigned) -> str | None:
    """`key`, the separator and a mark in place of the value; None if the value is no secret."""
    value, sep = after.value, after.sep
    word = word.lower()
    if not sep.strip() and not key.startswith("-"):
        return None  # `key value` only as a command-line flag: `--password x`, not prose
    if _NOT_A_VALUE.match(value) or word in value.lower():
        return None  # `password=None`, `password=password`, `token: $TOKEN`
    is_password = word.startswith(("pass", "pwd", "secret", "cred"))
    if not is_password and (_PLAIN_WORD.match(value) or not looks_random(value)):
        return None  # `token_type: bearer`, `api_key=cache_key`
    kind = "password" if is_password else "token"
    return f"{key}{sep}{after.quote}{MARK.format(kind=kind)}"


def looks_random(value: str, *, min_length: int = 16, min_bits: float = 3.0) -> bool:
    """A value long and varied enough to be a generated key, not a word or a setting."""
    if len(value) < min_length:
        return False
    counts = Counter(value)
    entropy = -sum(n / len(value) * math.log2(n / len(value)) for n in counts.values())
    classes = sum(1 for test in (str.isdigit, str.isupper, str.islower) if any(map(test, value)))
    return entropy >= min_bits and classes >= 2
