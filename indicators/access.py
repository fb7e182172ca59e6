"""Who may see which edition. Every view and export that takes an edition goes through here."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from common.typing import AnyUser
from indicators.models import IndicatorSystem, VersionStatus

MANAGE_PERMISSION = "indicators.change_indicatorsystem"


def can_manage_versions(user: AnyUser) -> bool:
    return user.is_active and user.has_perm(MANAGE_PERMISSION)


def versions_for_user(user: AnyUser) -> QuerySet[IndicatorSystem]:
    """Published and archived editions are reference data for everyone; drafts are the admins'."""
    if not user.is_authenticated:
        return IndicatorSystem.objects.none()
    queryset = IndicatorSystem.objects.all()
    if not can_manage_versions(user):
        queryset = queryset.exclude(status=VersionStatus.DRAFT)
    return queryset


def published_versions_for_user(user: AnyUser) -> QuerySet[IndicatorSystem]:
    """`versions_for_user` less the drafts, for anyone: without the permission lookup (two queries
    for anyone but a superuser) that only decides about drafts."""
    if not user.is_authenticated:
        return IndicatorSystem.objects.none()
    return IndicatorSystem.objects.filter(status=VersionStatus.PUBLISHED)


def get_version_for_user(user: AnyUser, code: str) -> IndicatorSystem:
    try:
        return versions_for_user(user).get(code=code)
    except IndicatorSystem.DoesNotExist:
        raise Http404("no such edition in scope") from None


def require_version_manager(user: AnyUser) -> None:
    if not can_manage_versions(user):
        raise PermissionDenied("indicator version managers only")


def get_version_to_manage(user: AnyUser, code: str) -> IndicatorSystem:
    """The edition for an admin page: 404 outside the user's view first, then 403 for non-admins."""
    system = get_version_for_user(user, code)
    if not can_manage_versions(user):
        raise PermissionDenied("only admins manage editions")
    return system
