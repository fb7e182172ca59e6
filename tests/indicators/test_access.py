"""Who may manage editions, whatever part of the tree they are responsible for."""

import pytest

from indicators.access import can_manage_versions
from orgs.models import Organization, Role
from tests.factories import UserFactory, build_tree, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    return build_tree(districts=3, branches_per_district=2)


def test_only_the_admin_role_may_manage_indicator_versions(tree):
    assert can_manage_versions(user_with_role(Role.ADMIN))
    assert not can_manage_versions(user_with_role(Role.ANALYST, Organization.objects.get(code="BROOT")))
    assert not can_manage_versions(UserFactory())
