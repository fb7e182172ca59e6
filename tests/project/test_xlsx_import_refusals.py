"""Every import refuses hostile workbooks with its own problems table, before expanding them, writing nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from indicators.models import IndicatorSystem
from orgs.formats.tree_excel import COLUMNS
from tests import xlsx_bombs
from tests.factories import build_tree
from tests.worlds import S11, VERSION_HEADER, assert_refused, bulk_world, download, edited, tree_state

pytestmark = pytest.mark.django_db

ORG_IMPORT = reverse("orgs:tree_import")
VERSION_IMPORT = reverse("indicators:version_import")
ORG_BASE = xlsx_bombs.workbook([list(COLUMNS), ["N1", "新支部", "党支部", "BD000", "是"]])
FORMULA = "是公式。请只填写数值或文字"


@pytest.fixture
def world(outline):
    return bulk_world(outline)

HOSTILE = [
    (xlsx_bombs.blank_rows, "超过了 32.0 MB 的上限"),
    (xlsx_bombs.shared_strings, "超过了 8.0 MB 的上限"),
    (xlsx_bombs.many_members, "个，超过了 200 个的上限"),
    (xlsx_bombs.high_ratio, "压缩比异常"),
    (xlsx_bombs.with_external_link, "工作簿含有外部链接"),
]


def page_text(response) -> str:
    return response.content.decode().replace("\xa0", " ")


@pytest.mark.parametrize(("build", "message"), HOSTILE, ids=lambda value: getattr(value, "__name__", ""))
def test_the_tree_import_refuses_hostile_workbooks_without_expanding_them(admin_client, build, message):
    build_tree(districts=1, branches_per_district=1)
    before = tree_state()
    upload = SimpleUploadedFile("党组织.xlsx", build(ORG_BASE))
    with xlsx_bombs.expansion() as expanded:
        response = admin_client.post(ORG_IMPORT, {"file": upload})
    assert expanded.beyond_relationships() == {}
    assert response.status_code == 400
    assert message in page_text(response)
    assert "没有导入任何数据" in page_text(response)
    assert tree_state() == before


def test_the_tree_import_refuses_a_hyperlink_formula_as_a_name(admin_client):
    build_tree(districts=1, branches_per_district=1)
    before = tree_state()
    content = xlsx_bombs.with_cached_formula(ORG_BASE, "B2", 'HYPERLINK("http://example.com","新支部")', "新支部", text=True)
    response = admin_client.post(ORG_IMPORT, {"file": SimpleUploadedFile("党组织.xlsx", content)})
    assert response.status_code == 400
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "B")]
    assert "单元格 B2 是公式" in page_text(response)
    assert tree_state() == before


@pytest.mark.parametrize(("build", "message"), HOSTILE[:1] + HOSTILE[4:], ids=["blank_rows", "external_link"])
def test_the_version_import_refuses_hostile_workbooks(admin_client, build, message):
    base = xlsx_bombs.workbook([VERSION_HEADER, ["1. 组织领导", "1.1 领导重视", "标准", 3]])
    before = IndicatorSystem.objects.count()
    response = admin_client.post(VERSION_IMPORT, {
        "file": SimpleUploadedFile("版本.xlsx", build(base)), "code": "x-2026", "title": "导入", "year": 2026,
        "total": "100"})
    assert response.status_code == 400
    assert message in page_text(response)
    assert IndicatorSystem.objects.count() == before


def test_the_version_import_refuses_a_cap_computed_by_formula(admin_client):
    base = xlsx_bombs.workbook([VERSION_HEADER, ["1. 组织领导", "1.1 领导重视", "标准", 3]])
    content = xlsx_bombs.with_cached_formula(base, "D2", "1+2", "3")
    response = admin_client.post(VERSION_IMPORT, {
        "file": SimpleUploadedFile("版本.xlsx", content), "code": "x-2026", "title": "导入", "year": 2026,
        "total": "100"})
    assert response.status_code == 400
    assert [(p.row, p.column) for p in response.context["problems"]] == [(2, "D")]
    assert not IndicatorSystem.objects.filter(code="x-2026").exists()


def test_the_bulk_upload_refuses_a_score_saved_as_a_formula_with_its_cached_value(world):
    content = xlsx_bombs.with_cached_formula(edited(download(world), {("ZS01", S11): 3}), "C2", "1+1", "2")
    assert_refused(world, content, [("2", "C", "单元格 C2 是公式。请只填写数值或文字（可复制后“选择性粘贴为数值”）。")])


@pytest.mark.parametrize(("build", "message"), HOSTILE, ids=lambda value: getattr(value, "__name__", ""))
def test_the_bulk_upload_refuses_hostile_workbooks_without_expanding_them(world, build, message):
    content = build(download(world))
    with xlsx_bombs.expansion() as expanded:
        assert_refused(world, content, message)
    assert expanded.beyond_relationships() == {}


def test_the_bulk_upload_still_reads_its_hidden_base(world):
    response = world["client"].post(
        reverse("assessments:bulk_upload", args=[world["round"].pk]),
        {"file": SimpleUploadedFile("评分.xlsx", edited(download(world), {("ZS01", S11): 3}))})
    assert response.status_code == 302
