"""The tree as a downloadable workbook: its layout, its scope and its cost."""

import io
import zipfile
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from orgs.formats.tree_excel import COLUMNS
from orgs.models import Organization, OrgType, Role
from tests.factories import OrganizationFactory, UserFactory, build_tree, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db

EXPORT = reverse("orgs:tree_export")
TEMPLATE = reverse("orgs:tree_template")


def content(response) -> bytes:
    return b"".join(response.streaming_content)


def sheet_rows(response) -> list[tuple]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(content(response))).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def exported_codes(client) -> list[str]:
    return [row[0] for row in sheet_rows(client.get(EXPORT))[1:]]


def test_it_sends_anonymous_visitors_to_login(client):
    for url in (EXPORT, TEMPLATE):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_exports_the_whole_tree_to_an_admin_parents_first(admin_client):
    build_tree(districts=2, branches_per_district=2)
    rows = sheet_rows(admin_client.get(EXPORT))
    assert rows[0] == COLUMNS
    assert rows[1:4] == [
        ("BROOT", "测试市委", "市委", None, "是"),
        ("BD000", "测试区0", "区市县委", "BROOT", "是"),
        ("BD000B0000", "测试区0第0支部", "党支部", "BD000", "是"),
    ]
    assert len(rows) == 1 + 1 + 2 + 4


def test_it_writes_inactive_organizations_as_no(admin_client):
    OrganizationFactory(code="OLD", name="已撤销支部", type=OrgType.BRANCH, is_active=False)
    assert sheet_rows(admin_client.get(EXPORT))[1] == ("OLD", "已撤销支部", "党支部", None, "否")


def test_it_limits_an_analysts_export_to_their_subtree(client):
    build_tree(districts=3, branches_per_district=3)
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD001"))
    rows = sheet_rows(logged_in(analyst).get(EXPORT))[1:]
    assert [row[0] for row in rows] == ["BD001", "BD001B0000", "BD001B0001", "BD001B0002"]
    # The district's parent is named by code so that the file imports back in place.
    assert rows[0][3] == "BROOT"
    assert all("BD000" not in str(cell) and "BD002" not in str(cell) for row in rows for cell in row)


def test_an_analysts_export_imported_by_an_admin_changes_nothing(admin_client):
    build_tree(districts=2, branches_per_district=2)
    before = list(Organization.objects.order_by("path").values_list("code", "path", "name"))
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD001"))
    body = content(logged_in(analyst).get(EXPORT))
    response = admin_client.post(reverse("orgs:tree_import"), {"file": SimpleUploadedFile("a.xlsx", body)})
    assert response.status_code == 302
    assert list(Organization.objects.order_by("path").values_list("code", "path", "name")) == before


def test_it_exports_no_rows_for_an_outsider():
    build_tree(districts=1, branches_per_district=2)
    rows = sheet_rows(logged_in(UserFactory()).get(EXPORT))
    assert rows == [COLUMNS]


def test_it_neutralises_formulas_in_the_export(admin_client):
    root = OrganizationFactory(code="R", name="=HYPERLINK(\"http://evil.example\",\"点我\")", type=OrgType.CITY)
    OrganizationFactory(parent=root, code="C1", name="+1+1")
    OrganizationFactory(parent=root, code="C2", name="-2")
    OrganizationFactory(parent=root, code="C3", name="@SUM(A1)")
    response = admin_client.get(EXPORT)
    raw = content(response)
    with zipfile.ZipFile(io.BytesIO(raw)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    names = [sheet.cell(row=r, column=2) for r in range(2, 6)]
    assert [c.value for c in names] == [
        "'=HYPERLINK(\"http://evil.example\",\"点我\")", "'+1+1", "'-2", "'@SUM(A1)"
    ]
    assert all(c.data_type == "s" for c in names)


def test_it_freezes_the_header_and_sizes_the_columns(admin_client):
    raw = content(admin_client.get(EXPORT))
    sheet = load_workbook(io.BytesIO(raw)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 40
    assert sheet.title == "党组织"


def test_it_names_the_download_in_chinese(admin_client):
    response = admin_client.get(EXPORT)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''" + quote("党组织_"))
    assert response["Content-Disposition"].endswith(".xlsx")


def test_it_offers_a_template_with_the_header_and_instructions(user_client):
    response = user_client.get(TEMPLATE)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("党组织导入模板.xlsx")
    workbook = load_workbook(io.BytesIO(content(response)))
    assert workbook.sheetnames == ["党组织", "说明"]
    assert list(workbook["党组织"].iter_rows(values_only=True)) == [COLUMNS]
    assert "党支部" in str(workbook["说明"]["B3"].value)


@pytest.mark.parametrize("role", [Role.ADMIN, Role.ANALYST])
def test_the_export_runs_a_constant_number_of_queries(role, django_assert_num_queries):
    root = build_tree(districts=1, branches_per_district=2)
    user = user_with_role(role, root if role == Role.ANALYST else None)
    client = logged_in(user)
    with CaptureQueriesContext(connection) as small:
        assert len(exported_codes(client)) == 1 + 1 + 2
    build_tree(districts=20, branches_per_district=30, prefix="L")
    if role == Role.ANALYST:
        user.role_grants.update(organization=Organization.objects.get(code="LROOT"))
    with django_assert_num_queries(len(small.captured_queries)):
        assert len(exported_codes(client)) == (1 + 20 + 600) + (4 if role == Role.ADMIN else 0)
