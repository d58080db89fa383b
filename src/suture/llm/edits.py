"""A model's reply turned into a diff suture can verify, or the precise reason it cannot be.

The shapes accepted, tried in this order:

- SEARCH/REPLACE blocks (the shape asked for; also aider's older ORIGINAL/UPDATED), each
  after a line naming the file;
- OpenAI's apply_patch format (`*** Update File: path`, `@@ heading` hunks);
- a unified diff (its hunks become search/replace pairs: line numbers are not trusted, a
  hunk's `@@ ... @@ heading` places it);
- a whole file in a fenced code block, named in the fence, on the line before it or by a
  first line `# path`;
- JSON: {"path", "search"/"old_str", "replace"/"new_str"}, a list of them, or {"edits": [...]}.

Prose and fences around them, and a reasoning model's `<think>` drafts, are ignored. A path
a model shortened (`pkg/x.py` for `src/pkg/x.py`) is taken when one file fits. A search text
must match exactly once; when it does not match exactly, a match that differs only in
trailing whitespace, then in indentation (tabs for spaces too; the replacement takes the
file's indentation), then in blank lines, is taken when it is unique, or the first below
the hunk's heading; the lines the reply only quoted stay as the file has them. A reply
that touches a file no fix may change (tests, CI configuration, lockfiles), whose search
text is absent or ambiguous, whose result does not compile, that writes a line standing for
code left out (`# ... existing code ...`), or that writes a secret the file did not hold (a
model echoing a credential, or the mark that hid one) is rejected whole, with a reason that
is sent back on the next attempt.
"""

from __future__ import annotations

import dataclasses
import difflib
import itertools
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from suture import diffs
from suture.redact import Redactor
from suture.verify import policy


@dataclass(frozen=True)
class Edit:
    path: str
    search: str
    replace: str
    whole: bool = False  # `replace` is the whole new file
    anchor: str = ""  # a line above the search text (a hunk header's `def f(...):`), to place it
    header: str = ""  # a whole file's first line naming it (`# calc.py`), kept only if the file has it


@dataclass(frozen=True)
class Edited:
    """The diff of a reply's edits, or why there is none."""

    diff: str
    problem: str  # '' when the diff can be verified


class Rejected(Exception):
    """Why a reply cannot become a candidate; the message is fed back to the model."""


Read = Callable[[str], str | None]


def edit(
    reply: str,
    read: Read,
    *,
    default_path: str | None = None,
    paths: Sequence[str] = (),
    redactor: Redactor | None = None,
) -> Edited:
    """The diff `reply` asks for against the files `read` returns; `default_path` is the file
    an edit naming none applies to (the only editable file shown, if there was one); `paths`, the
    repository's files, let a path a model shortened (`pkg/x.py` for `src/pkg/x.py`) be found when
    only one file fits. With a `redactor`, edits that write a secret (or a redaction mark) the file
    did not hold are rejected."""
    try:
        found = [_resolved(change, paths) for change in parse(reply, default_path=default_path)]
        return Edited(apply(found, read, redactor=redactor), "")
    except Rejected as exc:
        return Edited("", str(exc))


# -- parsing -------------------------------------------------------------------------------------

_SEARCH = re.compile(r"^\s*<{5,9}\s*(?:SEARCH|ORIGINAL)\b.*$", re.IGNORECASE)
_DIVIDER = re.compile(r"^\s*={5,9}\s*$")
_REPLACE = re.compile(r"^\s*>{5,9}\s*(?:REPLACE|UPDATED)\b.*$", re.IGNORECASE)
# A reasoning model's scratch work, drafts included: never an answer. An unclosed one runs to the end.
_THINKING = re.compile(r"<(think|thinking|reasoning)>.*?(?:</\1>|\Z)", re.DOTALL | re.IGNORECASE)
_PATCH_FILE = re.compile(r"^\*\*\* (Update|Add|Delete) File: (.+?)\s*$")
# A line that stands for code left out: `# ... existing code ...`, `// rest of the file unchanged`.
_ELISION = re.compile(
    r"^\s*(?:#|//)\s*(?:\.{3}|…)|^\s*(?:#|//).*\b(?:rest of (?:the )?(?:file|code|module|class|function)"
    r"|existing code|(?:is |are |remains? )?unchanged|remains? the same|omitted|for brevity)\b",
    re.IGNORECASE,
)
_PATH_COMMENT = re.compile(r"^\s*(?:#|//)\s*(?:file:\s*)?([\w.\-/]+\.[A-Za-z]\w*)\s*$", re.IGNORECASE)
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*(.*?)\s*$")
_PATH = re.compile(r"[\w.\-/\\]*[\w\-]\.[A-Za-z][A-Za-z0-9]*|[\w.\-]+(?:/[\w.\-]+)+")
_CODE_LANGUAGES = {"", "python", "py", "python3", "toml", "cfg", "ini", "yaml", "yml", "json", "text", "txt"}


