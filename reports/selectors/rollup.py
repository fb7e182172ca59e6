"""Aggregates over a round's assessments in a (sub)scope: roll-up statistics, the distribution of
totals, subtree means of direct children, item score rates and the organization × category
heatmap.

The figures come from the report aggregates stored per organization subtree
(`assessments.models.ReportStat`, kept by `assessments.services.report_stats`), never from the
scope's raw results: a scope is a few subtree roots, and each root's subtree is its stored row
⊕ its own assessment. So a page costs the same few small queries for 50 organizations or 20,000.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import F, QuerySet
from django.utils.functional import cached_property
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentState, CategoryResult, ReportStat, Round, StatKind
from assessments.selectors.report_stats import BIN_WIDTH, Figures, by_key, collect, figure_rows
from assessments.selectors.report_stats import counted as counts
from indicators.models import Category, Item
from indicators.points import format_points
from orgs.models import Organization, children_of, descendants_of, subtree_of
from orgs.scope import AnyUser
from orgs.selectors.tree import scope_roots
from reports import charts
from reports.access import report_assessments, report_organizations
from reports.selectors.ranking import counted_states, percent_of

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


@dataclass
class ScopeFigures:
    """(kind, key) → the figures of the counted assessments of a scope, and how many of them
    are only submitted."""

    figures: dict[tuple[int, int], Figures]
    submitted: int

    @property
    def total(self) -> Figures | None:
        return self.figures.get((StatKind.TOTAL, 0))

    @property
    def count(self) -> int:
        return self.total.count if self.total else 0

    def of(self, kind: StatKind) -> dict[int, Figures]:
        return {key: figures for (k, key), figures in self.figures.items() if k == kind}


def _no_grouping(prefix: str) -> dict[str, Any]:
    return {}


def scope_figures(user: AnyUser, round: Round, *, subtree: Organization | None = None,
                  descendants_only: bool = False, include_submitted: bool = False) -> ScopeFigures:
    """The stored figures of what `counted` selects, in one query: the rows of the scope's roots
    (the subtree, or the user's disjoint analyst subtrees, or the tree's roots for an admin) and
    their own assessments, unless only the descendants are asked for."""
    report_organizations(user)  # the same refusal as every report read
    groups = counted_states(include_submitted)
    roots: Any = [subtree.pk] if subtree is not None else scope_roots(user, analyst_only=True).values("pk")
    stats = ReportStat.objects.filter(round=round, organization__in=roots, group__in=groups)
    own = Assessment.objects.none() if descendants_only else Assessment.objects.filter(
        counts(), round=round, organization__in=roots, state__in=groups
    )
    table = collect(figure_rows(stats=stats, assessments=own, by=_no_grouping)).get((), {})
    submitted = by_key(table, [AssessmentState.SUBMITTED]).get((StatKind.TOTAL, 0))
    return ScopeFigures(by_key(table, groups), submitted.count if submitted else 0)


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


def summary(scope: ScopeFigures) -> Summary:
    total = scope.total
    if total is None:
        return Summary(count=0, submitted=0, mean=None, minimum=None, maximum=None, mean_percent=None)
    return Summary(count=total.count, submitted=scope.submitted, mean=total.mean, minimum=total.minimum,
                   maximum=total.maximum, mean_percent=total.mean_percent)


@dataclass
class CategoryStat:
    category: Category
    cap: Decimal
    count: int
    mean: Decimal | float
    minimum: Decimal
    maximum: Decimal
    mean_percent: float


def category_stats(scope: ScopeFigures, categories: list[Category]) -> list[CategoryStat]:
    """Count, mean, min, max and mean score rate of each category's subtotal, in the outline's order."""
    by_id = scope.of(StatKind.CATEGORY)
    return [
        CategoryStat(category=category, cap=row.cap, count=row.count, mean=row.mean, minimum=row.minimum,
                     maximum=row.maximum, mean_percent=row.mean_percent)
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


def histogram(scope: ScopeFigures, max_total: Decimal) -> list[Bin]:
    """Totals counted in bins of five points; the top bin includes full marks.

    The bars run from the lowest occupied bin to the top, so empty bins in between show.
    """
    counts = {number: figures.count for number, figures in scope.of(StatKind.BIN).items()}
    if not counts:
        return []
    top = max(0, math.ceil(max_total / BIN_WIDTH) - 1)
    folded: dict[int, int] = {}
    for number, n in counts.items():  # at most max_total / 5 + 1 bins, never one per assessment
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


def _by_organization(prefix: str) -> dict[str, Any]:
    return {"o": F(f"{prefix}organization_id")}


def children_page(user: AnyUser, round: Round, organization: Organization, page_number: str | None, *,
                  include_submitted: bool = False) -> Page:
    """The organization's direct children in scope, a page at a time, each with `stats`: the
    count, mean, min and max of the totals in its subtree (itself included).

    One query: the page's children's stored total rows and their own totals.
    """
    children = report_organizations(user).filter(children_of(organization)).order_by("path")
    page = Paginator(children, PAGE_SIZE).get_page(page_number)
    ids = [child.pk for child in page.object_list]
    stats: dict[int, dict[str, Any]] = {}
    if ids:
        groups = counted_states(include_submitted)
        rows = figure_rows(
            stats=ReportStat.objects.filter(round=round, organization__in=ids, group__in=groups, kind=StatKind.TOTAL),
            assessments=Assessment.objects.filter(counts(), round=round, organization__in=ids, state__in=groups),
            by=_by_organization, results=False,
        )
        for (pk,), table in collect(rows, by=("o",)).items():
            total = by_key(table, groups)[StatKind.TOTAL, 0]
            stats[pk] = {"count": total.count, "mean": total.mean, "minimum": total.minimum,
                         "maximum": total.maximum, "mean_percent": total.mean_percent}
    for child in page.object_list:
        child.stats = stats.get(child.pk)
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


def item_rates(scope: ScopeFigures, round: Round) -> list[ItemRate]:
    """The mean score rate of every item over the scope, weakest first (ties in the outline's
    order). The 32 items' names come from a second, small query."""
    by_id = scope.of(StatKind.ITEM)
    if not by_id:
        return []
    items = Item.objects.filter(system_id=round.indicator_system_id).select_related("category")
    rates = [
        ItemRate(item=item, cap=row.cap, count=row.count, mean=row.mean, mean_percent=row.mean_percent)
        for item in items if (row := by_id.get(item.id))
    ]
    # Sorting the aggregated rows, one per item, not the scores.
    return sorted(rates, key=lambda r: (r.mean_percent, r.item.category.number, r.item.order, r.item.id))


