"""The tree itself: treebeard paths, bulk insertion, subtree and ancestor queries."""

import pytest
from django.db import IntegrityError, transaction

from orgs.models import Organization, OrgType
from orgs.services.bulk import NewNode, bulk_add_nodes
from tests.factories import OrganizationFactory, build_tree

pytestmark = pytest.mark.django_db


def test_bulk_insertion_builds_a_tree_treebeard_accepts():
    root = build_tree(districts=3, branches_per_district=4)
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert Organization.objects.get_descendant_count(root) == 3 + 12
    district = Organization.objects.get(code="BD001")
    assert [o.code for o in Organization.objects.get_ancestors(district)] == ["BROOT"]
    assert Organization.objects.get_children_count(district) == 4


def test_bulk_insertion_appends_after_existing_children():
    root = OrganizationFactory(code="R", type=OrgType.CITY)
    first = OrganizationFactory(parent=root, code="C1")
    bulk_add_nodes([NewNode("C2", "二", OrgType.DISTRICT, "R"), NewNode("C2A", "二甲", OrgType.BRANCH, "C2")])
    OrganizationFactory(parent=Organization.objects.get(code="R"), code="C3")
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    root.refresh_from_db()
    assert [c.code for c in Organization.objects.get_children(root)] == ["C1", "C2", "C3"]
    assert first.path < Organization.objects.get(code="C2").path


def test_bulk_insertion_refuses_unknown_parents():
    with pytest.raises(ValueError, match="unknown parent"):
        bulk_add_nodes([NewNode("X", "x", OrgType.BRANCH, "NOPE")])


def test_a_subtree_is_one_query(django_assert_num_queries):
    build_tree(districts=2, branches_per_district=5)
    district = Organization.objects.get(code="BD000")
    with django_assert_num_queries(1):
        codes = list(Organization.objects.get_descendants(district).values_list("code", flat=True))
    assert len(codes) == 5
    assert all(c.startswith("BD000") for c in codes)


def test_ancestors_are_one_query(django_assert_num_queries):
    build_tree(districts=2, branches_per_district=2)
    branch = Organization.objects.get(code="BD001B0001")
    with django_assert_num_queries(1):
        names = [o.name for o in Organization.objects.get_ancestors(branch)]
    assert names == ["测试市委", "测试区1"]


def test_codes_are_unique_in_the_database():
    OrganizationFactory(code="SAME")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFactory(code="SAME")


def test_the_database_refuses_an_empty_name():
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationFactory(name="")
