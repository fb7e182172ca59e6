"""Floors for `manage.py bench`: the least a page's job can cost, written by hand in plain SQL.

Each floor reads (or writes) what its page shows, in as few statements as a person writing the
query for that one screen would use, with no ORM, no templates and no access checks; the bench
times it interleaved with its page, so the ratio says what the application adds. Where the
application stores a derived figure (totals, category and item results, the report aggregates of
each subtree) the floor reads it.

Only quoted identifiers of the models are spliced into the SQL; every value goes as a parameter.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models

from assessments.models import (
    Assessment,
    CategoryResult,
    ItemResult,
    ReportStat,
    Round,
    Score,
    Sheet,
)
from assessments.models.stats import StatKind
from indicators.models import Category, Item
from orgs.models import Organization

PAGE = 50
APPROVED = "approved"


def _t(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _run(sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _in(values: Sequence[Any]) -> str:
    return ", ".join(["%s"] * len(values))


def ranking(round_id: int, offset: int) -> None:
    """Count, then one page of stored totals ranked by a window function at that OFFSET."""
    a, o = _t(Assessment), _t(Organization)
    _run(f"SELECT COUNT(*) FROM {a} WHERE round_id = %s AND state = %s", [round_id, APPROVED])  # noqa: S608
    _run(
        f"SELECT r.id, o.code, o.name, o.type, r.total, r.rank FROM ("  # noqa: S608
        f" SELECT id, organization_id, total, RANK() OVER (ORDER BY total DESC) AS rank"
        f" FROM {a} WHERE round_id = %s AND state = %s) r"
        f" JOIN {o} o ON o.id = r.organization_id ORDER BY r.rank, o.path LIMIT %s OFFSET %s",
        [round_id, APPROVED, PAGE, offset],
    )


def compare(assessment_ids: Sequence[int]) -> None:
    """The chosen assessments with their organizations, category results and item results."""
    a, o = _t(Assessment), _t(Organization)
    marks = _in(assessment_ids)
    _run(f"SELECT a.id, a.total, a.max_total, o.code, o.name FROM {a} a JOIN {o} o ON o.id = a.organization_id"  # noqa: S608
         f" WHERE a.id IN ({marks})", assessment_ids)
    _run(f"SELECT assessment_id, category_id, score, cap FROM {_t(CategoryResult)} WHERE assessment_id IN ({marks})",  # noqa: S608
         assessment_ids)
    _run(f"SELECT assessment_id, item_id, score, cap FROM {_t(ItemResult)} WHERE assessment_id IN ({marks})",  # noqa: S608
         assessment_ids)


def trend(organization: Organization) -> None:
    """Its rank among its peers (same type and depth) in each round, its totals and categories."""
    a, o, r = _t(Assessment), _t(Organization), _t(Round)
    _run(
        f"SELECT round_id, rank, peers FROM ("  # noqa: S608
        f" SELECT a.round_id, a.organization_id,"
        f" RANK() OVER (PARTITION BY a.round_id ORDER BY a.total DESC) AS rank,"
        f" COUNT(*) OVER (PARTITION BY a.round_id) AS peers"
        f" FROM {a} a JOIN {o} o ON o.id = a.organization_id"
        f" WHERE a.state = %s AND o.type = %s AND o.depth = %s"
        f" AND a.round_id IN (SELECT round_id FROM {a} WHERE organization_id = %s AND state = %s)) p"
        f" WHERE organization_id = %s",
        [APPROVED, organization.type, organization.depth, organization.pk, APPROVED, organization.pk],
    )
    rows = _run(f"SELECT a.id, r.year, a.total, a.max_total FROM {a} a JOIN {r} r ON r.id = a.round_id"  # noqa: S608
                f" WHERE a.organization_id = %s AND a.state = %s ORDER BY r.year", [organization.pk, APPROVED])
    ids = [row[0] for row in rows]
    if ids:
        _run(f"SELECT assessment_id, category_id, score, cap FROM {_t(CategoryResult)}"  # noqa: S608
             f" WHERE assessment_id IN ({_in(ids)})", ids)


def _stored(round_id: int, organization_ids: Sequence[int], kinds: Sequence[int]) -> list[tuple[Any, ...]]:
    """The stored figures below some organizations (assessments.models.stats), as the pages read them."""
    st = _t(ReportStat)
    return _run(f"SELECT organization_id, kind, key, count, sum, minimum, maximum, cap FROM {st}"  # noqa: S608
                f" WHERE round_id = %s AND \"group\" = %s AND organization_id IN ({_in(organization_ids)})"
                f" AND kind IN ({_in(kinds)})", [round_id, APPROVED, *organization_ids, *kinds])


def rollup(round_id: int, root: Organization) -> None:
    """The root's stored figures below it (summary, categories, histogram), then one page of its
    direct children: their stored figures and their own totals."""
    a, o = _t(Assessment), _t(Organization)
    _stored(round_id, [root.pk], [StatKind.TOTAL, StatKind.CATEGORY, StatKind.BIN])
    children = _run(f"SELECT id FROM {o} WHERE path LIKE %s AND depth = %s ORDER BY path LIMIT %s",  # noqa: S608
                    [root.path + "_%", root.depth + 1, PAGE])
    ids = [row[0] for row in children]
    if ids:
        _stored(round_id, ids, [StatKind.TOTAL])
        _run(f"SELECT organization_id, total FROM {a} WHERE round_id = %s AND state = %s"  # noqa: S608
             f" AND organization_id IN ({_in(ids)})", [round_id, APPROVED, *ids])


def weak(round_id: int, root: Organization) -> None:
    """The root's stored item and category figures plus its own results, then one heatmap page of
    category results."""
    a, o, c, i = _t(Assessment), _t(Organization), _t(CategoryResult), _t(ItemResult)
    _stored(round_id, [root.pk], [StatKind.TOTAL, StatKind.CATEGORY, StatKind.ITEM])
    _run(f"SELECT r.item_id, r.score FROM {i} r JOIN {a} a ON a.id = r.assessment_id"  # noqa: S608
         f" WHERE a.round_id = %s AND a.state = %s AND a.organization_id = %s", [round_id, APPROVED, root.pk])
    page = _run(f"SELECT a.id, o.name FROM {a} a JOIN {o} o ON o.id = a.organization_id"  # noqa: S608
                f" WHERE a.round_id = %s AND a.state = %s AND o.path LIKE %s ORDER BY o.path LIMIT %s",
                [round_id, APPROVED, root.path + "%", PAGE])
    ids = [row[0] for row in page]
    if ids:
        _run(f"SELECT assessment_id, category_id, score, cap FROM {c} WHERE assessment_id IN ({_in(ids)})", ids)  # noqa: S608


def tree() -> None:
    """The scope's roots (the city for an admin) and their children, one page."""
    o = _t(Organization)
    _run(f"SELECT COUNT(*) FROM {o} WHERE depth = 1")  # noqa: S608
    _run(f"SELECT id, code, name, type, path, numchild FROM {o} WHERE depth = 1 ORDER BY path LIMIT %s", [PAGE])  # noqa: S608


