"""Saving a score sheet: merge against the user's base, write it all or nothing, record every change.

The merge rule itself is `assessments.threeway`; this module applies it under the sheet's row
lock, checks the merged items by the form's rules, and writes scores, history and totals in one
transaction. The form, the Excel upload and any future API call all save through `sheet_save`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import Step, ensure_step
from assessments.entries import Entry
from assessments.models import Assessment, AuditAction, AuditEvent, Score, Sheet, SheetKind
from assessments.selectors.assessment import last_changes
from assessments.selectors.outline import save_inputs
from assessments.services.locking import locked_sheet
from assessments.services.results import recompute_results
from assessments.threeway import REASON, SCORE, Edit, FieldKey, Value, canonical, merge, same
from assessments.totals import compute_totals
from assessments.validation import clean_reason, parse_score
from common.people import display_name
from indicators.points import format_points

_ACTION = {SCORE: AuditAction.SCORE, REASON: AuditAction.REASON}
Stored = tuple["Decimal | None", str]  # an item's score and reason on the sheet


@dataclass(frozen=True)
class OtherChange:
    """A field someone else changed after the user loaded the sheet: what it is now, who, when."""

    key: FieldKey
    value: Value
    by: Any = None
    at: datetime | None = None

    @property
    def who(self) -> str:
        return display_name(self.by)


@dataclass(frozen=True)
class FieldConflict:
    key: FieldKey
    base: Any
    mine: Value
    theirs: OtherChange


class SheetConflict(Exception):
    """Someone else changed a field this save changed too; nothing was saved."""

    def __init__(self, conflicts: list[FieldConflict], others: dict[FieldKey, OtherChange], version: int) -> None:
        super().__init__(f"{len(conflicts)} conflicting fields; sheet at version {version}")
        self.conflicts = conflicts
        self.others = others
        self.version = version


@dataclass(frozen=True)
class SaveResult:
    sheet: Sheet
    written: list[FieldKey]
    kept: list[OtherChange]  # others' changes the save left as they were


def stored_values(sheet: Sheet) -> dict[FieldKey, Value]:
    """The sheet's fields as they are stored now: what a page or template is loaded with."""
    return values_of(Score.objects.filter(sheet=sheet).values_list("item_id", "score", "reason"))


def values_of(rows: Iterable[tuple[int, Decimal | None, str]]) -> dict[FieldKey, Value]:
    values: dict[FieldKey, Value] = {}
    for item_id, score, reason in rows:
        values[(item_id, SCORE)], values[(item_id, REASON)] = score, reason
    return values


def edits_from(entries: Mapping[int, Entry], base: Mapping[FieldKey, Value]) -> dict[FieldKey, Edit]:
    """Entries typed over `base` (the values the user loaded) as field edits."""
    edits = {}
    for item_id, entry in entries.items():
        edits[(item_id, SCORE)] = Edit(base.get((item_id, SCORE)), entry.score)
        edits[(item_id, REASON)] = Edit(base.get((item_id, REASON), ""), entry.reason)
    return edits


def _invalid_items(writes: Mapping[FieldKey, Value], current: Mapping[FieldKey, Value],
                   caps: Mapping[int, Decimal]) -> list[int]:
    """Items whose score and reason, once merged, break the form's rules (say: the user lowered
    the score while someone else emptied its reason)."""
    bad = []
    for item_id in sorted({item_id for item_id, _ in writes}):
        score = writes.get((item_id, SCORE), current.get((item_id, SCORE)))
        reason = writes.get((item_id, REASON), current.get((item_id, REASON), ""))
        try:
            parse_score(score, caps[item_id])
            clean_reason(reason, cast("Decimal | None", score), caps[item_id])  # what SCORE keys hold
        except ValidationError:
            bad.append(item_id)
    return bad


