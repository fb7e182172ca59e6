"""The tree service's guards: no organization moves under itself or its descendants."""

import pytest
from django.core.exceptions import ValidationError

from common.models import AdminEvent
from orgs.models import Organization, OrgType
from orgs.services.tree import organization_place, organization_update
from tests.factories import AdminFactory, build_tree

pytestmark = pytest.mark.django_db

CYCLE = "不能把党组织移到它自己或它的下级组织之下。"


def _paths() -> list[tuple[str, str]]:
    return sorted(Organization.objects.values_list("code", "path"))


@pytest.mark.parametrize("parent_code", ["BD000", "BD000B0000"])
def test_the_tree_service_refuses_a_move_under_itself_or_its_descendant(parent_code):
    build_tree(districts=2, branches_per_district=1)
    before = _paths()
    district = Organization.objects.get(code="BD000")
    with pytest.raises(ValidationError) as refused:
        organization_update(
            organization=district, name="改名", type=OrgType.DISTRICT, is_active=True,
            parent=Organization.objects.get(code=parent_code), by=AdminFactory(),
        )
    assert refused.value.message_dict == {"parent_code": [CYCLE]}
    assert _paths() == before
    assert not AdminEvent.objects.exists()


def test_the_tree_import_write_refuses_a_move_under_a_descendant_too():
    build_tree(districts=1, branches_per_district=1)
    district = Organization.objects.get(code="BD000")
    with pytest.raises(ValidationError) as refused:
        organization_place(
            organization=district, name="测试区0", type=OrgType.DISTRICT, is_active=True,
            parent=Organization.objects.get(code="BD000B0000"),
        )
    assert refused.value.message_dict == {"parent_code": [CYCLE]}


def test_the_cycle_check_reads_the_parents_current_path():
    # The caller's copy of the parent predates a move that put it under the node being moved.
    build_tree(districts=2, branches_per_district=1)
    stale_parent = Organization.objects.get(code="BD001")
    organization_update(
        organization=Organization.objects.get(code="BD001"), name="测试区1", type=OrgType.DISTRICT,
        is_active=True, parent=Organization.objects.get(code="BD000B0000"), by=AdminFactory(),
    )
    before = _paths()
    with pytest.raises(ValidationError) as refused:
        organization_update(
            organization=Organization.objects.get(code="BD000"), name="测试区0", type=OrgType.DISTRICT,
            is_active=True, parent=stale_parent, by=AdminFactory(),
        )
    assert refused.value.message_dict == {"parent_code": [CYCLE]}
    assert _paths() == before


def test_the_tree_service_moves_a_node_under_a_node_outside_its_subtree():
    build_tree(districts=2, branches_per_district=1)
    organization_update(
        organization=Organization.objects.get(code="BD000"), name="测试区0", type=OrgType.DISTRICT,
        is_active=True, parent=Organization.objects.get(code="BD001B0000"), by=AdminFactory(),
    )
    assert Organization.objects.get_parent(Organization.objects.get(code="BD000")).code == "BD001B0000"
    assert Organization.objects.find_problems() == ([], [], [], [], [])
