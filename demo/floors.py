"""Floors for `manage.py bench`: the same work as a job of the app, written by hand, measured beside it.

A score sheet's save: `save_edits` prepares, outside the timing, edits that change every item
of a sheet; `save_app` runs them through `sheet_save`; `save_floor` does that save's work in one
hand-written transaction of 11 statements (BEGIN, lock the assessment, lock the sheet, read, upsert
the scores, the history rows, the sheet's totals, the item results, the category results, the
assessment's total, COMMIT), the merged results aggregated by the database. Each toggles every item
of the sheet between full marks and none (with a reason), so the two can be interleaved on one sheet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.entries import Entry
from assessments.models import Sheet
from assessments.selectors.outline import outline_items
from assessments.services import edits_from, sheet_save, stored_values
from assessments.threeway import SCORE, Edit, FieldKey
from common.queries import data_statements
from demo.bulk_sql import db_datetime, db_decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class SaveCase:
    sheet: Sheet
    user: Any
    edits: Mapping[FieldKey, Edit]
    version: int


def save_edits(sheet_pk: int, n: int = 0) -> SaveCase:
    """Edits of every item of the sheet away from what it holds now (full marks ↔ none, with a reason)."""
    sheet = Sheet.objects.select_related("assessment__round__indicator_system", "evaluator").get(pk=sheet_pk)
    base = stored_values(sheet)
    entries = {}
    for item in outline_items(sheet.assessment.round.indicator_system):
        full = base.get((item.id, SCORE)) == item.cap
        entries[item.id] = Entry(ZERO, f"测量扣分{n}") if full else Entry(item.cap, "")
    return SaveCase(sheet, sheet.evaluator, edits_from(entries, base), sheet.version)


def save_app(case: SaveCase) -> None:
    """The app's save of the prepared edits, as the score page's POST runs it."""
    sheet_save(sheet=case.sheet, user=case.user, edits=case.edits, base_version=case.version)


def save_statements(case: SaveCase) -> int:
    """The app's save, counted (`common.queries.data_statements`); the capture slows it, so time `save_app`."""
    with CaptureQueriesContext(connection) as queries:
        save_app(case)
    return len(data_statements(queries.captured_queries))


def save_floor(*, sheet_pk: int, user_pk: int, n: int = 0) -> int:
    """The save's work in one raw transaction; answers its data statements (9, BEGIN and COMMIT aside)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    now = db_datetime(timezone.now())
    # Spliced into the SQL: a constant lock clause and rows of placeholders; values go as parameters.
    executed = []
    with transaction.atomic(), connection.cursor() as cursor:
        def run(sql: str, params: list[Any]) -> None:
            cursor.execute(sql, params)
            executed.append(sql)

        run(
            "SELECT a.id, r.indicator_system_id FROM assessments_assessment a"  # noqa: S608
            " JOIN assessments_round r ON r.id = a.round_id"
            f" WHERE a.id = (SELECT assessment_id FROM assessments_sheet WHERE id = %s){lock}",
            [sheet_pk],
        )
        assessment_id, system_id = cursor.fetchone()
        run(f"SELECT version FROM assessments_sheet WHERE id = %s{lock}", [sheet_pk])  # noqa: S608
        version = cursor.fetchone()[0] + 1
        run(
            "SELECT i.id, i.cap, s.score, s.reason FROM indicators_item i"
            " LEFT JOIN assessments_score s ON s.item_id = i.id AND s.sheet_id = %s WHERE i.system_id = %s",
            [sheet_pk, system_id],
        )
        scores, events, total = [], [], ZERO
        for item_id, cap, old_score, old_reason in cursor.fetchall():
            cap = Decimal(str(cap))
            full = old_score is not None and Decimal(str(old_score)) == cap
            score, reason = (ZERO, f"底线扣分{n}") if full else (cap, "")
            total += score
            scores.append((sheet_pk, item_id, db_decimal(cap), db_decimal(score), reason, now, user_pk))
            events.append((assessment_id, sheet_pk, item_id, user_pk, now, "score", str(old_score or ""), str(score), "", version))
            events.append((assessment_id, sheet_pk, item_id, user_pk, now, "reason", old_reason or "", reason, "", version))
        row = "(" + ", ".join(["%s"] * 7) + ")"
        run(
            "INSERT INTO assessments_score (sheet_id, item_id, cap, score, reason, updated_at, updated_by_id)"  # noqa: S608
            f" VALUES {', '.join([row] * len(scores))} ON CONFLICT (sheet_id, item_id) DO UPDATE SET"
            " score = excluded.score, reason = excluded.reason, updated_at = excluded.updated_at,"
            " updated_by_id = excluded.updated_by_id",
            [value for values in scores for value in values],
        )
        row = "(" + ", ".join(["%s"] * 10) + ")"
        run(
            "INSERT INTO assessments_auditevent (assessment_id, sheet_id, item_id, actor_id, at, action, old, new,"  # noqa: S608
            f" note, sheet_version) VALUES {', '.join([row] * len(events))}",
            [value for values in events for value in values],
        )
        run(
            "UPDATE assessments_sheet SET version = %s, total = %s, scored_count = %s, updated_at = %s WHERE id = %s",
            [version, db_decimal(total), len(scores), now, sheet_pk],
        )
        # WHERE before GROUP BY and ON CONFLICT: SQLite's parser needs it to tell the upsert from a join.
        run(
            "INSERT INTO assessments_itemresult (assessment_id, item_id, score, cap, spread)"
            " SELECT sh.assessment_id, s.item_id, ROUND(AVG(s.score), 2), MAX(s.cap), MAX(s.score) - MIN(s.score)"
            " FROM assessments_score s JOIN assessments_sheet sh ON sh.id = s.sheet_id"
            " WHERE sh.assessment_id = %s AND sh.kind = 'review' AND s.score IS NOT NULL"
            " GROUP BY sh.assessment_id, s.item_id"
            " ON CONFLICT (assessment_id, item_id) DO UPDATE SET score = excluded.score, spread = excluded.spread",
            [assessment_id],
        )
        run(
            "INSERT INTO assessments_categoryresult (assessment_id, category_id, score, cap)"
            " SELECT ir.assessment_id, i.category_id, SUM(ir.score), SUM(ir.cap)"
            " FROM assessments_itemresult ir JOIN indicators_item i ON i.id = ir.item_id"
            " WHERE ir.assessment_id = %s GROUP BY ir.assessment_id, i.category_id"
            " ON CONFLICT (assessment_id, category_id) DO UPDATE SET score = excluded.score",
            [assessment_id],
        )
        run(
            "UPDATE assessments_assessment SET total ="
            " (SELECT SUM(score) FROM assessments_itemresult WHERE assessment_id = %s) WHERE id = %s",
            [assessment_id, assessment_id],
        )
    return len(executed)
