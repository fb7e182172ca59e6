"""An admin publishes a new trial edition with moved weights, and last year stays as it was."""

import io

import pytest
from django.core.management import call_command
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from assessments.models import Assessment, Round
from demo.accounts import ensure_demo_accounts
from demo.dalian import ensure_dalian_tree
from demo.rounds import build_closed_round, demo_users
from indicators.models import IndicatorSystem
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def site(live_server):
    call_command("loaddata", "dalian_2010", verbosity=0)
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    users = demo_users()
    build_closed_round(2025, IndicatorSystem.objects.get(code="dalian-2010"), [users["evaluator"]], users["approver"])
    return live_server.url


def cap_of(page: Page, number: str):
    return page.locator(f"#edit-table tr:has(input[value='{number}']) .cap-input")


def test_an_admin_moves_two_points_and_publishes_a_new_edition(page: Page, site):
    log_in(page, site, "admin", "kaoping-admin")
    page.goto(f"{site}/indicators/dalian-2010/")
    page.get_by_role("link", name="复制").first.click()
    page.fill("#id_code", "dalian-2026")
    page.fill("#id_title", "大连市学习型党组织建设指标体系（2026 试行）")
    page.fill("#id_year", "2026")
    page.get_by_role("button", name="复制为草稿").click()

    expect(page.locator("#edit-table")).to_be_visible()
    cap_of(page, "4.2").fill("6")
    expect(page.locator("#edit-balance")).to_contain_text("98")
    cap_of(page, "3.4").fill("5")
    expect(page.locator("#edit-sum")).to_have_text("100")
    page.get_by_role("button", name="保存", exact=True).click()
    expect(cap_of(page, "4.2")).to_have_value("6")
    expect(page.locator("#edit-sum")).to_have_text("100")
    page.get_by_role("button", name="发布此版本").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert IndicatorSystem.objects.get(code="dalian-2026").status == "published"

    page.goto(f"{site}/rounds/new/")
    page.fill("#id_year", "2026")
    page.fill("#id_title", "2026年度学习型党组织建设考评（新版）")
    new_version = IndicatorSystem.objects.get(code="dalian-2026")
    page.select_option("#id_indicator_system", value=str(new_version.pk))
    page.fill("#id_deadline", "2026-12-31")
    page.locator("form button[type=submit]").last.click()
    new_round = Round.objects.get(title="2026年度学习型党组织建设考评（新版）")
    assert new_round.indicator_system.code == "dalian-2026"

    page.goto(f"{site}/indicators/dalian-2010/")
    expect(page.locator("tr.item-row[data-item='4.2'] td.cap")).to_have_text("8")
    last_year = Assessment.objects.filter(round__year=2025).first()
    page.goto(f"{site}/assessments/{last_year.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="评分表 Excel").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    caps = {row[1].split(" ")[0]: row[3] for row in sheet.iter_rows(values_only=True)
            if row[1] and str(row[1])[:1].isdigit() and isinstance(row[3], (int, float))}
    assert (caps["4.2"], caps["3.4"]) == (8, 3)
    page.goto(f"{site}/indicators/dalian-2026/")
    expect(page.locator("tr.item-row[data-item='4.2'] td.cap")).to_have_text("6")
    expect(page.locator("tr.item-row[data-item='3.4'] td.cap")).to_have_text("5")
    expect(page.locator("#outline-total")).to_have_text("100")
