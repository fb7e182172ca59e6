"""A new user's first minutes: log in with a demo account, read the outline, switch language."""

import pytest
from django.core.management import call_command
from playwright.sync_api import Page, expect

from demo.accounts import DEMO_ACCOUNTS, ensure_demo_accounts
from demo.dalian import ensure_dalian_tree
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_demo_user_reads_the_outline_and_switches_language(page: Page, live_server):
    call_command("loaddata", "dalian_2010", verbosity=0)
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    account = DEMO_ACCOUNTS[1]
    log_in(page, live_server.url, account.username, account.password)

    page.get_by_role("link", name="查看指标体系大纲").click()
    expect(page.locator("h1")).to_have_text("大连市学习型党组织建设指标体系大纲（试行）")
    expect(page.locator("#outline-table tr.item-row")).to_have_count(32)
    expect(page.locator("#outline-table tr.subtotal")).to_have_count(7)
    expect(page.locator("#outline-total")).to_have_text("100")
    expect(page.locator("#outline-table thead")).to_contain_text("评分标准")
    expect(page.locator("mark.requirement").first).to_be_visible()

    page.select_option("#language-select", "en")
    expect(page.locator("#outline-table thead")).to_contain_text("Scoring standard")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#outline-total")).to_have_text("100")

    page.select_option("#language-select", "zh-hans")
    expect(page.locator("#outline-table thead")).to_contain_text("评分标准")
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()


def test_a_wrong_password_keeps_the_user_on_the_login_page(page: Page, live_server):
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    log_in(page, live_server.url, "admin", "not-the-password")
    expect(page.locator(".alert, .invalid-feedback, .errorlist").first).to_contain_text("请输入一个正确的")
    expect(page.locator("#id_username")).to_have_value("admin")


def test_logging_out_returns_to_the_login_page(page: Page, live_server):
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    account = DEMO_ACCOUNTS[0]
    log_in(page, live_server.url, account.username, account.password)
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("h1")).to_have_text("登录")
