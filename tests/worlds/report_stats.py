"""The oracle of the stored report aggregates: direct SQL over every counted result, each
organization's strict descendants joined by path, with no stored row read."""

from __future__ import annotations

import math
from decimal import Decimal

from assessments.models import ReportStat, StatKind
from tests.worlds.base import direct_sql

CENT = Decimal("0.01")
Figures = tuple[int, Decimal, Decimal, Decimal, Decimal]

_BELOW = (
    "FROM assessments_assessment a JOIN orgs_organization o ON o.id = a.organization_id "
    "JOIN orgs_organization anc ON o.path LIKE anc.path || '%%' AND o.depth > anc.depth "
)
_COUNTED = "WHERE a.round_id = %s AND a.state IN ('approved', 'submitted') AND a.total IS NOT NULL "


def _exact(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


def direct_aggregates(round_id: int) -> dict[tuple[int, str, int, int], Figures]:
    """(organization, state, kind, key) → (count, sum, min, max, cap) of its descendants."""
    found: dict[tuple[int, str, int, int], Figures] = {}
    for table, column, kind in (("assessments_itemresult", "item_id", StatKind.ITEM),
                                ("assessments_categoryresult", "category_id", StatKind.CATEGORY)):
        rows = direct_sql(
            f"SELECT anc.id, a.state, r.{column}, COUNT(*), SUM(r.score), MIN(r.score), MAX(r.score), MAX(r.cap) "
            f"FROM {table} r JOIN assessments_assessment a ON a.id = r.assessment_id "
            "JOIN orgs_organization o ON o.id = a.organization_id "
            "JOIN orgs_organization anc ON o.path LIKE anc.path || '%%' AND o.depth > anc.depth "
            f"{_COUNTED} GROUP BY anc.id, a.state, r.{column}",
            [round_id],
        )
        for org, state, key, n, s, lo, hi, cap in rows:
            found[org, state, int(kind), key] = (n, _exact(s), _exact(lo), _exact(hi), _exact(cap))
    # The totals row by row, binned here: ⌊total ÷ 5⌋ written once more, independently.
    for org, state, total, cap in direct_sql(f"SELECT anc.id, a.state, a.total, a.max_total {_BELOW} {_COUNTED}",
                                             [round_id]):
        total, cap = _exact(total), _exact(cap)
        for kind, key in ((StatKind.TOTAL, 0), (StatKind.BIN, math.floor(total / 5))):
            n, s, lo, hi, top = found.get((org, state, int(kind), key), (0, Decimal(0), total, total, cap))
            found[org, state, int(kind), key] = (n + 1, s + total, min(lo, total), max(hi, total), max(top, cap))
    return found


def stored_aggregates(round_id: int) -> dict[tuple[int, str, int, int], Figures]:
    return {
        (row.organization_id, row.group, row.kind, row.key): (
            row.count, _exact(row.sum), _exact(row.minimum), _exact(row.maximum), _exact(row.cap)
        )
        for row in ReportStat.objects.filter(round_id=round_id)
    }
