"""Browsing the tree, breadcrumbs, search, and the admins' create and edit forms."""

import pytest
from django.urls import reverse

from orgs.models import Organization, OrgType, Role
from orgs.services.bulk import NewNode, bulk_add_nodes
from tests.factories import OrganizationFactory, build_tree, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return logged_in(user_with_role(Role.ADMIN))


def test_it_starts_an_admin_at_the_roots_with_expandable_nodes(admin):
    build_tree(districts=2, branches_per_district=2)
    html = admin.get(reverse("orgs:tree")).content.decode()
    assert "测试市委" in html
    assert "测试区0" not in html
    assert reverse("orgs:children", args=["BROOT"]) in html


def test_it_starts_an_analyst_at_their_subtree_root(db):
    build_tree(districts=2, branches_per_district=2)
    client = logged_in(user_with_role(Role.ANALYST, Organization.objects.get(code="BD001")))
    page = client.get(reverse("orgs:tree")).context["page"]
    assert [o.code for o in page] == ["BD001"]


def test_a_reporter_sees_only_their_own_unit(db):
    build_tree(districts=1, branches_per_district=3)
    unit = Organization.objects.get(code="BD000B0001")
    client = logged_in(user_with_role(Role.REPORTER, unit))
    assert [o.code for o in client.get(reverse("orgs:tree")).context["page"]] == ["BD000B0001"]
    assert client.get(reverse("orgs:detail", args=["BD000B0002"])).status_code == 404


def test_children_fragment_lists_the_next_level(admin):
    build_tree(districts=3, branches_per_district=1)
    html = admin.get(reverse("orgs:children", args=["BROOT"])).content.decode()
    assert html.count('class="org-node"') == 3
    assert "<html" not in html


def test_detail_shows_breadcrumbs_linking_only_what_the_user_may_open(db):
    build_tree(districts=2, branches_per_district=2)
    client = logged_in(user_with_role(Role.ANALYST, Organization.objects.get(code="BD001")))
    response = client.get(reverse("orgs:detail", args=["BD001B0001"]))
    crumbs = response.context["crumbs"]
    assert [(c.name, c.linked) for c in crumbs] == [("测试市委", False), ("测试区1", True)]
    html = response.content.decode()
    assert reverse("orgs:detail", args=["BROOT"]) not in html
    assert reverse("orgs:detail", args=["BD001"]) in html


def test_detail_counts_direct_and_all_descendants(admin):
    build_tree(districts=2, branches_per_district=3)
    response = admin.get(reverse("orgs:detail", args=["BROOT"]))
    assert response.context["page"].paginator.count == 2
    assert response.context["descendant_count"] == 8


def test_search_finds_by_name_or_code_with_breadcrumbs(admin):
    build_tree(districts=2, branches_per_district=2)
    by_name = admin.get(reverse("orgs:tree"), {"q": "第1支部"})
    assert sorted(o.code for o in by_name.context["page"]) == ["BD000B0001", "BD001B0001"]
    assert [c.name for c in by_name.context["page"][0].crumbs] == ["测试市委", "测试区0"]
    by_code = admin.get(reverse("orgs:tree"), {"q": "bd001b"})
    assert sorted(o.code for o in by_code.context["page"]) == ["BD001B0000", "BD001B0001"]


def test_an_admin_creates_an_organization_under_a_parent(admin):
    build_tree(districts=1, branches_per_district=1)
    response = admin.post(
        reverse("orgs:create"),
        {"code": "NEW-1", "name": "新建支部", "type": OrgType.BRANCH, "parent_code": "BD000", "is_active": "on"},
    )
    assert response.status_code == 302
    created = Organization.objects.get(code="NEW-1")
    assert Organization.objects.get_parent(created).code == "BD000"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"code": "BD000"}, "code", "编码“BD000”已被使用。"),
        ({"code": "new"}, "code", "是系统保留字"),
        ({"code": "含中文"}, "code", "编码只能包含字母、数字"),
        ({"parent_code": "NOPE"}, "parent_code", "上级编码“NOPE”不存在。"),
        ({"name": "  "}, "name", "这个字段是必填项。"),
    ],
)
def test_create_explains_bad_input_beside_the_field_and_keeps_it(admin, data, field, message):
    build_tree(districts=1, branches_per_district=1)
    post = {"code": "OK-1", "name": "新建支部", "type": OrgType.BRANCH, "parent_code": "BD000", **data}
    response = admin.post(reverse("orgs:create"), post)
    assert response.status_code == 200
    assert any(message in error for error in response.context["form"].errors[field])
    assert f'value="{post["name"].strip() or ""}"' in response.content.decode() or field == "name"
    assert Organization.objects.count() == 3


