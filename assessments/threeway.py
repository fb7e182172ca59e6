"""The three-way merge of one save of a score sheet: the one rule of DESIGN.md for every input.

A save brings, for every field (an item's score or its reason), the value the user had loaded
(its base) and the value they want now. Against the value stored now ("theirs"):

- value == base: the user did not change the field; it is never written;
- theirs == base: only the user changed it; it is written, whoever saved meanwhile;
- value == theirs: both made the same change; nothing to write, nothing to ask;
- otherwise both changed it differently: a conflict, and nothing of the save is written.

A base the page could not carry (an old page, a tampered field) is UNKNOWN: the field counts as
changed by others too, so the user is asked instead of a stale value being written.
Pure functions, no database: the service applies them under the sheet's row lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from assessments.validation import reason_text

SCORE: Final = "score"
REASON: Final = "reason"
FIELDS: Final = (SCORE, REASON)

FieldKey = tuple[int, str]  # (item id, SCORE or REASON)
Value = Decimal | None | str


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Final = _Unknown()
Base = Value | _Unknown  # a field as the user's page had it, or UNKNOWN


@dataclass(frozen=True)
class Edit:
    """One field as the user's page had it (base) and as they want it (value)."""

    base: Base
    value: Value

    @property
    def changed(self) -> bool:
        return self.base is UNKNOWN or canonical(self.base) != canonical(self.value)


def canonical(value: Value | _Unknown) -> object:
    """The form of a value that comparisons use: line breaks as the browser posts them (CRLF)
    and as stored (LF) are the same reason, and so are 2 and 2.0."""
    if isinstance(value, str):
        return reason_text(value)
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def same(a: Value | _Unknown, b: Value | _Unknown) -> bool:
    return a is not UNKNOWN and b is not UNKNOWN and canonical(a) == canonical(b)


@dataclass(frozen=True)
class Merge:
    writes: dict[FieldKey, Value]  # fields to write, with the user's value
    conflicts: list[FieldKey]  # fields both sides changed differently
    others: list[FieldKey]  # fields others changed since the user's base (conflicting or not)


def merge(edits: Mapping[FieldKey, Edit], current: Mapping[FieldKey, Value]) -> Merge:
    """Decide, field by field, what a save writes; `current` holds the stored values (a field
    missing from it is unset: no score, no reason)."""
    writes: dict[FieldKey, Value] = {}
    conflicts: list[FieldKey] = []
    others: list[FieldKey] = []
    for key, edit in edits.items():
        theirs = current.get(key, empty(key))
        if not same(edit.base, theirs):
            others.append(key)
        if not edit.changed or same(edit.value, theirs):
            continue
        if same(edit.base, theirs):
            writes[key] = edit.value
        else:
            conflicts.append(key)
    return Merge(writes, conflicts, others)


def empty(key: FieldKey) -> Value:
    return None if key[1] == SCORE else ""
