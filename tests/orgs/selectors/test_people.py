"""A person's grants, as the people pages list them: by role, then by place in the tree."""

from __future__ import annotations

import pytest

from orgs.models import Role
from orgs.selectors.people import grants_of, users_matching
from tests.factories import OrganizationFactory, RoleGrantFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def person():
    city = OrganizationFactory(code="CITY", name="市委")
    zhongshan = OrganizationFactory(parent=city, code="ZS", name="中山区委")
    xigang = OrganizationFactory(parent=city, code="XG", name="西岗区委")
    person = UserFactory(username="many")
    RoleGrantFactory(user=person, role=Role.REPORTER, organization=OrganizationFactory(parent=zhongshan, code="ZS-1"))
    RoleGrantFactory(user=person, role=Role.ANALYST, organization=zhongshan)
    RoleGrantFactory(user=person, role=Role.ANALYST, organization=city)
    RoleGrantFactory(user=person, role=Role.ANALYST, organization=xigang)
    RoleGrantFactory(user=UserFactory(), role=Role.ANALYST, organization=city)  # someone else's
    return person


def listed(grants) -> list[tuple[str, str]]:
    return [(grant.role, grant.organization.code) for grant in grants]


def test_a_persons_grants_come_by_role_then_tree_with_their_organizations(person, django_assert_num_queries):
    with django_assert_num_queries(1):
        grants = listed(grants_of(person))

    # treebeard numbers siblings in the order they were added: 中山区 before 西岗区.
    assert grants == [
        (Role.ANALYST, "CITY"), (Role.ANALYST, "ZS"), (Role.ANALYST, "XG"), (Role.REPORTER, "ZS-1"),
    ]


def test_the_user_list_shows_the_grants_in_the_same_order(person):
    listed_here = listed(users_matching("many", "").get().role_grants.all())

    assert listed_here == listed(grants_of(person))
