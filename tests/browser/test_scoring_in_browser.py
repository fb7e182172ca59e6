"""The evaluator's season in a browser: score, fix a mistake, submit, be returned, be approved."""

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from orgs.models import Role
from tests.browser.pages import PASSWORD, log_in, reason_input, score_input
from tests.factories import OrganizationFactory, assign, make_round, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

@pytest.fixture
def season(live_server):
    call_command("loaddata", "dalian_2010", verbosity=0)
    from indicators.models import IndicatorSystem

    outline = IndicatorSystem.objects.get(code="dalian-2010")
    unit = OrganizationFactory(code="U-001", name="桃源街道东山社区党支部")
    evaluator = user_with_role(Role.EVALUATOR, username="chen", first_name="陈考评")
    approver = user_with_role(Role.ANALYST, unit, username="zhou", first_name="周审核")
    round = make_round(outline, approvers=[approver])
    assign(round, unit, evaluator)
    return live_server.url


def open_sheet(page: Page, base: str) -> None:
    log_in(page, base, "chen", PASSWORD)
    page.get_by_role("link", name="桃源街道东山社区党支部").first.click()
    expect(page.locator("#sheet-table tr.item-row")).to_have_count(32)


def other_page(browser: Browser) -> Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    return context.new_page()


def test_the_evaluators_season_from_draft_to_locked(page: Page, browser: Browser, season):
    page.on("dialog", lambda dialog: dialog.accept())
    open_sheet(page, season)
    rows = page.locator("#sheet-table tr.item-row")
    for index in range(32):
        row = rows.nth(index)
        row.locator(".score-input").fill(row.get_attribute("data-cap").removesuffix(".0"))
    score_input(page, "1.1").fill("9")
    score_input(page, "4.2").fill("6")
    reason_input(page, "4.2").fill("中心组集中学习不足每两个月1次")
    # The live total leaves out what cannot be a score (the 9) until it is corrected.
    expect(page.locator("#sheet-total")).to_have_text("95")
    expect(score_input(page, "1.1")).to_have_class(re.compile("is-warning"))
    page.get_by_role("button", name="保存草稿").click()

    expect(page.locator("tr.item-row[data-item='1.1'] .score-col .invalid-feedback")).to_have_text("得分不能超过本项分值 3 分。")
    expect(score_input(page, "1.1")).to_have_value("9")
    expect(score_input(page, "4.2")).to_have_value("6")
    expect(reason_input(page, "4.2")).to_have_value("中心组集中学习不足每两个月1次")
    expect(score_input(page, "7.4")).to_have_value("5")
    expect(page.locator(".score-input.is-invalid")).to_have_count(1)

    score_input(page, "1.1").fill("3")
    expect(page.locator("#sheet-total")).to_have_text("98")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    expect(page.locator("#sheet-total")).to_have_text("98")
    page.get_by_role("button", name="保存并提交").click()
    expect(page.locator("#assessment-state")).to_have_text("待审核")

    approver = other_page(browser)
    log_in(approver, season, "zhou", PASSWORD)
    approver.goto(page.url)
    approver.locator("#return-form button[type=submit]").click()
    expect(approver.locator("#return-form")).to_contain_text("请填写理由。")
    approver.locator("#return-form textarea").fill("4.2 扣分依据请写明具体次数")
    approver.locator("#return-form button[type=submit]").click()
    expect(approver.locator("#assessment-state")).to_have_text("已退回")

    page.goto(f"{season}/")
    page.get_by_role("link", name="桃源街道东山社区党支部").first.click()
    expect(page.locator(".alert-warning")).to_contain_text("4.2 扣分依据请写明具体次数")
    reason_input(page, "4.2").fill("全年集中学习4次，不足每两个月1次")
    page.get_by_role("button", name="保存并提交").click()
    expect(page.locator("#assessment-state")).to_have_text("待审核")

    approver.reload()
    approver.locator("#approve-form button[type=submit]").click()
    expect(approver.locator("#assessment-state")).to_have_text("已审核")
    expect(approver.locator("#merged-total")).to_contain_text("98")

    page.go_back()
    page.reload()
    expect(page.locator("#locked-note")).to_be_visible()
    expect(page.locator(".score-input")).to_have_count(0)
    expect(page.get_by_role("button", name="保存草稿")).to_have_count(0)

    approver.reload()
    history = approver.locator("#history")
    expect(history).to_contain_text("4.2 扣分依据请写明具体次数")
    expect(history).to_contain_text("全年集中学习4次，不足每两个月1次")
    for step in ("待审核", "已退回", "已审核"):
        expect(history).to_contain_text(step)
    approver.context.close()
