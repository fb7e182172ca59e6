"""Organizations created, changed, moved and imported show up in their history, and only admins see it."""

import pytest
from django.urls import reverse

from common.audit import history_of
from common.models import AdminEvent
from orgs.models import Organization, OrgType, Role
from orgs.services.tree_import import import_upload
from tests.factories import AdminFactory, build_tree, user_with_role
from tests.worlds import logged_in, xlsx_upload

pytestmark = pytest.mark.django_db


def changes(code: str) -> list[tuple]:
    organization = Organization.objects.get(code=code)
    return [(e.action, [(c["label"], c["old"], c["new"]) for c in e.changes], e.note)
            for e in history_of(organization).order_by("id")]


def test_it_records_an_organization_created_by_form(admin_client):
    build_tree(districts=1, branches_per_district=0)
    admin_client.post(reverse("orgs:create"), {
        "code": "NEW-1", "name": "新建支部", "type": OrgType.BRANCH, "parent_code": "BD000", "is_active": "on",
    })
    assert changes("NEW-1") == [("create", [
        ("编码", "", "NEW-1"), ("名称", "", "新建支部"), ("类型", "", "党支部"), ("是否有效", "", "是"),
        ("上级党组织", "", "测试区0（BD000）"),
    ], "")]


def test_it_records_a_rename_and_a_move_old_to_new(admin_client, admin_user):
    build_tree(districts=2, branches_per_district=1)
    admin_client.post(reverse("orgs:edit", args=["BD000B0000"]), {
        "name": "改名支部", "type": OrgType.BRANCH, "parent_code": "BD001", "is_active": "",
    })
    assert changes("BD000B0000") == [("update", [
        ("名称", "测试区0第0支部", "改名支部"), ("是否有效", "是", "否"), ("上级党组织", "测试区0（BD000）", "测试区1（BD001）"),
    ], "")]
    assert history_of(Organization.objects.get(code="BD000B0000")).get().actor == admin_user


def test_it_records_nothing_when_an_edit_changes_nothing(admin_client):
    build_tree(districts=1, branches_per_district=1)
    admin_client.post(reverse("orgs:edit", args=["BD000B0000"]), {
        "name": "测试区0第0支部", "type": OrgType.BRANCH, "parent_code": "BD000", "is_active": "on",
    })
    assert not AdminEvent.objects.exists()


def test_an_import_records_every_organization_it_creates_changes_or_moves():
    build_tree(districts=2, branches_per_district=1)
    result, problems = import_upload(user=AdminFactory(), upload=xlsx_upload([
        ["N1", "新支部", "党支部", "BD000", "是"],
        ["BD000B0000", "改名", "党支部", "BD000", "是"],
        ["BD001B0000", "测试区1第0支部", "党支部", "BD000", "否"],
    ]))
    assert problems == []
    assert result.created == 1
    note = "由党组织表导入"
    assert changes("N1") == [("import", [
        ("编码", "", "N1"), ("名称", "", "新支部"), ("类型", "", "党支部"), ("是否有效", "", "是"),
        ("上级党组织", "", "测试区0（BD000）"),
    ], note)]
    assert changes("BD000B0000") == [("import", [("名称", "测试区0第0支部", "改名")], note)]
    assert changes("BD001B0000") == [("import", [
        ("是否有效", "是", "否"), ("上级党组织", "测试区1（BD001）", "测试区0（BD000）"),
    ], note)]


def test_a_node_moved_twice_on_the_way_is_recorded_once_from_before_to_after():
    # BD000 goes under its own branch's child: the import lifts BD000B0000 to the top first.
    build_tree(districts=1, branches_per_district=1)
    result, problems = import_upload(user=AdminFactory(), upload=xlsx_upload([
        ["BD000B0000", "测试区0第0支部", "党支部", None, "是"],
        ["BD000", "测试区0", "区市县委", "BD000B0000", "是"],
    ]))
    assert problems == []
    assert result.moved == 2
    assert changes("BD000B0000") == [("import", [("上级党组织", "测试区0（BD000）", "")], "由党组织表导入")]
    assert changes("BD000") == [("import", [("上级党组织", "测试市委（BROOT）", "测试区0第0支部（BD000B0000）")],
                                 "由党组织表导入")]


def test_a_refused_import_records_nothing():
    build_tree(districts=1, branches_per_district=1)
    result, problems = import_upload(user=AdminFactory(), upload=xlsx_upload([
        ["N1", "新支部", "党支部", "BD000", "是"], ["N2", "孤儿", "党支部", "NOPE", "是"],
    ]))
    assert result is None
    assert problems
    assert not AdminEvent.objects.exists()


def test_the_detail_page_shows_the_history_to_admins_only(admin_client):
    build_tree(districts=1, branches_per_district=1)
    admin_client.post(reverse("orgs:edit", args=["BD000B0000"]), {
        "name": "改名支部", "type": OrgType.BRANCH, "parent_code": "BD000", "is_active": "on",
    })
    url = reverse("orgs:detail", args=["BD000B0000"])
    assert "测试区0第0支部" in admin_client.get(url).content.decode()
    analyst = logged_in(user_with_role(Role.ANALYST, Organization.objects.get(code="BD000")))
    page = analyst.get(url).content.decode()
    assert "改名支部" in page
    assert 'id="admin-history"' not in page
    assert "测试区0第0支部" not in page
