"""Creating rounds and deciding who takes part and who scores whom."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.models import (
    Assessment,
    AuditAction,
    AuditEvent,
    MergeMethod,
    Round,
    RoundState,
    Score,
    Sheet,
    SheetKind,
)
from assessments.services.locking import locked_sheet
from assessments.services.report_stats import rebuild_round_task
from assessments.services.round_history import (
    EVALUATOR,
    LEAD,
    added,
    copied_note,
    organization_text,
    record_assignments,
    record_participants,
    record_round,
    round_snapshot,
)
from assessments.services.workflow import assessment_submit_if_reviewed, assessments_back_to_scoring
from common.audit import AdminAction, Change
from common.jobs.engine import enqueue
from common.people import display_name
from indicators.models import IndicatorSystem, VersionStatus
from orgs.models import Organization, Role


def _check_version(system: IndicatorSystem) -> None:
    if system.status != VersionStatus.PUBLISHED:
        raise ValidationError(
            {"indicator_system": _("只能选择已发布的指标体系版本（草稿和已归档的版本不能用于新批次）。")},
            code="version_not_published",
        )


def check_round_open(round: Round) -> None:
    if round.state != RoundState.OPEN:
        raise ValidationError(_("该考评批次已结束，不能再修改。"), code="round_closed")


@transaction.atomic
def round_create(
    *, year: int, title: str, indicator_system: IndicatorSystem, deadline: datetime.date,
    merge_method: str = MergeMethod.MEAN, disagreement_threshold: Decimal = Decimal("1"),
    approvers: Iterable[Any] = (), previous: Round | None = None, user: Any,
) -> Round:
    _check_version(indicator_system)
    if Round.objects.filter(year=year, title=title).exists():
        raise ValidationError({"title": _("%(year)s 年已有同名的考评批次。") % {"year": year}}, code="duplicate")
    round = Round.objects.create(
        year=year, title=title, indicator_system=indicator_system, deadline=deadline,
        merge_method=merge_method, disagreement_threshold=disagreement_threshold, previous=previous,
    )
    round.approvers.set(approvers)
    record_round(round=round, user=user, action=AdminAction.CREATE)
    return round


def _add_organizations(round: Round, organizations: QuerySet[Organization]) -> list[tuple[str, str]]:
    """Add the active organizations not yet in the round; returns their (name, code)."""
    present = Assessment.objects.filter(round=round).values("organization_id")
    joining = list(
        organizations.filter(is_active=True).exclude(pk__in=present).order_by("path").values_list("pk", "name", "code")
    )
    new_ids = [pk for pk, _name, _code in joining]
    total = round.indicator_system.total
    assessments = Assessment.objects.bulk_create(
        [Assessment(round=round, organization_id=pk, max_total=total) for pk in new_ids], batch_size=2000
    )
    if not assessments or assessments[0].pk is None:
        assessments = list(Assessment.objects.filter(round=round, organization_id__in=new_ids))
    Sheet.objects.bulk_create([Sheet(assessment=a, kind=SheetKind.SELF) for a in assessments], batch_size=2000)
    return [(name, code) for _pk, name, code in joining]


@transaction.atomic
def round_add_organizations(*, round: Round, organizations: QuerySet[Organization], user: Any) -> int:
    """Make the active organizations participants, each with an empty self-assessment sheet."""
    check_round_open(round)
    joined = _add_organizations(round, organizations)
    record_participants(round=round, user=user, organizations=joined, action=AdminAction.ADD)
    return len(joined)


@transaction.atomic
def round_assign(
    *, round: Round, organizations: QuerySet[Organization], evaluator: Any, lead: bool = False, user: Any
) -> int:
    """Assign the evaluator to each organization (adding it to the round if needed)."""
    round_add_organizations(round=round, organizations=organizations, user=user)
    assessments = Assessment.objects.filter(round=round, organization__in=organizations)
    already = Sheet.objects.filter(assessment__in=assessments, kind=SheetKind.REVIEW, evaluator=evaluator)
    targets = list(
        assessments.exclude(pk__in=already.values("assessment_id")).select_related("organization")
        .order_by("organization__path")
    )
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
    now = timezone.now()
    name = display_name(evaluator)
    AuditEvent.objects.bulk_create(
        [AuditEvent(assessment=a, actor=user, at=now, action=AuditAction.ASSIGNMENT, new=name) for a in targets],
        batch_size=2000,
    )
    record_assignments(
        round=round, user=user, action=AdminAction.ADD,
        rows=[
            (name, organization_text(a.organization.name, a.organization.code), added(name, sheet.is_lead))
            for a, sheet in zip(targets, sheets, strict=True)
        ],
    )
    # An assessment waiting for approval has a new evaluator to hear from.
    assessments_back_to_scoring(assessment_ids=[a.pk for a in targets], user=user)
    return len(sheets)


@transaction.atomic
def sheet_unassign(*, sheet: Sheet, user: Any) -> None:
    sheet = locked_sheet(sheet)
    check_round_open(sheet.assessment.round)
    if sheet.kind != SheetKind.REVIEW:
        raise ValidationError(_("自评表不能移除。"), code="self_sheet")
    if Score.objects.filter(sheet=sheet).exists():
        raise ValidationError(_("该考评员已经开始评分，不能移除。"), code="has_scores")
    name = display_name(sheet.evaluator)
    AuditEvent.objects.create(assessment=sheet.assessment, actor=user, action=AuditAction.ASSIGNMENT, old=name)
    assessment = sheet.assessment
    organization = assessment.organization
    changes = [Change("evaluator", EVALUATOR, name, "")]
    if sheet.is_lead:
        changes.append(Change("is_lead", LEAD, name, ""))
    sheet.delete()
    record_assignments(
        round=assessment.round, user=user, action=AdminAction.REMOVE,
        rows=[(name, organization_text(organization.name, organization.code), changes)],
    )
    # The evaluator removed may have been the only one still to submit.
    assessment_submit_if_reviewed(assessment=assessment, user=user)


@transaction.atomic
def round_close(*, round: Round, user: Any) -> Round:
    round = Round.objects.select_for_update().get(pk=round.pk)
    check_round_open(round)
    before = round_snapshot(round)
    round.state, round.closed_at = RoundState.CLOSED, timezone.now()
    round.save(update_fields=["state", "closed_at"])
    record_round(round=round, user=user, action=AdminAction.STATE, before=before)
    # Maintained with every step already; rebuilt once the results stop changing, as a check.
    enqueue(rebuild_round_task, round.pk)
    return round


@transaction.atomic
def round_copy(
    *, previous: Round, year: int, title: str, indicator_system: IndicatorSystem, deadline: datetime.date,
    approvers: Iterable[Any] | None = None, merge_method: str | None = None,
    disagreement_threshold: Decimal | None = None, user: Any,
) -> Round:
    """A new round with last round's still-active organizations and evaluators; no scores.

    Settings not given are last round's. What is carried over is recorded as copied, with the
    round it came from, so the history tells it apart from what an admin added by hand.
    """
    round = round_create(
        year=year, title=title, indicator_system=indicator_system, deadline=deadline,
        merge_method=previous.merge_method if merge_method is None else merge_method,
        disagreement_threshold=(
            previous.disagreement_threshold if disagreement_threshold is None else disagreement_threshold
        ),
        approvers=previous.approvers.all() if approvers is None else approvers, previous=previous, user=user,
    )
    note = copied_note(previous)
    joined = _add_organizations(round, Organization.objects.filter(assessments__round=previous))
    record_participants(round=round, user=user, organizations=joined, action=AdminAction.COPY, note=note)
    new_by_org = dict(Assessment.objects.filter(round=round).values_list("organization_id", "pk"))
    # Evaluators who have since left (inactive, or no longer holding the role) are not carried over.
    # Plain values, not model instances: a city-wide round carries over tens of thousands.
    old_sheets = [
        (org_id, organization_text(name, code), evaluator_id, is_lead)
        for org_id, name, code, evaluator_id, is_lead in Sheet.objects.filter(
            assessment__round=previous, kind=SheetKind.REVIEW, evaluator__is_active=True,
            evaluator__role_grants__role=Role.EVALUATOR,
        ).order_by("assessment__organization__path", "pk").values_list(
            "assessment__organization_id", "assessment__organization__name", "assessment__organization__code",
            "evaluator_id", "is_lead",
        )
        if org_id in new_by_org
    ]
    Sheet.objects.bulk_create(
        [
            Sheet(assessment_id=new_by_org[org_id], kind=SheetKind.REVIEW, evaluator_id=evaluator_id, is_lead=is_lead)
            for org_id, _text, evaluator_id, is_lead in old_sheets
        ],
        batch_size=2000,
    )
    names = {
        evaluator.pk: display_name(evaluator)
        for evaluator in get_user_model().objects.filter(pk__in={row[2] for row in old_sheets})
    }
    record_assignments(
        round=round, user=user, action=AdminAction.COPY, note=note,
        rows=[
            (names[evaluator_id], text, added(names[evaluator_id], is_lead))
            for _org_id, text, evaluator_id, is_lead in old_sheets
        ],
    )
    return round
