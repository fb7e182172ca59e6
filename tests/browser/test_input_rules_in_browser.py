"""The browser reads a typed score and a reason exactly as the server does (tests/input_cases.py),
and the score page shows the server's own messages, live, where the server puts them."""

import re

import pytest
from django.core.management import call_command
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from playwright.sync_api import Page, expect

from assessments.models import Score
from orgs.models import Role
from tests.browser.pages import PASSWORD, log_in, reason_input, score_input
from tests.factories import OrganizationFactory, assign, make_round, user_with_role
from tests.input_cases import (
    REASON_CASES,
    SCORE_CASES,
    server_reason,
    server_reason_length,
    server_reason_message,
    server_score,
    server_score_message,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What KaopingPoints makes of each (typed, cap), in the shape of tests.input_cases.server_score,
# with the message the page would show, from the server's messages rendered into it.
BROWSER_SCORES = """(cases) => {
  const rules = JSON.parse(document.getElementById("sheet-rules").textContent);
  const P = window.KaopingPoints;
  return cases.map(([typed, cap]) => {
    const read = P.parse(typed, cap);
    if (read.error) {
      return ["error", read.error, P.message(rules.messages[read.error], {cap: P.format(Number(cap))})];
    }
    return read.value === null ? ["empty", "", ""] : ["ok", P.format(read.value), ""];
  });
}"""

BROWSER_REASONS = """(cases) => {
  const rules = JSON.parse(document.getElementById("sheet-rules").textContent);
  const P = window.KaopingPoints;
  return cases.map((typed) => {
    const read = P.cleanReason(typed);
    if (read.error) {
      return ["error", read.error, P.message(rules.messages.reason_control, {char: read.char}), null];
    }
    if (read.length > rules.maxReasonLength) {
      return ["error", "reason_too_long", P.message(rules.messages.reason_too_long, {limit: rules.maxReasonLength}), read.length];
    }
    return ["ok", read.text, "", read.length];
  });
}"""


@pytest.fixture
def sheet_page(live_server, page: Page) -> Page:
    call_command("loaddata", "dalian_2010", verbosity=0)
    from indicators.models import IndicatorSystem

    unit = OrganizationFactory(code="U-001", name="桃源街道东山社区党支部")
    evaluator = user_with_role(Role.EVALUATOR, username="chen", first_name="陈考评")
    assign(make_round(IndicatorSystem.objects.get(code="dalian-2010")), unit, evaluator)
    log_in(page, live_server.url, "chen", PASSWORD)
    page.get_by_role("link", name="桃源街道东山社区党支部").first.click()
    expect(page.locator("#sheet-table tr.item-row")).to_have_count(32)
    page.wait_for_load_state("load")  # the scripts come after the table
    return page


def server_reasons(cases: list[str]) -> list[list]:
    answers = []
    for typed in cases:
        outcome = server_reason(typed)
        length = None if outcome[1] == "reason_control" else server_reason_length(typed)
        answers.append([*outcome, server_reason_message(typed), length])
    return answers


def score_mismatches(page: Page, cases: list[tuple[str, str]]) -> list[tuple]:
    """The cases the browser reads otherwise than the server: (case, browser's, server's)."""
    browser = page.evaluate(BROWSER_SCORES, [list(case) for case in cases])
    server = [[*server_score(typed, cap), server_score_message(typed, cap)] for typed, cap in cases]
    return [(case, b, s) for case, b, s in zip(cases, browser, server, strict=True) if b != s]


def test_the_browser_reads_the_table_of_scores_as_the_server(sheet_page: Page):
    assert score_mismatches(sheet_page, [(typed, cap) for typed, cap, _ in SCORE_CASES]) == []
    assert [row[:2] for row in sheet_page.evaluate(BROWSER_SCORES, [[t, c] for t, c, _ in SCORE_CASES])] == [
        list(outcome) for _, _, outcome in SCORE_CASES]


def test_the_browser_cleans_the_table_of_reasons_as_the_server(sheet_page: Page):
    cases = [typed for typed, _ in REASON_CASES]
    assert sheet_page.evaluate(BROWSER_REASONS, cases) == server_reasons(cases)


def test_the_browser_shows_the_servers_messages_in_english_too(sheet_page: Page):
    sheet_page.select_option("#language-select", "en")
    expect(sheet_page.locator("#sheet-progress")).to_contain_text("items scored")
    cases = [(typed, cap) for typed, cap, outcome in SCORE_CASES if outcome[0] == "error"]
    with translation.override("en"):
        assert score_mismatches(sheet_page, cases) == []
        reasons = ["响\x07铃", "很" * 1001]
        assert sheet_page.evaluate(BROWSER_REASONS, reasons) == server_reasons(reasons)


NEAR_NUMBERS = st.text(alphabet="0123456789０１２３４５６７８９+-.,，。．＋－ \u3000\t eE_x٣½⒉𝟑", max_size=8)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(NEAR_NUMBERS, st.text(max_size=12)), min_size=60, max_size=60),
       st.sampled_from(["3", "2.5", "10", "0.5"]))
