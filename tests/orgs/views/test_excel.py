"""The import page: who may use it, what a good file changes, and what a bad file shows."""


import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from common.models import AdminEvent
from orgs.models import Organization, OrgType, Role
from tests.factories import OrganizationFactory, build_tree, user_with_role
from tests.worlds import logged_in, tree_state, xlsx_upload

pytestmark = pytest.mark.django_db

IMPORT = reverse("orgs:tree_import")


def post(client, upload):
    return client.post(IMPORT, {"file": upload})


def summary(response) -> str:
    assert response.status_code == 302
    assert response["Location"] == IMPORT
    # The latest message: earlier posts in the same test left theirs unread.
    return str(list(get_messages(response.wsgi_request))[-1])


def export_file(client) -> SimpleUploadedFile:
    response = client.get(reverse("orgs:tree_export"))
    return SimpleUploadedFile("导出.xlsx", b"".join(response.streaming_content))


def parent_code(code: str) -> str | None:
    parent = Organization.objects.get_parent(Organization.objects.get(code=code))
    return parent.code if parent else None


def test_it_sends_anonymous_visitors_to_login(client):
    for response in (client.get(IMPORT), post(client, xlsx_upload([]))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_forbids_the_import_to_an_analyst():
    root = build_tree(districts=1, branches_per_district=1)
    before = tree_state()
    client = logged_in(user_with_role(Role.ANALYST, root))
    assert client.get(IMPORT).status_code == 403
    assert post(client, xlsx_upload([("N1", "新支部", "党支部", "BD000", "是")])).status_code == 403
    assert tree_state() == before


def test_it_forbids_the_import_to_an_outsider(user_client):
    assert user_client.get(IMPORT).status_code == 403


def test_it_shows_the_form_with_the_template_link(admin_client):
    response = admin_client.get(IMPORT)
    html = response.content.decode()
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html
    assert reverse("orgs:tree_template") in html
    assert "系统中有而文件中没有的党组织保持不变" in html
    assert "最大 5.0" in html


def test_it_creates_updates_and_moves(admin_client):
    build_tree(districts=2, branches_per_district=2)
    upload = xlsx_upload([
        ("BD000", "测试区0（更名）", "区市县委", "BROOT", "是"),
        ("BD001B0000", "测试区1第0支部", "党支部", "BD000", "否"),  # moved and updated
        ("NEW1", "新党总支", "党总支", "BD001", "是"),
        ("NEW2", "新支部", "党支部", "NEW1", "是"),
        ("BD000B0000", "测试区0第0支部", "党支部", "NEW1", "是"),  # under a node made by this file
        ("BD001", "测试区1", "区市县委", "BROOT", "是"),  # unchanged
    ])
    message = summary(post(admin_client, upload))
    assert message == (
        "导入完成：新增 2 个，更新 2 个，移动 2 个，未变 1 个。系统中有而文件中没有的党组织保持不变。"
    )
    assert Organization.objects.get(code="BD000").name == "测试区0（更名）"
    assert parent_code("BD001B0000") == "BD000"
    assert Organization.objects.get(code="BD001B0000").is_active is False
    assert parent_code("NEW2") == "NEW1"
    assert parent_code("NEW1") == "BD001"
    assert Organization.objects.get(code="NEW1").type == OrgType.GENERAL_BRANCH
    assert parent_code("BD000B0000") == "NEW1"
    # Not in the file, so left as it was.
    assert Organization.objects.get(code="BD000B0001").name == "测试区0第1支部"
    assert parent_code("BD000B0001") == "BD000"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_it_moves_a_node_under_its_former_descendant_when_that_one_moves_out_first(admin_client):
    a = OrganizationFactory(code="A", type=OrgType.CITY)
    b = OrganizationFactory(parent=a, code="B", type=OrgType.DISTRICT)
    OrganizationFactory(parent=b, code="C", type=OrgType.BRANCH)
    # Listed child first: applying the rows in file order would put B inside its own branch.
    upload = xlsx_upload([("B", b.name, "区市县委", "C", "是"), ("C", "丙", "党支部", "A", "是")])
    assert "移动 2 个" in summary(post(admin_client, upload))
    assert parent_code("C") == "A"
    assert parent_code("B") == "C"
    assert Organization.objects.find_problems() == ([], [], [], [], [])


def test_importing_the_same_file_again_changes_nothing(admin_client):
    build_tree(districts=1, branches_per_district=1)
    rows = [
        ("NEW1", "新党总支", "党总支", "BD000", "是"),
        ("NEW2", "新支部", "党支部", "NEW1", "否"),
        ("BD000B0000", "改名支部", "党支部", "NEW1", "是"),
    ]
    assert "新增 2 个" in summary(post(admin_client, xlsx_upload(rows)))
    after_first = tree_state()
    assert summary(post(admin_client, xlsx_upload(rows))).startswith(
        "导入完成：新增 0 个，更新 0 个，移动 0 个，未变 3 个。"
    )
    assert tree_state() == after_first


def test_an_export_imports_back_without_changes(admin_client):
    root = build_tree(districts=2, branches_per_district=3)
    OrganizationFactory(parent=root, code="X-1", name="=1+1 @党支部", is_active=False)
    before = tree_state()
    message = summary(post(admin_client, export_file(admin_client)))
    assert message.startswith("导入完成：新增 0 个，更新 0 个，移动 0 个，未变 10 个。")
    assert tree_state() == before


def test_a_bad_file_shows_a_table_of_problems_and_writes_nothing(admin_client):
    build_tree(districts=1, branches_per_district=1)
    before = tree_state()
    upload = xlsx_upload([
        ("N1", "新支部", "党支部", "BD000", "是"),  # fine on its own, yet not written
        ("N2", "", "党小组", "NOWHERE", "是"),
    ])
    response = post(admin_client, upload)
    html = response.content.decode()
    assert response.status_code == 400
    assert "文件“党组织.xlsx”有 3 处问题，没有导入任何数据。" in html
    for header in ("行号", "列", "问题"):
        assert f'<th scope="col" class="text-nowrap">{header}</th>' in html or f'<th scope="col">{header}</th>' in html
    assert html.count('class="problem-row"') == 3
    assert "上级编码“NOWHERE”既不在本文件中，也不在系统中。" in html
    assert tree_state() == before


def test_a_file_that_is_not_a_workbook_shows_one_problem(admin_client):
    response = post(admin_client, SimpleUploadedFile("名单.xls", b"\xd0\xcf\x11\xe0 not a zip"))
    assert response.status_code == 400
    assert "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式）" in response.content.decode()


def test_a_post_without_a_file_asks_for_one(admin_client):
    response = admin_client.post(IMPORT, {})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not Organization.objects.exists()


def test_a_large_import_inserts_in_bulk(admin_client, django_assert_max_num_queries, settings):
    # Counted in the request: a file this size would otherwise be a background job.
    settings.IMPORT_TASK_ROWS = 5000
    OrganizationFactory(code="ROOT", type=OrgType.CITY)
    rows = []
    for d in range(20):
        rows.append((f"D{d:02d}", f"区{d}", "区市县委", "ROOT", "是"))
        rows.extend((f"D{d:02d}B{b:03d}", f"区{d}第{b}支部", "党支部", f"D{d:02d}", "是") for b in range(99))
    upload = xlsx_upload(rows)
    # Per-row treebeard inserts would cost thousands of queries. The history rows go in batches
    # too (SQLite takes about a hundred rows of them per statement).
    with django_assert_max_num_queries(60):
        response = post(admin_client, upload)
    assert summary(response).startswith("导入完成：新增 2000 个，")
    assert Organization.objects.count() == 2001
    assert Organization.objects.find_problems() == ([], [], [], [], [])
    assert Organization.objects.get_children_count(Organization.objects.get(code="D07")) == 99
    assert AdminEvent.objects.filter(kind="organization", action="import").count() == 2000
