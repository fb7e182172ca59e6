"""Reads for the round pages. Every per-row number is a SQL subquery, so a page of 50 rows costs
the same handful of queries whether the round has 5 participants or 20,000."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import Coalesce

from assessments.access import assessments_for_user, rounds_for_user
from assessments.models import Assessment, AssessmentState, Evidence, ItemResult, Round, Score, Sheet, SheetKind
from common.posted import posted_id
from indicators.models import IndicatorSystem
from orgs.models import Role
from orgs.scope import AnyUser


def _count(queryset: QuerySet[Any], group_by: str) -> Coalesce:
    """COUNT(*) of a correlated queryset as a scalar subquery (0 when it matches nothing)."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def round_rows(user: AnyUser) -> QuerySet[Round]:
    return rounds_for_user(user).select_related("indicator_system").order_by("-year", "-id")


def attach_counts(user: AnyUser, rounds: list[Round]) -> list[Round]:
    """Each round's numbers of the assessments this user may see, for a page of rounds in one query.

    One grouped scan rather than a subquery per round and number: for a non-admin the scope
    test runs once per assessment, not three times.
    """
    totals: dict[int, Mapping[str, Any]] = {
        row["round_id"]: row
        for row in assessments_for_user(user)
        .filter(round_id__in=[round.pk for round in rounds])
        .order_by()
        .values("round_id")
        .annotate(
            participants=Count("pk"),
            submitted=Count("pk", filter=Q(state=AssessmentState.SUBMITTED)),
            approved=Count("pk", filter=Q(state=AssessmentState.APPROVED)),
        )
    }
    for round in rounds:
        row = totals.get(round.pk, {})
        round.participant_count = row.get("participants", 0)  # type: ignore[attr-defined]  # for the template
        round.submitted_count = row.get("submitted", 0)  # type: ignore[attr-defined]  # for the template
        round.approved_count = row.get("approved", 0)  # type: ignore[attr-defined]  # for the template
    return rounds


def _search(queryset: QuerySet[Assessment], query: str, state: str) -> QuerySet[Assessment]:
    if query:
        queryset = queryset.filter(Q(organization__name__icontains=query) | Q(organization__code__iexact=query))
    if state in AssessmentState.values:
        queryset = queryset.filter(state=state)
    return queryset


def participant_rows(user: AnyUser, round: Round, *, query: str = "", state: str = "") -> QuerySet[Assessment]:
    """The participants of a round that the user may see, with evaluators and flagged items."""
    reviews = (
        Sheet.objects.filter(kind=SheetKind.REVIEW)
        .select_related("evaluator")
        .annotate(has_scores=Exists(Score.objects.filter(sheet=OuterRef("pk"))))
        .order_by("-is_lead", "evaluator__username")
    )
    flagged = ItemResult.objects.filter(assessment=OuterRef("pk"), spread__gt=round.disagreement_threshold)
    queryset = (
        assessments_for_user(user)
        .filter(round=round)
        .select_related("organization")
        .annotate(
            evaluator_count=_count(
                Sheet.objects.filter(assessment=OuterRef("pk"), kind=SheetKind.REVIEW), "assessment"
            ),
            flagged_count=_count(flagged, "assessment"),
            has_work=(
                Exists(Score.objects.filter(sheet__assessment=OuterRef("pk")))
                | Exists(Evidence.objects.filter(assessment=OuterRef("pk")))
            ),
        )
        .prefetch_related(Prefetch("sheets", queryset=reviews, to_attr="reviews"))
        .order_by("organization__path")
    )
    return _search(queryset, query, state)


def round_approvers(round: Round) -> list[Any]:
    """The round's approvers by username, kept on the round: `access.approves_round` reads them there."""
    prefetch_related_objects([round], Prefetch("approvers", queryset=get_user_model().objects.order_by("username")))
    return list(round.approvers.all())


def round_summary(user: AnyUser, round: Round) -> dict[str, int]:
    """How many visible participants are in each state, in one query."""
    counts = {"participants": Count("pk")}
    counts.update({state: Count("pk", filter=Q(state=state)) for state in AssessmentState.values})
    return assessments_for_user(user).filter(round=round).aggregate(**counts)


def evaluator_choices() -> QuerySet[Any]:
    """Active users holding the evaluator role, for the assignment pick list."""
    return (
        get_user_model()
        .objects.filter(is_active=True, role_grants__role=Role.EVALUATOR)
        .order_by("username")
        .only("username", "first_name", "last_name")
    )


def previous_round_choices() -> QuerySet[Round]:
    """Every round, newest first, with its edition: the rounds a new one may carry over."""
    return Round.objects.select_related("indicator_system").order_by("-year", "-id")


def previous_round(raw: str) -> Round | None:
    """The round chosen to carry over, by the id the admin sent; None if it is not a number or no round."""
    pk = posted_id(raw)
    return None if pk is None else Round.objects.filter(pk=pk).first()


def newest_edition() -> IndicatorSystem | None:
    """The newest edition a round may use, which a new round is offered first."""
    return IndicatorSystem.objects.selectable_for_rounds().order_by("-year", "-published_at", "-id").first()


def participant_count(round: Round) -> int:
    """How many organizations take part in the round, whoever may see them."""
    return Assessment.objects.filter(round=round).count()


def scores_in_round(user: User, round: Round) -> bool:
    """Whether the user holds a review sheet of the round, i.e. scores some of its units."""
    return Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW, evaluator=user).exists()
