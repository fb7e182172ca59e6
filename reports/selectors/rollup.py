"""Aggregates over a round's assessments in a (sub)scope: roll-up statistics, the distribution of
totals, subtree means of direct children, item score rates and the organization × category
heatmap. Every number is an SQL aggregate of the stored results, so a page costs the same few
queries for 50 organizations or 20,000.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Avg, Count, F, FloatField, Max, Min, Q, QuerySet
from django.db.models.functions import Cast, Floor, Substr
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentState, CategoryResult, ItemResult, Round
from indicators.models import Category, Item
from indicators.points import format_points
from orgs.models import Organization, children_of, descendants_of, subtree_of
from orgs.scope import AnyUser
from reports import charts
from reports.access import report_assessments, report_organizations
from reports.selectors.ranking import counted_states, percent_of

BIN_WIDTH = 5  # points per histogram bar
PAGE_SIZE = 50


def counted(user: AnyUser, round: Round, *, subtree: Organization | None = None, descendants_only: bool = False,
            include_submitted: bool = False) -> QuerySet[Assessment]:
    """The round's assessments that count, in the user's scope and optionally in one subtree."""
    queryset = report_assessments(user).filter(
        round=round, total__isnull=False, state__in=counted_states(include_submitted)
    )
    if subtree is not None:
        queryset = queryset.filter(
            descendants_of(subtree, "organization__") if descendants_only else subtree_of(subtree.path, "organization__")
        )
    return queryset


def scope_ancestors(user: AnyUser, organization: Organization) -> list[Organization]:
    """The organization's ancestors the user may roll up, top down, for the breadcrumbs."""
    if not organization.ancestor_paths:
        return []
    return list(report_organizations(user).filter(path__in=organization.ancestor_paths).order_by("depth"))


@dataclass
class Summary:
    count: int
    submitted: int
    mean: Decimal | float | None
    minimum: Decimal | None
    maximum: Decimal | None
    mean_percent: float | None


def summary(assessments: QuerySet[Assessment]) -> Summary:
    return Summary(**assessments.aggregate(
        count=Count("pk"),
        submitted=Count("pk", filter=Q(state=AssessmentState.SUBMITTED)),
        mean=Avg("total"),
        minimum=Min("total"),
        maximum=Max("total"),
        mean_percent=Avg(percent_of("total", "max_total")),
    ))


@dataclass
class CategoryStat:
    category: Category
    cap: Decimal
    count: int
    mean: Decimal | float
    minimum: Decimal
    maximum: Decimal
    mean_percent: float


def category_stats(assessments: QuerySet[Assessment], categories: list[Category]) -> list[CategoryStat]:
    """Count, mean, min, max and mean score rate of each category's subtotal, in the outline's
    order. Grouped by the category id alone, so PostgreSQL hashes instead of sorting the rows."""
    rows = (
        CategoryResult.objects.filter(assessment__in=assessments.values("pk"))
        .values("category_id")
        .annotate(
            # Named so as not to shadow the `cap` column that the rate below divides by.
            category_cap=Max("cap"), count=Count("pk"), mean=Avg("score"), minimum=Min("score"),
            maximum=Max("score"), mean_percent=Avg(percent_of("score", "cap")),
        )
    )
    # Plain dicts: the rows are spread into CategoryStat below, without their key.
    by_id: dict[int, dict[str, Any]] = {
        row["category_id"]: {name: value for name, value in row.items() if name != "category_id"} for row in rows
    }
    return [
        CategoryStat(category=category, cap=row.pop("category_cap"), **row)
        for category in categories if (row := by_id.get(category.id))
    ]


@dataclass
class Bin:
    low: Decimal
    high: Decimal
    count: int

    @property
    def label(self) -> str:
        return f"{format_points(self.low)}–{format_points(self.high)}"


def histogram(assessments: QuerySet[Assessment], max_total: Decimal) -> list[Bin]:
    """Totals counted in bins of five points, grouped in SQL; the top bin includes full marks.

    The bars run from the lowest occupied bin to the top, so empty bins in between show.
    """
    counts = dict(
        assessments.annotate(bin=Floor(Cast(F("total"), FloatField()) / BIN_WIDTH))
        .values("bin").annotate(n=Count("pk")).values_list("bin", "n")
    )
    if not counts:
        return []
    top = max(0, math.ceil(max_total / BIN_WIDTH) - 1)
    folded: dict[int, int] = {}
    for number, n in counts.items():  # at most max_total / 5 + 1 groups, never one per assessment
        folded[min(int(number), top)] = folded.get(min(int(number), top), 0) + n
    return [
        Bin(low=Decimal(b * BIN_WIDTH), high=min(Decimal((b + 1) * BIN_WIDTH), max_total), count=folded.get(b, 0))
        for b in range(min(folded), top + 1)
    ]


