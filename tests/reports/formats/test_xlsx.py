"""The Excel workbooks: layout, scope, live formulas that add up to the server's totals, formula
injection, Chinese download names, constant queries."""

import csv
import io
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment, CategoryResult, ItemResult
from assessments.services import assessment_approve, sheet_submit
from orgs.models import Organization, Role
from tests.factories import UserFactory, assign, build_tree, fill, full_marks, make_round, user_with_role
from tests.worlds import DISTRICT_0, logged_in, score_unit, scored_world

pytestmark = pytest.mark.django_db

INJECTIONS = ['=HYPERLINK("http://evil.example","点我")', "+1+1", "-2+3", "@SUM(1)"]
# The workbooks' own formulas: sums of cells or ranges, the percent of the maximum, a category's percent.
OWN_FORMULA = re.compile(
    r'=SUM\([A-Z]+\d+(:[A-Z]+\d+|(,[A-Z]+\d+)*)\)|=IF\(G(\d+)>0,F\3/G\3,""\)|=[A-Z]+\d+/\d+(\.\d+)?'
)


@pytest.fixture
def world(outline):
    return scored_world(outline)


def fetch(client: Client, url: str, params=None):
    response = client.get(url, params or {})
    assert response.status_code == 200, response.status_code
    assert response.streaming  # a FileResponse over the temporary file
    return response, b"".join(response.streaming_content)


def download(client: Client, url: str, params=None):
    response, content = fetch(client, url, params)
    return response, load_workbook(io.BytesIO(content))


def ranking_book(world, user="admin", **params):
    return download(logged_in(world[user]), reverse("reports:ranking_xlsx", args=[world["round"].pk]), params)


def evaluate(sheet, value):
    """Recompute one cell the way a spreadsheet would, for the few functions the workbooks use."""
    if value is None:
        return Decimal("0")
    if not (isinstance(value, str) and value.startswith("=")):
        return Decimal(str(value))
    expression = value[1:].replace("SUM(", "_sum(").replace("IF(", "_if(")
    expression = re.sub(
        r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)", r'_range("\1\2","\3\4")', expression
    )
    expression = re.sub(r'(?<!")\b([A-Z]{1,3}\d+)\b(?!")', r'_cell("\1")', expression)

    def _cell(coordinate):
        return evaluate(sheet, sheet[coordinate].value)

    def _range(start, end):
        return [evaluate(sheet, cell.value) for row in sheet[f"{start}:{end}"] for cell in row]

    def _sum(*parts):
        return sum((sum(p) if isinstance(p, list) else p for p in parts), Decimal("0"))

    def _if(condition, yes, no):
        return yes if condition else no

    return eval(expression, {"_cell": _cell, "_range": _range, "_sum": _sum, "_if": _if})  # noqa: S307


def column(sheet, heading: str) -> list:
    headings = [cell.value for cell in sheet[2]]
    index = headings.index(heading)
    return [row[index] for row in sheet.iter_rows(min_row=3, values_only=True)]


def all_text(workbook) -> str:
    return "\n".join(str(v) for s in workbook for row in s.iter_rows(values_only=True) for v in row if v is not None)


def test_the_ranking_workbook_has_three_printable_sheets_with_frozen_headings(world):
    response, book = ranking_book(world)
    assert book.sheetnames == ["排名", "考评项目", "子项目明细"]
    ranking, categories, items = book.worksheets
    assert [c.value for c in ranking[2]][:8] == ["排名", "编码", "党组织", "类型", "状态", "得分", "满分", "得分率"]
    assert ranking["I2"].value == "1 组织领导（10分）"
    assert ranking["O2"].value == "7 建设成效（20分）"
    assert items["D2"].value == "1.1 领导重视（3分）"
    assert items.max_column == 3 + 32 + 1
    assert categories.max_column == 3 + 2 * 7 + 1
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "D3"
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.page_setup.fitToWidth == 1
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.column_dimensions["C"].width == 32
    assert ranking["A1"].value == "2025年度考评 排名"


def test_the_ranking_rows_match_the_page_with_ties_and_numbers_as_numbers(world):
    _, book = ranking_book(world)
    ranking = book["排名"]
    assert column(ranking, "编码") == ["BD000B0000", "BD000B0001", "BD000B0002", "BD001B0000", "BD001B0001"]
    assert column(ranking, "排名") == [1, 2, 2, 4, 5]
    assert column(ranking, "状态") == ["已审核"] * 5
    assert column(ranking, "类型") == ["党支部"] * 5
    assert all(isinstance(v, int | float) for v in column(ranking, "4 学习要求（20分）"))


