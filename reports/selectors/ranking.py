"""The ranking reads. Totals and subtotals come from the results stored with the scores, so every
page, workbook and PDF shows the same numbers; ranks are SQL window functions."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict, cast

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Cast, Rank

from assessments.models import Assessment, AssessmentState, CategoryResult, Round
from indicators.models import Category
from orgs.models import Organization, subtree_of
from orgs.scope import AnyUser
from reports.access import report_assessments

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

PERCENT = DecimalField(max_digits=7, decimal_places=2)


class RankFields(TypedDict):
    """What every row of `ranking` carries by name; the c<number> subtotals are read with getattr."""

    rank: int
    percent: float | None


RankedAssessment: TypeAlias = "WithAnnotations[Assessment, RankFields]"
SORTS = {"rank", "-rank", "total", "-total", "percent", "-percent", "name", "-name", "code", "-code"}


def round_categories(round: Round) -> list[Category]:
    return list(Category.objects.filter(system_id=round.indicator_system_id).in_outline_order())


def counted_states(include_submitted: bool) -> list[str]:
    return [AssessmentState.APPROVED, AssessmentState.SUBMITTED] if include_submitted else [AssessmentState.APPROVED]


def percent_of(numerator: str, denominator: str) -> ExpressionWrapper:
    """numerator × 100 ÷ denominator (a score of its cap, a total of its maximum) for display,
    as a float: every report's percentages. SQLite stores whole-number decimals as integers and
    would divide them as integers (97 of 120 → 80, not 80.83), so the division is in floats."""
    return ExpressionWrapper(
        Cast(F(numerator), FloatField()) * 100.0 / Cast(F(denominator), FloatField()), output_field=FloatField()
    )


def ranked_assessments(
    user: AnyUser, round: Round, *, subtree: Organization | None = None, org_type: str = "",
    depth: int | None = None, include_submitted: bool = False,
) -> QuerySet[Assessment]:
    """The assessments `ranking` ranks, without its annotations: what counting its rows costs."""
    queryset = report_assessments(user).filter(
        round=round, total__isnull=False, state__in=counted_states(include_submitted)
    )
    if subtree is not None:
        queryset = queryset.filter(subtree_of(subtree.path, "organization__"))
    if org_type:
        queryset = queryset.filter(organization__type=org_type)
    if depth:
        queryset = queryset.filter(organization__depth=depth)
    return queryset


def ranking(
    user: AnyUser, round: Round, *, subtree: Organization | None = None, org_type: str = "",
    depth: int | None = None, include_submitted: bool = False, sort: str = "rank",
    categories: Sequence[Category] | None = None,
) -> QuerySet[RankedAssessment]:
    """The round's assessments in the user's scope, ranked by total with ties (1, 2, 2, 4).

    Each row carries `rank`, `percent` and `c<number>` (category subtotal) annotations. The
    rank is taken within the filtered set, so a subtree or a peer group ranks among itself.
    """
    queryset = ranked_assessments(user, round, subtree=subtree, org_type=org_type, depth=depth,
                                  include_submitted=include_submitted)
    annotations: dict[str, Any] = {
        "rank": Window(Rank(), order_by=F("total").desc()),
        "percent": percent_of("total", "max_total"),
    }
    for category in categories if categories is not None else round_categories(round):
        subtotal = CategoryResult.objects.filter(assessment=OuterRef("pk"), category=category).values("score")[:1]
        annotations[f"c{category.number}"] = Subquery(subtotal, output_field=PERCENT)
    # A cast: annotate(**annotations) hides from mypy that the dict names rank and percent.
    ranked = cast("QuerySet[RankedAssessment]", queryset.select_related("organization").annotate(**annotations))
    sort = sort if sort in SORTS or sort.lstrip("-").startswith("c") else "rank"
    field_name = {"name": "organization__name", "code": "organization__code"}.get(sort.lstrip("-"), sort.lstrip("-"))
    if field_name.startswith("c") and field_name[1:].isdigit() and field_name not in annotations:
        field_name = "rank"
    descending = sort.startswith("-")
    ordering = F(field_name).desc(nulls_last=True) if descending else F(field_name).asc(nulls_last=True)
    return ranked.order_by(ordering, "organization__path")


def category_scores(row: Assessment, categories: Sequence[Category]) -> list[Decimal | None]:
    return [getattr(row, f"c{category.number}", None) for category in categories]