def histogram_chart(bins: list[Bin]) -> SafeString:
    return charts.bars(
        _("总分分布"), [b.label for b in bins], [b.count for b in bins], series_name=_("党组织数"), whole_numbers=True
    )


def category_chart(stats: list[CategoryStat]) -> SafeString:
    # pygal draws horizontal bars bottom up; reversed, the first category reads at the top.
    rows = stats[::-1]
    return charts.bars(
        _("各考评项目平均得分率（%）"),
        [f"{row.category.number}. {row.category.name}" for row in rows],
        [row.mean_percent for row in rows], horizontal=True, y_range=(0, 100),
    )


def children_page(user: AnyUser, round: Round, organization: Organization, page_number: str | None, *,
                  include_submitted: bool = False) -> Page:
    """The organization's direct children in scope, a page at a time, each with `stats`: the
    count, mean, min and max of the totals in its subtree (itself included).

    One GROUP BY over the subtree, keyed by each assessment's path cut to the children's depth.
    """
    children = report_organizations(user).filter(children_of(organization)).order_by("path")
    page = Paginator(children, PAGE_SIZE).get_page(page_number)
    paths = [child.path for child in page.object_list]
    stats: dict[str, Mapping[str, Any]] = {}
    if paths:
        rows = (
            counted(user, round, subtree=organization, descendants_only=True, include_submitted=include_submitted)
            .annotate(branch=Substr("organization__path", 1, len(organization.path) + Organization.steplen))
            .filter(branch__in=paths)
            .values("branch")
            .annotate(count=Count("pk"), mean=Avg("total"), minimum=Min("total"), maximum=Max("total"),
                      mean_percent=Avg(percent_of("total", "max_total")))
        )
        stats = {row["branch"]: row for row in rows}
    for child in page.object_list:
        child.stats = stats.get(child.path)
    return page


@dataclass
class ItemRate:
    item: Item
    cap: Decimal
    count: int
    mean: Decimal | float
    mean_percent: float

    @property
    def heat(self) -> str:
        return charts.heat_bucket(self.mean_percent)


def item_rates(assessments: QuerySet[Assessment], round: Round) -> list[ItemRate]:
    """The mean score rate of every item over the assessments, weakest first (ties in the
    outline's order). One pass over the item results grouped by item id; the 32 items' names
    come from a second, small query."""
    rows = (
        ItemResult.objects.filter(assessment__in=assessments.values("pk"))
        .values("item_id")
        .annotate(item_cap=Max("cap"), count=Count("pk"), mean=Avg("score"), mean_percent=Avg(percent_of("score", "cap")))
    )
    by_id: dict[int, dict[str, Any]] = {
        row["item_id"]: {name: value for name, value in row.items() if name != "item_id"} for row in rows
    }
    if not by_id:
        return []
    items = Item.objects.filter(system_id=round.indicator_system_id).select_related("category")
    rates = [ItemRate(item=item, cap=row.pop("item_cap"), **row) for item in items if (row := by_id.get(item.id))]
    # Sorting the aggregated rows, one per item, not the scores.
    return sorted(rates, key=lambda r: (r.mean_percent, r.item.category.number, r.item.order, r.item.id))


def items_chart(rates: list[ItemRate], limit: int = 10) -> SafeString:
    weakest = rates[:limit][::-1]  # the weakest at the top, as in the table
    return charts.bars(
        _("得分率最低的 %(count)d 个子项目（%%）") % {"count": len(weakest)},
        [f"{row.item.number} {row.item.name}" for row in weakest],
        [row.mean_percent for row in weakest], horizontal=True, y_range=(0, 100),
    )


def heatmap_page(assessments: QuerySet[Assessment], categories: list[Category], page_number: str | None) -> Page:
    """A page of assessments in tree order, each with `percent` and `cells`: the score rate of
    every category, in the categories' order (None where a result is missing).

    The cells are read for the page's assessments only, in one query: subqueries in the page's
    own SELECT would be evaluated for every row an OFFSET skips.
    """
    rows = (
        assessments.select_related("organization")
        .annotate(percent=percent_of("total", "max_total"))
        .order_by("organization__path")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(page_number)
    ids = [row.pk for row in page.object_list]
    rates: dict[tuple[int, int], float] = {}
    if ids:
        results = (
            CategoryResult.objects.filter(assessment_id__in=ids)
            .annotate(percent=percent_of("score", "cap"))
            .values_list("assessment_id", "category_id", "percent")
        )
        rates = {(assessment_id, category_id): percent for assessment_id, category_id, percent in results}
    for row in page.object_list:
        row.cells = [rates.get((row.pk, category.id)) for category in categories]  # type: ignore[attr-defined]  # for the template
    return page