def parse(reply: str, *, default_path: str | None = None) -> list[Edit]:
    lines = _THINKING.sub("", reply.replace("\r\n", "\n")).split("\n")
    if any(_SEARCH.match(line) for line in lines):
        return list(_search_replace(lines, default_path))
    if any(_PATCH_FILE.match(line) for line in lines):
        return list(_patch(lines))
    if _is_diff(lines):
        return list(_diff(lines))
    fenced = _whole_files(lines, default_path)
    if fenced:
        return fenced
    structured = _json_edits("\n".join(lines))
    if structured:
        return structured
    raise Rejected(
        "the reply holds no SEARCH/REPLACE block, unified diff or fenced file: answer with SEARCH/REPLACE "
        "blocks, each after a line naming the file"
    )


def _search_replace(lines: Sequence[str], default_path: str | None) -> Iterator[Edit]:
    named: str | None = None  # the last line before a block that may name its file
    previous: str | None = None  # the file of the block before: consecutive blocks may omit it
    index = 0
    while index < len(lines):
        line = lines[index]
        if _SEARCH.match(line):
            path = _path_in(named) or previous or default_path
            if path is None:
                raise Rejected("a SEARCH/REPLACE block has no line naming its file before it: put the path there")
            search, replace, index = _block(lines, index + 1, path)
            yield Edit(_clean_path(path), search, replace)
            named, previous = None, path
        elif line.strip() and not (_FENCE.match(line) and not _path_in(line)):
            named = line
        index += 1


def _block(lines: Sequence[str], index: int, path: str) -> tuple[str, str, int]:
    """The search and replace texts of the block starting at `index`, and where it ends."""
    parts: list[list[str]] = [[]]
    while index < len(lines):
        line = lines[index]
        if _REPLACE.match(line) and len(parts) == 2:
            return _joined(parts[0]), _joined(parts[1]), index
        if _DIVIDER.match(line) and len(parts) == 1:
            parts.append([])
        elif _SEARCH.match(line) or _REPLACE.match(line):
            break
        else:
            parts[-1].append(line)
        index += 1
    missing = "=======" if len(parts) == 1 else ">>>>>>> REPLACE"
    raise Rejected(f"the SEARCH/REPLACE block for {path} has no {missing} line (was the reply cut short?)")


def _joined(lines: Sequence[str]) -> str:
    return "".join(line + "\n" for line in lines)


def _path_in(line: str | None) -> str | None:
    """The file a line names: `calc.py`, `**src/calc.py**`, "In calc.py:", "```python calc.py"."""
    if line is None:
        return None
    fence = _FENCE.match(line)
    text = fence.group(2) if fence else line
    found = _PATH.findall(text.replace("`", " ").replace("*", " "))
    return found[-1].rstrip(".:,") if found else None


def _clean_path(path: str) -> str:
    """A repo-relative POSIX path, or Rejected when it points outside the repository."""
    posix = path.strip().strip("'\"").replace("\\", "/")
    while posix.startswith("./"):
        posix = posix[2:]
    if posix.startswith("/") or ".." in PurePosixPath(posix).parts or not posix:
        raise Rejected(f"the path {path!r} is outside the repository: give paths relative to its root")
    return posix


def _is_diff(lines: Sequence[str]) -> bool:
    return any(a.startswith("--- ") and b.startswith("+++ ") for a, b in itertools.pairwise(lines))


def _diff(lines: Sequence[str]) -> Iterator[Edit]:
    """Each hunk as a search/replace pair on the file its +++ line names."""
    path: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        if line.startswith("--- ") and index + 1 < len(lines) and lines[index + 1].startswith("+++ "):
            path = _diff_path(line[4:], lines[index + 1][4:])
            index += 2
        elif line.startswith("@@") and path is not None:
            # `@@ -8,7 +8,7 @@ class Circle:`: the numbers are not trusted; the heading is a line above.
            anchor = line[2:].partition("@@")[2].strip()
            search, replace, index = _hunk(lines, index + 1)
            if not search.strip():
                raise Rejected(f"a hunk for {path} only adds lines: include the lines around the insertion")
            yield Edit(path, search, replace, anchor=anchor)
        else:
            index += 1


