"""An edition out as Excel or JSON and back in as a new draft; bad files refused row by row."""

import io
import json
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from indicators.models import IndicatorSystem, Item, VersionStatus
from indicators.services.versions import version_problems
from tests.factories import IndicatorSystemFactory, build_draft
from tests.worlds import ROOT
from tests.worlds import VERSION_HEADER as HEADER

pytestmark = pytest.mark.django_db

IMPORT = reverse("indicators:version_import")
FIXTURE = ROOT / "fixtures" / "dalian_2010.json"


def export_url(kind, code):
    return reverse(f"indicators:version_export_{kind}", args=[code])


def content(system):
    categories = list(system.categories.order_by("number").values_list("number", "name"))
    items = list(
        Item.objects.filter(system=system).order_by("category__number", "order")
        .values_list("category__number", "number", "name", "standard", "cap", "order")
    )
    return categories, items


def xlsx(rows, header=HEADER, name="版本.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    target = io.BytesIO()
    workbook.save(target)
    return SimpleUploadedFile(name, target.getvalue())


def post(client, upload, code="imported-2026", **fields):
    data = {"file": upload, "code": code, "title": "导入的试行版", "year": 2026, "total": "100"} | fields
    return client.post(IMPORT, data)


def downloaded(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- Export -----------------------------------------------------------------------------------

def test_it_exports_the_official_table_layout(user_client, outline):
    response = user_client.get(export_url("xlsx", outline.code))
    assert response.status_code == 200
    name = f"{outline.title}_{outline.code}.xlsx"
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(name)
    sheet = load_workbook(io.BytesIO(downloaded(response))).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) == 33
    assert rows[1][:2] == ("1. 组织领导", "1.1 领导重视")
    assert rows[1][3] == 3
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["C"].width == 80


def test_it_exports_json_in_the_shape_of_the_reference_fixture(user_client, outline):
    response = user_client.get(export_url("json", outline.code))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert json.loads(response.content) == json.loads(FIXTURE.read_text(encoding="utf-8"))


def test_a_draft_exports_as_a_draft_to_admins_only(admin_client, user_client, client):
    draft = build_draft(categories=1, items_per_category=2)
    records = json.loads(admin_client.get(export_url("json", draft.code)).content)
    assert records[0]["fields"]["status"] == "draft"
    assert len(records) == 4
    for kind in ("json", "xlsx"):
        assert user_client.get(export_url(kind, draft.code)).status_code == 404
        assert client.get(export_url(kind, draft.code)).status_code == 302


def test_formula_like_text_is_neutralised_and_comes_back_unchanged(admin_client):
    draft = build_draft(categories=1, items_per_category=1)
    Item.objects.filter(system=draft).update(standard="=HYPERLINK(\"http://x\")", name="+1 学习")
    sheet = load_workbook(io.BytesIO(downloaded(admin_client.get(export_url("xlsx", draft.code))))).worksheets[0]
    assert sheet["C2"].value == "'=HYPERLINK(\"http://x\")"
    assert sheet["C2"].data_type == "s"
    upload = SimpleUploadedFile("x.xlsx", downloaded(admin_client.get(export_url("xlsx", draft.code))))
    assert post(admin_client, upload, code="again").status_code == 302
    assert content(IndicatorSystem.objects.get(code="again"))[1] == content(draft)[1]


# --- Round trips --------------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["xlsx", "json"])
def test_export_then_import_gives_an_equal_draft(admin_client, outline, kind):
    body = downloaded(admin_client.get(export_url(kind, outline.code)))
    response = post(admin_client, SimpleUploadedFile(f"out.{kind}", body), code=f"rt-{kind}")
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:version_detail", args=[f"rt-{kind}"])
    imported = IndicatorSystem.objects.get(code=f"rt-{kind}")
    assert imported.status == VersionStatus.DRAFT
    assert imported.source is None
    assert (imported.title, imported.year, imported.total) == ("导入的试行版", 2026, Decimal("100"))
    assert content(imported) == content(outline)
    assert version_problems(imported) == []
    # The original is untouched.
    assert IndicatorSystem.objects.get(code=outline.code).status == VersionStatus.PUBLISHED


def test_an_imported_draft_is_checked_like_any_draft(admin_client):
    upload = xlsx([["1. 组织领导", "1.1 领导重视", "每年研究1次。", 3]])
    assert post(admin_client, upload).status_code == 302
    problems = version_problems(IndicatorSystem.objects.get(code="imported-2026"))
    assert problems == ["各子项目分值合计 3 分，比版本总分 100 分少 97 分。"]


def test_an_empty_category_cell_continues_the_category_above(admin_client):
    upload = xlsx([["1. 组织领导", "1.1 领导重视", "甲", 3], [None, "1.2组织健全", "乙", 2.5]])
    assert post(admin_client, upload).status_code == 302
    _, items = content(IndicatorSystem.objects.get(code="imported-2026"))
    assert items == [(1, "1.1", "领导重视", "甲", Decimal("3"), 1), (1, "1.2", "组织健全", "乙", Decimal("2.5"), 2)]


# --- Refusals -----------------------------------------------------------------------------------

GOOD = ["1. 组织领导", "1.1 领导重视", "每年研究1次。", 3]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["1. 组织领导", "1.1", "标准", 3]], "子项目名称不能为空。"),
        ([["1. 组织领导", "1.1 领导重视", "", 3]], "评分标准不能为空。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", "三分"]], "分值“三分”不是数字。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", -1]], "分值必须大于 0。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", 1.3]], "分值必须是 0.5 的整数倍。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", "1e1"]], "分值“1e1”不是数字。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", 10000]], "分值不能超过 9999.5。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", "1" + "0" * 40]], "分值不能超过 9999.5。"),
        ([["1. 组织领导", "1.1 领导重视", "标准", None]], "分值不能为空。"),
        ([["1. 组织领导", "2.1 领导重视", "标准", 3]], "子项目编号 2.1 与所属考评项目的序号 1 不符。"),
        ([GOOD, ["1. 组织领导", "1.1 又一项", "标准", 2]], "子项目编号 1.1 与第 2 行重复。"),
        ([GOOD, ["1. 别的名称", "1.2 又一项", "标准", 2]], "考评项目序号 1 与第 2 行重复。"),
        ([["组织领导", "1.1 领导重视", "标准", 3]], "考评项目应写作“序号. 名称”"),
        ([["1. 组织领导", "领导重视", "标准", 3]], "子项目应以编号开头"),
        ([[None, "1.1 领导重视", "标准", 3]], "考评项目不能为空。"),
    ],
)
def test_it_refuses_bad_rows_with_their_row_and_writes_nothing(admin_client, rows, message):
    before = IndicatorSystem.objects.count()
    response = post(admin_client, xlsx(rows))
    assert response.status_code == 400
    problems = response.context["problems"]
    assert any(message in p.message for p in problems), [p.message for p in problems]
    assert all(p.row and p.row >= 2 for p in problems)
    assert "没有导入任何数据" in response.content.decode()
    assert IndicatorSystem.objects.count() == before


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("版本.txt", b"hello"), "只能导入 Excel 工作簿（.xlsx）或 JSON 文件（.json）。"),
        (SimpleUploadedFile("版本.xlsx", b"not a zip"), "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式）。"),
        (SimpleUploadedFile("版本.json", b"{not json"), "无法读取该文件。请上传 UTF-8 编码的 JSON 文件"),
        (SimpleUploadedFile("版本.json", b"{}"), "JSON 文件应是一个记录列表"),
        (SimpleUploadedFile("版本.json", b" " * (2 * 1024 * 1024 + 1)), "MB 的上限"),
        (xlsx([GOOD], header=["项目", "子项目", "标准", "分值"]), "表头应依次为：考评项目、子项目、评分标准、分值"),
        (xlsx([]), "文件中没有数据行。"),
    ],
)
def test_it_refuses_files_it_cannot_use(admin_client, upload, message):
    response = post(admin_client, upload)
    assert response.status_code == 400
    assert any(message in p.message for p in response.context["problems"])
    assert not IndicatorSystem.objects.filter(code="imported-2026").exists()


