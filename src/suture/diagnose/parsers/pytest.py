"""pytest's console output and JUnit XML as `Failure` records.

    parse_output(text, root=..., check=...) -> [Failure]                  console log
    parse_junit(xml, root=..., check=...)   -> ([TestResult], [Failure])  --junitxml report

One `Failure` per failing test, per test that errored in setup or teardown, and per test
module that could not be collected; grouping them by root cause is triage's job.

Both sources carry the same traceback text (a section under FAILURES or ERRORS in the
console, the text of a `failure` or `error` element in the XML), so one reader serves both.
It reads pytest's `long`, `short` and `native` styles, the plain Python tracebacks of
collection errors, and exception groups, and takes from them:

- the exception: the `E   Type: message` lines (the last line of a native traceback); its
  message is the first line after `Type: `, "Did you mean" suggestion included;
- the frames: `path:12: in func` / `path:12: Type` location lines and `File "path", line 12,
  in func` lines, of which only the repository's own are kept (see `repo_path`);
- for a SyntaxError, the `File "path", line 3` / source / caret lines as the last frame, with
  a column. Python strips the line's indentation before it draws the caret and the log does
  not say how much it stripped, so that column counts from the first non-blank character of
  the line; add the line's indentation to get the column in the file.

When an exception was raised while handling another, the last one in the chain is the
failure: it is what the test saw.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from xml.etree import ElementTree

from suture.diagnose.fingerprint import failure_fingerprint
from suture.records import Failure, Frame, TestOutcome, TestResult

TOOL = "pytest"
SIGN = re.compile(  # what its failing output shows, for a log whose command says nothing
    r"^=+ (?:FAILURES|ERRORS|short test summary info) =+$|^(?:FAILED|ERROR) \S+\.py(?:::|\s|$)", re.MULTILINE
)
MAX_EXCERPT = 4_000  # characters of a failure's section kept as its excerpt

# Console layout.
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_BANNER = re.compile(r"^=+(?: (?P<title>.*?) =+)?$")  # ===== FAILURES =====
_HEADER = re.compile(r"^_+ (?P<title>.+?) _+$")  # _____ test_name _____
_ENTRY_SEP = re.compile(r"^_(?: _)+$")  # _ _ _ _ between the entries of one traceback
_SUBSECTION = re.compile(r"^-+ .+ -+$")  # ----- Captured stdout call -----
_STATS = re.compile(r"^\d+ (?:failed|passed|errors?|skipped|xfailed|xpassed|warnings?)\b.* in \d")
_INTERRUPTED = re.compile(r"^!+ .* !+$")
_BANNER_STARTS = frozenset("=!0123456789")
_SUMMARY = re.compile(r"^(?P<word>FAILED|ERROR) (?P<id>[^\s\[]+(?:\[.*?\])?)(?: - (?P<text>.*))?$")
_MAX_SUMMARY_LINE = 10_000  # longer lines are not pytest's; do not spend time on them
_COLLECTING = re.compile(r"^ERROR collecting (?P<id>.+)$")
_SETUP_OR_TEARDOWN = re.compile(r"^ERROR at (?:setup|teardown) of (?P<head>.+)$")
# Before any test: a conftest.py (or what it imports) fails to import, pytest exits 4; or a
# plugin does (`-p mod`, an installed plugin importing the project), pytest 9.2 exits 3.
_CONFTEST = re.compile(
    r"^(?:ImportError while loading conftest '(?P<path>.+)'"
    r"|Error while loading plugin \"(?P<plugin>.+)\")\.$"
)

# Traceback text.
_CHAIN = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)
_LOCATION = re.compile(
    r"^(?P<path>(?:[A-Za-z]:)?[^\s:]+|<[^>]+>):(?P<line>\d+):"
    r"(?: in (?P<func>\S+)| (?P<exc>[\w.]+))?\s*$"
)
_FILE = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)(?:, in (?P<func>.+))?$')
_GROUP_START = "+ Exception Group Traceback"
_GROUP_MARGIN = "  | "
_E_LINE = re.compile(r"^E(?: {3}|\s*$)")  # `E   ` or a blank `E`; not a local named E
_EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?::(?: (?P<message>.*))?)?$")
_CARET = re.compile(r"^\s*\^+\s*$")
_DEF = re.compile(r"^[\s>]*(?:async\s+)?def\s+(?P<name>\w+)")
_SETUP_MESSAGE = re.compile(r'^failed on (?:setup|teardown) with "(?P<inner>.*)"$', re.DOTALL)

# Frames in these folders belong to installed packages, not to the repository. `.tox` and
# `.nox` hold the virtualenvs those runners create inside the checkout.
_THIRD_PARTY = frozenset({"site-packages", "dist-packages", ".venv", "venv", ".tox", ".nox"})
_STDLIB = re.compile(r"(?:^|/)lib(?:64)?/python\d+(?:\.\d+)?t?/")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:/")


@dataclass(frozen=True)
class Traceback:
    """What one traceback text says: the exception and the repository's frames in it."""

    error_type: str
    message: str
    frames: tuple[Frame, ...]  # repo-local, outermost first


