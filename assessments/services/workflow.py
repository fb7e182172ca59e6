"""The steps of an assessment: submit, return, approve, reopen, and the moves between scoring
and approval that a change of evaluators brings. Each is one transaction that records itself
in the history.

Who may take a step in which state is `assessments.access.step_refusal`, the same rule the pages
show through `allowed_steps`; each step here asks it again under the row lock, then checks what
only its own input decides.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from assessments.access import Step, ensure_step
from assessments.models import (
    Assessment,
    AssessmentState,
    AuditAction,
    AuditEvent,
    MergeMethod,
    Score,
    Sheet,
    SheetKind,
    SheetState,
    WorkflowError,
)
from assessments.services.locking import locked_sheet
from assessments.services.report_stats import assessment_changed, assessments_changed, is_counted
from indicators.models import Item

# The states in which evaluators are still at work on an assessment.
SCORING_STATES = (AssessmentState.DRAFT, AssessmentState.RETURNED)


def _record(assessment: Assessment, user: Any, old: str, new: str, note: str = "", sheet: Sheet | None = None,
            sheet_version: int | None = None) -> None:
    AuditEvent.objects.create(
        assessment=assessment, sheet=sheet, actor=user, action=AuditAction.STATE,
        old=old, new=new, note=note, sheet_version=sheet_version,
    )


def _locked_assessment(assessment: Assessment) -> Assessment:
    # The organization's path says whose report aggregates a step repairs.
    return Assessment.objects.select_for_update(of=("self",)).select_related("round", "organization").get(
        pk=assessment.pk
    )


def _submit_if_reviewed(assessment: Assessment, user: Any) -> bool:
    """An assessment being scored waits for approval once it has review sheets and all are in."""
    if assessment.state not in SCORING_STATES:
        return False
    states = set(
        Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).values_list("state", flat=True).distinct()
    )
    if states != {SheetState.SUBMITTED}:
        return False
    old = assessment.get_state_display()
    assessment.state, assessment.submitted_at = AssessmentState.SUBMITTED, timezone.now()
    assessment.save(update_fields=["state", "submitted_at"])
    assessment_changed(assessment, counted_before=False)
    _record(assessment, user, str(old), str(assessment.get_state_display()))
    return True


@transaction.atomic
def sheet_submit(*, sheet: Sheet, user: Any) -> Sheet:
    sheet = locked_sheet(sheet)
    ensure_step(user, sheet.assessment, Step.SUBMIT, sheet=sheet)
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
        _submit_if_reviewed(sheet.assessment, user)
    return sheet


@transaction.atomic
def assessment_submit_if_reviewed(*, assessment: Assessment, user: Any) -> bool:
    """After an evaluator was taken off: if the ones left have all submitted, it waits for approval."""
    return _submit_if_reviewed(_locked_assessment(assessment), user)


@transaction.atomic
def assessments_back_to_scoring(*, assessment_ids: Iterable[int], user: Any) -> int:
    """Assessments waiting for approval that gained an evaluator: back to scoring, to hear from them.

    In bulk, since an assignment can reach a whole district at once; one history row each.
    """
    waiting = list(
        Assessment.objects.select_for_update()
        .filter(pk__in=list(assessment_ids), state=AssessmentState.SUBMITTED)
        .values_list("pk", flat=True)
    )
    if not waiting:
        return 0
    Assessment.objects.filter(pk__in=waiting).update(state=AssessmentState.DRAFT, submitted_at=None)
    assessments_changed(assessment_ids=waiting)
    now = timezone.now()
    old, new = str(AssessmentState.SUBMITTED.label), str(AssessmentState.DRAFT.label)
    AuditEvent.objects.bulk_create(
        [AuditEvent(assessment_id=pk, actor=user, at=now, action=AuditAction.STATE, old=old, new=new) for pk in waiting],
        batch_size=2000,
    )
    return len(waiting)


def _required_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkflowError({"reason": _("请填写理由。")}, code="reason_required")
    return reason


def _send_back(assessment: Assessment, user: Any, reason: str, *, also: Iterable[str] = ()) -> Assessment:
    """Back to the evaluators with the reason (a return or a reopening): the assessment returned,
    their sheets open again, the step recorded. `also` are fields the caller changed as well."""
    old, counted_before = assessment.get_state_display(), is_counted(assessment)
    assessment.state, assessment.returned_reason = AssessmentState.RETURNED, reason
    assessment.save(update_fields=["state", "returned_reason", *also])
    assessment_changed(assessment, counted_before=counted_before)
    Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).update(
        state=SheetState.RETURNED, version=F("version") + 1, updated_at=timezone.now()
    )
    _record(assessment, user, str(old), str(assessment.get_state_display()), note=reason)
    return assessment


@transaction.atomic
def assessment_return(*, assessment: Assessment, user: Any, reason: str) -> Assessment:
    assessment = _locked_assessment(assessment)
    ensure_step(user, assessment, Step.RETURN)
    return _send_back(assessment, user, _required_reason(reason))


@transaction.atomic
def assessment_approve(*, assessment: Assessment, user: Any) -> Assessment:
    assessment = _locked_assessment(assessment)
    ensure_step(user, assessment, Step.APPROVE)
    if (
        assessment.round.merge_method == MergeMethod.LEAD
        and not Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW, is_lead=True).exists()
    ):
        raise WorkflowError(_("本批次按主考评员评分合成，但该单位没有指定主考评员。"), code="no_lead")
    if assessment.total is None:
        raise WorkflowError(_("该考评还没有得分，不能审核通过。"), code="no_total")
    old, counted_before = assessment.get_state_display(), is_counted(assessment)
    assessment.state, assessment.approved_at, assessment.approved_by = AssessmentState.APPROVED, timezone.now(), user
    assessment.save(update_fields=["state", "approved_at", "approved_by"])
    assessment_changed(assessment, counted_before=counted_before)
    _record(assessment, user, str(old), str(assessment.get_state_display()))
    return assessment


@transaction.atomic
def assessment_reopen(*, assessment: Assessment, user: Any, reason: str) -> Assessment:
    assessment = _locked_assessment(assessment)
    ensure_step(user, assessment, Step.REOPEN)
    reason = _required_reason(reason)
    assessment.approved_at = assessment.approved_by = None
    return _send_back(assessment, user, reason, also=["approved_at", "approved_by"])