def test_it_refuses_json_records_row_by_row(admin_client, outline):
    records = json.loads(FIXTURE.read_text(encoding="utf-8"))
    records[8]["fields"]["cap"] = "abc"
    records[9]["fields"]["category"] = ["dalian-2010", 99]
    records[10]["fields"]["standard"] = " "
    upload = SimpleUploadedFile("v.json", json.dumps(records, ensure_ascii=False).encode())
    response = post(admin_client, upload)
    assert response.status_code == 400
    found = {(p.row, p.column, p.message) for p in response.context["problems"]}
    assert (9, "cap", "分值“abc”不是数字。") in found
    assert (10, "category", "子项目 1.2 所属的考评项目在文件中不存在。") in found
    assert (11, "standard", "评分标准不能为空。") in found
    assert IndicatorSystem.objects.count() == 1


def test_it_refuses_a_code_already_used_beside_the_field(admin_client, outline):
    response = post(admin_client, xlsx([GOOD]), code=outline.code)
    assert response.status_code == 400
    assert response.context["form"].errors["code"] == ["版本编码“dalian-2010”已被使用。"]
    assert IndicatorSystem.objects.count() == 1


# --- Access ------------------------------------------------------------------------------------

def test_only_admins_import(client, user_client):
    assert client.get(IMPORT).status_code == 302
    assert user_client.get(IMPORT).status_code == 403
    assert post(user_client, xlsx([GOOD])).status_code == 403
    assert not IndicatorSystem.objects.exists()


def test_the_import_page_shows_the_form(admin_client):
    response = admin_client.get(IMPORT)
    assert response.status_code == 200
    assert 'name="file"' in response.content.decode()


def test_importing_never_touches_an_existing_edition(admin_client):
    existing = IndicatorSystemFactory(code="taken")
    response = post(admin_client, xlsx([GOOD]), code="taken")
    assert response.status_code == 400
    assert not Item.objects.filter(system=existing).exists()
