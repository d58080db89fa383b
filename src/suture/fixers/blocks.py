"""A statement moved across the end of its block, in a file that still compiles.

    if count:                          if count:
        total += count                     total += count
        seen = True              <-        seen = True
    seen = True                        return seen

A block's last statement dedented out of it, or the statement after a block indented into
it, compiles: the failure shows later, as an UnboundLocalError, a KeyError, a wrong result.
No message names the line, so the moves are guessed near where it raised: in the innermost
functions of the project's frames, each block's last statement moved out and the statement
after each block moved in, the closest to the raising line first (for an UnboundLocalError,
the moves of the variable's assignments before any other). Few, compiled, ranked low:
verification is the judge.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from suture.fixers import _common, _project
from suture.fixers.base import GUESS
from suture.records import Candidate, Failure
from suture.run.source import Source
from suture.verify.policy import is_test_path

_UNBOUND = re.compile(r"(?:cannot access local variable|local variable) '(?P<name>\w+)'.*")
_FRAMES = 2  # the innermost project frames whose functions are searched
_MOVES = 4  # candidates proposed at most


@dataclass(frozen=True)
class _Move:
    first: int  # the moved statement's lines, 1-based, inclusive
    last: int
    by: int  # columns: > 0 indents into the block before, < 0 dedents out of the block
    names: frozenset[str]  # what the statement assigns


class BlocksFixer:
    name = "block-moves"

    def propose(self, failure: Failure, source: Source) -> list[Candidate]:
        if failure.error_type in ("", "SyntaxError", "IndentationError", "TabError"):
            return []
        frames = [f for f in failure.frames if not is_test_path(f.path)][-_FRAMES:]
        unbound = _UNBOUND.fullmatch(failure.message.strip()) if failure.error_type == "UnboundLocalError" else None
        ranked: list[tuple[tuple[int, int, int], str, str, _Move]] = []
        for depth, frame in enumerate(reversed(frames)):
            text = source.read(frame.path)
            tree = _project.tree(source, frame.path) if text is not None else None
            if text is None or tree is None:
                continue
            for move in _moves(_enclosing(tree, frame.line), text):
                first = not (unbound and unbound["name"] in move.names)
                ranked.append(((first, depth, abs(move.first - frame.line)), frame.path, text, move))
        found = []
        for _, path, text, move in sorted(ranked, key=lambda item: item[0]):
            new = _moved(text, move)
            if new is None or _common.compile_error(new, path) is not None:
                continue
            why = "into the block before it" if move.by > 0 else "out of its block"
            rationale = f"line {move.first} of {path} moved {why} (a statement across a block's end still compiles)"
            found.append(
                _common.candidate(
                    failure, origin=self.name, path=path, old=text, new=new, rationale=rationale, rank=GUESS
                )
            )
            if len(found) == _MOVES:
                break
        return _common.unique(found)


def _enclosing(tree: ast.Module, line: int) -> Sequence[ast.stmt]:
    """The body of the innermost function holding `line` (the module's when none does)."""
    holding = [
        node
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.lineno <= line <= (node.end_lineno or 0)
    ]
    return max(holding, key=lambda node: node.lineno).body if holding else tree.body  # the innermost starts last


def _moves(body: Sequence[ast.stmt], text: str) -> Iterator[_Move]:
    """Each block's last statement moved out, and each statement after a block moved in."""
    lines = text.splitlines()
    for statements in _statement_lists(body):
        for index, block in enumerate(statements):
            clause = _last_clause(block)
            if not clause or not _starts_line(clause[-1], lines):
                continue
            last = clause[-1]
            step = last.col_offset - block.col_offset
            if len(clause) > 1:
                yield _Move(last.lineno, last.end_lineno or last.lineno, -step, _assigned(last))
            after = statements[index + 1] if index + 1 < len(statements) else None
            if after is not None and _starts_line(after, lines) and not isinstance(after, _DEFINITIONS):
                yield _Move(after.lineno, after.end_lineno or after.lineno, step, _assigned(after))


_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _statement_lists(body: Sequence[ast.stmt]) -> Iterator[Sequence[ast.stmt]]:
    """`body` and every statement list nested in it, not entering nested definitions."""
    yield body
    for statement in body:
        if isinstance(statement, _DEFINITIONS):
            continue
        for clause in _clauses(statement):
            yield from _statement_lists(clause)


def _clauses(statement: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists of a compound statement, in the order they are written."""
    found: list[list[ast.stmt]] = [getattr(statement, "body", None) or []]
    found += [handler.body for handler in getattr(statement, "handlers", [])]
    found += [case.body for case in getattr(statement, "cases", [])]
    found += [getattr(statement, "orelse", None) or [], getattr(statement, "finalbody", None) or []]
    return [clause for clause in found if clause and isinstance(clause[0], ast.stmt)]


def _last_clause(statement: ast.stmt) -> list[ast.stmt]:
    if isinstance(statement, _DEFINITIONS):
        return []
    clauses = _clauses(statement)
    return clauses[-1] if clauses else []


def _starts_line(statement: ast.stmt, lines: list[str]) -> bool:
    """Whether the statement begins its own line, at its column (not `if x: y`, not an `elif`)."""
    if statement.lineno > len(lines):
        return False
    line = lines[statement.lineno - 1]
    return line[: statement.col_offset].strip() == "" and not line.lstrip().startswith("elif")


def _assigned(statement: ast.stmt) -> frozenset[str]:
    return frozenset(
        node.id for node in ast.walk(statement) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)
    )


def _moved(text: str, move: _Move) -> str | None:
    """`text` with the move's lines indented by `move.by` columns (dedented when negative)."""
    lines = text.splitlines(keepends=True)
    for number in range(move.first, move.last + 1):
        line = lines[number - 1]
        if not line.strip():
            continue
        if move.by > 0:
            lines[number - 1] = " " * move.by + line
        elif line[: -move.by].strip() == "":
            lines[number - 1] = line[-move.by :]
        else:
            return None
    return "".join(lines)
