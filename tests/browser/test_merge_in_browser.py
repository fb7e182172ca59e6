"""Two reporters on one self-assessment sheet in two browsers: disjoint edits are both kept,
overlapping ones are shown side by side, and nothing is lost whatever the second one clicks."""

import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from assessments.models import Score, Sheet, SheetKind
from orgs.models import Organization, Role
from tests.browser.pages import log_in
from tests.factories import OrganizationFactory, make_round, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"


@pytest.fixture
def shared(live_server):
    call_command("loaddata", "dalian_2010", verbosity=0)
    from assessments.services import round_add_organizations
    from indicators.models import IndicatorSystem

    unit = OrganizationFactory(code="U-9", name="同兴社区党支部")
    round = make_round(IndicatorSystem.objects.get(code="dalian-2010"))
    round_add_organizations(round=round, organizations=Organization.objects.filter(pk=unit.pk), user=None)
    user_with_role(Role.REPORTER, unit, username="zhang", first_name="张三")
    user_with_role(Role.REPORTER, unit, username="li", first_name="李四")
    sheet = Sheet.objects.get(assessment__organization=unit, kind=SheetKind.SELF)
    return live_server.url + f"/assessments/{sheet.assessment_id}/sheets/{sheet.pk}/", sheet


@pytest.fixture
def person(browser: Browser, live_server):
    """Opens the sheet as one user in a browser of their own; closes every such browser after the
    test, so that no open connection outlives the live server."""
    contexts = []

    def open_as(username: str, sheet_url: str) -> Page:
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, username, PASSWORD)
        page.goto(sheet_url)
        expect(page.locator("#sheet-table tr.item-row")).to_have_count(32)
        return page

    yield open_as
    for context in contexts:
        context.close()


def cell(page: Page, number: str, kind: str):
    return page.locator(f"tr.item-row[data-item='{number}'] .{kind}-input")


def stored(sheet, number):
    row = Score.objects.filter(sheet=sheet, item__number=number).first()
    return (row.score, row.reason) if row else (None, "")


def save(page: Page) -> None:
    page.get_by_role("button", name="保存草稿").click()


def test_two_people_on_one_sheet_lose_nothing(shared, person):
    url, sheet = shared
    a, b = person("zhang", url), person("li", url)

    # Disjoint edits: both kept, and the second person is told in one line.
    cell(a, "2.2", "score").fill("0.5")
    cell(a, "2.2", "reason").fill("甲：学习记录不全")
    save(a)
    expect(a.locator(".alert-success")).to_contain_text("已保存草稿")
    cell(b, "2.3", "score").fill("0")
    cell(b, "2.3", "reason").fill("乙：未开展")
    save(b)
    expect(b.locator(".alert-success")).to_contain_text("他人修改了 2 处（2.2 得分、2.2 扣分理由），已一并保留")
    assert stored(sheet, "2.2") == (Decimal("0.5"), "甲：学习记录不全")
    assert stored(sheet, "2.3") == (Decimal("0"), "乙：未开展")
    expect(cell(b, "2.2", "score")).to_have_value("0.5")

    # Overlapping edits: both open the sheet as it is now, and both change 4.2.
    a.reload()
    cell(a, "4.2", "score").fill("6")
    cell(a, "4.2", "reason").fill("甲：中心组学习不足")
    cell(a, "1.1", "score").fill("3")
    save(a)
    expect(a.locator(".alert-success")).to_be_visible()
    cell(b, "4.2", "score").fill("5")
    cell(b, "4.2", "reason").fill("乙：中心组学习次数不够")
    cell(b, "5.1", "score").fill("4")
    save(b)
    conflict = b.locator("#conflict")
    expect(conflict).to_contain_text("有 2 处您和对方都改了")
    row = b.locator("tr.item-row[data-item='4.2']")
    expect(row.locator("fieldset.merge-choice")).to_have_count(2)
    expect(row).to_contain_text("张三（")
    expect(row).to_contain_text("甲：中心组学习不足")
    expect(row).to_contain_text("乙：中心组学习次数不够")
    # What 李四 typed is still in the fields; 张三's 1.1 is taken over and marked.
    expect(cell(b, "4.2", "score")).to_have_value("5")
    expect(cell(b, "5.1", "score")).to_have_value("4")
    expect(cell(b, "1.1", "score")).to_have_value("3")
    expect(cell(b, "1.1", "score")).to_have_class(re.compile("changed-by-others"))
    assert stored(sheet, "4.2") == (Decimal("6"), "甲：中心组学习不足")

    # Saving again as it is decides nothing and overwrites nothing.
    save(b)
    expect(row.locator(".invalid-feedback").first).to_contain_text("与他人的修改冲突，请选择保留哪个值")
    assert stored(sheet, "4.2") == (Decimal("6"), "甲：中心组学习不足")
    assert stored(sheet, "5.1") == (None, "")

    # 李四 keeps their score and 张三's reason: the field shows the choice at once.
    row.locator("fieldset.merge-choice").nth(0).get_by_label("您的值：").check()
    row.locator("fieldset.merge-choice").nth(1).get_by_label("张三（", exact=False).check()
    expect(cell(b, "4.2", "reason")).to_have_value("甲：中心组学习不足")
    save(b)
    expect(b.locator(".alert-success")).to_contain_text("已保存草稿")
    assert stored(sheet, "4.2") == (Decimal("5"), "甲：中心组学习不足")
    assert stored(sheet, "5.1") == (Decimal("4"), "")
    assert stored(sheet, "1.1") == (Decimal("3"), "")