@dataclass(frozen=True)
class _Section:
    banner: str  # FAILURES or ERRORS
    title: str  # between the underscores: a test's head line, or "ERROR collecting ..."
    lines: tuple[str, ...]  # the header line and the body


# --- the console ----------------------------------------------------------------------------


def parse_output(text: str, *, root: str, check: str) -> list[Failure]:
    """The failures in pytest's console output, in the order pytest reported them.

    `root` is the directory pytest ran in (absolute paths under it become repo-relative),
    `check` the command that printed `text`.
    """
    lines = _ANSI.sub("", text).splitlines()
    ids = _SummaryIds(_summary(lines))
    failures = [_section_failure(s, ids, root=root, check=check) for s in _sections(lines)]
    failures.extend(_conftest_failures(lines, root=root, check=check))
    # Entries of the summary without a section (`--tb=no`, `--tb=line`) still name a failure.
    failures.extend(_summary_failure(w, i, t, root=root, check=check) for w, i, t in ids.unused())
    return failures


parse = parse_output  # every parser module's reader is its `parse` (suture/run/tools.py)


def _conftest_failures(lines: Sequence[str], *, root: str, check: str) -> Iterator[Failure]:
    """A conftest.py that could not be imported: the block under pytest's line saying so, up to
    the first blank line (a SyntaxError in the package it imports, a missing module)."""
    for index, line in enumerate(lines):
        match = _CONFTEST.match(line)
        if not match:
            continue
        end = next((at for at in range(index + 1, len(lines)) if not lines[at].strip()), len(lines))
        body = list(lines[index + 1 : end])
        conftest = (repo_path(match["path"], root) or match["path"]) if match["path"] else match["plugin"]
        failure = _failure(
            kind="collection-error",
            test_id=conftest,
            traceback=read_traceback("\n".join(body), root=root),
            excerpt=_excerpt(line, body),
            root=root,
            check=check,
        )
        yield replace(failure, test_ids=())  # no test ran, none is named: the whole run is to pass


def _sections(lines: Sequence[str]) -> Iterator[_Section]:
    """The per-test sections under the FAILURES and ERRORS banners."""
    banner, title = "", ""
    body: list[str] = []
    for line in lines:
        new_banner = _banner(line)
        header = _header(line) if banner in ("FAILURES", "ERRORS") else None
        if new_banner is None and header is None:
            if title:
                body.append(line)
            continue
        if title:
            yield _Section(banner, title, tuple(body))
        if new_banner is not None:
            banner, title, body = new_banner, "", []
        elif header is not None:
            title, body = header, [line]
    if title:
        yield _Section(banner, title, tuple(body))


def _banner(line: str) -> str | None:
    """The title of a line that ends a section (`== title ==`, the final counts), else None."""
    if line[:1] not in _BANNER_STARTS:  # most lines: no need to try three patterns
        return None
    match = _BANNER.match(line)
    if match:
        return match["title"] or ""
    return "" if _STATS.match(line) or _INTERRUPTED.match(line) else None


def _header(line: str) -> str | None:
    """The title of a `____ title ____` line; `_ _ _` separates entries of one traceback."""
    match = _HEADER.match(line)
    return match["title"] if match and not _ENTRY_SEP.match(line) else None


