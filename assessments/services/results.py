"""Merge the evaluators' sheets into the stored results of an assessment."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from assessments.merge import merge_scores, spread
from assessments.models import Assessment, CategoryResult, ItemResult, Score, SheetKind
from assessments.services.report_stats import assessment_changed, is_counted
from assessments.totals import ItemInfo, compute_totals


def recompute_results(assessment: Assessment, items: list[ItemInfo], *, report_stats: bool = True) -> None:
    """Rewrite the item, category and total results from the review sheets, in five queries.

    Runs inside the transaction that changed the scores, so results never lag behind them. So do
    the report aggregates when the assessment counts (submitted or approved); a draft's save
    costs them nothing. `report_stats=False` leaves them to a caller that repairs many at once.
    """
    counted_before = is_counted(assessment)
    scores: dict[int, list[Decimal]] = {}
    leads: dict[int, Decimal] = {}
    rows = Score.objects.filter(
        sheet__assessment=assessment, sheet__kind=SheetKind.REVIEW, score__isnull=False
    ).values_list("item_id", "score", "sheet__is_lead")
    for item_id, stored, is_lead in rows:
        score = cast(Decimal, stored)  # score__isnull=False above
        scores.setdefault(item_id, []).append(score)
        if is_lead:
            leads[item_id] = score
    method = assessment.round.merge_method
    merged: dict[int, Decimal] = {}
    item_results = []
    for item in items:
        value = merge_scores(method, scores.get(item.id, []), leads.get(item.id))
        if value is None:
            continue
        merged[item.id] = value
        item_results.append(
            ItemResult(assessment=assessment, item_id=item.id, score=value, cap=item.cap, spread=spread(scores[item.id]))
        )
    totals = compute_totals(items, merged)
    ItemResult.objects.filter(assessment=assessment).delete()
    ItemResult.objects.bulk_create(item_results)
    CategoryResult.objects.filter(assessment=assessment).delete()
    if merged:
        CategoryResult.objects.bulk_create(
            CategoryResult(
                assessment=assessment, category_id=category_id, score=score,
                cap=totals.cap_by_category[category_id],
            )
            for category_id, score in totals.by_category.items()
        )
    assessment.total = totals.total if merged else None
    Assessment.objects.filter(pk=assessment.pk).update(total=assessment.total)
    if report_stats:
        assessment_changed(assessment, counted_before=counted_before)
