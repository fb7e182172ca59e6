"""Who may see and do what with assessments. Every view, export and download asks here.

Seeing: admins everything; analysts the assessments of their subtrees; evaluators the
assessments they are assigned to; approvers the assessments of the rounds they approve;
reporters their own unit's. Out of scope answers 404; a step the role may not take, 403.
Within an assessment, what each sees is `visible_parts`; the workflow steps each may take now,
`allowed_steps`, from the preconditions the services enforce (`step_refusal`). Where a list needs
the same rule as a filter (what waits for approval, the sheets one may still change), the filter
stands beside the rule: `approvable_by`, `sheets_editable_by`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import cast

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from assessments.models import (
    LOCKED_SHEET,
    Assessment,
    AssessmentState,
    Evidence,
    LockedError,
    Round,
    RoundState,
    Sheet,
    SheetKind,
    SheetState,
    WorkflowError,
)
from common.posted import posted_id
from orgs.access import require_admin
from orgs.scope import AnyUser, grant_scope, roles_of

EDITABLE_SHEET_STATES = (SheetState.DRAFT, SheetState.RETURNED)


def _own_scope(user: AnyUser) -> Q:
    """Assessments seen through the user's organization grants (analyst subtrees, reporter unit)."""
    return grant_scope(user, "organization__")


def _approving(user: User, round_ref: str) -> Exists:
    """`approves_round` as a filter, for anyone but an admin: the round at `round_ref` names the user."""
    return Exists(Round.approvers.through.objects.filter(round_id=OuterRef(round_ref), user_id=user.pk))


def _evaluating(user: User) -> Exists:
    """`evaluates` as a filter on Assessment: the user holds one of its review sheets."""
    return Exists(Sheet.objects.filter(assessment=OuterRef("pk"), kind=SheetKind.REVIEW, evaluator_id=user.pk))


def assessments_for_user(user: AnyUser) -> QuerySet[Assessment]:
    if not user.is_authenticated:
        return Assessment.objects.none()
    if roles_of(user).is_admin:
        return Assessment.objects.all()
    return Assessment.objects.filter(_own_scope(user) | _evaluating(user) | _approving(user, "round_id"))


def get_assessment_for_user(user: AnyUser, pk: int) -> Assessment:
    assessment = (
        assessments_for_user(user)
        .select_related("round", "round__indicator_system", "organization", "approved_by")
        .filter(pk=pk)
        .first()
    )
    if assessment is None:
        raise Http404("no such assessment in scope")
    return assessment


def is_reporter_for(user: AnyUser, assessment: Assessment) -> bool:
    return roles_of(user).reporter_organization_id == assessment.organization_id


def is_sheet_owner(user: AnyUser, sheet: Sheet) -> bool:
    """The sheet's author: the unit's reporter for the self-assessment, its evaluator for a review."""
    if sheet.kind == SheetKind.SELF:
        return is_reporter_for(user, sheet.assessment)
    return sheet.evaluator_id == user.pk


def approves_round(user: AnyUser, round: Round) -> bool:
    """Admins approve every round; anyone else the rounds that name them.

    The round's approvers are read once per round object (prefetched), so a page that asks for
    several steps and parts pays one query.
    """
    if not user.is_authenticated:
        return False
    if roles_of(user).is_admin:
        return True
    prefetch_related_objects([round], "approvers")
    return any(person.pk == user.pk for person in round.approvers.all())


def can_approve(user: AnyUser, assessment: Assessment) -> bool:
    return approves_round(user, assessment.round)


def can_reopen(user: AnyUser) -> bool:
    return roles_of(user).is_admin


def evaluates(user: AnyUser, assessment: Assessment) -> bool:
    """Whether the user holds a review sheet of the assessment (from its prefetched sheets, if any)."""
    sheets = getattr(assessment, "_prefetched_objects_cache", {}).get("sheets")
    if sheets is not None:
        return any(sheet.kind == SheetKind.REVIEW and sheet.evaluator_id == user.pk for sheet in sheets)
    return Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW, evaluator_id=user.pk).exists()


# --- what of an assessment a user is shown ------------------------------------------------------