def _summary(lines: Sequence[str]) -> list[tuple[str, str, str]]:
    """(FAILED or ERROR, node id, text) from the "short test summary info" lines."""
    entries, banner = [], ""
    for line in lines:
        title = _banner(line)
        if title is not None:
            banner = title
        elif banner == "short test summary info" and len(line) <= _MAX_SUMMARY_LINE:
            match = _SUMMARY.match(line)
            if match:
                entries.append((match["word"], match["id"], match["text"] or ""))
    return entries


class _SummaryIds:
    """Hands out the summary's exact node ids to the sections they belong to.

    A section's header only shows the test's head line (`TestX.test_y[1]`, no file), so a
    section takes the first unused summary entry of its kind with that head line; the
    summary lists failures in the order of the sections.
    """

    def __init__(self, entries: list[tuple[str, str, str]]) -> None:
        self._entries = entries
        self._used = [False] * len(entries)
        self._by_head: dict[tuple[str, str], list[int]] = {}
        for index, (word, node_id, _) in enumerate(entries):
            head = _head_line(node_id)
            # A collection error's header is its node id; a doctest's says so.
            for key in dict.fromkeys((head, node_id, f"[doctest] {head}")):
                self._by_head.setdefault((word, key), []).append(index)

    def take(self, word: str, head: str, path: str) -> str | None:
        matches = [i for i in self._by_head.get((word, head), []) if not self._used[i]]
        # Two files can hold tests of the same name: prefer the one in the section's file.
        same_file = [i for i in matches if self._entries[i][1].partition("::")[0] == path]
        chosen = same_file or matches
        if not chosen:
            return None
        self._used[chosen[0]] = True
        return self._entries[chosen[0]][1]

    def unused(self) -> list[tuple[str, str, str]]:
        return [entry for entry, used in zip(self._entries, self._used, strict=True) if not used]


def _section_failure(section: _Section, ids: _SummaryIds, *, root: str, check: str) -> Failure:
    body = _until_subsection(section.lines[1:])
    traceback = read_traceback("\n".join(body), root=root)
    kind, word, head = _section_kind(section)
    first_path = traceback.frames[0].path if traceback.frames else ""
    test_id = ids.take(word, head, first_path) or _node_id_from_head(head, first_path, kind)
    return _failure(
        kind=kind,
        test_id=test_id,
        traceback=traceback,
        excerpt=_excerpt(section.lines[0], body),
        root=root,
        check=check,
    )


def _section_kind(section: _Section) -> tuple[str, str, str]:
    """(kind, summary word, head line) of a section."""
    if section.banner == "FAILURES":
        return "test-failure", "FAILED", section.title
    collecting = _COLLECTING.match(section.title)
    if collecting:
        return "collection-error", "ERROR", collecting["id"]
    setup = _SETUP_OR_TEARDOWN.match(section.title)
    return "test-error", "ERROR", setup["head"] if setup else section.title


def _until_subsection(lines: Sequence[str]) -> list[str]:
    """The traceback part of a section: captured output and logs follow their own separator."""
    for index, line in enumerate(lines):
        if _SUBSECTION.match(line):
            return list(lines[:index])
    return list(lines)


def _summary_failure(word: str, node_id: str, text: str, *, root: str, check: str) -> Failure:
    """A failure known only from its summary line: no frames, a message maybe cut short."""
    kind = ("test-error" if "::" in node_id else "collection-error") if word == "ERROR" else "test-failure"
    error_type, message, _ = _exception([text], hint="")
    return _failure(
        kind=kind,
        test_id=node_id,
        traceback=Traceback(error_type, message, ()),
        excerpt=_cap(f"{word} {node_id} - {text}" if text else f"{word} {node_id}"),
        root=root,
        check=check,
    )


def _head_line(node_id: str) -> str:
    """What pytest prints above a test's section: `t.py::TestX::test_y[1]` -> `TestX.test_y[1]`."""
    _, _, rest = node_id.partition("::")
    name, bracket, params = rest.partition("[")
    return name.replace("::", ".") + bracket + params


