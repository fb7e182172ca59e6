"""The one place that decides whether a user may see or change an organization.

Out of scope answers 404 (the organization does not exist for this user); in scope but not
allowed for the role answers 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404

from orgs.models import Organization
from orgs.scope import AnyUser, roles_of, visible_organizations


def can_manage_organizations(user: AnyUser) -> bool:
    return roles_of(user).is_admin


def can_manage_people(user: AnyUser) -> bool:
    return roles_of(user).is_admin


def require_admin(user: AnyUser) -> None:
    if not roles_of(user).is_admin:
        raise PermissionDenied("admins only")


def get_organization_for_user(user: AnyUser, code: str, *, manage: bool = False) -> Organization:
    organization = visible_organizations(user).filter(code=code).first()
    if organization is None:
        raise Http404("no such organization in scope")
    if manage:
        require_admin(user)
    return organization
