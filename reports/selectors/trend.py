"""One organization across the years: stored totals, category score rates and the rank within
its peer group (same type, same depth, within the reader's scope), in three queries whatever
the number of years.

Later editions of the outline may change categories and caps, so years are compared by score
rate (score ÷ cap), and categories are matched across editions by their number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, Max, QuerySet, Window
from django.db.models.expressions import RowRange
from django.db.models.functions import Rank
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from assessments.models import Assessment, AssessmentState, CategoryResult, Round
from orgs.models import Organization
from orgs.scope import AnyUser
from reports import charts
from reports.access import report_assessments
from reports.selectors.ranking import counted_states, percent_of


@dataclass
class TrendYear:
    assessment: Assessment
    percent: float
    # None only if the assessment changed state between this request's queries.
    rank: int | None
    peers: int | None
    categories: dict[int, float] = field(default_factory=dict)
    # The category rates in the order of Trend.categories; None where the edition lacks one.
    cells: list[float | None] = field(default_factory=list)
    # The edition differs from the previous year's: points are not comparable, rates are.
    version_changed: bool = False

    @property
    def round(self) -> Round:
        return self.assessment.round

    @property
    def is_submitted(self) -> bool:
        return self.assessment.state == AssessmentState.SUBMITTED


@dataclass
class Trend:
    organization: Organization
    years: list[TrendYear]
    # (number, name) of every category seen in any year; names from the latest edition.
    categories: list[tuple[int, str]]

    @property
    def versions_differ(self) -> bool:
        return any(year.version_changed for year in self.years)


def counted(user: AnyUser, include_submitted: bool) -> QuerySet[Assessment]:
    return report_assessments(user).filter(total__isnull=False, state__in=counted_states(include_submitted))


def peer_ranks(
    user: AnyUser, organization: Organization, *, include_submitted: bool = False
) -> dict[int, tuple[int, int]]:
    """round id → (RANK() of the organization among its peer group in that round, size of the
    group), for every round the organization counts in, in one query.

    The window runs over all peers; the organization is picked afterwards. Django puts a filter
    into the outer (QUALIFY) query only when it refers to a window expression, and a plain
    `organization=` filter would run before the ranking and rank the organization against
    itself. So the row's own organization id is read through a one-row window frame.
    The inner query carries only narrow columns: at 20,000 peers × 10 rounds the sort behind
    the window stays in memory.
    """
    scoped = counted(user, include_submitted)
    peers = scoped.filter(
        round_id__in=scoped.filter(organization=organization).values("round_id"),
        organization__type=organization.type, organization__depth=organization.depth,
    )
    by_round: dict[str, Any] = {"partition_by": [F("round_id")], "order_by": F("total").desc()}
    rows = (
        peers.values("round_id")
        .annotate(
            rank=Window(Rank(), **by_round),
            peer_count=Window(Count("pk"), partition_by=[F("round_id")]),
            ranked_organization=Window(Max("organization_id"), frame=RowRange(0, 0), **by_round),
        )
        .filter(ranked_organization=organization.pk)
        .values_list("round_id", "rank", "peer_count")
    )
    return {round_id: (rank, peer_count) for round_id, rank, peer_count in rows}


def organization_trend(user: AnyUser, organization: Organization, *, include_submitted: bool = False) -> Trend:
    """Three queries whatever the number of years: ranks, the assessments, their categories."""
    ranks = peer_ranks(user, organization, include_submitted=include_submitted)
    rows = list(
        counted(user, include_submitted).filter(organization=organization)
        .select_related("round__indicator_system")
        .annotate(percent=percent_of("total", "max_total"))
        .order_by("round__year", "round_id")
    )
    results = (
        CategoryResult.objects.filter(assessment_id__in=[row.pk for row in rows])
        .annotate(percent=percent_of("score", "cap"))
        .values_list("assessment_id", "category__number", "category__name", "percent")
        .order_by("assessment__round__year", "assessment__round_id", "category__number")
    )
    by_assessment: dict[int, dict[int, float]] = {}
    names: dict[int, str] = {}
    for assessment_id, number, name, percent in results if rows else ():
        by_assessment.setdefault(assessment_id, {})[number] = percent
        names[number] = name  # ordered by year, so the latest edition's name wins
    years: list[TrendYear] = []
    for row in rows:
        previous = years[-1].round.indicator_system_id if years else row.round.indicator_system_id
        rank, peers = ranks.get(row.round_id, (None, None))
        years.append(TrendYear(
            assessment=row, percent=row.percent, rank=rank, peers=peers,
            categories=by_assessment.get(row.pk, {}),
            version_changed=row.round.indicator_system_id != previous,
        ))
    for year in years:
        year.cells = [year.categories.get(number) for number in sorted(names)]
    return Trend(organization=organization, years=years, categories=sorted(names.items()))


def trend_chart(trend: Trend) -> SafeString:
    """Total and category score rates across the years; the page and the PDF draw the same."""
    series: dict[str, list[Decimal | float | None]] = {_("总分得分率"): [year.percent for year in trend.years]}
    for number, name in trend.categories:
        series[f"{number}. {name}"] = [year.categories.get(number) for year in trend.years]
    # Round titles are long and usually name their year; the year alone reads better on an axis,
    # unless one year held two rounds.
    years = [year.round.year for year in trend.years]
    labels = [str(y) for y in years] if len(set(years)) == len(years) else [str(year.round) for year in trend.years]
    values = [v for values in series.values() for v in values if v is not None]
    # Rates cluster between 60 and 100; start the axis just below the lowest, in steps of ten.
    low = max(0, math.floor((min(values, default=0) - 5) / 10) * 10)
    return charts.line(_("%(name)s 历年得分率（%%）") % {"name": trend.organization.name}, labels, series,
                       y_range=(low, 100))
