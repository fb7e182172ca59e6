"""Saving a score sheet: validate everything, write it all or nothing, record every change."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from assessments.access import ensure_can_edit_sheet
from assessments.models import Assessment, AuditAction, AuditEvent, Score, Sheet, SheetKind
from assessments.selectors import outline_items
from assessments.services.results import recompute_results
from assessments.totals import ItemInfo, compute_totals
from assessments.validation import clean_reason, parse_score
from indicators.points import format_points


@dataclass(frozen=True)
class Entry:
    score: Decimal | None
    reason: str = ""


class ConcurrentEdit(Exception):
    """The sheet changed after the form was loaded; nothing was saved."""

    def __init__(self, changes: list[AuditEvent], current_version: int) -> None:
        super().__init__(f"sheet is at version {current_version}")
        self.changes = changes
        self.current_version = current_version


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
            errors.setdefault(item_id, {})["score"] = error.messages[0]
            continue
        try:
            entries[item_id] = Entry(score, clean_reason(raw_reason, score, cap))
        except ValidationError as error:
            errors.setdefault(item_id, {})["reason"] = error.messages[0]
    return entries, errors


def changes_since(sheet: Sheet, version: int) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(sheet=sheet, sheet_version__gt=version)
        .select_related("actor", "item")
        .order_by("at", "id")
    )


def _text(score: Decimal | None) -> str:
    return "" if score is None else format_points(score)


@transaction.atomic
def sheet_save(
    *, sheet: Sheet, user: Any, entries: Mapping[int, Entry], base_version: int, note: str = ""
) -> Sheet:
    """Write the entries to the sheet if it is still at `base_version`; raise ConcurrentEdit if not."""
    sheet = Sheet.objects.select_for_update(of=("self",)).select_related(
        "assessment", "assessment__round", "assessment__round__indicator_system"
    ).get(pk=sheet.pk)
    ensure_can_edit_sheet(user, sheet)
    if sheet.version != base_version:
        raise ConcurrentEdit(changes_since(sheet, base_version), sheet.version)
    items = outline_items(sheet.assessment.round.indicator_system)
    caps = {item.id: item.cap for item in items}
    if set(entries) - set(caps):
        raise ValidationError("entries for items outside the sheet's edition")
    # Defence in depth: the same rules as the form, for callers that skipped it; what they
    # produce is what is stored (a reason's newlines normalised, its direction controls removed).
    entries = {
        item_id: Entry(parse_score(entry.score, caps[item_id]), clean_reason(entry.reason, entry.score, caps[item_id]))
        for item_id, entry in entries.items()
    }

    existing = {score.item_id: score for score in Score.objects.filter(sheet=sheet)}
    version = sheet.version + 1
    now = timezone.now()
    created, updated, events = [], [], []
    for item_id, entry in entries.items():
        row = existing.get(item_id)
        old_score, old_reason = (row.score, row.reason) if row else (None, "")
        if old_score == entry.score and old_reason == entry.reason:
            continue
        if row is None:
            row = Score(sheet=sheet, item_id=item_id, cap=caps[item_id])
            existing[item_id] = row
            created.append(row)
        else:
            updated.append(row)
        row.score, row.reason, row.updated_by, row.updated_at = entry.score, entry.reason, user, now
        common = {"assessment_id": sheet.assessment_id, "sheet": sheet, "item_id": item_id, "actor": user,
                  "at": now, "note": note, "sheet_version": version}
        if old_score != entry.score:
            events.append(AuditEvent(action=AuditAction.SCORE, old=_text(old_score), new=_text(entry.score), **common))
        if old_reason != entry.reason:
            events.append(AuditEvent(action=AuditAction.REASON, old=old_reason, new=entry.reason, **common))
    if not events:
        return sheet

    Score.objects.bulk_create(created)
    if updated:
        Score.objects.bulk_update(updated, ["score", "reason", "updated_by", "updated_at"])
    AuditEvent.objects.bulk_create(events)
    totals = compute_totals(items, {item_id: row.score for item_id, row in existing.items()})
    sheet.version, sheet.total, sheet.scored_count = version, totals.total, totals.scored
    sheet.save(update_fields=["version", "total", "scored_count", "updated_at"])
    assessment = sheet.assessment
    if sheet.kind == SheetKind.REVIEW:
        recompute_results(assessment, items)
    else:
        Assessment.objects.filter(pk=assessment.pk).update(self_total=totals.total)
    return sheet
