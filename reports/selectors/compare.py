"""Report reads beyond the ranking itself: caps per category, per-item pivots for the workbook,
and the side-by-side comparison of a few organizations.

Every figure comes from the results stored with the scores (the same numbers the ranking and the
score sheet show); sums, percentages and the best/worst of each row are computed by the database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, TypeVar

from django.db.models import (
    Case,
    DecimalField,
    F,
    IntegerField,
    Max,
    Min,
    QuerySet,
    Value,
    When,
    Window,
)

from assessments.models import Assessment, CategoryResult, ItemResult, Round
from assessments.selectors.outline import round_items
from indicators.models import Category, Item
from indicators.selectors.outline import cap_sum
from orgs.models import Organization, OrgType
from orgs.scope import AnyUser
from reports.access import report_assessments
from reports.selectors.ranking import RankedAssessment, counted_states, percent_of, ranking

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

SCORE = DecimalField(max_digits=7, decimal_places=2)


class CapField(TypedDict):
    cap: Decimal  # the sum of the category's items' caps


CappedCategory: TypeAlias = "WithAnnotations[Category, CapField]"
# Ranking rows keep their own annotations through the filters and orderings added here.
_Rows = TypeVar("_Rows", bound=Assessment)


def categories_with_caps(round: Round) -> list[CappedCategory]:
    """The round's categories in order, each with `cap` (the sum of its items' caps)."""
    return list(
        Category.objects.filter(system_id=round.indicator_system_id).in_outline_order().annotate(cap=cap_sum())
    )


def order_by_type(queryset: QuerySet[_Rows], *, descending: bool) -> QuerySet[_Rows]:
    """Sorts by organization type in the tree's own order (市委 first), not by the type's code."""
    position = Case(
        *(When(organization__type=value, then=Value(index)) for index, value in enumerate(OrgType.values)),
        output_field=IntegerField(),
    )
    key = position.desc() if descending else position.asc()
    return queryset.order_by(key, F("total").desc(), "organization__path")


def sorted_ranking(user: AnyUser, round: Round, *, categories: Sequence[Category], sort: str = "rank",
                   **filters: Any) -> QuerySet[RankedAssessment]:
    """reports.selectors.ranking.ranking, also sortable by organization type (the page's and workbook's shared read)."""
    rows = ranking(user, round, categories=categories, sort=sort, **filters)
    if sort.lstrip("-") == "type":
        rows = order_by_type(rows, descending=sort.startswith("-"))
    return rows


@dataclass
class Cell:
    score: Decimal | None = None
    percent: float | None = None
    best: bool = False
    worst: bool = False


@dataclass
class Line:
    """One row of the comparison: a category, an item or the total, one cell per organization."""

    number: str
    name: str
    cap: Decimal
    cells: list[Cell]
    is_category: bool = False


@dataclass
class Comparison:
    organizations: list[Organization]
    assessments: Sequence[Assessment]
    total: Line
    lines: list[Line] = field(default_factory=list)
    missing: list[Organization] = field(default_factory=list)

    def radar_series(self) -> dict[str, list[float | None]]:
        """Category percentages per organization; a repeated name is told apart by its code."""
        names = [o.name for o in self.organizations]
        series: dict[str, list[float | None]] = {}
        for index, organization in enumerate(self.organizations):
            label = organization.name if names.count(organization.name) == 1 else f"{organization.name}（{organization.code}）"
            series[label] = [line.cells[index].percent for line in self.lines if line.is_category]
        return series


def _marked(row: dict[str, Any]) -> tuple[bool, bool]:
    # A row where everyone scored the same has neither a best nor a worst.
    if row["high"] == row["low"]:
        return False, False
    return row["score"] == row["high"], row["score"] == row["low"]


def _results(model: type[CategoryResult] | type[ItemResult], key: str, ids: list[int]) -> dict[tuple[int, int], Cell]:
    """(assessment id, category or item id) → cell, with each row's highest and lowest marked by SQL windows."""
    rows = (
        model.objects.filter(assessment_id__in=ids)
        .annotate(
            percent=percent_of("score", "cap"),
            high=Window(Max("score"), partition_by=[F(key)]),
            low=Window(Min("score"), partition_by=[F(key)]),
        )
        .values("assessment_id", key, "score", "percent", "high", "low")
    )
    cells = {}
    for row in rows:
        best, worst = _marked(row)
        cells[(row["assessment_id"], row[key])] = Cell(row["score"], row["percent"], best, worst)
    return cells


def comparison(
    user: AnyUser, round: Round, organizations: Sequence[Organization], *, include_submitted: bool = False
) -> Comparison:
    """The chosen organizations side by side (in the order chosen), in five queries whatever their number.

    Organizations without a counted assessment in the round are listed in `missing` and left out.
    """
    assessments = {
        a.organization_id: a
        for a in report_assessments(user)
        .filter(round=round, organization__in=[o.pk for o in organizations], total__isnull=False,
                state__in=counted_states(include_submitted))
        .annotate(
            percent=percent_of("total", "max_total"),
            high=Window(Max("total")),
            low=Window(Min("total")),
        )
    }
    present = [o for o in organizations if o.pk in assessments]
    chosen = [assessments[o.pk] for o in present]
    ids = [a.pk for a in chosen]
    total = Line("", "", chosen[0].max_total if chosen else Decimal("0"), [])
    for assessment in chosen:
        best, worst = _marked({"score": assessment.total, "high": assessment.high, "low": assessment.low})
        total.cells.append(Cell(assessment.total, assessment.percent, best, worst))
    result = Comparison(present, chosen, total, missing=[o for o in organizations if o.pk not in assessments])
    if not ids:
        return result
    by_category = _results(CategoryResult, "category_id", ids)
    by_item = _results(ItemResult, "item_id", ids)
    items: dict[int, list[Item]] = {}
    for item in round_items(round):
        items.setdefault(item.category_id, []).append(item)
    for category in categories_with_caps(round):
        result.lines.append(Line(
            str(category.number), category.name, category.cap or Decimal("0"),
            [by_category.get((i, category.pk), Cell()) for i in ids], is_category=True,
        ))
        for item in items.get(category.pk, []):
            result.lines.append(Line(item.number, item.name, item.cap, [by_item.get((i, item.pk), Cell()) for i in ids]))
    return result
