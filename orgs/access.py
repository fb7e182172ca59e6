"""The one place that decides whether a user may see or change an organization or a user account.

Out of scope answers 404 (the organization does not exist for this user); in scope but not
allowed for the role answers 403.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from orgs.models import Organization, RoleGrant
from orgs.scope import AnyUser, roles_of, visible_organizations


def can_manage_organizations(user: AnyUser) -> bool:
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


def get_person_for_user(user: AnyUser, pk: int) -> User:
    """The access helper for user accounts: admins only, and superusers only by superusers.

    An admin by role who could set a superuser's password could become that superuser, and
    with it gain Django admin, which the role alone does not give.
    """
    require_admin(user)
    person = get_object_or_404(get_user_model(), pk=pk)
    if person.is_superuser and not user.is_superuser:
        raise PermissionDenied("only superusers manage superusers")
    return person


def get_grant_of_person(person: User, pk: int) -> RoleGrant:
    """One of the grants of a person already fetched by `get_person_for_user`; 404 for any other."""
    return get_object_or_404(RoleGrant.objects.select_related("organization", "user"), pk=pk, user=person)