@dataclass(frozen=True)
class Parts:
    """The parts of an assessment shown to one user, on its pages, its exports and its history."""

    reviews: bool  # the evaluators' sheets, their scores, and who the evaluators are
    result: bool  # the merged result: item, category and total scores, and the official score sheet


def visible_parts(user: AnyUser, assessment: Assessment) -> Parts:
    """Everyone in scope sees every part but the unit itself: it never learns who reviews it or what
    each evaluator gave, and it sees its merged result once that is final (approved)."""
    reviews = not is_reporter_for(user, assessment) or roles_of(user).is_admin
    return Parts(reviews=reviews, result=reviews or assessment.state == AssessmentState.APPROVED)


def sees_disagreement(user: AnyUser, round: Round) -> bool:
    """Disagreement between evaluators is a signal for whoever approves or oversees, not for the scorers."""
    roles = roles_of(user)
    return roles.is_admin or bool(roles.analyst_paths) or approves_round(user, round)


# --- the workflow steps a user may take now --------------------------------------------------------

class Step(StrEnum):
    """The steps of the workflow; `assessments.services` takes each (scoring: save; workflow: the rest)."""

    SAVE = "save"
    SUBMIT = "submit"
    RETURN = "return"
    APPROVE = "approve"
    REOPEN = "reopen"


SHEET_STEPS = (Step.SAVE, Step.SUBMIT)
ASSESSMENT_STEPS = (Step.RETURN, Step.APPROVE, Step.REOPEN)
Refusal = PermissionDenied | ValidationError


def may_edit_sheet(user: AnyUser, sheet: Sheet) -> bool:
    """The sheet's author, while it is a draft or returned and its assessment not locked (`sheets_editable_by`)."""
    if not user.is_authenticated or sheet.state not in EDITABLE_SHEET_STATES:
        return False
    if sheet.assessment.is_locked:
        return False
    return is_sheet_owner(user, sheet)


def sheets_editable_by(user: AnyUser) -> Q:
    """`may_edit_sheet` as a filter on Sheet, for lists: the sheets the user may save now."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    own = Q(kind=SheetKind.REVIEW, evaluator_id=user.pk)
    reporter_organization_id = roles_of(user).reporter_organization_id
    if reporter_organization_id is not None:
        own |= Q(kind=SheetKind.SELF, assessment__organization_id=reporter_organization_id)
    return own & Q(state__in=EDITABLE_SHEET_STATES) & ~LOCKED_SHEET


def _sheet_refusal(user: AnyUser, sheet: Sheet) -> Refusal | None:
    if sheet.assessment.is_locked:
        return LockedError()
    if not may_edit_sheet(user, sheet):
        return PermissionDenied("this sheet is not editable by this user")
    return None


def step_refusal(user: AnyUser, assessment: Assessment, step: Step, *, sheet: Sheet | None = None) -> Refusal | None:
    """Why the user may not take `step` now, or None if they may.

    The one statement of each step's preconditions: `allowed_steps` shows what passes them and the
    services refuse what does not, under their row locks. A sheet's steps need the sheet. Refusals
    come in the order the services meet them: the role (PermissionDenied), the lock or the closed
    round (LockedError), the state (WorkflowError). What only the step's own input decides (a
    reason, every item scored, a lead evaluator, a total) each service checks after this.
    """
    if step in SHEET_STEPS:
        if sheet is None or sheet.assessment_id != assessment.pk:
            raise ValueError(f"the step {step} is taken on a sheet of the assessment")
        return _sheet_refusal(user, sheet)
    if step == Step.REOPEN:
        if not can_reopen(user):
            return PermissionDenied("only admins reopen approved assessments")
    elif not can_approve(user, assessment):
        return PermissionDenied("not an approver of this round")
    if not assessment.round.is_open:
        return LockedError()
    if step == Step.REOPEN:
        if assessment.state != AssessmentState.APPROVED:
            return WorkflowError(_("只有已审核的考评需要重新打开。"), code="not_approved")
        return None
    if assessment.state != AssessmentState.SUBMITTED:
        if step == Step.RETURN:
            return WorkflowError(_("只有待审核的考评可以退回。"), code="not_submitted")
        return WorkflowError(_("只有待审核的考评可以审核通过。"), code="not_submitted")
    if step == Step.APPROVE and evaluates(user, assessment):
        return WorkflowError(_("您是该单位的考评员，不能审核自己参与评分的结果。"), code="own_review")
    return None


def approvable_by(user: AnyUser) -> Q:
    """`step_refusal`'s preconditions of Step.APPROVE as a filter on Assessment, for lists: an
    approver of the round (every round, for an admin), the round open, the assessment submitted,
    and none of its review sheets the user's own."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    waiting = Q(state=AssessmentState.SUBMITTED, round__state=RoundState.OPEN) & ~Q(_evaluating(user))
    return waiting if roles_of(user).is_admin else waiting & Q(_approving(user, "round_id"))


