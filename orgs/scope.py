"""What part of the organization tree a user may see.

Roles are read once per request and kept on the user object. Apps further down the dependency
chain add to a user's scope through `register_scope_provider` (assessments adds the units an
evaluator is assigned in a round), so this module never imports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet

from common.typing import AnyUser
from orgs.models import Organization, Role, RoleGrant, subtree_of

ScopeProvider = Callable[[User], Q | None]
_providers: list[ScopeProvider] = []


@dataclass(frozen=True)
class UserRoles:
    roles: frozenset[str]
    analyst_paths: tuple[str, ...] = ()
    reporter_organization_id: int | None = None
    superuser: bool = False

    @property
    def is_admin(self) -> bool:
        return self.superuser or Role.ADMIN in self.roles

    def has(self, role: str) -> bool:
        return self.is_admin if role == Role.ADMIN else role in self.roles


NO_ROLES = UserRoles(roles=frozenset())


def roles_of(user: AnyUser) -> UserRoles:
    if not user.is_authenticated or not user.is_active:
        return NO_ROLES
    cached = getattr(user, "_kaoping_roles", None)
    if cached is None:
        grants = RoleGrant.objects.filter(user=user).values_list(
            "role", "organization_id", "organization__path"
        )
        roles, paths, reporter_org = set(), [], None
        for role, organization_id, path in grants:
            roles.add(role)
            if role == Role.ANALYST:
                paths.append(path)
            elif role == Role.REPORTER:
                reporter_org = organization_id
        cached = UserRoles(
            roles=frozenset(roles),
            analyst_paths=tuple(sorted(paths)),
            reporter_organization_id=reporter_org,
            superuser=bool(getattr(user, "is_superuser", False)),
        )
        user._kaoping_roles = cached  # type: ignore[attr-defined]  # a per-request cache on the user object
    return cached


def forget_roles(user: AnyUser) -> None:
    """Drop the per-request cache after the user's grants changed."""
    user.__dict__.pop("_kaoping_roles", None)


def register_scope_provider(provider: ScopeProvider) -> None:
    if provider not in _providers:
        _providers.append(provider)


def grant_scope(user: AnyUser, prefix: str = "", *, reporter: bool = True) -> Q:
    """The organizations the user's own grants reach: each analyst subtree and, unless
    `reporter` is False, the reporter's unit. A filter on the Organization at `prefix`
    ("organization__" from an assessment); admins' everything is the caller's to decide."""
    roles = roles_of(user)
    scope = Q(**{f"{prefix}pk__in": []})
    for path in roles.analyst_paths:
        scope |= subtree_of(path, prefix)
    if reporter and roles.reporter_organization_id is not None:
        scope |= Q(**{f"{prefix}pk": roles.reporter_organization_id})
    return scope


def organization_scope(user: AnyUser) -> Q | None:
    """A filter on Organization for the user's scope; None means the whole tree."""
    if roles_of(user).is_admin:
        return None
    scope = grant_scope(user)
    if user.is_authenticated:
        for provider in _providers:
            extra = provider(user)
            if extra is not None:
                scope |= extra
    return scope


def visible_organizations(user: AnyUser) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    scope = organization_scope(user)
    queryset = Organization.objects.all()
    return queryset if scope is None else queryset.filter(scope)