def _patch(lines: Sequence[str]) -> Iterator[Edit]:
    """OpenAI's apply_patch format: `*** Update File: path`, then hunks opened by `@@` (optionally
    followed by a line above the change, to place it) with ` `, `-` and `+` lines."""
    path: str | None = None
    index = 0
    while index < len(lines):
        line = lines[index]
        named = _PATCH_FILE.match(line)
        if named:
            action, path = named.groups()
            if action != "Update":
                verb = "creates" if action == "Add" else "deletes"
                raise Rejected(f"the patch {verb} {path}: fixes change existing files only")
            path = _clean_path(path)
            index += 1
        elif line.startswith("@@") and path is not None:
            anchor = line[2:].strip().removesuffix("@@").strip()
            search, replace, index = _hunk(lines, index + 1)
            if search.strip():
                yield Edit(path, search, replace, anchor=anchor)
        elif path is not None and line[:1] in (" ", "-", "+") and not line.startswith("***"):
            search, replace, index = _hunk(lines, index)  # a hunk without its @@ line
            if search.strip():
                yield Edit(path, search, replace)
        else:
            index += 1


def _diff_path(old: str, new: str) -> str:
    old, new = old.split("\t")[0].strip(), new.split("\t")[0].strip()
    if new == "/dev/null":
        raise Rejected(f"the diff deletes {old}: fixes may not delete files")
    if old == "/dev/null":
        raise Rejected(f"the diff creates {new}: fixes change existing files only")
    return _clean_path(new[2:] if new.startswith(("a/", "b/")) else new)


def _hunk(lines: Sequence[str], index: int) -> tuple[str, str, int]:
    search: list[str] = []
    replace: list[str] = []
    while index < len(lines):
        line = lines[index]
        header = line.startswith("--- ") and index + 1 < len(lines) and lines[index + 1].startswith("+++ ")
        if header or line.startswith(("@@", "diff ", "***")) or _FENCE.match(line):
            break
        if line.startswith("-"):
            search.append(line[1:])
        elif line.startswith("+"):
            replace.append(line[1:])
        elif line.startswith(" ") or not line:  # a context line; models drop the space of empty ones
            search.append(line[1:])
            replace.append(line[1:])
        elif not line.startswith("\\"):  # "\ No newline at end of file"
            break
        index += 1
    while search and replace and not search[-1].strip() and not replace[-1].strip():
        search.pop()  # the blank lines before the reply's next paragraph
        replace.pop()
    return _joined(search), _joined(replace), index


_JSON_PATH = ("path", "file", "filename", "file_path")
_JSON_SEARCH = ("search", "old", "old_str", "old_string", "find", "original")
_JSON_REPLACE = ("replace", "new", "new_str", "new_string", "replacement", "updated")


def _json_edits(text: str) -> list[Edit]:
    """Edits a model wrote as JSON, as tool-call habits make some do: an object with a path, a
    search and a replace text (`old_str`/`new_str` and the like), a list of them, or {"edits": [...]}."""
    body = text.strip()
    fenced = re.fullmatch(r"(`{3,}|~{3,})[\w-]*\n(.*)\n\1", body, re.DOTALL)
    try:
        found = json.loads(fenced.group(2) if fenced else body)
    except ValueError:
        return []
    if isinstance(found, dict) and isinstance(found.get("edits"), list):
        found = found["edits"]
    items = found if isinstance(found, list) else [found]
    edits = []
    for item in items:
        fields = [_field(item, names) for names in (_JSON_PATH, _JSON_SEARCH, _JSON_REPLACE)]
        if not all(isinstance(value, str) for value in fields):
            return []
        path, search, replace = (str(value) for value in fields)
        edits.append(Edit(_clean_path(path), search, replace))
    return edits


def _field(item: object, names: Sequence[str]) -> object:
    if not isinstance(item, dict):
        return None
    return next((item[name] for name in names if name in item), None)


