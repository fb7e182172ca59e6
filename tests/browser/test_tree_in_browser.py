"""The analyst of one district, in a browser: their subtree, and nothing of another district."""

import pytest
from playwright.sync_api import Page, expect

from demo.accounts import ensure_demo_accounts
from demo.dalian import ensure_dalian_tree
from tests.browser.pages import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(live_server):
    ensure_dalian_tree()
    ensure_demo_accounts(demo=True)
    return live_server.url


def test_a_district_analyst_browses_only_their_district(page: Page, demo):
    log_in(page, demo, "analyst_zs", "kaoping-analyst")
    page.get_by_role("link", name="党组织", exact=True).first.click()
    tree = page.locator("#org-tree")
    expect(tree.locator("> li.org-node")).to_have_count(1)
    expect(tree).to_contain_text("中山区委")

    tree.locator("li[data-code='DL-ZS'] > div .tree-toggle").click()
    expect(tree).to_contain_text("海军广场街道党工委")
    tree.locator("li[data-code='DL-ZS-S01'] > div .tree-toggle").click()
    expect(tree.locator("li[data-code='DL-ZS-S01-B001']")).to_be_visible()
    expect(tree).not_to_contain_text("西岗区委")

    page.fill("#org-search", "白云街道")
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#search-results")).to_contain_text("没有找到匹配的党组织")

    response = page.goto(f"{demo}/orgs/DL-XG-S01/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")


def test_an_admin_expands_the_city_and_opens_a_branch_with_breadcrumbs(page: Page, demo):
    log_in(page, demo, "admin", "kaoping-admin")
    page.goto(f"{demo}/orgs/")
    page.locator("li[data-code='DL'] > div .tree-toggle").click()
    expect(page.locator("#org-tree")).to_contain_text("西岗区委")
    page.fill("#org-search", "DL-XG-S01-B001")
    page.get_by_role("button", name="搜索").click()
    page.locator("#search-results a", has_text="社区党支部").first.click()
    crumbs = page.locator("#org-breadcrumbs")
    expect(crumbs).to_contain_text("中共大连市委")
    expect(crumbs).to_contain_text("西岗区委")
    expect(crumbs).to_contain_text("白云街道党工委")
