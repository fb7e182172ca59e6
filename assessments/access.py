"""Who may see and do what with assessments. Every view, export and download asks here.

Seeing: admins everything; analysts the assessments of their subtrees; evaluators the
assessments they are assigned to; approvers the assessments of the rounds they approve;
reporters their own unit's. Out of scope answers 404; a step the role may not take, 403.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from assessments.models import Assessment, Evidence, LockedError, Round, Sheet, SheetKind, SheetState
from orgs.access import require_admin
from orgs.scope import AnyUser, grant_scope, roles_of

EDITABLE_SHEET_STATES = (SheetState.DRAFT, SheetState.RETURNED)


def _own_scope(user: AnyUser) -> Q:
    """Assessments seen through the user's organization grants (analyst subtrees, reporter unit)."""
    return grant_scope(user, "organization__")


def assessments_for_user(user: AnyUser) -> QuerySet[Assessment]:
    if not user.is_authenticated:
        return Assessment.objects.none()
    if roles_of(user).is_admin:
        return Assessment.objects.all()
    assigned = Exists(Sheet.objects.filter(assessment=OuterRef("pk"), kind=SheetKind.REVIEW, evaluator=user))
    approving = Exists(Round.approvers.through.objects.filter(round_id=OuterRef("round_id"), user_id=user.pk))
    return Assessment.objects.filter(_own_scope(user) | assigned | approving)


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


def can_approve(user: AnyUser, assessment: Assessment) -> bool:
    if not user.is_authenticated:
        return False
    if roles_of(user).is_admin:
        return True
    return assessment.round.approvers.filter(pk=user.pk).exists()


def can_reopen(user: AnyUser) -> bool:
    return roles_of(user).is_admin


def can_see_review_sheets(user: AnyUser, assessment: Assessment) -> bool:
    """Everyone in scope but the unit itself, which sees its result once approved."""
    return not is_reporter_for(user, assessment) or roles_of(user).is_admin


def may_edit_sheet(user: AnyUser, sheet: Sheet) -> bool:
    if not user.is_authenticated or sheet.state not in EDITABLE_SHEET_STATES:
        return False
    if sheet.assessment.is_locked:
        return False
    return is_sheet_owner(user, sheet)


def ensure_can_edit_sheet(user: AnyUser, sheet: Sheet) -> None:
    if sheet.assessment.is_locked:
        raise LockedError()
    if not may_edit_sheet(user, sheet):
        raise PermissionDenied("this sheet is not editable by this user")


def get_sheet_for_user(user: AnyUser, assessment: Assessment, pk: int) -> Sheet:
    sheet = Sheet.objects.select_related("evaluator").filter(assessment=assessment, pk=pk).first()
    if sheet is None:
        raise Http404("no such sheet")
    sheet.assessment = assessment
    if sheet.kind == SheetKind.REVIEW and sheet.evaluator_id != user.pk and not can_see_review_sheets(user, assessment):
        raise Http404("review sheets are not shown to the unit")
    return sheet


def rounds_for_user(user: AnyUser) -> QuerySet[Round]:
    """Admins see every round; others the rounds in which they see an assessment or approve."""
    if not user.is_authenticated:
        return Round.objects.none()
    if roles_of(user).is_admin:
        return Round.objects.all()
    in_scope = Exists(assessments_for_user(user).filter(round=OuterRef("pk")))
    approving = Exists(Round.approvers.through.objects.filter(round_id=OuterRef("pk"), user_id=user.pk))
    return Round.objects.filter(in_scope | approving)


def get_round_for_user(user: AnyUser, pk: int) -> Round:
    round = rounds_for_user(user).select_related("indicator_system", "previous").filter(pk=pk).first()
    if round is None:
        raise Http404("no such round in scope")
    return round


def get_round_to_manage(user: AnyUser, pk: int) -> Round:
    require_admin(user)
    return get_object_or_404(Round.objects.select_related("indicator_system"), pk=pk)


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


def evaluator_organizations(user: AnyUser) -> Q | None:
    """Scope provider for orgs: the units a user evaluates or approves in any round."""
    if not user.is_authenticated:
        return None
    assigned = Sheet.objects.filter(kind=SheetKind.REVIEW, evaluator=user).values("assessment__organization_id")
    approving = Assessment.objects.filter(round__approvers=user).values("organization_id")
    return Q(pk__in=assigned) | Q(pk__in=approving)

