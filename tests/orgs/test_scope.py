"""Roles and scope: who sees which part of the tree."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from orgs import scope as scope_module
from orgs.models import Organization, Role
from orgs.scope import register_scope_provider, roles_of, visible_organizations
from orgs.selectors.tree import scope_roots, sole_scope_root
from tests.factories import AdminFactory, RoleGrantFactory, UserFactory, build_tree, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    return build_tree(districts=3, branches_per_district=2)


def codes(user) -> set[str]:
    return set(visible_organizations(user).values_list("code", flat=True))


def test_an_admin_sees_everything(tree):
    assert len(codes(user_with_role(Role.ADMIN))) == Organization.objects.count()
    assert len(codes(AdminFactory())) == Organization.objects.count()


def test_an_analyst_sees_the_union_of_their_subtrees(tree):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD000"))
    RoleGrantFactory(user=analyst, role=Role.ANALYST, organization=Organization.objects.get(code="BD002B0001"))
    assert codes(analyst) == {"BD000", "BD000B0000", "BD000B0001", "BD002B0001"}


def test_a_reporter_sees_their_unit_and_an_outsider_nothing(tree):
    assert codes(user_with_role(Role.REPORTER, Organization.objects.get(code="BD001B0000"))) == {"BD001B0000"}
    assert codes(UserFactory()) == set()
    assert codes(AnonymousUser()) == set()
    assert codes(user_with_role(Role.EVALUATOR)) == set()


def test_an_inactive_user_sees_nothing(tree):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BROOT"), is_active=False)
    assert codes(analyst) == set()


def test_roles_are_read_once_per_user_object(tree, django_assert_num_queries):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD000"))
    with django_assert_num_queries(1):
        roles_of(analyst)
        roles_of(analyst)
        paths = roles_of(analyst).analyst_paths
    assert paths == (Organization.objects.get(code="BD000").path,)


def test_later_apps_add_to_the_scope_through_a_provider(tree, monkeypatch):
    monkeypatch.setattr(scope_module, "_providers", [])
    evaluator = user_with_role(Role.EVALUATOR)
    register_scope_provider(lambda user: Q(code="BD001B0001") if user.pk == evaluator.pk else None)
    assert codes(evaluator) == {"BD001B0001"}
    assert codes(UserFactory()) == set()


def root_codes(user, **kwargs) -> list[str]:
    return list(scope_roots(user, **kwargs).values_list("code", flat=True))


def test_the_roots_of_an_admins_scope_are_the_trees_roots(tree):
    admin = user_with_role(Role.ADMIN)
    assert root_codes(admin) == root_codes(admin, analyst_only=True) == ["BROOT"]
    assert sole_scope_root(admin, analyst_only=True) == Organization.objects.get(code="BROOT")


def test_a_grant_inside_another_grant_is_not_a_root(tree):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD000"))
    RoleGrantFactory(user=analyst, role=Role.ANALYST, organization=Organization.objects.get(code="BD000B0001"))
    assert root_codes(analyst) == root_codes(analyst, analyst_only=True) == ["BD000"]
    assert sole_scope_root(analyst, analyst_only=True) == Organization.objects.get(code="BD000")


def test_disjoint_grants_are_roots_in_path_order_and_none_is_the_sole_one(tree):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD002B0001"))
    RoleGrantFactory(user=analyst, role=Role.ANALYST, organization=Organization.objects.get(code="BD001"))
    assert root_codes(analyst) == root_codes(analyst, analyst_only=True) == ["BD001", "BD002B0001"]
    assert sole_scope_root(analyst) is None
    assert sole_scope_root(analyst, analyst_only=True) is None


def test_the_analyst_only_roots_leave_out_the_reporter_unit_and_the_evaluated_units(tree, monkeypatch):
    monkeypatch.setattr(scope_module, "_providers", [])
    user = user_with_role(Role.ANALYST, Organization.objects.get(code="BD001"))
    RoleGrantFactory(user=user, role=Role.REPORTER, organization=Organization.objects.get(code="BD000B0000"))
    register_scope_provider(lambda someone: Q(code="BD002B0001") if someone.pk == user.pk else None)
    assert root_codes(user) == ["BD000B0000", "BD001", "BD002B0001"]
    assert root_codes(user, analyst_only=True) == ["BD001"]
    assert root_codes(user_with_role(Role.REPORTER, Organization.objects.get(code="BD000B0000")),
                      analyst_only=True) == []