def search(text: str) -> None:
    """Names containing the text, one page, with each row's ancestors for its breadcrumbs."""
    o = _t(Organization)
    pattern = f"%{text}%"
    _run(f"SELECT COUNT(*) FROM {o} WHERE name LIKE %s", [pattern])  # noqa: S608
    rows = _run(f"SELECT path FROM {o} WHERE name LIKE %s ORDER BY path LIMIT %s", [pattern, PAGE])  # noqa: S608
    step = Organization.steplen
    prefixes = sorted({path[:end] for (path,) in rows for end in range(step, len(path), step)})
    if prefixes:
        _run(f"SELECT path, code, name FROM {o} WHERE path IN ({_in(prefixes)})", prefixes)  # noqa: S608


def my_work(user_id: int) -> None:
    """The user's waiting review sheets in open rounds, one page, with their count."""
    s, a, o, r = _t(Sheet), _t(Assessment), _t(Organization), _t(Round)
    where = "s.evaluator_id = %s AND r.state = %s AND s.state IN (%s, %s)"
    params = [user_id, "open", "draft", "returned"]
    joins = f"{s} s JOIN {a} a ON a.id = s.assessment_id JOIN {r} r ON r.id = a.round_id"
    _run(f"SELECT COUNT(*), MIN(r.deadline) FROM {joins} WHERE {where}", params)  # noqa: S608
    _run(f"SELECT s.id, s.state, s.scored_count, a.id, o.name, r.title, r.deadline FROM {joins}"  # noqa: S608
         f" JOIN {o} o ON o.id = a.organization_id WHERE {where} ORDER BY r.deadline, o.path LIMIT %s", [*params, PAGE])


def sheet_get(sheet: Sheet, self_sheet_id: int | None) -> None:
    """The outline (categories and items), the sheet's scores and the unit's own scores."""
    i, c, sc = _t(Item), _t(Category), _t(Score)
    _run(f"SELECT c.id, c.number, c.name, i.id, i.number, i.name, i.standard, i.cap FROM {c} c"  # noqa: S608
         f" JOIN {i} i ON i.category_id = c.id WHERE c.system_id = %s ORDER BY c.number, i.number",
         [sheet.assessment.round.indicator_system_id])
    _run(f"SELECT item_id, score, reason, updated_at FROM {sc} WHERE sheet_id = %s", [sheet.pk])  # noqa: S608
    if self_sheet_id is not None:
        _run(f"SELECT item_id, score FROM {sc} WHERE sheet_id = %s", [self_sheet_id])  # noqa: S608