def ensure_step(user: AnyUser, assessment: Assessment, step: Step, *, sheet: Sheet | None = None) -> None:
    refusal = step_refusal(user, assessment, step, sheet=sheet)
    if refusal is not None:
        raise refusal


def ensure_step_role(user: AnyUser, assessment: Assessment, step: Step) -> None:
    """Refuse with 403 whoever's role never allows the step here, whatever the state or the input."""
    refusal = step_refusal(user, assessment, step)
    if isinstance(refusal, PermissionDenied):
        raise refusal


def allowed_steps(user: AnyUser, assessment: Assessment, sheet: Sheet | None = None) -> frozenset[Step]:
    """The steps the user may take now: on the sheet if one is given, else on the assessment."""
    steps = SHEET_STEPS if sheet is not None else ASSESSMENT_STEPS
    return frozenset(step for step in steps if step_refusal(user, assessment, step, sheet=sheet) is None)


def get_sheet_for_user(user: AnyUser, assessment: Assessment, pk: int) -> Sheet:
    sheet = Sheet.objects.select_related("evaluator").filter(assessment=assessment, pk=pk).first()
    if sheet is None:
        raise Http404("no such sheet")
    sheet.assessment = assessment
    if sheet.kind == SheetKind.REVIEW and sheet.evaluator_id != user.pk and not visible_parts(user, assessment).reviews:
        raise Http404("review sheets are not shown to the unit")
    return sheet


def rounds_for_user(user: AnyUser) -> QuerySet[Round]:
    """Admins see every round; others the rounds in which they see an assessment or approve."""
    if not user.is_authenticated:
        return Round.objects.none()
    if roles_of(user).is_admin:
        return Round.objects.all()
    in_scope = Exists(assessments_for_user(user).filter(round=OuterRef("pk")))
    return Round.objects.filter(in_scope | _approving(user, "pk"))


def get_round_for_user(user: AnyUser, pk: int) -> Round:
    round = rounds_for_user(user).select_related("indicator_system", "previous").filter(pk=pk).first()
    if round is None:
        raise Http404("no such round in scope")
    return round


def get_round_to_manage(user: AnyUser, pk: int) -> Round:
    require_admin(user)
    return get_object_or_404(Round.objects.select_related("indicator_system"), pk=pk)


def get_sheet_to_manage(round: Round, pk: str) -> Sheet:
    """A review sheet of a round the caller manages (`get_round_to_manage`), by its posted pk; 404 otherwise."""
    sheet = (
        Sheet.objects.select_related("assessment__round", "assessment__organization", "evaluator")
        .filter(pk=posted_id(pk) or 0, assessment__round=round, kind=SheetKind.REVIEW)
        .first()
    )
    if sheet is None:
        raise Http404("no such sheet in this round")
    return sheet


def get_assessment_to_manage(round: Round, pk: str) -> Assessment:
    """A participant of a round the caller manages (`get_round_to_manage`), by its posted pk; 404 otherwise."""
    assessment = Assessment.objects.select_related("organization").filter(pk=posted_id(pk) or 0, round=round).first()
    if assessment is None:
        raise Http404("no such assessment in this round")
    return assessment


