"""The steps of an assessment: submit, return, approve, reopen. Each is one transaction that
records itself in the history."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.access import can_approve, can_reopen, ensure_can_edit_sheet
from assessments.models import (
    Assessment,
    AssessmentState,
    AuditAction,
    AuditEvent,
    LockedError,
    MergeMethod,
    Score,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.services.locking import locked_sheet
from indicators.models import Item


class WorkflowError(ValidationError):
    """A step that the assessment's current state does not allow."""


def _record(assessment: Assessment, user: Any, old: str, new: str, note: str = "", sheet: Sheet | None = None,
            sheet_version: int | None = None) -> None:
    AuditEvent.objects.create(
        assessment=assessment, sheet=sheet, actor=user, action=AuditAction.STATE,
        old=old, new=new, note=note, sheet_version=sheet_version,
    )


def _locked_assessment(assessment: Assessment) -> Assessment:
    return Assessment.objects.select_for_update(of=("self",)).select_related("round").get(pk=assessment.pk)


@transaction.atomic
def sheet_submit(*, sheet: Sheet, user: Any) -> Sheet:
    sheet = locked_sheet(sheet)
    ensure_can_edit_sheet(user, sheet)
    items = Item.objects.filter(system_id=sheet.assessment.round.indicator_system_id).count()
    scored = Score.objects.filter(sheet=sheet, score__isnull=False).count()
    if scored < items:
        raise WorkflowError(
            _("还有 %(missing)s 个子项目没有评分，全部评分后才能提交。") % {"missing": items - scored},
            code="incomplete",
        )
    old = sheet.get_state_display()
    sheet.state, sheet.submitted_at, sheet.version = SheetState.SUBMITTED, timezone.now(), sheet.version + 1
    sheet.save(update_fields=["state", "submitted_at", "version", "updated_at"])
    _record(sheet.assessment, user, str(old), str(sheet.get_state_display()), sheet=sheet, sheet_version=sheet.version)
    if sheet.kind == SheetKind.REVIEW:
        assessment = sheet.assessment
        pending = Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).exclude(state=SheetState.SUBMITTED)
        if not pending.exists():
            old = assessment.get_state_display()
            assessment.state, assessment.submitted_at = AssessmentState.SUBMITTED, timezone.now()
            assessment.save(update_fields=["state", "submitted_at"])
            _record(assessment, user, str(old), str(assessment.get_state_display()))
    return sheet


def _check_approver(user: Any, assessment: Assessment) -> None:
    if not can_approve(user, assessment):
        raise PermissionDenied("not an approver of this round")
    if not assessment.round.is_open:
        raise LockedError()


def _reopen_review_sheets(assessment: Assessment) -> None:
    Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).update(
        state=SheetState.RETURNED, version=F("version") + 1, updated_at=timezone.now()
    )


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError({"reason": _("请填写理由。")}, code="reason_required")
    return reason


@transaction.atomic
def assessment_return(*, assessment: Assessment, user: Any, reason: str) -> Assessment:
    assessment = _locked_assessment(assessment)
    _check_approver(user, assessment)
    if assessment.state != AssessmentState.SUBMITTED:
        raise WorkflowError(_("只有待审核的考评可以退回。"), code="not_submitted")
    reason = _required_reason(reason)
    old = assessment.get_state_display()
    assessment.state, assessment.returned_reason = AssessmentState.RETURNED, reason
    assessment.save(update_fields=["state", "returned_reason"])
    _reopen_review_sheets(assessment)
    _record(assessment, user, str(old), str(assessment.get_state_display()), note=reason)
    return assessment


@transaction.atomic
def assessment_approve(*, assessment: Assessment, user: Any) -> Assessment:
    assessment = _locked_assessment(assessment)
    _check_approver(user, assessment)
    if assessment.state != AssessmentState.SUBMITTED:
        raise WorkflowError(_("只有待审核的考评可以审核通过。"), code="not_submitted")
    reviews = Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW)
    if reviews.filter(evaluator=user).exists():
        raise WorkflowError(_("您是该单位的考评员，不能审核自己参与评分的结果。"), code="own_review")
    if assessment.round.merge_method == MergeMethod.LEAD and not reviews.filter(is_lead=True).exists():
        raise WorkflowError(_("本批次按主考评员评分合成，但该单位没有指定主考评员。"), code="no_lead")
    if assessment.total is None:
        raise WorkflowError(_("该考评还没有得分，不能审核通过。"), code="no_total")
    old = assessment.get_state_display()
    assessment.state, assessment.approved_at, assessment.approved_by = AssessmentState.APPROVED, timezone.now(), user
    assessment.save(update_fields=["state", "approved_at", "approved_by"])
    _record(assessment, user, str(old), str(assessment.get_state_display()))
    return assessment


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user: Any, reason: str) -> Assessment:
    assessment = _locked_assessment(assessment)
    if not can_reopen(user):
        raise PermissionDenied("only admins reopen approved assessments")
    if not assessment.round.is_open:
        raise LockedError()
    if assessment.state != AssessmentState.APPROVED:
        raise WorkflowError(_("只有已审核的考评需要重新打开。"), code="not_approved")
    reason = _required_reason(reason)
    old = assessment.get_state_display()
    assessment.state, assessment.returned_reason = AssessmentState.RETURNED, reason
    assessment.approved_at = assessment.approved_by = None
    assessment.save(update_fields=["state", "returned_reason", "approved_at", "approved_by"])
    _reopen_review_sheets(assessment)
    _record(assessment, user, str(old), str(assessment.get_state_display()), note=reason)
    return assessment