def test_every_total_is_a_live_sum_that_recomputes_to_the_servers_total(world):
    _, book = ranking_book(world, submitted="1")
    totals = dict(Assessment.objects.filter(round=world["round"]).values_list("organization__code", "total"))
    ranking, categories, items = book["排名"], book["考评项目"], book["子项目明细"]
    for r in range(3, ranking.max_row + 1):
        code = ranking[f"B{r}"].value
        assert ranking[f"F{r}"].value == f"=SUM(I{r}:O{r})"
        assert evaluate(ranking, ranking[f"F{r}"].value) == totals[code], code
        assert evaluate(ranking, ranking[f"H{r}"].value) == totals[code] / 100
        assert ranking[f"H{r}"].number_format == "0.0%"
        assert categories[f"B{r}"].value == items[f"B{r}"].value == code
        last = categories.cell(row=r, column=categories.max_column)
        assert last.value.startswith("=SUM(D")
        assert evaluate(categories, last.value) == totals[code]
        last = items.cell(row=r, column=items.max_column)
        assert last.value == f"=SUM(D{r}:AI{r})"
        assert evaluate(items, last.value) == totals[code]
    # Category percents are formulas over the category cell: 4 学习要求 of BD001B0001 is 12 of 20.
    row = column(categories, "编码").index("BD001B0001") + 3
    assert categories[f"J{row}"].value == 12
    assert evaluate(categories, categories[f"K{row}"].value) == Decimal("0.6")


def test_the_workbook_keeps_the_pages_filters_and_order(world):
    _, book = ranking_book(world, org="BD001", submitted="1", sort="-c4")
    ranking = book["排名"]
    assert column(ranking, "编码") == ["BD001B0002", "BD001B0000", "BD001B0001"]
    assert column(ranking, "状态") == ["待审核", "已审核", "已审核"]
    assert ranking["A1"].value == "2025年度考评 排名（测试区1）（含待审核）"


def test_an_analysts_workbook_never_holds_another_districts_rows(world):
    response, book = ranking_book(world, "analyst", submitted="1")
    text = all_text(book)
    assert not any(code in text for code in (*DISTRICT_0, "测试区0"))
    assert column(book["排名"], "编码") == ["BD001B0002", "BD001B0000", "BD001B0001"]
    # A hand-made link to the other district goes back to the page, which refuses it.
    url = reverse("reports:ranking_xlsx", args=[world["round"].pk])
    refused = logged_in(world["analyst"]).get(url, {"org": "BD000"})
    assert refused.status_code == 302
    assert refused["Location"].endswith("ranking/?org=BD000")


def test_text_that_would_run_as_a_formula_is_neutralised(world):
    for code, name in zip(("BD000B0000", "BD000B0001", "BD001B0000", "BD001B0001"), INJECTIONS, strict=True):
        Organization.objects.filter(code=code).update(name=name)
    _, book = ranking_book(world)
    for sheet in book.worksheets:
        names = column(sheet, "党组织")
        assert sorted(names) == sorted(["'" + name for name in INJECTIONS] + ["测试区0第2支部"])
        for row in sheet.iter_rows(min_row=3):
            for cell in row:
                if cell.data_type == "f":
                    # The only formulas are the workbook's own sums and ratios.
                    assert OWN_FORMULA.fullmatch(cell.value), cell.value


def test_the_download_name_is_chinese_per_rfc_6266(world):
    response, _ = ranking_book(world)
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote("2025年度考评_排名.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _export_queries(outline, units: int, prefix: str) -> int:
    build_tree(districts=1, branches_per_district=units, prefix=prefix)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title=f"批次{prefix}")
    for unit in Organization.objects.filter(type="branch", code__startswith=prefix):
        score_unit(round, unit, evaluator, admin, {"4.2": "4"})
    client = logged_in(admin)
    with CaptureQueriesContext(connection) as queries:
        response, book = download(client, reverse("reports:ranking_xlsx", args=[round.pk]), {"submitted": "1"})
    assert book["子项目明细"].max_row == 2 + units
    return len(queries)


def test_the_export_costs_the_same_queries_for_5_and_40_organizations(outline):
    assert _export_queries(outline, 5, "S") == _export_queries(outline, 40, "L")