def _node_id_from_head(head: str, path: str, kind: str) -> str:
    """A node id without the summary: the test's file is the outermost frame of a test call."""
    if kind == "collection-error" or not path:
        return head
    name, bracket, params = head.partition("[")
    return f"{path}::{name.replace('.', '::')}{bracket}{params}"


# --- JUnit XML ------------------------------------------------------------------------------


def parse_junit(xml: str, *, root: str, check: str) -> tuple[list[TestResult], list[Failure]]:
    """Every test's outcome and the failures in pytest's `--junitxml` report.

    A module that could not be collected is a failure (kind "collection-error") but no test
    result: it holds no test that ran. pytest writes a strict XPASS as a failure and any
    other XPASS as a pass, so neither reads as "xpassed".
    """
    results: list[TestResult] = []
    failures: list[Failure] = []
    for case in _testsuites(xml).iter("testcase"):
        problems = [child for child in case if child.tag in ("failure", "error")]
        collection = any(p.get("message") == "collection failure" for p in problems)
        test_id = _case_id(case, collection=collection)
        if not collection:
            results.append(TestResult(test_id, _outcome(case)))
        for problem in problems:
            kind = "collection-error" if collection else _problem_kind(problem)
            failures.append(_junit_failure(problem, kind, test_id, root=root, check=check))
    return results, failures


def _testsuites(xml: str) -> ElementTree.Element:
    # The report is pytest's own file, written by this run: the stdlib parser is enough
    # (expat >= 2.4.1 refuses entity expansion bombs).
    try:
        element = ElementTree.fromstring(xml)
    except ElementTree.ParseError as exc:
        raise ValueError(f"pytest's report is not valid JUnit XML: {exc}") from exc
    if element.tag not in ("testsuites", "testsuite"):
        raise ValueError(
            f"pytest's report is not valid JUnit XML: the root element is <{element.tag}>, "
            "not <testsuites> or <testsuite>"
        )
    return element


def _case_id(case: ElementTree.Element, *, collection: bool) -> str:
    """A testcase's node id: `tests.test_m.TestX` + `test_f` -> `tests/test_m.py::TestX::test_f`."""
    classname, name, file = case.get("classname", ""), case.get("name", ""), case.get("file", "")
    if collection or not name:
        # A collection error: pytest writes the module's dotted path as the name (classname
        # empty), or as the classname with an empty name.
        return file or _module_path([p for p in f"{classname}.{name}".split(".") if p])
    parts = [p for p in classname.split(".") if p]
    module_parts, classes = _split_classname(parts, file)
    module = file or (_module_path(module_parts) if module_parts else "")
    return "::".join(part for part in (module, *classes, name) if part)


def _split_classname(parts: list[str], file: str) -> tuple[list[str], list[str]]:
    """The module and class parts of a dotted classname.

    An xunit1 report's `file` attribute says how many parts the module takes; without it,
    the trailing capitalised parts are classes (pytest collects classes named `Test*`).
    """
    if file:
        module = file.removesuffix(".py").split("/")
        if parts[: len(module)] == module:
            return module, parts[len(module) :]
    split = len(parts)
    while split > 1 and parts[split - 1][:1].isupper():
        split -= 1
    return parts[:split], parts[split:]


def _module_path(parts: Sequence[str]) -> str:
    return "/".join(parts) + ".py"


def _outcome(case: ElementTree.Element) -> TestOutcome:
    tags = {child.tag for child in case}
    if "failure" in tags:
        return "failed"
    if "error" in tags:  # an error in setup or teardown, also after a passing call
        return "error"
    skipped = case.find("skipped")
    if skipped is not None:
        # pytest writes an expected failure as a skip of type pytest.xfail.
        return "xfailed" if skipped.get("type") == "pytest.xfail" else "skipped"
    return "passed"


def _problem_kind(problem: ElementTree.Element) -> str:
    # pytest reports an exception in the test itself as <failure>, in a fixture as <error>.
    return "test-failure" if problem.tag == "failure" else "test-error"


