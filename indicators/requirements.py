"""Find the countable requirements in a scoring standard.

The standards mix general aims with checkable demands ("每季度集体学习不少于1次",
"每月自学时间不少于8小时"). An evaluator wants the checkable part at a glance; those are the
clauses that carry a number, so a clause is the text between Chinese clause punctuation.
"""

from __future__ import annotations

import re

CLAUSE_BREAK = re.compile(r"[；;，,。！!？?]")
HAS_NUMBER = re.compile(r"\d")


def split_clauses(standard: str) -> list[tuple[str, bool]]:
    """The standard as (piece, is_requirement) pairs that join back to the original text."""
    pieces: list[tuple[str, bool]] = []
    start = 0
    for match in CLAUSE_BREAK.finditer(standard):
        clause = standard[start:match.start()]
        pieces.append((clause, bool(HAS_NUMBER.search(clause))))
        pieces.append((match.group(), False))
        start = match.end()
    tail = standard[start:]
    if tail:
        pieces.append((tail, bool(HAS_NUMBER.search(tail))))
    return pieces


def requirements(standard: str) -> list[str]:
    return [piece.strip() for piece, is_requirement in split_clauses(standard) if is_requirement]