def test_a_longer_export_costs_the_same_queries_for_every_further_chunk(outline, monkeypatch):
    # Chunks of 4 rows: 4, 8 and 12 organizations stream as 1, 2 and 3 chunks.
    monkeypatch.setattr("reports.services.ranking_export.CHUNK", 4)
    one, two, three = (_export_queries(outline, units, prefix) for units, prefix in ((4, "A"), (8, "B"), (12, "C")))
    # Each chunk reads its rows' fields, category subtotals and item scores: three value queries.
    assert three - two == two - one == 3


# --- the per-organization score sheet ------------------------------------------------------------


def sheet_book(world, user, code="BD001B0001"):
    assessment = Assessment.objects.get(round=world["round"], organization__code=code)
    return download(logged_in(world[user]), reverse("reports:sheet_xlsx", args=[assessment.pk]))


def test_the_score_sheet_has_the_official_layout(world):
    response, book = sheet_book(world, "admin")
    sheet = book["评分表"]
    assert sheet["A1"].value == "学习型党组织建设考评评分表"
    assert "测试区1第1支部（BD001B0001）" in sheet["A2"].value
    assert "2025年度考评" in sheet["A3"].value
    assert "dalian-2010" in sheet["A3"].value
    assert [c.value for c in sheet[4]] == ["考评项目", "子项目", "评分标准", "分值", "得分", "扣分理由"]
    assert sheet.freeze_panes == "A5"
    assert sheet.print_title_rows == "$4:$4"
    assert sheet.page_setup.orientation == "portrait"
    assert sheet.page_setup.fitToWidth == 1
    assert sheet["A5"].value == "1. 组织领导"
    assert "A5:A8" in {str(r) for r in sheet.merged_cells.ranges}
    reasons = {row[1]: row[5] for row in sheet.iter_rows(min_row=5, values_only=True) if row[1]}
    assert reasons["4.2 党委中心组学习"] == "材料不全"
    labels = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row[0] in ("考评员", "审核人", "状态")}
    assert labels["状态"] == "已审核"
    assert labels["考评员"]
    assert labels["审核人"]
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''" + quote(
        "测试区1第1支部_2025年度考评_评分表.xlsx"
    )


def test_the_score_sheets_subtotals_and_total_recompute_to_the_servers(world):
    _, book = sheet_book(world, "admin")
    sheet = book["评分表"]
    assessment = Assessment.objects.get(round=world["round"], organization__code="BD001B0001")
    subtotals = list(
        CategoryResult.objects.filter(assessment=assessment).order_by("category__number").values_list("score", flat=True)
    )
    rows = list(sheet.iter_rows(min_row=5))
    computed = [evaluate(sheet, row[4].value) for row in rows if row[1].value == "小计"]
    caps = [evaluate(sheet, row[3].value) for row in rows if row[1].value == "小计"]
    assert computed == subtotals
    assert caps == [10, 5, 25, 20, 10, 10, 20]
    total = next(row for row in rows if row[0].value == "合计")
    assert total[4].value.startswith("=SUM(E")
    assert evaluate(sheet, total[4].value) == assessment.total == Decimal("92")
    assert evaluate(sheet, total[3].value) == assessment.max_total
    items = [row for row in rows[: rows.index(total)] if row[1].value != "小计"]
    assert len(items) == 32
    assert all(isinstance(row[3].value, int | float) for row in items)
    assert sum(ItemResult.objects.filter(assessment=assessment).values_list("score", flat=True)) == assessment.total


def test_the_score_sheet_follows_who_may_see_the_assessment(world):
    assessment = Assessment.objects.get(round=world["round"], organization__code="BD000B0000")
    url = reverse("reports:sheet_xlsx", args=[assessment.pk])
    assert logged_in(world["analyst"]).get(url).status_code == 404  # another district
    assert logged_in(UserFactory()).get(url).status_code == 404
    assert Client().get(url).status_code == 302
    assert logged_in(world["evaluator"]).get(url).status_code == 200


def test_the_unit_gets_its_sheet_once_approved_without_the_evaluators(world, outline):
    reporter = world["reporter"]  # of BD001B0000, approved
    assessment = Assessment.objects.get(round=world["round"], organization__code="BD001B0000")
    _, book = download(logged_in(reporter), reverse("reports:sheet_xlsx", args=[assessment.pk]))
    rows = list(book["评分表"].iter_rows(values_only=True))
    assert dict((r[0], r[1]) for r in rows if r[0] == "考评员")["考评员"] == "—"
    assert world["evaluator"].first_name not in all_text(book)
    # Before approval the unit's result is provisional: there is no sheet for it yet.
    provisional = Assessment.objects.get(round=world["round"], organization__code="BD001B0002")
    own = user_with_role(Role.REPORTER, provisional.organization)
    assert logged_in(own).get(reverse("reports:sheet_xlsx", args=[provisional.pk])).status_code == 404


