"""The unit's reporter uploads evidence on the score page without losing a single typed score."""

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Page, expect

from assessments.models import Assessment, Evidence, Score, Sheet, SheetKind
from orgs.models import Role
from tests.browser.pages import PASSWORD, reason_input, score_input
from tests.factories import OrganizationFactory, assign, make_round, user_with_role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def self_sheet(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("loaddata", "dalian_2010", verbosity=0)
    from indicators.models import IndicatorSystem

    unit = OrganizationFactory(code="U-001", name="桃源街道东山社区党支部")
    user_with_role(Role.REPORTER, unit, username="li", first_name="李填报")
    assign(make_round(IndicatorSystem.objects.get(code="dalian-2010")), unit, user_with_role(Role.EVALUATOR))
    assessment = Assessment.objects.get(organization=unit)
    sheet = Sheet.objects.get(assessment=assessment, kind=SheetKind.SELF)
    return live_server.url + reverse("assessments:sheet", args=[assessment.pk, sheet.pk])


def open_as_reporter(page: Page, url: str) -> None:
    page.goto(url)  # to the login page, and back here once logged in
    page.fill("#id_username", "li")
    page.fill("#id_password", PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(url)
    expect(page.locator("#sheet-table tr.item-row")).to_have_count(32)
    page.wait_for_load_state("load")


def cell(page: Page, number: str):
    return page.locator(f"tr.item-row[data-item='{number}'] .evidence-cell")


def choose(page: Page, number: str, name: str, content: bytes, mime: str = "application/pdf") -> None:
    row = cell(page, number)
    row.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": content})
    row.get_by_role("button", name="上传").click()


def test_uploads_and_refusals_leave_the_typed_scores_alone(page: Page, self_sheet):
    page.on("dialog", lambda dialog: dialog.accept())
    open_as_reporter(page, self_sheet)
    score_input(page, "1.1").fill("2")
    reason_input(page, "1.1").fill("会议记录不全")
    score_input(page, "1.2").fill("２")
    # Were the page to reload, this would be gone.
    page.evaluate("window.stillTheSamePage = true")

    choose(page, "1.2", "学习计划.pdf", PDF)
    expect(page.locator("#evidence-status")).to_have_text("已上传“学习计划.pdf”（1.2 组织健全）。")
    expect(cell(page, "1.2").locator(".evidence-file")).to_have_count(1)
    expect(cell(page, "1.2")).to_contain_text("学习计划.pdf")

    choose(page, "1.3", "说明.txt", b"plain text", "text/plain")
    expect(cell(page, "1.3").locator(".evidence-error")).to_have_text(
        "只能上传 PDF、图片（PNG、JPG、GIF）或 Office 文档（Word、Excel、PowerPoint、WPS）。")
    choose(page, "1.4", "伪装.pdf", b"MZ\x90\x00 not a pdf")
    expect(cell(page, "1.4").locator(".evidence-error")).to_contain_text("文件内容与扩展名“.pdf”不符")
    expect(page.locator("#evidence-status")).to_contain_text("文件内容与扩展名“.pdf”不符")
    # The refusal of one item stays with that item.
    expect(cell(page, "1.3").locator(".evidence-error")).to_contain_text("只能上传 PDF")
    expect(cell(page, "1.2").locator(".evidence-error")).to_have_count(0)

    # A file uploaded then deleted, in place too.
    choose(page, "2.1", "多余的.pdf", PDF)
    expect(cell(page, "2.1")).to_contain_text("多余的.pdf")
    cell(page, "2.1").get_by_role("button", name="删除“多余的.pdf”").click()
    expect(page.locator("#evidence-status")).to_have_text("已删除“多余的.pdf”。")
    expect(cell(page, "2.1").locator(".evidence-file")).to_have_count(0)

    assert page.evaluate("window.stillTheSamePage") is True
    expect(score_input(page, "1.1")).to_have_value("2")
    expect(reason_input(page, "1.1")).to_have_value("会议记录不全")
    expect(score_input(page, "1.2")).to_have_value("２")
    assert list(Evidence.objects.values_list("item__number", "original_name")) == [("1.2", "学习计划.pdf")]

    reason_input(page, "1.2").fill("缺少季度计划")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    stored = Score.objects.filter(sheet__kind=SheetKind.SELF).values_list("item__number", "score", "reason")
    assert sorted((number, str(score), reason) for number, score, reason in stored) == [
        ("1.1", "2.0", "会议记录不全"), ("1.2", "2.0", "缺少季度计划")]
    expect(cell(page, "1.2")).to_contain_text("学习计划.pdf")


def test_without_script_a_refusal_comes_back_next_to_its_item(browser, self_sheet):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    open_as_reporter(page, self_sheet)
    choose(page, "1.3", "说明.txt", b"plain text", "text/plain")
    expect(page).to_have_url(f"{self_sheet}#{cell(page, '1.3').get_attribute('id')}")
    expect(cell(page, "1.3").locator(".evidence-error")).to_contain_text("只能上传 PDF")
    choose(page, "1.2", "学习计划.pdf", PDF)
    expect(page.locator(".alert-success")).to_contain_text("已上传“学习计划.pdf”")
    expect(cell(page, "1.2")).to_contain_text("学习计划.pdf")
    expect(page.locator(".evidence-error")).to_have_count(0)
    context.close()


def test_a_file_too_big_is_refused_before_it_is_sent(page: Page, self_sheet, settings):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024
    open_as_reporter(page, self_sheet)
    score_input(page, "1.1").fill("3")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    choose(page, "1.2", "扫描件.pdf", PDF + b"0" * 4096)
    expect(cell(page, "1.2").locator(".evidence-error")).to_have_text("文件超过了 1.0\xa0KB 的上限，请压缩或拆分后再上传。")
    expect(page.locator("#evidence-status")).to_have_text("文件超过了 1.0\xa0KB 的上限，请压缩或拆分后再上传。")
    assert posts == []
    assert not Evidence.objects.exists()
    expect(score_input(page, "1.1")).to_have_value("3")