def _whole_files(lines: Sequence[str], default_path: str | None) -> list[Edit]:
    blocks = [_titled(path, body) for path, language, body in _fenced(lines) if language.lower() in _CODE_LANGUAGES]
    named = [(path, body, header) for path, body, header in blocks if path]
    if named:
        return [Edit(_clean_path(path), "", body, whole=True, header=header) for path, body, header in named]
    code = [body for _, body, _ in blocks]
    if len(code) == 1 and default_path:
        return [Edit(default_path, "", code[0], whole=True)]
    if len(code) > 1:
        raise Rejected("the reply holds several fenced blocks and names no file: use SEARCH/REPLACE blocks")
    return []


def _titled(path: str | None, body: str) -> tuple[str | None, str, str]:
    """(path, body, header): a first line `# calc.py` names the file and is set apart from its text."""
    first, _, rest = body.partition("\n")
    titled = _PATH_COMMENT.match(first)
    if titled and (path is None or path == titled.group(1)):
        return titled.group(1), rest, first + "\n"
    return path, body, ""


def _fenced(lines: Sequence[str]) -> Iterator[tuple[str | None, str, str]]:
    """(the file it names, its language, its text) for each fenced block."""
    index = 0
    before: str | None = None
    while index < len(lines):
        opening = _FENCE.match(lines[index])
        if not opening:
            before = lines[index] if lines[index].strip() else before
            index += 1
            continue
        fence, info = opening.groups()
        end = index + 1
        while end < len(lines) and not _closes(lines[end], fence):
            end += 1
        path = _path_in(info)
        language = "" if path and info.startswith(path) else _language(info)
        yield path or _path_in(before), language, _joined(lines[index + 1 : end])
        before = None
        index = end + 1


def _language(info: str) -> str:
    """`python` from a fence's info string `python`, `python:calc.py` or `python title="x"`."""
    found = re.match(r"[\w+#-]*", info)
    return found.group(0) if found else ""


def _closes(line: str, fence: str) -> bool:
    stripped = line.strip()
    return len(stripped) >= len(fence) and set(stripped) == {fence[0]}


def _resolved(change: Edit, paths: Sequence[str]) -> Edit:
    """`change` on the one repository file whose path ends with the path it names, when the
    named path is not itself a file: models drop `src/` and package prefixes."""
    if not paths or change.path in paths:
        return change
    fits = [path for path in paths if path.endswith("/" + change.path)]
    return dataclasses.replace(change, path=fits[0]) if len(fits) == 1 else change


# -- applying ------------------------------------------------------------------------------------

SHORT_FILE = 20  # lines: a whole-file reply for a longer file must keep at least half of it


def apply(edits: Sequence[Edit], read: Read, *, redactor: Redactor | None = None) -> str:
    """The diff of `edits` applied in order to the files `read` returns."""
    refused = [f"{kind} {e.path}" for e in edits if (kind := policy.protected(e.path))]
    if refused:
        raise Rejected(f"the reply edits {', '.join(dict.fromkeys(refused))}, which no fix may change")
    originals: dict[str, str] = {}
    current: dict[str, str] = {}
    for number, change in enumerate(edits, 1):
        if change.path not in originals:
            text = read(change.path)
            if text is None:
                raise Rejected(f"{change.path} does not exist in the repository: edit the existing files shown")
            originals[change.path] = current[change.path] = text
        where = f"edit {number} ({change.path})"
        current[change.path] = _applied(current[change.path], change, where)
    changed = {path: text for path, text in current.items() if text != originals[path]}
    if not changed:
        raise Rejected("the edits change nothing: each REPLACE text equals its SEARCH text")
    for path, text in changed.items():
        _compiles(path, text)
        _complete(path, originals[path], text)
        if redactor is not None:
            _no_secret_added(path, originals[path], text, redactor)
    return diffs.join([diffs.unified(path, originals[path], text) for path, text in changed.items()])


def _applied(text: str, change: Edit, where: str) -> str:
    # Matching works on '\n' lines; a file written with CRLF gets its line ends back.
    crlf = "\r\n" in text and text.count("\r\n") == text.count("\n")
    work = text.replace("\r\n", "\n") if crlf else text
    search, replace = change.search.replace("\r\n", "\n"), change.replace.replace("\r\n", "\n")
    if change.whole and change.header and work.startswith(change.header):
        replace = change.header + replace  # the file's own first line, not a title
    if change.whole:
        result = _whole(work, replace, where)
    else:
        result = _replace(work, search, replace, where, anchor=change.anchor)
    return result.replace("\n", "\r\n") if crlf else result


