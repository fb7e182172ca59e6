"""Reads of one assessment: its sheets, scores, evidence and history."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, prefetch_related_objects

from assessments.models import (
    Assessment,
    AuditAction,
    AuditEvent,
    CategoryResult,
    Evidence,
    ItemResult,
    Score,
    Sheet,
    SheetKind,
)
from assessments.threeway import REASON, SCORE, FieldKey
from indicators.models import Item
from orgs.scope import AnyUser


def assessment_sheets(assessment: Assessment) -> list[Sheet]:
    """The assessment's sheets with their evaluators: the reviews, the lead's first, then the self-assessment.

    Kept on the assessment (prefetched), so that the steps' own-review rule reads them rather than
    the database.
    """
    prefetch_related_objects([assessment], Prefetch(
        "sheets", queryset=Sheet.objects.select_related("evaluator").order_by("kind", "-is_lead", "pk")
    ))
    return list(assessment.sheets.all())


def sheet_as_stored(sheet: Sheet) -> Sheet:
    """The sheet read again, with its evaluator, as another save has left it (its version moved on)."""
    return Sheet.objects.select_related("evaluator").get(pk=sheet.pk)


def sheet_scores(sheet: Sheet) -> dict[int, Score]:
    """The sheet's score rows, by item id."""
    return {score.item_id: score for score in Score.objects.filter(sheet=sheet)}


def score_values(sheet: Sheet) -> dict[int, Decimal | None]:
    """The sheet's score of each item it holds, by item id (the reasons not read)."""
    return dict(Score.objects.filter(sheet=sheet).values_list("item_id", "score"))


def self_score_values(assessment: Assessment) -> dict[int, Decimal | None]:
    """`score_values` of the unit's self-assessment sheet, in one query (empty while it has none)."""
    rows = Score.objects.filter(sheet__assessment=assessment, sheet__kind=SheetKind.SELF)
    return dict(rows.values_list("item_id", "score"))


def self_sheet_of(assessment: Assessment) -> Sheet | None:
    """The unit's self-assessment sheet, if it has one yet."""
    return Sheet.objects.filter(assessment=assessment, kind=SheetKind.SELF).first()


def item_results(assessment: Assessment) -> dict[int, ItemResult]:
    """The merged result of each item of the assessment (score and the evaluators' spread), by item id."""
    return {result.item_id: result for result in ItemResult.objects.filter(assessment=assessment)}


def category_results(assessment: Assessment) -> dict[int, Decimal]:
    """The merged subtotal of each category of the assessment, by category id."""
    return dict(CategoryResult.objects.filter(assessment=assessment).values_list("category_id", "score"))


def evidence_by_item(assessment: Assessment) -> dict[int, list[Evidence]]:
    """The assessment's evidence files with their uploaders, grouped by item id."""
    grouped: dict[int, list[Evidence]] = {}
    for evidence in Evidence.objects.filter(assessment=assessment).select_related("uploaded_by"):
        grouped.setdefault(evidence.item_id, []).append(evidence)
    return grouped


def evidence_of_item(assessment: Assessment, item: Item) -> list[Evidence]:
    """The evidence files of one item of the assessment, with their uploaders."""
    return list(Evidence.objects.filter(assessment=assessment, item=item).select_related("uploaded_by"))


def evidence_counts(assessment: Assessment) -> dict[int, int]:
    """How many evidence files each item of the assessment has, by item id (items without any left out)."""
    return dict(
        Evidence.objects.filter(assessment=assessment).order_by().values("item_id")
        .annotate(n=Count("pk")).values_list("item_id", "n")
    )


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
    """The assessment's changes, newest first, with who made them and on which item and sheet."""
    return AuditEvent.objects.filter(assessment=assessment).select_related("actor", "item", "sheet__evaluator")


def history_without_reviews(assessment: Assessment, user: AnyUser) -> QuerySet[AuditEvent]:
    """The history less the evaluators' sheets and assignments, the user's own sheet kept.

    For whoever may not see the reviews (`visible_parts`): the unit reads neither the evaluators'
    scores nor who they are, here as on the round page.
    """
    return history(assessment).filter(
        Q(sheet__isnull=True) | Q(sheet__kind=SheetKind.SELF) | Q(sheet__evaluator_id=user.pk)
    ).exclude(action=AuditAction.ASSIGNMENT)
