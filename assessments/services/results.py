"""Merge the evaluators' sheets into the stored results of an assessment."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from assessments.merge import merge_scores, spread
from assessments.models import Assessment, CategoryResult, ItemResult, Score, SheetKind
from assessments.services.report_stats import assessment_changed, is_counted
from assessments.totals import ItemInfo, compute_totals

# One stored score of a review sheet: (item id, score, whether the sheet is the lead's).
ReviewScore = tuple[int, Decimal | None, bool]


def review_scores(assessment: Assessment) -> list[ReviewScore]:
    return list(
        Score.objects.filter(sheet__assessment=assessment, sheet__kind=SheetKind.REVIEW, score__isnull=False)
        .values_list("item_id", "score", "sheet__is_lead")
    )


def merged_items(method: str, items: list[ItemInfo], rows: Iterable[ReviewScore]) -> dict[int, tuple[Decimal, Decimal]]:
    """Each scored item's merged score and the evaluators' spread, by the round's method."""
    scores: dict[int, list[Decimal]] = {}
    leads: dict[int, Decimal] = {}
    for item_id, score, is_lead in rows:
        if score is None:
            continue
        scores.setdefault(item_id, []).append(score)
        if is_lead:
            leads[item_id] = score
    merged = {}
    for item in items:
        value = merge_scores(method, scores.get(item.id, []), leads.get(item.id))
        if value is not None:
            merged[item.id] = (value, spread(scores[item.id]))
    return merged


def recompute_results(
    assessment: Assessment, items: list[ItemInfo], *,
    scores: Iterable[ReviewScore] | None = None, previous: Iterable[ReviewScore] | None = None,
    report_stats: bool = True,
) -> None:
    """Rewrite the item, category and total results from the review sheets: read them (unless
    given), upsert the item and category rows, update the total.

    Runs inside the transaction that changed the scores, so results never lag behind them.
    `scores` are the review sheets' scores as they are now, if the caller already holds them
    (read under the assessment's lock); `previous`, the same before the change: results are
    upserted in place, and rows of items no longer scored are deleted only when `previous`
    says some existed (without it, a delete runs to be sure). So do the report aggregates when the
    assessment counts (submitted or approved); a draft's save costs them nothing.
    `report_stats=False` leaves them to a caller that repairs many at once.
    """
    counted_before = is_counted(assessment)
    method = assessment.round.merge_method
    merged = merged_items(method, items, review_scores(assessment) if scores is None else scores)
    before = None if previous is None else set(merged_items(method, items, previous))
    totals = compute_totals(items, {item_id: value for item_id, (value, _) in merged.items()})
    if before is None or before - set(merged):
        ItemResult.objects.filter(assessment=assessment).exclude(item_id__in=list(merged)).delete()
    if merged:
        ItemResult.objects.bulk_create(
            [
                ItemResult(
                    assessment=assessment, item_id=item.id, score=merged[item.id][0], cap=item.cap,
                    spread=merged[item.id][1],
                )
                for item in items if item.id in merged
            ],
            update_conflicts=True, unique_fields=["assessment", "item"], update_fields=["score", "cap", "spread"],
        )
        CategoryResult.objects.bulk_create(
            [
                CategoryResult(
                    assessment=assessment, category_id=category_id, score=score,
                    cap=totals.cap_by_category[category_id],
                )
                for category_id, score in totals.by_category.items()
            ],
            update_conflicts=True, unique_fields=["assessment", "category"], update_fields=["score", "cap"],
        )
    elif before is None or before:
        CategoryResult.objects.filter(assessment=assessment).delete()
    assessment.total = totals.total if merged else None
    Assessment.objects.filter(pk=assessment.pk).update(total=assessment.total)
    if report_stats:
        assessment_changed(assessment, counted_before=counted_before)