def _whole(text: str, replace: str, where: str) -> str:
    old, new = text.count("\n"), replace.count("\n")
    if old > SHORT_FILE and new < old / 2:
        raise Rejected(
            f"{where}: the fenced block has {new} lines and the file {old}: send SEARCH/REPLACE blocks, "
            "not part of a file"
        )
    return replace if replace.endswith("\n") or not text.endswith("\n") else replace + "\n"


def _replace(text: str, search: str, replace: str, where: str, *, anchor: str = "") -> str:
    if not search.strip():
        raise Rejected(f"{where}: the SEARCH text is empty: quote the lines to replace")
    floor = _anchored(text.split("\n"), anchor)
    starts = [at for at in _occurrences(text, search) if text.count("\n", 0, at) >= (floor or 0)]
    if floor is not None and starts:
        starts = starts[:1]  # the hunk is the nearest one below its heading
    if len(starts) == 1:
        return text[: starts[0]] + replace + text[starts[0] + len(search) :]
    if len(starts) > 1:
        raise _ambiguous(where, [text.count("\n", 0, at) + 1 for at in starts])
    return _replace_lines(text, search, replace, where, floor)


def _anchored(lines: Sequence[str], anchor: str) -> int | None:
    """The index of the one line equal to `anchor` (stripped), or None."""
    key = anchor.strip()
    found = [i for i, line in enumerate(lines) if key and line.strip() == key] if key else []
    return found[0] if len(found) == 1 else None


def _occurrences(text: str, search: str) -> Iterator[int]:
    at = text.find(search)
    while at != -1:
        yield at
        at = text.find(search, at + 1)


def _replace_lines(text: str, search: str, replace: str, where: str, floor: int | None) -> str:
    """Line by line, ignoring trailing whitespace, then indentation, then blank lines; a unique
    match only (or the first below the hunk's heading). The replacement takes the file's indentation."""
    lines = text.split("\n")
    wanted, new = _trimmed(search), _trimmed(replace)
    for norm, skip_blank in ((str.rstrip, False), (str.strip, False), (str.strip, True)):
        spans = [span for span in _matches(lines, wanted, norm, skip_blank) if span[0] >= (floor or 0)]
        if floor is not None:
            spans = spans[:1]
        if len(spans) > 1:
            raise _ambiguous(where, [start + 1 for start, _ in spans])
        if spans:
            start, end = spans[0]
            found = lines[start:end]
            shifted = _reindented(new, wanted, found) if norm is str.strip else new
            # A line the reply left as it quoted it (context) stays as the file has it, whitespace and all.
            context = dict(zip([w for w in wanted if w.strip()], [f for f in found if f.strip()], strict=False))
            merged = [context.get(line, moved) for line, moved in zip(new, shifted, strict=True)]
            return "\n".join([*lines[:start], *merged, *lines[end:]])
    raise Rejected(f"{where}: the SEARCH text is not in the file{_closest(lines, wanted)}; copy the lines exactly")


def _matches(
    lines: Sequence[str], wanted: Sequence[str], norm: Callable[[str], str], skip_blank: bool
) -> Iterator[tuple[int, int]]:
    """(start, end) of each run of `lines` equal to `wanted` under `norm`; with `skip_blank`, the
    blank lines of both are ignored (a model's one blank line where the file has two)."""
    if not skip_blank:
        keys = [norm(line) for line in wanted]
        normed = [norm(line) for line in lines]
        for i in range(len(lines) - len(keys) + 1):
            if normed[i : i + len(keys)] == keys:
                yield i, i + len(keys)
        return
    keys = [norm(line) for line in wanted if line.strip()]
    kept = [(i, norm(line)) for i, line in enumerate(lines) if line.strip()]
    if not keys or keys == [norm(line) for line in wanted]:
        return  # no blank line to ignore: the tiers before have tried it
    for k in range(len(kept) - len(keys) + 1):
        if [key for _, key in kept[k : k + len(keys)]] == keys:
            yield kept[k][0], kept[k + len(keys) - 1][0] + 1