def items_chart(rates: list[ItemRate], limit: int = 10) -> SafeString:
    weakest = rates[:limit][::-1]  # the weakest at the top, as in the table
    return charts.bars(
        _("得分率最低的 %(count)d 个子项目（%%）") % {"count": len(weakest)},
        [f"{row.item.number} {row.item.name}" for row in weakest],
        [row.mean_percent for row in weakest], horizontal=True, y_range=(0, 100),
    )


class _CountedPaginator(Paginator):
    """A paginator told its count (from the stored figures) instead of counting the rows."""

    def __init__(self, object_list: Any, per_page: int, *, count: int) -> None:
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


def heatmap_page(assessments: QuerySet[Assessment], categories: list[Category], page_number: str | None, *,
                 count: int) -> Page:
    """A page of assessments in tree order, each with `percent` and `cells`: the score rate of
    every category, in the categories' order (None where a result is missing). `count` is how
    many `assessments` holds, from the stored figures, so the page never counts the scope.

    The cells are read for the page's assessments only, in one query: subqueries in the page's
    own SELECT would be evaluated for every row an OFFSET skips.
    """
    rows = (
        assessments.select_related("organization")
        .annotate(percent=percent_of("total", "max_total"))
        .order_by("organization__path")
    )
    page = _CountedPaginator(rows, PAGE_SIZE, count=count).get_page(page_number)
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
        row.cells = [rates.get((row.pk, category.id)) for category in categories]  # for the template
    return page