@transaction.atomic
def sheet_save(
    *, sheet: Sheet, user: Any, edits: Mapping[FieldKey, Edit], base_version: int | None = None, note: str = ""
) -> SaveResult:
    """Merge the user's edits into the sheet (see `assessments.threeway`) and write them.

    Raises SheetConflict, writing nothing, when a field was changed by the user and by someone
    else since the user's base; ValidationError for edits the form would refuse.
    Eight queries for a review sheet, whatever the number of items written: lock, read, scores,
    history, sheet, item and category results, total (six for a self-assessment).
    """
    sheet = locked_sheet(sheet)
    ensure_step(user, sheet.assessment, Step.SAVE, sheet=sheet)
    inputs = save_inputs(sheet)
    items = inputs.items
    caps = {item.id: item.cap for item in items}
    if {item_id for item_id, _ in edits} - set(caps):
        raise ValidationError("edits for items outside the sheet's edition")
    existing = {row.item_id: (row.score, row.reason) for row in inputs.rows if row.sheet_id == sheet.pk}
    current = values_of((item_id, score, reason) for item_id, (score, reason) in existing.items())
    result = merge(edits, current)
    conflicts = list(result.conflicts)
    if not conflicts:
        for item_id in _invalid_items(result.writes, current, caps):
            own = [key for key in result.others if key[0] == item_id]
            if not own:
                # Defence in depth: the same rules as the form, for callers that skipped it.
                raise ValidationError(f"edits of item {item_id} break the scoring rules")
            conflicts += own
    attribution = last_changes(sheet, result.others, since_version=base_version) if result.others else {}
    others = {
        key: OtherChange(key, current.get(key), *attribution.get(key, (None, None))) for key in result.others
    }
    if conflicts:
        raise SheetConflict(
            [FieldConflict(key, edits[key].base, edits[key].value, others[key]) for key in conflicts],
            others, sheet.version,
        )
    # Others' changes the user's save leaves in place; one the user made too is no news to them.
    kept = [
        change for key, change in others.items()
        if key not in result.writes and not same(edits[key].value, change.value)
    ]
    if not result.writes:
        return SaveResult(sheet, [], kept)
    written = _write(sheet, user, result.writes, existing, caps, note)
    totals = compute_totals(items, {item_id: score for item_id, (score, _) in written.items()})
    sheet.total, sheet.scored_count = totals.total, totals.scored
    sheet.save(update_fields=["version", "total", "scored_count", "updated_at"])
    if sheet.kind == SheetKind.REVIEW:
        before = [(row.item_id, row.score, row.is_lead) for row in inputs.rows]
        others_rows = [(row.item_id, row.score, row.is_lead) for row in inputs.rows if row.sheet_id != sheet.pk]
        now = others_rows + [(item_id, score, sheet.is_lead) for item_id, (score, _) in written.items()]
        recompute_results(sheet.assessment, items, scores=now, previous=before)
    else:
        Assessment.objects.filter(pk=sheet.assessment_id).update(self_total=totals.total)
    return SaveResult(sheet, sorted(result.writes), kept)


def _text(key: FieldKey, value: object) -> str:
    if key[1] == SCORE:
        return "" if value is None else format_points(value)
    return str(value or "")


def _write(sheet: Sheet, user: Any, writes: Mapping[FieldKey, Value], existing: Mapping[int, Stored],
           caps: Mapping[int, Decimal], note: str) -> dict[int, Stored]:
    """The merged fields into their rows (one upsert), one history row a field; bumps the
    sheet's version. Answers the sheet's rows as they now are."""
    sheet.version += 1
    now = timezone.now()
    rows: dict[int, Stored] = dict(existing)
    upserts, events = [], []
    for item_id in sorted({item_id for item_id, _ in writes}):
        score, reason = rows.get(item_id, (None, ""))
        for field in (SCORE, REASON):
            key = (item_id, field)
            if key not in writes:
                continue
            old = score if field == SCORE else reason
            new = writes[key] if field == SCORE else canonical(writes[key] or "")
            if field == SCORE:
                score = cast("Decimal | None", new)
            else:
                reason = cast(str, new)
            events.append(AuditEvent(
                assessment_id=sheet.assessment_id, sheet=sheet, item_id=item_id, actor=user, at=now, note=note,
                sheet_version=sheet.version, action=_ACTION[field], old=_text(key, old), new=_text(key, new),
            ))
        rows[item_id] = (score, reason)
        upserts.append(Score(
            sheet=sheet, item_id=item_id, cap=caps[item_id], score=score, reason=reason, updated_by=user, updated_at=now,
        ))
    # One statement for new and changed rows alike: bulk_update's CASE per column cost more than
    # the rest of the save. The rows were read under the sheet's lock, so their other fields are current.
    Score.objects.bulk_create(
        upserts, locked=sheet, update_conflicts=True, unique_fields=["sheet", "item"],
        update_fields=["score", "reason", "updated_by", "updated_at"],
    )
    AuditEvent.objects.bulk_create(events)
    return rows
