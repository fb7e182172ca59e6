"""Weak items: the mean score rate per item across the (sub)scope, weakest first, equal to direct
SQL over the stored item results; the organization × category heatmap, paginated; scope; and a
constant query count."""

import pytest
from django.test import Client
from django.urls import reverse

from demo.rounds import build_closed_round
from orgs.models import Role
from reports.charts import heat_bucket
from tests.factories import RoleGrantFactory, UserFactory, build_tree, make_round, user_with_role
from tests.worlds import direct_sql, grow_tree, logged_in, org, query_count, report_url, score_unit

pytestmark = pytest.mark.django_db


def url(round, **params) -> str:
    return report_url("weak", round.pk, **params)


@pytest.fixture
def scored(outline, people):
    build_tree(districts=2, branches_per_district=2)
    round = make_round(outline, year=2025, title="2025年度考评")
    plan = {
        "BD000B0000": {"4.2": "0", "1.1": "1.5"},   # 4.2: 0 of 8; 1.1: 1.5 of 3
        "BD000B0001": {"4.2": "4"},                # 4.2: 4 of 8
        "BD001B0000": {"1.1": "1"},                # 1.1: 1 of 3
        "BD001B0001": {},
    }
    for code, deductions in plan.items():
        score_unit(round, org(code), people["evaluator"], people["admin"], deductions)
    score_unit(round, org("BD000"), people["evaluator"], people["admin"], {"5.1": "0"}, approve=False)
    return round


@pytest.mark.parametrize("role", ["outsider", Role.EVALUATOR, Role.REPORTER])
def test_it_refuses_everyone_but_admins_and_analysts(scored, role):
    if role == Role.REPORTER:
        user = user_with_role(role, org("BD000B0000"))
    else:
        user = UserFactory() if role == "outsider" else user_with_role(role)
    assert logged_in(user).get(url(scored)).status_code == 403


def test_it_sends_an_anonymous_visitor_to_login(scored):
    response = Client().get(url(scored))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_analyst_may_not_narrow_to_another_district(scored):
    client = logged_in(user_with_role(Role.ANALYST, org("BD000")))
    assert client.get(url(scored, org="BD001")).status_code == 404


def test_a_district_analyst_sees_only_their_districts_items_and_rows(scored):
    response = logged_in(user_with_role(Role.ANALYST, org("BD000"))).get(url(scored))
    rates = {row.item.number: row for row in response.context["rates"]}
    assert rates["4.2"].count == 2
    assert rates["4.2"].mean_percent == pytest.approx(25.0)
    assert rates["1.1"].mean_percent == pytest.approx(75.0)  # BD001B0000's 1 of 3 is not in scope
    assert [row.organization.code for row, _ in response.context["rows"]] == ["BD000B0000", "BD000B0001"]
    html = response.content.decode()
    assert "BD001" not in html
    assert "测试区1" not in html


def test_items_are_listed_weakest_first_across_the_scope(scored, people):
    rates = logged_in(people["admin"]).get(url(scored)).context["rates"]
    assert [row.item.number for row in rates[:2]] == ["4.2", "1.1"]
    assert rates[0].mean_percent == pytest.approx((0 + 50 + 100 + 100) / 4)
    assert rates[1].mean_percent == pytest.approx((50 + 100 + 100 / 3 + 100) / 4)
    assert [r.mean_percent for r in rates] == sorted(r.mean_percent for r in rates)
    assert len(rates) == 32
    # Ties keep the outline's order: every untouched item is at 100%.
    assert [r.item.number for r in rates[2:5]] == ["1.2", "1.3", "1.4"]


def test_a_subtree_narrows_the_items_and_the_heatmap(scored, people):
    response = logged_in(people["admin"]).get(url(scored, org="BD001"))
    rates = {row.item.number: row.mean_percent for row in response.context["rates"]}
    assert rates["1.1"] == pytest.approx((100 / 3 + 100) / 2)
    assert rates["4.2"] == pytest.approx(100.0)
    assert [row.organization.code for row, _ in response.context["rows"]] == ["BD001B0000", "BD001B0001"]


def test_heatmap_cells_are_the_stored_category_rates_coloured(scored, people):
    client = logged_in(people["admin"])
    response = client.get(url(scored, org="BD000"))
    cells = dict((row.organization.code, cells) for row, cells in response.context["rows"])
    value, text, heat = cells["BD000B0000"][3]  # category 4: 12 of 20
    assert value == pytest.approx(60.0)
    assert text == "60.0%"
    assert heat == heat_bucket(60.0) == "heat-0"
    assert '<td class="heat-0">60.0%</td>' in response.content.decode()
    means = response.context["scope_means"]
    assert means[3][0] == pytest.approx((60.0 + 80.0) / 2)