def _junit_failure(problem: ElementTree.Element, kind: str, test_id: str, *, root: str, check: str) -> Failure:
    text = problem.text or ""
    traceback = read_traceback(text, root=root)
    if not traceback.error_type:
        # No traceback to read (`--tb=no`, a strict XPASS): the message attribute says it.
        error_type, message = _from_message(problem.get("message", ""))
        if error_type or not traceback.message:
            traceback = Traceback(error_type, message, traceback.frames)
    return _failure(
        kind=kind,
        test_id=test_id,
        traceback=traceback,
        excerpt=_excerpt("", text.splitlines()) or _cap(problem.get("message", "")),
        root=root,
        check=check,
    )


def _from_message(message: str) -> tuple[str, str]:
    """Type and message from a failure's message attribute (`failed on setup with "..."`)."""
    wrapped = _SETUP_MESSAGE.match(message)
    if wrapped:
        message = wrapped["inner"]
    if message == "collection failure":
        return "", ""
    error_type, text, _ = _exception(message.splitlines()[:1] or [""], hint="")
    return error_type, text


# --- one traceback --------------------------------------------------------------------------


def read_traceback(text: str, *, root: str) -> Traceback:
    """The exception and the repository's frames in one failure's traceback text."""
    raw = text.splitlines()
    special = _doctest(raw, root=root) or _fixture_lookup(raw, root=root)
    if special is not None:
        return special
    return _read_plain(raw, root=root)


def _read_plain(raw: list[str], *, root: str) -> Traceback:
    lines = _last_in_chain(_outer_group(raw))
    block, hint = _exception_block(lines)
    error_type, message, raised_at = _exception(block, hint=hint)
    frames = (_repo_frame(frame, root) for frame in [*_frames(lines), *raised_at])
    return Traceback(error_type, message, tuple(frame for frame in frames if frame))


def _doctest(lines: list[str], *, root: str) -> Traceback | None:
    """A doctest's report: its output differed (DocTestFailure) or its example raised.

    pytest ends both with `path:N: DocTestFailure|UnexpectedException`, N the example's line.
    An example that raised shows the exception's own traceback above: that exception is the
    failure, raised where its traceback says (the example's line when no frame is the
    repository's). One whose output differed is a DocTestFailure at the example's line,
    its message the example and both outputs.
    """
    last = next((_LOCATION.match(line) for line in reversed(lines) if line.strip()), None)
    if last is None or last["exc"] not in ("DocTestFailure", "UnexpectedException"):
        return None
    example = Frame(last["path"], int(last["line"]), "")
    if last["exc"] == "UnexpectedException":
        body = [line for line in lines if not line.startswith("UNEXPECTED EXCEPTION: ")]
        inner = _read_plain(body[: body.index(last[0])], root=root)
        if inner.frames:
            return inner
        return Traceback(inner.error_type, inner.message, tuple(f for f in [_repo_frame(example, root)] if f))
    return Traceback("DocTestFailure", _doctest_message(lines), tuple(f for f in [_repo_frame(example, root)] if f))


_DOCTEST_SOURCE = re.compile(r"^\d+ \s*>>> (?P<source>.*)$")


def _doctest_message(lines: Sequence[str]) -> str:
    """`cents(1.5): expected 150, got 150.0` from doctest's Expected/Got report."""
    source = next((m["source"] for line in reversed(lines) if (m := _DOCTEST_SOURCE.match(line))), "")
    expected: list[str] = []
    got: list[str] = []
    into: list[str] | None = None
    for line in lines:
        if line in ("Expected:", "Expected nothing"):
            into = expected
        elif line in ("Got:", "Got nothing"):
            into = got
        elif into is not None and line.startswith("    "):
            into.append(line.strip())
        elif into is not None:
            into = None

    def shown(output: list[str]) -> str:
        text = " / ".join(output) or "nothing"
        return text if len(text) <= 200 else text[:197] + "..."

    return f"{source}: expected {shown(expected)}, got {shown(got)}"


_FIXTURE_MISSING = re.compile(r"^fixture '(?P<name>[^']+)' not found$")
_FIXTURE_FILE = re.compile(r"^file (?P<path>.+), line (?P<line>\d+)$")