def _trimmed(text: str) -> list[str]:
    """The lines of `text` without the blank lines around them."""
    lines = text.split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _reindented(new: list[str], wanted: list[str], found: list[str]) -> list[str]:
    """`new` in the file's indentation: each indentation the search text used is mapped to the one
    the file has on the matching line (tabs for spaces too); others shift by the first line's difference."""
    pairs = list(zip([w for w in wanted if w.strip()], [f for f in found if f.strip()], strict=False))
    mapping = {_lead(w): _lead(f) for w, f in pairs}
    delta = _indent(pairs[0][1]) - _indent(pairs[0][0]) if pairs else 0
    unit = (pairs[0][1][:1] if pairs and pairs[0][1][:1] in (" ", "\t") else " ") if delta > 0 else ""
    shifted = []
    for line in new:
        if not line.strip():
            shifted.append(line)
        elif _lead(line) in mapping:
            shifted.append(mapping[_lead(line)] + line.lstrip())
        elif delta >= 0:
            shifted.append(unit * delta + line)
        else:
            shifted.append(line[min(-delta, _indent(line)) :])
    return shifted


def _lead(line: str) -> str:
    return line[: _indent(line)]


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _ambiguous(where: str, lines: Sequence[int]) -> Rejected:
    places = ", ".join(str(n) for n in lines[:5])
    return Rejected(
        f"{where}: the SEARCH text matches {len(lines)} places (lines {places}): add lines around it so it matches once"
    )


def _closest(lines: Sequence[str], wanted: Sequence[str]) -> str:
    """Where the search text goes wrong: the first line that differs after a matching start,
    else the file's line closest to its first line."""
    stripped = [line.strip() for line in lines]
    keys = [line.strip() for line in wanted]
    matched, start = max((_run(stripped, keys, i), i) for i in range(len(stripped)))
    if matched:
        at = start + matched
        theirs = (
            "the end of the file" if at == len(stripped) else f"`{stripped[at]}`" if stripped[at] else "a blank line"
        )
        return (
            f" (its first {matched} line(s) match from line {start + 1}, but its next line, `{keys[matched]}`, "
            f"differs from line {at + 1}: {theirs})"
        )
    first = next((key for key in keys if key), "")
    match = difflib.get_close_matches(first, stripped, n=1, cutoff=0.6)
    if not match:
        return f" (its first line, `{first}`, is nowhere in it)"
    return (
        f" (its first line is `{first}`; the closest line in the file is {stripped.index(match[0]) + 1}: `{match[0]}`)"
    )


def _run(lines: Sequence[str], keys: Sequence[str], start: int) -> int:
    """How many of `keys` match `lines` from `start` on."""
    count = 0
    while count < len(keys) and start + count < len(lines) and lines[start + count] == keys[count]:
        count += 1
    return count


def _complete(path: str, old: str, new: str) -> None:
    """Rejected when the edits write a line that stands for code left out (`# ... existing code ...`):
    applied, it would delete what it stands for."""
    before = set(old.splitlines())
    for number, line in enumerate(new.splitlines(), 1):
        if line not in before and _ELISION.search(line):
            raise Rejected(
                f"{path} line {number} would be `{line.strip()}`, which leaves code out: write every line "
                "of the REPLACE text in full, and replace only the lines that change"
            )


def _no_secret_added(path: str, old: str, new: str, redactor: Redactor) -> None:
    """Rejected when `new` holds more secrets (by their shape, or the value of a secret variable)
    or redaction marks than `old`: a model that echoes a credential, or the mark that hid one from
    it, must not get it into a commit. The reason names the kind of secret, never its value."""
    if new.count(REDACTION_MARK) > old.count(REDACTION_MARK):
        raise Rejected(
            f"{path} would hold a redaction mark ({REDACTION_MARK}...]): that value was hidden from you; "
            "leave the lines that hold it as they are"
        )
    added = Counter(_MARKS.findall(redactor.redact(new))) - Counter(_MARKS.findall(redactor.redact(old)))
    if added:
        kinds = ", ".join(f"[REDACTED:{kind}]" for kind in sorted(added))
        raise Rejected(
            f"{path} would hold a credential the file does not ({kinds}): never write keys, tokens or passwords "
            "into code"
        )


REDACTION_MARK = "[REDACTED:"
_MARKS = re.compile(r"\[REDACTED:([^\]\s]*)\]")


def _compiles(path: str, text: str) -> None:
    """Compiling runs nothing: it rejects a Python file the edits broke before any check runs."""
    if not path.endswith(".py"):
        return
    try:
        compile(text, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise Rejected(f"{path} does not compile after the edits: {exc.msg} (line {exc.lineno})") from exc
    except (ValueError, RecursionError) as exc:
        raise Rejected(f"{path} does not compile after the edits: {exc}") from exc