def test_submitted_results_count_only_when_asked_and_are_marked(scored, people):
    client = logged_in(people["admin"])
    assert "BD000" not in [row.organization.code for row, _ in client.get(url(scored)).context["rows"]]
    response = client.get(url(scored, submitted=1))
    rows = {row.organization.code: row for row, _ in response.context["rows"]}
    assert rows["BD000"].state == "submitted"
    assert "待审核" in response.content.decode()
    rates = {row.item.number: row.mean_percent for row in response.context["rates"]}
    assert rates["5.1"] == pytest.approx(80.0)  # five assessments, one with 0 of 5.1's cap


def test_the_rates_equal_direct_sql_over_the_stored_item_results(outline, people):
    build_tree(districts=2, branches_per_district=5)
    round = build_closed_round(2024, outline, [people["evaluator"]], people["admin"])
    response = logged_in(user_with_role(Role.ANALYST, org("BD001"))).get(url(round))
    root = org("BD001")
    expected = direct_sql(
        "SELECT i.number, COUNT(*), AVG(r.score * 100.0 / r.cap) FROM assessments_itemresult r "
        "JOIN indicators_item i ON i.id = r.item_id JOIN assessments_assessment a ON a.id = r.assessment_id "
        "JOIN orgs_organization o ON o.id = a.organization_id "
        "WHERE a.round_id = %s AND a.state = 'approved' AND o.path LIKE %s GROUP BY i.number",
        [round.pk, root.path + "%"],
    )
    shown = {row.item.number: (row.count, row.mean_percent) for row in response.context["rates"]}
    assert shown == {number: (n, pytest.approx(float(pct))) for number, n, pct in expected}


def test_the_heatmap_shows_fifty_organizations_a_page(outline, people):
    build_tree(districts=2, branches_per_district=29)  # 60 organizations below the root
    round = build_closed_round(2024, outline, [people["evaluator"]], people["admin"])
    client = logged_in(people["admin"])
    first, second = client.get(url(round)), client.get(url(round, page=2))
    assert (len(first.context["rows"]), len(second.context["rows"])) == (50, 10)
    assert first.context["rates"][0].count == 60


@pytest.mark.parametrize("reader", ["analyst", "admin"])  # an admin's scope is the tree's roots
def test_the_query_count_does_not_grow_with_the_organizations(outline, people, reader):
    build_tree(districts=2, branches_per_district=2)
    client = logged_in(people["admin"] if reader == "admin" else user_with_role(Role.ANALYST, org("BROOT")))
    pages = ({}, {"org": "BD001", "submitted": 1})
    small = build_closed_round(2023, outline, [people["evaluator"]], people["admin"])
    before = [query_count(client, url(small, **params)) for params in pages]
    grow_tree()
    large = build_closed_round(2024, outline, [people["evaluator"]], people["admin"])
    assert [query_count(client, url(large, **params)) for params in pages] == before
    assert max(before) <= 12, before  # the site's bar for every page


@pytest.mark.parametrize("extra", ["BD001B0000", "BD000B0001"])  # a disjoint grant, a grant inside the first
def test_an_analysts_grants_are_combined_once_each(outline, people, extra):
    build_tree(districts=2, branches_per_district=4)
    round = build_closed_round(2024, outline, [people["evaluator"]], people["admin"])
    analyst = user_with_role(Role.ANALYST, org("BD000"))
    RoleGrantFactory(user=analyst, role=Role.ANALYST, organization=org(extra))
    response = logged_in(analyst).get(url(round))
    expected = direct_sql(
        "SELECT i.number, COUNT(*), AVG(r.score * 100.0 / r.cap) FROM assessments_itemresult r "
        "JOIN indicators_item i ON i.id = r.item_id JOIN assessments_assessment a ON a.id = r.assessment_id "
        "JOIN orgs_organization o ON o.id = a.organization_id "
        "WHERE a.round_id = %s AND a.state = 'approved' AND (o.path LIKE %s OR o.path LIKE %s) GROUP BY i.number",
        [round.pk, org("BD000").path + "%", org(extra).path + "%"],
    )
    shown = {row.item.number: (row.count, row.mean_percent) for row in response.context["rates"]}
    assert shown == {number: (n, pytest.approx(float(pct))) for number, n, pct in expected}
    assert response.context["page_obj"].paginator.count == expected[0][1]
