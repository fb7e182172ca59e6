"""A score sheet's typed cells read as entries: each item's (score, reason) pair checked by the
rules of `assessments.validation`, with every refusal kept per item and field.

Pure, no database: the Excel upload's reader (`assessments.formats.bulk_upload`) reads its cells
with it, and `assessments.services.scoring.edits_from` turns entries into the edits a save merges.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError

from assessments.threeway import REASON, SCORE
from assessments.totals import ItemInfo
from assessments.validation import clean_reason, parse_score


@dataclass(frozen=True)
class Entry:
    score: Decimal | None
    reason: str = ""


def clean_entries(
    items: list[ItemInfo], raw: Mapping[int, tuple[Any, Any]]
) -> tuple[dict[int, Entry], dict[int, dict[str, str]]]:
    """Parse raw (score, reason) pairs per item id; errors per item id and field, in Chinese."""
    caps = {item.id: item.cap for item in items}
    entries: dict[int, Entry] = {}
    errors: dict[int, dict[str, str]] = {}
    for item_id, (raw_score, raw_reason) in raw.items():
        cap = caps[item_id]
        try:
            score = parse_score(raw_score, cap)
        except ValidationError as error:
            errors.setdefault(item_id, {})[SCORE] = error.messages[0]
            continue
        try:
            entries[item_id] = Entry(score, clean_reason(raw_reason, score, cap))
        except ValidationError as error:
            errors.setdefault(item_id, {})[REASON] = error.messages[0]
    return entries, errors