def _fixture_lookup(lines: list[str], *, root: str) -> Traceback | None:
    """A test (or fixture) asks for a fixture no one defines: pytest's FixtureLookupError.

    The report names the requesting function's file and line (`file x.py, line 3`) and shows
    its `def`; there is no traceback.
    """
    block = [line.strip() for line in _last_e_block(lines) if line.strip()]
    missing = _FIXTURE_MISSING.match(block[0]) if block else None
    if missing is None:
        return None
    where = next((m for line in lines if (m := _FIXTURE_FILE.match(line))), None)
    frame = None
    if where is not None:
        function = _defined_function(lines)
        frame = _repo_frame(Frame(where["path"], int(where["line"]), function), root)
    return Traceback("FixtureLookupError", block[0], (frame,) if frame else ())


def _outer_group(lines: list[str]) -> list[str]:
    """An exception group's own traceback, out of the `  | ` margins Python draws around it.

    The group is what the test saw; its sub-exceptions, one margin deeper, stay in the excerpt.
    """
    # (pytest's JUnit report strips the text, and with it the first line's indentation.)
    if not any(line.lstrip().startswith(_GROUP_START) for line in lines):
        return lines
    return [line[len(_GROUP_MARGIN) :] for line in lines if line.startswith(_GROUP_MARGIN)]


def _last_in_chain(lines: list[str]) -> list[str]:
    """The last traceback of a chain: the exception the test saw."""
    starts = [index + 1 for index, line in enumerate(lines) if line.strip() in _CHAIN]
    return lines[starts[-1] :] if starts else lines


def _frames(lines: Sequence[str]) -> Iterator[Frame]:
    """Every frame of a traceback (any folder), outermost first, as the log spells its path."""
    entry_start = 0  # the long style shows each entry's source above its location line
    for index, line in enumerate(lines):
        location = _LOCATION.match(line)
        file = _FILE.match(line)
        if _ENTRY_SEP.match(line):
            entry_start = index + 1
        elif location:
            function = location["func"] or _defined_function(lines[entry_start:index])
            yield Frame(location["path"], int(location["line"]), function)
            entry_start = index + 1
        elif file and file["func"]:
            yield Frame(file["path"], int(file["line"]), file["func"].strip())


def _defined_function(source: Sequence[str]) -> str:
    """The function whose source the long style shows (it starts at the `def`)."""
    for line in source:
        match = _DEF.match(line)
        if match:
            return match["name"]
    return ""


def _exception_block(lines: Sequence[str]) -> tuple[list[str], str]:
    """The lines that describe the exception, and the type the long style names after them."""
    locations = [m for m in map(_LOCATION.match, lines) if m]
    hint = (locations[-1]["exc"] or "") if locations else ""
    e_block = _last_e_block(lines)
    if e_block:
        return e_block, hint
    return _native_tail(lines), hint


def _last_e_block(lines: Sequence[str]) -> list[str]:
    """The last run of `E   ` lines, without the marker and the source's indentation."""
    end = max((i + 1 for i, line in enumerate(lines) if _E_LINE.match(line)), default=0)
    start = end
    while start > 0 and _E_LINE.match(lines[start - 1]):
        start -= 1
    texts = [line[1:] for line in lines[start:end]]
    indent = min((len(t) - len(t.lstrip(" ")) for t in texts if t.strip()), default=0)
    return [t[indent:] for t in texts]


def _native_tail(lines: Sequence[str]) -> list[str]:
    """What follows the last frame of a Python traceback: the exception (and its location)."""
    frames = [i for i, line in enumerate(lines) if (m := _FILE.match(line)) and m["func"]]
    start = frames[-1] + 1 if frames else 0
    # Skip that frame's source and its ^^^ markers, indented below the File line.
    while frames and start < len(lines) and lines[start].startswith("    "):
        start += 1
    return list(lines[start:])


def _exception(block: Sequence[str], *, hint: str) -> tuple[str, str, list[Frame]]:
    """(type, first line of the message, [where a SyntaxError points]) from an exception block."""
    rest = [line for line in block if line.strip()]
    raised_at: list[Frame] = []
    if rest and (file := _FILE.match(rest[0])) and not file["func"]:
        raised_at, rest = _syntax_error_location(file, rest[1:])
    if not rest:
        return hint, "", raised_at
    line = rest[0].strip()
    match = _EXCEPTION.match(line)
    if match and (not hint or match["type"].rsplit(".", 1)[-1] == hint):
        return _plain_type(match["type"]), match["message"] or "", raised_at
    if line.startswith("assert ") or hint == "AssertionError":
        return "AssertionError", line, raised_at  # pytest's rewritten assert explains itself
    return hint, line, raised_at


