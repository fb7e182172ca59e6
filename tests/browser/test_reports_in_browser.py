"""An analyst of one district before a meeting: rank, compare three, open a trend, download
the Excel and the PDF — and the numbers agree everywhere."""

import io
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assessments.models import Round
from demo.accounts import ensure_demo_accounts
from demo.dalian import ensure_dalian_tree
from demo.rounds import build_closed_round, demo_users
from indicators.models import IndicatorSystem
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def history(live_server):
    call_command("loaddata", "dalian_2010", verbosity=0)
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    users = demo_users()
    system = IndicatorSystem.objects.get(code="dalian-2010")
    for year in (2023, 2024, 2025):
        build_closed_round(year, system, [users["evaluator"], users["evaluator2"]], users["approver"])
    return live_server.url


def test_a_district_analyst_prepares_for_a_meeting(page: Page, history, tmp_path):
    log_in(page, history, "analyst_zs", "kaoping-analyst")
    page.get_by_role("link", name="统计分析").click()
    latest = Round.objects.get(year=2025)
    page.locator(f"a[href='/reports/rounds/{latest.pk}/ranking/']").click()

    rows = page.locator("#ranking-table tbody tr")
    expect(rows.first).to_be_visible()
    codes = rows.evaluate_all("rows => rows.map(r => r.dataset.code)")
    assert codes
    assert all(code.startswith("DL-ZS") for code in codes)
    page_totals = {
        row.get_attribute("data-code"): Decimal(row.locator("td.total").inner_text())
        for row in rows.all()
    }

    for code in codes[:3]:
        page.locator(f"#ranking-table input[value='{code}']").check()
    page.get_by_role("button", name="对比所选党组织（2 至 10 个）").click()
    expect(page.locator("#compare-table")).to_be_visible()
    expect(page.locator("#compare-radar svg")).to_be_visible()
    page.go_back()

    with page.expect_download() as xlsx_download:
        page.locator("#download-xlsx").click()
    workbook = load_workbook(io.BytesIO(Path(xlsx_download.value.path()).read_bytes()))
    assert xlsx_download.value.suggested_filename.endswith(".xlsx")
    sheet = workbook.worksheets[0]
    header_row = next(row for row in sheet.iter_rows(values_only=True) if row and "编码" in row)
    code_col, total_col = header_row.index("编码"), header_row.index("得分")
    first_category = header_row.index("得分率") + 1
    exported = {}
    for row in sheet.iter_rows(values_only=True):
        if row and isinstance(row[code_col], str) and row[code_col].startswith("DL-"):
            # The 得分 cell is a live =SUM of the category cells: recompute it as a spreadsheet would.
            assert str(row[total_col]).startswith("=SUM(")
            exported[row[code_col]] = sum(Decimal(str(v)) for v in row[first_category:] if v is not None)
    assert all(code.startswith("DL-ZS") for code in exported)
    assert all(exported[code] == total for code, total in page_totals.items())

    with page.expect_download() as pdf_download:
        page.locator("#pdf-actions a").first.click()
    pdf_path = tmp_path / "ranking.pdf"
    pdf_download.value.save_as(pdf_path)
    fonts = subprocess.run(["pdffonts", str(pdf_path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts
    text = subprocess.run(["pdftotext", str(pdf_path), "-"], capture_output=True, text=True, check=True).stdout
    first = codes[0]
    assert first in text
    assert f"{page_totals[first]}" in text

    page.locator(f"#ranking-table tr[data-code='{first}'] a", has_text="历年趋势").click()
    expect(page.locator("#trend-table tbody tr")).to_have_count(3)
    expect(page.locator("#trend-chart svg")).to_be_visible()
