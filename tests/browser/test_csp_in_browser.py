"""The strict Content-Security-Policy in a real browser: an admin walks every main page and
chromium reports no violation; the scripts that matter (live totals, the language switch, the
tree) still work with it on."""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from indicators.models import IndicatorSystem
from indicators.services.versions import version_clone
from orgs.models import Organization, Role
from tests.browser.pages import log_in
from tests.factories import assign, build_tree, make_round, user_with_role
from tests.worlds import score_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "pw-for-tests"
# Chromium reports a refused script or style both on the console and as a DOM event; the event
# reaches the console through this listener, with the directive and the source line.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"}`
                + ` at ${event.sourceFile}:${event.lineNumber}`);
});
"""


@dataclass
class Site:
    base: str
    round: int
    past_round: int
    sheet_url: str
    assessment: int
    draft: str
    evaluator: int


@dataclass
class Watched:
    page: Page
    violations: list[str]


@pytest.fixture
def site(live_server) -> Site:
    call_command("loaddata", "dalian_2010", verbosity=0)
    outline = IndicatorSystem.objects.get(code="dalian-2010")
    build_tree(districts=2, branches_per_district=2)
    user_with_role(Role.ADMIN, username="admin1", first_name="管理员")
    evaluator = user_with_role(Role.EVALUATOR, username="chen", first_name="陈考评")
    approver = user_with_role(Role.ADMIN)
    past = {}
    for year, deductions in ((2024, {"1.1": "1"}), (2025, {"4.2": "4", "2.1": "1"})):
        past[year] = make_round(outline, year=year, title=f"{year}年度考评")
        for code in ("BD000B0000", "BD000B0001", "BD001B0000"):
            score_unit(past[year], Organization.objects.get(code=code), evaluator, approver, deductions)
    current = make_round(outline, year=2026, title="2026年度考评")
    sheet = assign(current, Organization.objects.get(code="BD001B0001"), evaluator)
    draft = version_clone(source=outline, code="draft-2026", title="2026年试行版", year=2026, user=None)
    return Site(
        base=live_server.url, round=current.pk, past_round=past[2025].pk,
        sheet_url=f"/assessments/{sheet.assessment_id}/sheets/{sheet.pk}/", assessment=sheet.assessment_id,
        draft=draft.code, evaluator=evaluator.pk,
    )


WATCHED_MESSAGES = ("Content Security Policy", "CSP violation", "Permissions-Policy")


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(15_000)
    violations: list[str] = []
    # A feature name the browser does not know makes it reject that part of Permissions-Policy.
    page.on("console", lambda message: violations.append(message.text)
            if any(sign in message.text for sign in WATCHED_MESSAGES) else None)
    yield Watched(page, violations)
    context.close()


def main_pages(site: Site) -> list[tuple[str, str]]:
    """Every main page, with an element that shows it rendered whole."""
    r = site.past_round
    return [
        ("/", "h1"),
        ("/indicators/", "h1"),
        ("/indicators/dalian-2010/", "#outline-table tr.item-row"),
        (f"/indicators/{site.draft}/edit/", "h1"),
        (f"/indicators/diff/?a=dalian-2010&b={site.draft}", "h1"),
        ("/orgs/", ".org-tree"),
        ("/orgs/BD000/", "h1"),
        ("/people/", "h1"),
        (f"/people/{site.evaluator}/edit/", "h1"),
        ("/people/locks/", "#address-locks"),
        ("/audit/", "h1"),
        ("/rounds/", "h1"),
        (f"/rounds/{site.round}/", "h1"),
        (f"/rounds/{site.round}/participants/", "h1"),
        (f"/assessments/{site.assessment}/", "h1"),
        (site.sheet_url, "#sheet-table tr.item-row"),
        ("/reports/", "h1"),
        (f"/reports/rounds/{r}/ranking/", "#ranking-table tbody tr"),
        (f"/reports/rounds/{r}/compare/?org=BD000B0000&org=BD000B0001&org=BD001B0000", "#compare-radar svg"),
        ("/reports/orgs/BD000B0000/trend/", "#trend-chart svg"),
        (f"/reports/rounds/{r}/rollup/?org=BD000", "#histogram-chart svg"),
        (f"/reports/rounds/{r}/weak-items/", "#heatmap td.heat-0, #heatmap td[class^='heat-']"),
    ]


def test_an_admin_opens_every_main_page_without_a_csp_violation(watched: Watched, site: Site):
    page = watched.page
    log_in(page, site.base, "admin1", PASSWORD)
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    for path, sign in main_pages(site):
        response = page.goto(f"{site.base}{path}")
        assert response is not None, path
        assert response.ok, path
        assert "script-src 'self'" in response.headers["content-security-policy"], path
        expect(page.locator(sign).first).to_be_visible()
        assert watched.violations == [], f"{path}: {watched.violations}"

    # The charts keep the look their <style> gives them: pygal's background rule applied.
    page.goto(f"{site.base}/reports/rounds/{site.past_round}/weak-items/")
    fill = page.locator("#weak-chart svg rect.background").first.evaluate("r => getComputedStyle(r).fill")
    assert fill in ("rgb(255, 255, 255)", "white")
    # And the heatmap its colours, now from classes rather than style attributes.
    cell = page.locator("#heatmap tbody tr[data-code] td[class^='heat-']").first
    assert cell.evaluate("td => getComputedStyle(td).backgroundColor") not in ("rgba(0, 0, 0, 0)", "")

    # The report filter and the language switch submit through the static script.
    page.check("#include-submitted")
    expect(page).to_have_url(re.compile(r"submitted=1"))
    page.select_option("#language-select", "en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.select_option("#language-select", "zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # The tree opens a branch through fetch and inserted HTML.
    page.goto(f"{site.base}/orgs/")
    page.locator(".org-tree .tree-toggle").first.click()
    expect(page.locator(".org-tree li li").first).to_be_visible()
    assert watched.violations == [], watched.violations


def test_the_live_totals_work_under_the_policy(watched: Watched, site: Site):
    page = watched.page
    log_in(page, site.base, "chen", PASSWORD)
    page.goto(f"{site.base}{site.sheet_url}")
    rows = page.locator("#sheet-table tr.item-row")
    expect(rows).to_have_count(32)
    for index in range(32):
        row = rows.nth(index)
        row.locator(".score-input").fill(row.get_attribute("data-cap").removesuffix(".0"))
    expect(page.locator("#sheet-total")).to_have_text("100")
    page.locator("tr.item-row[data-item='1.1'] .score-input").fill("1.5")
    expect(page.locator("#sheet-total")).to_have_text("98.5")
    assert watched.violations == [], watched.violations


def test_the_watch_sees_a_violation_when_there_is_one(watched: Watched, site: Site):
    """The checks above pass because nothing is refused, not because nothing is watched."""
    page = watched.page
    page.goto(f"{site.base}/accounts/login/")
    page.evaluate("""() => {
        document.body.setAttribute("style", "color: red");
        const script = document.createElement("script");
        script.textContent = "window.ran = true";
        document.body.append(script);
    }""")
    expect(page.locator("body")).to_be_visible()
    assert page.evaluate("() => window.ran === undefined")
    page.wait_for_timeout(200)
    assert any("style-src" in v for v in watched.violations)
    assert any("script-src" in v for v in watched.violations)
