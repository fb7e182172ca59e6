"""Accounts in a real browser: an admin enrols an authenticator and later signs in with a TOTP code
(the code computed here from the secret the page shows); an evaluator changes their password and
signs in with the new one."""

from base64 import b32decode

import pytest
from playwright.sync_api import Page, expect

from orgs.models import Role
from tests.browser.pages import log_in
from tests.factories import user_with_role
from tests.worlds import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"
NEW_PASSWORD = "Xuexi-Shahekou-2026"


def watch_csp(page: Page) -> list[str]:
    violations: list[str] = []
    page.on("console", lambda message: violations.append(message.text)
            if "Content Security Policy" in message.text else None)
    return violations


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出登录").click()
    expect(page.locator("h1")).to_have_text("登录")


def test_an_admin_enrols_an_authenticator_then_signs_in_with_a_code(page: Page, live_server, settings):
    settings.KAOPING_ADMIN_2FA = True
    user_with_role(Role.ADMIN, username="wang", first_name="王管理", is_staff=True)
    violations = watch_csp(page)

    log_in(page, live_server.url, "wang", PASSWORD)
    expect(page.locator("h1")).to_have_text("绑定身份验证器")
    expect(page.locator("#totp-qr svg")).to_be_visible()
    assert page.locator("#totp-qr svg").bounding_box()["width"] >= 200  # sized by the stylesheet
    key = b32decode(page.locator("#totp-secret").inner_text().replace(" ", ""))
    # Nothing else opens before the second factor, the Django admin included.
    page.goto(f"{live_server.url}/admin/")
    expect(page.locator("h1")).to_have_text("绑定身份验证器")

    page.fill("#id_code", "000000")
    page.click("#enrol-form button[type=submit]")
    expect(page.locator("#enrol-form .invalid-feedback")).to_contain_text("验证码不正确或已过期")
    page.wait_for_timeout(1100)  # the wait after one wrong code is a second
    page.fill("#id_code", totp_code(key))
    page.click("#enrol-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("恢复码")
    expect(page.locator("#recovery-codes li")).to_have_count(10)
    page.click("#codes-done")
    expect(page).to_have_url(f"{live_server.url}/admin/")
    expect(page.locator("#site-name")).to_contain_text("学习型党组织建设考评系统")

    page.goto(f"{live_server.url}/accounts/")
    expect(page.locator("#two-factor-status")).to_contain_text("已启用")
    log_out(page)

    log_in(page, live_server.url, "wang", PASSWORD)
    expect(page.locator("h1")).to_have_text("两步验证")
    # The code of the next 30-second step: the one used to enrol cannot be used twice.
    page.fill("#id_code", totp_code(key, steps_ahead=1))
    page.click("#verify-form button[type=submit]")
    expect(page.locator("h1")).to_contain_text("您好，王管理")
    page.goto(f"{live_server.url}/people/")
    expect(page.locator("h1")).to_have_text("用户管理")
    assert violations == []


def test_an_evaluator_changes_their_password_and_signs_in_with_the_new_one(page: Page, live_server):
    user_with_role(Role.EVALUATOR, username="chen", first_name="陈考评")
    violations = watch_csp(page)

    log_in(page, live_server.url, "chen", PASSWORD)
    expect(page.locator("h1")).to_contain_text("您好，陈考评")
    page.click("#account-link")
    expect(page.locator("h1")).to_have_text("我的账号")
    page.click("#change-password")
    page.fill("#id_old_password", "not-my-password")
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    expect(page.locator("#password-change-form")).to_contain_text("你的旧密码不正确。请重新输入。")
    page.fill("#id_old_password", PASSWORD)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    page.click("#password-change-form button[type=submit]")
    expect(page.locator(".alert-success")).to_contain_text("密码已修改")
    log_out(page)

    log_in(page, live_server.url, "chen", PASSWORD)
    expect(page.locator("h1")).to_have_text("登录")  # the old password no longer works
    log_in(page, live_server.url, "chen", NEW_PASSWORD)
    expect(page.locator("h1")).to_contain_text("您好，陈考评")
    assert violations == []
