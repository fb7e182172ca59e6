"""Reads of one assessment: its sheets, scores, evidence and history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from assessments.models import Assessment, AuditAction, AuditEvent, Evidence, Score, Sheet, SheetKind
from assessments.threeway import REASON, SCORE, FieldKey


def sheet_scores(sheet: Sheet) -> dict[int, Score]:
    return {score.item_id: score for score in Score.objects.filter(sheet=sheet)}


def self_sheet_of(assessment: Assessment) -> Sheet | None:
    return Sheet.objects.filter(assessment=assessment, kind=SheetKind.SELF).first()


def evidence_by_item(assessment: Assessment) -> dict[int, list[Evidence]]:
    grouped: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(assessment=assessment).select_related("uploaded_by"):
        grouped.setdefault(evidence.item_id, []).append(evidence)
    return grouped


def review_scores_by_item(assessment: Assessment) -> dict[int, list[tuple[Sheet, Decimal | None]]]:
    """Every evaluator's score of every item of the assessment, in one query."""
    grouped: dict[int, list[tuple[Sheet, Decimal | None]]] = {}
    rows = Score.objects.filter(sheet__assessment=assessment, sheet__kind=SheetKind.REVIEW).select_related(
        "sheet", "sheet__evaluator"
    )
    for row in rows:
        grouped.setdefault(row.item_id, []).append((row.sheet, row.score))
    return grouped


def last_changes(
    sheet: Sheet, keys: Iterable[FieldKey], *, since_version: int | None = None
) -> dict[FieldKey, tuple[Any, datetime]]:
    """Who last changed each of the fields, and when, from the history (one query)."""
    keys = set(keys)
    field_of: dict[str, str] = {AuditAction.SCORE: SCORE, AuditAction.REASON: REASON}
    events = AuditEvent.objects.filter(
        sheet=sheet, item_id__in={item_id for item_id, _ in keys}, action__in=list(field_of)
    ).select_related("actor").order_by("at", "id")
    if since_version is not None:
        events = events.filter(sheet_version__gt=since_version)
    found = {}
    for event in events:
        key = (event.item_id, field_of[event.action])
        if key in keys:
            found[key] = (event.actor, event.at)
    return found


def history(assessment: Assessment) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(assessment=assessment).select_related("actor", "item", "sheet__evaluator")
