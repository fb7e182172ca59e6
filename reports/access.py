"""Who may read reports, and over which organizations. Every report page and export asks here.

Reports compare organizations, so they are for admins and for the propaganda-department
analysts over their subtrees. Everyone else gets 403. Out of scope is 404.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404

from assessments.access import get_assessment_for_user, visible_parts
from assessments.models import Assessment, Round
from orgs.models import Organization
from orgs.scope import AnyUser, grant_scope, roles_of


def can_view_reports(user: AnyUser) -> bool:
    roles = roles_of(user)
    return roles.is_admin or bool(roles.analyst_paths)


def require_reports(user: AnyUser) -> None:
    if not can_view_reports(user):
        raise PermissionDenied("reports are for admins and analysts")


def _org_scope(user: AnyUser, prefix: str = "") -> Q | None:
    # Reports compare organizations, so a reporter's own unit does not open them.
    return None if roles_of(user).is_admin else grant_scope(user, prefix, reporter=False)


def report_organizations(user: AnyUser) -> QuerySet[Organization]:
    require_reports(user)
    scope = _org_scope(user)
    return Organization.objects.all() if scope is None else Organization.objects.filter(scope)


def report_assessments(user: AnyUser) -> QuerySet[Assessment]:
    require_reports(user)
    scope = _org_scope(user, "organization__")
    return Assessment.objects.all() if scope is None else Assessment.objects.filter(scope)


def get_report_round(user: AnyUser, pk: int) -> Round:
    require_reports(user)
    round = Round.objects.select_related("indicator_system").filter(pk=pk).first()
    if round is None or not report_assessments(user).filter(round=round).exists():
        raise Http404("no such round in scope")
    return round


def get_report_organization(user: AnyUser, code: str) -> Organization:
    organization = report_organizations(user).filter(code=code).first()
    if organization is None:
        raise Http404("no such organization in scope")
    return organization


def get_sheet_assessment(user: AnyUser, pk: int) -> Assessment:
    """The official score sheet may be printed by anyone who may see the assessment (the
    evaluator who signs it, analysts, approvers) — and by the unit itself once approved, since
    it sees no merged score before then."""
    assessment = get_assessment_for_user(user, pk)
    if not visible_parts(user, assessment).result:
        raise Http404("the unit sees its sheet once approved")
    return assessment