def get_round_for_evaluator(user: User, pk: int) -> Round:
    """The round, if the user holds review sheets in it; 404 otherwise, whoever they are."""
    mine = Sheet.objects.filter(assessment__round=OuterRef("pk"), kind=SheetKind.REVIEW, evaluator=user)
    round = Round.objects.select_related("indicator_system").filter(pk=pk).filter(Exists(mine)).first()
    if round is None:
        raise Http404("no sheets of this user in this round")
    return round


def get_evidence_for_user(user: AnyUser, pk: int) -> Evidence:
    evidence = Evidence.objects.select_related("item", "uploaded_by").filter(pk=pk).first()
    if evidence is None:
        raise Http404("no such evidence")
    # Whoever may not see the assessment gets the same 404 as for a file that does not exist.
    evidence.assessment = get_assessment_for_user(user, evidence.assessment_id)
    return evidence


def _not_unit_reporter(user: AnyUser, assessment: Assessment) -> PermissionDenied | None:
    if is_reporter_for(user, assessment):
        return None
    return PermissionDenied("only the unit's reporter changes its evidence")


def _ensure_unit_reporter(user: AnyUser, assessment: Assessment) -> None:
    # Asked before anything posted is read: the refusal never depends on what was sent.
    refusal = _not_unit_reporter(user, assessment)
    if refusal is not None:
        raise refusal


def get_assessment_for_evidence(user: AnyUser, pk: int) -> Assessment:
    """The assessment whose evidence the user adds: 404 out of scope, 403 to all but the unit's reporter."""
    assessment = get_assessment_for_user(user, pk)
    _ensure_unit_reporter(user, assessment)
    return assessment


def get_evidence_to_change(user: AnyUser, pk: int) -> Evidence:
    """A file the user removes: 404 as for `get_evidence_for_user`, 403 to all but the unit's reporter."""
    evidence = get_evidence_for_user(user, pk)
    _ensure_unit_reporter(user, evidence.assessment)
    return evidence


def evidence_refusal(user: AnyUser, assessment: Assessment, self_sheet: Sheet | None) -> Refusal | None:
    """Why the user may not add or remove the unit's evidence now, or None if they may.

    Evidence belongs to the self-assessment: only the unit's reporter changes it, while the
    assessment is not locked and its self sheet (`self_sheet`) is still a draft or returned.
    Refusals in that order: LockedError, PermissionDenied, ValidationError "self_submitted".
    """
    if assessment.is_locked:
        return LockedError()
    refusal = _not_unit_reporter(user, assessment)
    if refusal is not None:
        return refusal
    if self_sheet is None or self_sheet.state not in EDITABLE_SHEET_STATES:
        return ValidationError(_("自评表已提交，不能再修改佐证材料。"), code="self_submitted")
    return None


def _self_sheet(assessment: Assessment) -> Sheet | None:
    return Sheet.objects.filter(assessment=assessment, kind=SheetKind.SELF).first()


def can_change_evidence(user: AnyUser, assessment: Assessment, self_sheet: Sheet | None = None) -> bool:
    """Whether `evidence_refusal` lets the user change evidence now: the upload and delete controls.

    `self_sheet` is the assessment's self sheet where the caller holds it; else it is read.
    """
    return evidence_refusal(user, assessment, _self_sheet(assessment) if self_sheet is None else self_sheet) is None


def ensure_evidence_change(user: AnyUser, assessment: Assessment) -> Sheet:
    """The unit's self sheet, which an evidence change is recorded against; raises `evidence_refusal`'s refusal."""
    self_sheet = _self_sheet(assessment)
    refusal = evidence_refusal(user, assessment, self_sheet)
    if refusal is not None:
        raise refusal
    return cast(Sheet, self_sheet)  # evidence_refusal refuses a missing self sheet


def evaluator_organizations(user: AnyUser) -> Q | None:
    """Scope provider for orgs: the units a user evaluates or approves in any round."""
    if not user.is_authenticated:
        return None
    assigned = Sheet.objects.filter(kind=SheetKind.REVIEW, evaluator=user).values("assessment__organization_id")
    approving = Assessment.objects.filter(_approving(user, "round_id")).values("organization_id")
    return Q(pk__in=assigned) | Q(pk__in=approving)