def test_an_admin_moves_and_renames_an_organization(admin):
    build_tree(districts=2, branches_per_district=1)
    response = admin.post(
        reverse("orgs:edit", args=["BD000B0000"]),
        {"name": "改名支部", "type": OrgType.BRANCH, "parent_code": "BD001", "is_active": ""},
    )
    assert response.status_code == 302
    moved = Organization.objects.get(code="BD000B0000")
    assert (moved.name, moved.is_active) == ("改名支部", False)
    assert Organization.objects.get_parent(moved).code == "BD001"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_edit_refuses_a_move_under_its_own_descendant(admin):
    build_tree(districts=1, branches_per_district=1)
    response = admin.post(
        reverse("orgs:edit", args=["BD000"]),
        {"name": "测试区0", "type": OrgType.DISTRICT, "parent_code": "BD000B0000", "is_active": "on"},
    )
    assert response.status_code == 200
    assert "不能把党组织移到它自己或它的下级组织之下" in response.content.decode()
    assert Organization.objects.get_parent(Organization.objects.get(code="BD000")).code == "BROOT"


def test_create_and_edit_refuse_levels_deeper_than_a_path_can_hold(admin):
    # 63 levels fill treebeard's 255-character path; PostgreSQL refused the 64th with a 500.
    bulk_add_nodes(NewNode(f"L{n}", f"第{n}级", OrgType.BRANCH, f"L{n - 1}" if n > 1 else None) for n in range(1, 64))
    bulk_add_nodes([NewNode("TOP", "另一顶级", OrgType.CITY), NewNode("SUB", "下级", OrgType.BRANCH, "TOP")])
    before = sorted(Organization.objects.values_list("code", "path"))
    message = "党组织最多 63 级，放在“L63”之下会超过这个上限。"
    created = admin.post(reverse("orgs:create"), {"code": "L64", "name": "第64级", "type": OrgType.BRANCH,
                                                  "parent_code": "L63", "is_active": "on"})
    assert created.context["form"].errors["parent_code"] == [message]
    moved = admin.post(reverse("orgs:edit", args=["TOP"]), {"name": "另一顶级", "type": OrgType.CITY,
                                                            "parent_code": "L62", "is_active": "on"})
    assert moved.context["form"].errors["parent_code"] == ["党组织最多 63 级，放在“L62”之下会超过这个上限。"]
    assert sorted(Organization.objects.values_list("code", "path")) == before
    assert admin.post(reverse("orgs:edit", args=["SUB"]), {"name": "下级", "type": OrgType.BRANCH,
                                                           "parent_code": "L62", "is_active": "on"}).status_code == 302


def test_edit_keeps_the_code_even_if_a_new_one_is_posted(admin):
    OrganizationFactory(code="KEEP")
    admin.post(reverse("orgs:edit", args=["KEEP"]), {"code": "CHANGED", "name": "x", "type": OrgType.CITY, "is_active": "on"})
    assert Organization.objects.filter(code="KEEP").exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST])
def test_tree_pages_run_a_constant_number_of_queries(db, django_assert_num_queries, django_assert_max_num_queries, role):
    build_tree(districts=2, branches_per_district=3, prefix="S")
    client = logged_in(user_with_role(role, Organization.objects.get(code="SROOT") if role == Role.ANALYST else None))
    urls = [
        reverse("orgs:tree"),
        reverse("orgs:tree") + "?q=支部",
        reverse("orgs:detail", args=["SD000"]),
        reverse("orgs:children", args=["SROOT"]),
    ]
    counts = {}
    for url in urls:
        client.get(url)  # what a process reads once (content types) is not the page's cost
        with django_assert_max_num_queries(12) as small:
            client.get(url)
        counts[url] = len(small.captured_queries)
    build_tree(districts=20, branches_per_district=50, prefix="L")
    for url in urls:
        with django_assert_num_queries(counts[url]):
            client.get(url)