def test_the_browser_and_the_server_agree_on_any_typed_score(sheet_page: Page, typed, cap):
    assert score_mismatches(sheet_page, [(text, cap) for text in typed]) == []


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(alphabet=st.characters(codec="utf-8"), max_size=30), min_size=40, max_size=40))
def test_the_browser_and_the_server_agree_on_any_reason(sheet_page: Page, typed):
    assert sheet_page.evaluate(BROWSER_REASONS, typed) == server_reasons(typed)


def shown(page: Page):
    return page.locator(".score-col .invalid-feedback").filter(has_text=re.compile(r"\S"))


def feedback(page: Page, number: str, field: str):
    return page.locator(f"tr.item-row[data-item='{number}'] .{field}-col .invalid-feedback")


def test_typing_moves_the_total_and_the_count_and_warns_as_the_server(sheet_page: Page):
    page = sheet_page
    expect(page.locator("#sheet-progress")).to_have_text("已评 0 / 32 项")
    score_input(page, "1.1").fill("+2")
    expect(page.locator("#sheet-total")).to_have_text("2")
    expect(page.locator("#sheet-progress")).to_have_text("已评 1 / 32 项")
    expect(feedback(page, "1.1", "reason")).to_have_text("得分低于分值时，请填写扣分理由。")
    reason_input(page, "1.1").fill("缺少记录")
    expect(feedback(page, "1.1", "reason")).to_have_text("")
    score_input(page, "1.2").press_sequentially(".5")
    score_input(page, "1.3").fill("２．５")
    for number in ("1.2", "1.3"):
        reason_input(page, number).fill("材料不全")
    expect(page.locator("#sheet-total")).to_have_text("5")
    expect(page.locator("td.subtotal-value[data-category='1']")).to_have_text("5")
    expect(page.locator("#sheet-progress")).to_have_text("已评 3 / 32 项")

    score_input(page, "3.1").fill("-1")
    score_input(page, "3.2").fill("abc")
    score_input(page, "2.2").fill("9")
    expect(feedback(page, "3.1", "score")).to_have_text("得分不能为负数。")
    expect(feedback(page, "3.2", "score")).to_have_text("请输入数字，例如 3 或 2.5。")
    expect(feedback(page, "2.2", "score")).to_have_text("得分不能超过本项分值 1 分。")
    expect(score_input(page, "3.1")).to_have_attribute("aria-invalid", "true")
    # What the server would refuse counts nothing.
    expect(page.locator("#sheet-total")).to_have_text("5")
    expect(page.locator("#sheet-progress")).to_have_text("已评 3 / 32 项")

    page.get_by_role("button", name="保存草稿").click()
    # The server answers with the very same words, in the very same places.
    expect(page.locator(".alert-danger")).to_contain_text("有 3 处输入需要修改")
    expect(feedback(page, "3.1", "score")).to_have_text("得分不能为负数。")
    expect(feedback(page, "3.2", "score")).to_have_text("请输入数字，例如 3 或 2.5。")
    expect(feedback(page, "2.2", "score")).to_have_text("得分不能超过本项分值 1 分。")
    expect(shown(page)).to_have_count(3)
    expect(score_input(page, "1.1")).to_have_value("+2")
    expect(score_input(page, "1.3")).to_have_value("２．５")

    score_input(page, "3.1").fill("")
    score_input(page, "3.2").fill("")
    score_input(page, "2.2").fill("1")
    expect(shown(page)).to_have_count(0)
    expect(page.locator("#sheet-progress")).to_have_text("已评 4 / 32 项")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    expect(page.locator("#sheet-total")).to_have_text("6")
    stored = dict(Score.objects.filter(sheet__kind="review").values_list("item__number", "score"))
    assert {number: str(score) for number, score in stored.items()} == {
        "1.1": "2.0", "1.2": "0.5", "1.3": "2.5", "2.2": "1.0"}


def test_a_reason_is_bounded_counted_and_stored_as_the_server_counts(sheet_page: Page):
    page = sheet_page
    reason = reason_input(page, "1.1")
    counter = page.locator("tr.item-row[data-item='1.1'] .reason-count")
    expect(counter).to_have_text("0 / 1000")
    reason.focus()
    page.keyboard.insert_text("很" * 1001)
    expect(reason).to_have_value("很" * 1000)
    expect(counter).to_have_text("1000 / 1000")

    # Pasted with a right-to-left override: the counter leaves it out, as the server does.
    reason_input(page, "1.2").fill("\u202e录记少缺\u202c")
    expect(page.locator("tr.item-row[data-item='1.2'] .reason-count")).to_have_text("4 / 1000")
    score_input(page, "1.1").fill("2")
    score_input(page, "1.2").fill("1")
    page.get_by_role("button", name="保存草稿").click()
    expect(page.locator(".alert-success")).to_contain_text("已保存草稿")
    stored = dict(Score.objects.filter(sheet__kind="review").values_list("item__number", "reason"))
    assert stored == {"1.1": "很" * 1000, "1.2": "录记少缺"}
    expect(reason_input(page, "1.2")).to_have_value("录记少缺")
