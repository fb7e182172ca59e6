"""Reads of user accounts for the people pages."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from orgs.models import Role, RoleGrant

# A person's grants are listed by role, then by the organization's place in the tree.
GRANT_ORDER = ("role", "organization__path")


def users_matching(query: str, role: str) -> QuerySet[User]:
    """Users whose username or name contains `query`, holding `role` if it is one, with their grants."""
    people = User.objects.order_by("username")
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(first_name__icontains=query) | Q(last_name__icontains=query)
        )
    if role in Role.values:
        holds = Q(Exists(RoleGrant.objects.filter(user=OuterRef("pk"), role=role)))
        # Superusers act as admins without a grant, so the admin filter must list them too.
        people = people.filter((holds | Q(is_superuser=True)) if role == Role.ADMIN else holds)
    # One query for the grants of the whole page, whatever the number of users or grants.
    grants = RoleGrant.objects.select_related("organization").order_by(*GRANT_ORDER)
    return people.prefetch_related(Prefetch("role_grants", queryset=grants))


def grants_of(person: User) -> QuerySet[RoleGrant]:
    """The person's grants with their organizations, in the order the people pages list them."""
    return person.role_grants.select_related("organization").order_by(*GRANT_ORDER)
