"""Row locks for writes to a sheet, always taken in one order: the assessment, then the sheet.

Saves of different sheets of one assessment all rewrite its merged results, so they must wait
for each other (else one reads the other's scores before they commit, and both rewrite the same
result rows); and a save, a submit and an approval must never take the two locks in opposite
orders, or PostgreSQL breaks the deadlock by failing one of them.
"""

from __future__ import annotations

from assessments.models import Sheet
from assessments.models.scoring import mark_row_locked

# PostgreSQL locks the rows of a join in the order of FOR UPDATE OF's list (the query's row
# marks, taken in turn for each row it returns): the assessment first, then the sheet, in one
# round trip. SQLite has no row locks: the transaction's BEGIN IMMEDIATE holds the database.
LOCK_ORDER = ("assessment", "self")


def locked_sheet(sheet: Sheet) -> Sheet:
    """The sheet as it is now, with its assessment (with round and edition) and evaluator, both
    rows locked, the assessment's first; marked as locked for ScoreQuerySet's guard."""
    fresh = Sheet.objects.select_for_update(of=LOCK_ORDER).select_related(
        "assessment__round__indicator_system", "evaluator"
    ).get(pk=sheet.pk)
    mark_row_locked(fresh)
    return fresh