def _syntax_error_location(file: re.Match[str], after: list[str]) -> tuple[list[Frame], list[str]]:
    """The SyntaxError's own `File "x", line 3` / source / caret lines as a frame with column."""
    column = None
    if len(after) >= 2 and not _CARET.match(after[0]) and _CARET.match(after[1]):
        source, caret = after[0], after[1]
        # Both lines carry the same 4-space prefix; the source's indentation is already gone.
        column = caret.index("^") - (len(source) - len(source.lstrip())) + 1
        after = after[2:]
    elif after and not _EXCEPTION.match(after[0].strip()):
        after = after[1:]  # the source line without a caret
    return [Frame(file["path"], int(file["line"]), "", column)], after


def _plain_type(name: str) -> str:
    # Python names builtins without their module; a report may still say builtins.NameError.
    return name.removeprefix("builtins.")


def repo_path(path: str, root: str) -> str | None:
    """`path` relative to the repository (POSIX), or None when it is not the repository's own.

    A path is the repository's own when it is relative (pytest prints paths relative to where
    it ran) or absolute under `root`, and not inside an installed package, a virtualenv or
    the standard library.
    """
    if path.startswith("<"):  # <frozen importlib._bootstrap>, <string>
        return None
    path = path.replace("\\", "/")
    if path.startswith("/") or _WINDOWS_DRIVE.match(path):
        base = root.replace("\\", "/").rstrip("/") + "/"
        if not root or not path.startswith(base):
            return None
        path = path[len(base) :]
    path = posixpath.normpath(path)
    if path.startswith(("../", "/")) or path == "..":
        return None
    if _THIRD_PARTY.intersection(path.split("/")) or _STDLIB.search(path):
        return None
    return path


def _repo_frame(frame: Frame, root: str) -> Frame | None:
    path = repo_path(frame.path, root)
    return Frame(path, frame.line, frame.function, frame.column) if path else None


# --- records --------------------------------------------------------------------------------


def _failure(*, kind: str, test_id: str, traceback: Traceback, excerpt: str, root: str, check: str) -> Failure:
    location = traceback.frames[-1].path if traceback.frames else ""
    fingerprint = failure_fingerprint(
        tool=TOOL,
        error_type=traceback.error_type,
        # Messages can name files by absolute path; the checkout's place is no part of it.
        message=_without_root(traceback.message, root),
        location=location,
        test_ids=(test_id,),
    )
    return Failure(
        tool=TOOL,
        kind=kind,
        check=check,
        error_type=traceback.error_type,
        message=traceback.message,
        test_ids=(test_id,),
        frames=traceback.frames,
        excerpt=excerpt,
        fingerprint=fingerprint,
    )


def _without_root(message: str, root: str) -> str:
    base = root.rstrip("/\\")
    return message.replace(base + "/", "").replace(base + "\\", "") if base else message


def _excerpt(header: str, body: list[str]) -> str:
    """A failure's text, capped; when too long, the exception the test saw without its causes."""
    head = [header] if header else []
    text = "\n".join([*head, *body]).strip("\n")
    last = _last_in_chain(body)
    if len(text) > MAX_EXCERPT and len(last) < len(body):
        text = "\n".join([*head, "[... earlier exceptions of the chain cut ...]", *last])
    return _cap(text)


def _cap(text: str, limit: int = MAX_EXCERPT) -> str:
    """At most `limit` characters: the start (which test) and the end (the error) of it."""
    if len(text) <= limit:
        return text
    longest_marker = len(f"\n[... {len(text)} characters cut ...]\n")
    head = limit // 4
    tail = limit - head - longest_marker
    marker = f"\n[... {len(text) - head - tail} characters cut ...]\n"
    return text[:head] + marker + text[-tail:]