def test_the_unit_reads_why_points_went_but_not_from_whom(world, outline):
    unit = Organization.objects.get(code="BD000B0001")
    new_round = make_round(outline, year=2026, title="2026年度考评")
    first = user_with_role(Role.EVALUATOR, first_name="张考评")
    second = user_with_role(Role.EVALUATOR, first_name="李考评")
    for evaluator, reason in ((first, "会议记录缺两次"), (second, "学习计划不具体")):
        sheet = assign(new_round, unit, evaluator, lead=evaluator is first)
        marks = full_marks(outline)
        marks["1.1"] = Decimal("2")
        fill(sheet, evaluator, marks, reason=reason)
        sheet_submit(sheet=sheet, user=evaluator)
    assessment = Assessment.objects.get(round=new_round, organization=unit)
    url = reverse("reports:sheet_xlsx", args=[assessment.pk])
    _, admins = download(logged_in(world["admin"]), url)
    reasons = {row[1]: row[5] for row in admins["评分表"].iter_rows(min_row=5, values_only=True)}
    assert reasons["1.1 领导重视"] == "张考评：会议记录缺两次；李考评：学习计划不具体"
    assessment_approve(assessment=assessment, user=world["admin"])
    own = user_with_role(Role.REPORTER, unit)
    _, after = download(logged_in(own), url)
    reasons = {row[1]: row[5] for row in after["评分表"].iter_rows(min_row=5, values_only=True)}
    assert reasons["1.1 领导重视"] == "会议记录缺两次；学习计划不具体"
    assert "张考评" not in all_text(after)
    assert "李考评" not in all_text(after)


def test_a_reason_that_looks_like_a_formula_stays_text(world, outline):
    unit = Organization.objects.get(code="BD000B0001")
    new_round = make_round(outline, year=2026, title="2026年度考评")
    evaluator = user_with_role(Role.EVALUATOR)
    sheet = assign(new_round, unit, evaluator)
    marks = full_marks(outline)
    marks["1.1"] = Decimal("1")
    fill(sheet, evaluator, marks, reason='=HYPERLINK("http://evil.example")')
    Organization.objects.filter(pk=unit.pk).update(name="@恶意名称")
    _, book = download(logged_in(world["admin"]), reverse("reports:sheet_xlsx", args=[sheet.assessment_id]))
    cells = [c for row in book["评分表"].iter_rows() for c in row]
    assert any(c.value == "'=HYPERLINK(\"http://evil.example\")" and c.data_type == "s" for c in cells)
    assert all(c.value.startswith("=SUM(") for c in cells if c.data_type == "f")


# --- an independent check with LibreOffice (make test installs libreoffice-calc-nogui) ------------


def test_libreoffice_computes_the_same_totals_as_the_page(world, tmp_path):
    assert shutil.which("soffice"), "LibreOffice is needed: apt-get install libreoffice-calc-nogui"
    url = reverse("reports:ranking_xlsx", args=[world["round"].pk])
    source = tmp_path / "ranking.xlsx"
    source.write_bytes(fetch(logged_in(world["admin"]), url, {"submitted": "1"})[1])
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}", "--headless",
         "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    rows = list(csv.reader(io.StringIO(Path(tmp_path / "ranking-排名.csv").read_text(encoding="utf-8"))))
    computed = {row[1]: Decimal(row[5]) for row in rows[2:]}
    totals = dict(Assessment.objects.filter(round=world["round"]).values_list("organization__code", "total"))
    assert computed == totals
    items = list(csv.reader(io.StringIO(Path(tmp_path / "ranking-子项目明细.csv").read_text(encoding="utf-8"))))
    assert {row[1]: Decimal(row[-1]) for row in items[2:]} == totals


def test_the_layout_tells_the_columns_each_sheet_writes(outline):
    from assessments.selectors.outline import round_items
    from reports.formats.xlsx import RankingLayout
    from reports.selectors.compare import categories_with_caps
    from tests.factories import make_round

    round = make_round(outline, title="列数")
    layout = RankingLayout(title="t", categories=categories_with_caps(round), items=round_items(round))
    headings = [len(layout.categories) + 8, 3 + 2 * len(layout.categories) + 1, 3 + len(layout.items) + 1]
    assert layout.sheet_columns() == tuple(headings)
    assert layout.sheet_columns() == (15, 18, 36)  # the Dalian outline: 7 categories, 32 items
