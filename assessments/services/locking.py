"""Row locks for writes to a sheet, always taken in one order: the assessment, then the sheet.

Saves of different sheets of one assessment all rewrite its merged results, so they must wait
for each other (else one reads the other's scores before they commit, and both rewrite the same
result rows); and a save, a submit and an approval must never take the two locks in opposite
orders, or PostgreSQL breaks the deadlock by failing one of them.
"""

from __future__ import annotations

from assessments.models import Assessment, Sheet


def locked_sheet(sheet: Sheet) -> Sheet:
    """The sheet as it is now, its assessment (with round and edition) locked first, then itself."""
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related(
        "round", "round__indicator_system"
    ).get(pk=sheet.assessment_id)
    fresh = Sheet.objects.select_for_update(of=("self",)).select_related("evaluator").get(pk=sheet.pk)
    fresh.assessment = assessment
    return fresh
