"""The admins' changes to a round beyond creating it: its settings, who leads, who takes part.

Built on `assessments.services.rounds`, which creates rounds and assigns; these functions add
the decisions an admin makes afterwards, each refused once the round is closed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
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
    Evidence,
    MergeMethod,
    Round,
    Score,
    Sheet,
    SheetKind,
)
from assessments.selectors.outline import outline_items
from assessments.services.report_stats import assessments_changed, is_counted
from assessments.services.results import recompute_results
from assessments.services.round_history import (
    EVALUATOR,
    LEAD,
    organization_text,
    record_assignments,
    record_participants,
    record_round,
    round_snapshot,
)
from assessments.services.rounds import check_round_open, round_assign, round_copy, round_create
from common.audit import AdminAction, Change
from common.people import display_name
from indicators.models import IndicatorSystem
from orgs.models import Organization, Role, RoleGrant


@dataclass(frozen=True)
class Assigned:
    sheets: int
    leads: int
    skipped_approved: int


def _check_evaluator(user: Any) -> None:
    # The pick list offers evaluators only; this catches a username typed by hand.
    if not user.is_active or not RoleGrant.objects.filter(user=user, role=Role.EVALUATOR).exists():
        raise ValidationError(
            {"evaluator": _("用户“%(name)s”不是在用的考评员，请先在用户管理中授予考评员角色。") % {"name": display_name(user)}},
            code="not_evaluator",
        )


@transaction.atomic
def round_start(
    *, year: int, title: str, indicator_system: IndicatorSystem, deadline: datetime.date,
    merge_method: str, disagreement_threshold: Decimal, approvers: Iterable[Any], previous: Round | None = None,
    user: Any,
) -> Round:
    """A new round, blank or carried over from `previous`; the settings typed by the admin win."""
    approvers = list(approvers)
    if previous is None:
        return round_create(
            year=year, title=title, indicator_system=indicator_system, deadline=deadline,
            merge_method=merge_method, disagreement_threshold=disagreement_threshold, approvers=approvers,
            user=user,
        )
    return round_copy(
        previous=previous, year=year, title=title, indicator_system=indicator_system, deadline=deadline,
        approvers=approvers, merge_method=merge_method, disagreement_threshold=disagreement_threshold, user=user,
    )


def _has_review_scores(round: Round) -> bool:
    return Score.objects.filter(
        sheet__assessment__round=round, sheet__kind=SheetKind.REVIEW, score__isnull=False
    ).exists()


@transaction.atomic
def round_update(
    *, round: Round, title: str, deadline: datetime.date, merge_method: str,
    disagreement_threshold: Decimal, approvers: Iterable[Any], user: Any,
) -> Round:
    round = Round.objects.select_for_update().get(pk=round.pk)
    check_round_open(round)
    if Round.objects.filter(year=round.year, title=title).exclude(pk=round.pk).exists():
        raise ValidationError(
            {"title": _("%(year)s 年已有同名的考评批次。") % {"year": round.year}}, code="duplicate"
        )
    # Changing the method would silently change every merged score already shown and
    # reviewed; recomputing a whole round is a batch job, not a form save.
    if merge_method != round.merge_method and _has_review_scores(round):
        raise ValidationError(
            {"merge_method": _("本批次已有考评员评分，不能再更改合成方式。")}, code="merge_locked"
        )
    if disagreement_threshold < 0:
        raise ValidationError({"disagreement_threshold": _("分歧提示阈值不能为负数。")}, code="negative")
    before = round_snapshot(round)
    round.title, round.deadline = title, deadline
    round.merge_method, round.disagreement_threshold = merge_method, disagreement_threshold
    round.save(update_fields=["title", "deadline", "merge_method", "disagreement_threshold"])
    round.approvers.set(list(approvers))
    record_round(round=round, user=user, action=AdminAction.UPDATE, before=before)
    return round


@transaction.atomic
def round_set_lead(*, round: Round, organizations: QuerySet[Organization], evaluator: Any, user: Any) -> int:
    """Make the evaluator the lead wherever they score one of the organizations.

    Approved assessments keep their lead: their result is locked. Under the lead method the
    lead's sheet is the result, so the stored results are recomputed in the same transaction.
    """
    round = Round.objects.select_for_update().get(pk=round.pk)
    check_round_open(round)
    targets = Sheet.objects.filter(
        assessment__round=round, assessment__organization__in=organizations, kind=SheetKind.REVIEW,
        evaluator=evaluator, is_lead=False,
    ).exclude(assessment__state=AssessmentState.APPROVED)
    assessment_ids = list(targets.values_list("assessment_id", flat=True))
    if not assessment_ids:
        return 0
    current_leads = Sheet.objects.filter(assessment_id__in=assessment_ids, is_lead=True).select_related("evaluator")
    previous = {sheet.assessment_id: display_name(sheet.evaluator) for sheet in current_leads}
    organization_texts = {
        pk: organization_text(name, code)
        for pk, name, code in Assessment.objects.filter(pk__in=assessment_ids).values_list(
            "pk", "organization__name", "organization__code"
        )
    }
    # Clear first: the database allows one lead per assessment at every moment.
    Sheet.objects.filter(assessment_id__in=assessment_ids, is_lead=True).update(is_lead=False)
    Sheet.objects.filter(assessment_id__in=assessment_ids, kind=SheetKind.REVIEW, evaluator=evaluator).update(
        is_lead=True
    )
    now, name = timezone.now(), display_name(evaluator)
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                assessment_id=pk, actor=user, at=now, action=AuditAction.ASSIGNMENT,
                old=_("主考评员：%(name)s") % {"name": previous[pk]} if pk in previous else "",
                new=_("主考评员：%(name)s") % {"name": name},
            )
            for pk in assessment_ids
        ],
        batch_size=2000,
    )
    record_assignments(
        round=round, user=user, action=AdminAction.UPDATE,
        rows=[(name, organization_texts[pk], [Change("is_lead", LEAD, previous.get(pk, ""), name)]) for pk in assessment_ids],
    )
    if round.merge_method == MergeMethod.LEAD:
        _recompute(round, assessment_ids)
    return len(assessment_ids)


def _recompute(round: Round, assessment_ids: list[int]) -> None:
    scored = Assessment.objects.filter(
        pk__in=assessment_ids, sheets__kind=SheetKind.REVIEW, sheets__scores__isnull=False
    ).distinct()
    items = outline_items(round.indicator_system)
    counting = []
    for assessment in scored:
        assessment.round = round
        if is_counted(assessment):
            counting.append(assessment.pk)
        recompute_results(assessment, items, report_stats=False)
        if is_counted(assessment):
            counting.append(assessment.pk)
    # Each ancestor once for the lot, not once per assessment.
    assessments_changed(assessment_ids=counting)


@transaction.atomic
def sheet_make_lead(*, sheet: Sheet, user: Any) -> int:
    assessment = sheet.assessment
    if sheet.kind != SheetKind.REVIEW:
        raise ValidationError(_("自评表没有主考评员。"), code="self_sheet")
    if assessment.state == AssessmentState.APPROVED:
        raise ValidationError(_("该考评已审核锁定，不能更换主考评员。"), code="locked")
    return round_set_lead(
        round=assessment.round, organizations=Organization.objects.filter(pk=assessment.organization_id),
        evaluator=sheet.evaluator, user=user,
    )


@transaction.atomic
def round_assign_evaluator(
    *, round: Round, organizations: QuerySet[Organization], evaluator: Any, lead: bool, user: Any
) -> Assigned:
    """Assign one evaluator to the active organizations given, leaving approved assessments be."""
    check_round_open(round)
    _check_evaluator(evaluator)
    approved = Assessment.objects.filter(round=round, state=AssessmentState.APPROVED).values("organization_id")
    skipped = organizations.filter(is_active=True, pk__in=approved).count()
    targets = organizations.filter(is_active=True).exclude(pk__in=approved)
    sheets = round_assign(round=round, organizations=targets, evaluator=evaluator, lead=False, user=user)
    leads = round_set_lead(round=round, organizations=targets, evaluator=evaluator, user=user) if lead else 0
    return Assigned(sheets=sheets, leads=leads, skipped_approved=skipped)


@transaction.atomic
def round_remove_assessment(*, assessment: Assessment, user: Any) -> None:
    """Take an organization out of a round it was added to by mistake, before any work was done."""
    assessment = Assessment.objects.select_for_update(of=("self",)).select_related("round").get(pk=assessment.pk)
    check_round_open(assessment.round)
    started = (
        assessment.state != AssessmentState.DRAFT
        or Score.objects.filter(sheet__assessment=assessment).exists()
        or Evidence.objects.filter(assessment=assessment).exists()
    )
    if started:
        raise ValidationError(
            _("该党组织已有评分、佐证材料或已提交，不能移出本批次。"), code="has_work"
        )
    evaluators = "、".join(
        display_name(sheet.evaluator)
        for sheet in Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).select_related("evaluator")
        .order_by("-is_lead", "pk")
    )
    organization = Organization.objects.values_list("name", "code").get(pk=assessment.organization_id)
    # Its own trail goes with it: it only ever recorded assignments of this assessment. The
    # round's history keeps that it was taken out, and from whom it took the assignments.
    assessment.delete()
    record_participants(
        round=assessment.round, user=user, organizations=[organization], action=AdminAction.REMOVE,
        changes=[Change("evaluators", EVALUATOR, evaluators, "")] if evaluators else [],
    )
