"""Creating rounds and deciding who takes part and who scores whom."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    AssessmentState,
    AuditAction,
    AuditEvent,
    MergeMethod,
    Round,
    RoundState,
    Score,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.services.locking import locked_sheet
from indicators.models import IndicatorSystem, VersionStatus
from orgs.models import Organization, Role


def _check_version(system: IndicatorSystem) -> None:
    if system.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"indicator_system": _("只能选择已发布的指标体系版本（草稿和已归档的版本不能用于新批次）。")},
            code="version_not_published",
        )


def _check_open(round: Round) -> None:
    if round.state != RoundState.OPEN:
        raise ValidationError(_("该考评批次已结束，不能再修改。"), code="round_closed")


@transaction.atomic
def round_create(
    *, year: int, title: str, indicator_system: IndicatorSystem, deadline: datetime.date,
    merge_method: str = MergeMethod.MEAN, disagreement_threshold: Decimal = Decimal("1"),
    approvers: Iterable[Any] = (), previous: Round | None = None,
) -> Round:
    _check_version(indicator_system)
    if Round.objects.filter(year=year, title=title).exists():
        raise ValidationError({"title": _("%(year)s 年已有同名的考评批次。") % {"year": year}}, code="duplicate")
    round = Round.objects.create(
        year=year, title=title, indicator_system=indicator_system, deadline=deadline,
        merge_method=merge_method, disagreement_threshold=disagreement_threshold, previous=previous,
    )
    round.approvers.set(approvers)
    return round


@transaction.atomic
def round_add_organizations(*, round: Round, organizations: QuerySet[Organization]) -> int:
    """Make the active organizations participants, each with an empty self-assessment sheet."""
    _check_open(round)
    present = Assessment.objects.filter(round=round).values("organization_id")
    new_ids = list(organizations.filter(is_active=True).exclude(pk__in=present).values_list("pk", flat=True))
    total = round.indicator_system.total
    assessments = Assessment.objects.bulk_create(
        [Assessment(round=round, organization_id=pk, max_total=total) for pk in new_ids], batch_size=2000
    )
    if not assessments or assessments[0].pk is None:
        assessments = list(Assessment.objects.filter(round=round, organization_id__in=new_ids))
    Sheet.objects.bulk_create([Sheet(assessment=a, kind=SheetKind.SELF) for a in assessments], batch_size=2000)
    return len(assessments)


@transaction.atomic
def round_assign(
    *, round: Round, organizations: QuerySet[Organization], evaluator: Any, lead: bool = False, user: Any = None
) -> int:
    """Assign the evaluator to each organization (adding it to the round if needed)."""
    round_add_organizations(round=round, organizations=organizations)
    assessments = Assessment.objects.filter(round=round, organization__in=organizations)
    already = Sheet.objects.filter(assessment__in=assessments, kind=SheetKind.REVIEW, evaluator=evaluator)
    targets = list(assessments.exclude(pk__in=already.values("assessment_id")))
    with_lead: set[int] = set()
    if lead:
        with_lead = set(
            Sheet.objects.filter(assessment__in=targets, is_lead=True).values_list("assessment_id", flat=True)
        )
    sheets = [
        Sheet(assessment=a, kind=SheetKind.REVIEW, evaluator=evaluator, is_lead=lead and a.pk not in with_lead)
        for a in targets
    ]
    Sheet.objects.bulk_create(sheets, batch_size=2000)
    # An assessment waiting for approval has a new evaluator to hear from: back to scoring.
    Assessment.objects.filter(pk__in=[a.pk for a in targets], state=AssessmentState.SUBMITTED).update(
        state=AssessmentState.DRAFT, submitted_at=None
    )
    now = timezone.now()
    name = evaluator.get_full_name() or evaluator.get_username()
    AuditEvent.objects.bulk_create(
        [AuditEvent(assessment=a, actor=user, at=now, action=AuditAction.ASSIGNMENT, new=name) for a in targets],
        batch_size=2000,
    )
    return len(sheets)


@transaction.atomic
def sheet_unassign(*, sheet: Sheet, user: Any) -> None:
    sheet = locked_sheet(sheet)
    _check_open(sheet.assessment.round)
    if sheet.kind != SheetKind.REVIEW:
        raise ValidationError(_("自评表不能移除。"), code="self_sheet")
    if Score.objects.filter(sheet=sheet).exists():
        raise ValidationError(_("该考评员已经开始评分，不能移除。"), code="has_scores")
    name = sheet.evaluator.get_full_name() or sheet.evaluator.get_username()
    AuditEvent.objects.create(assessment=sheet.assessment, actor=user, action=AuditAction.ASSIGNMENT, old=name)
    assessment = sheet.assessment
    sheet.delete()
    remaining = Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW)
    if (
        assessment.state in (AssessmentState.DRAFT, AssessmentState.RETURNED)
        and remaining.exists()
        and not remaining.exclude(state=SheetState.SUBMITTED).exists()
    ):
        # The evaluator removed was the only one still to submit.
        Assessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.SUBMITTED, submitted_at=timezone.now())


@transaction.atomic
def round_close(*, round: Round) -> Round:
    round = Round.objects.select_for_update().get(pk=round.pk)
    _check_open(round)
    round.state, round.closed_at = RoundState.CLOSED, timezone.now()
    round.save(update_fields=["state", "closed_at"])
    return round


@transaction.atomic
def round_copy(
    *, previous: Round, year: int, title: str, indicator_system: IndicatorSystem, deadline: datetime.date,
    approvers: Iterable[Any] | None = None,
) -> Round:
    """A new round with last round's still-active organizations and evaluators; no scores."""
    round = round_create(
        year=year, title=title, indicator_system=indicator_system, deadline=deadline,
        merge_method=previous.merge_method, disagreement_threshold=previous.disagreement_threshold,
        approvers=previous.approvers.all() if approvers is None else approvers, previous=previous,
    )
    organizations = Organization.objects.filter(assessments__round=previous)
    round_add_organizations(round=round, organizations=organizations)
    new_by_org = dict(Assessment.objects.filter(round=round).values_list("organization_id", "pk"))
    # Evaluators who have since left (inactive, or no longer holding the role) are not carried over.
    old_sheets = Sheet.objects.filter(
        assessment__round=previous, kind=SheetKind.REVIEW, evaluator__is_active=True,
        evaluator__role_grants__role=Role.EVALUATOR,
    ).values_list(
        "assessment__organization_id", "evaluator_id", "is_lead"
    )
    Sheet.objects.bulk_create(
        [
            Sheet(assessment_id=new_by_org[org_id], kind=SheetKind.REVIEW, evaluator_id=evaluator_id, is_lead=is_lead)
            for org_id, evaluator_id, is_lead in old_sheets
            if org_id in new_by_org
        ],
        batch_size=2000,
    )
    return round
