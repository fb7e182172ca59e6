"""Trend of one organization across years: stored totals, category rates, peer-group rank per
year with ties, a note where the indicator version changed, scope, and a constant query count."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import Role
from reports.selectors.ranking import ranking
from tests.factories import UserFactory, build_draft, build_tree, make_round, publish, user_with_role
from tests.worlds import logged_in, org, report_url, score_unit

pytestmark = pytest.mark.django_db

VERSION_NOTE = "该年度使用的指标体系版本不同，按得分率比较"


def url(code: str, **params) -> str:
    return report_url("trend", code, **params)


@pytest.fixture
def years(outline, people):
    """Two years on the outline. Branches are the peer group of a branch; districts are not."""
    build_tree(districts=2, branches_per_district=3)
    plans = {
        2024: {
            "BD000B0000": {"1.1": "1"},   # 98, tied third among all branches, second in BD000
            "BD000B0001": {"1.2": "0"},   # 98
            "BD000B0002": {"1.1": "2"},   # 99
            "BD001B0000": {},             # 100
            "BD001B0001": {"4.2": "0"},   # 92
            "BD000": {},                  # 100, a district: not a branch's peer
        },
        2025: {
            "BD000B0000": {},             # 100
            "BD000B0001": {"1.1": "2"},   # 99
            "BD001B0000": {},             # 100, tied first
        },
    }
    rounds = {}
    for year, plan in plans.items():
        rounds[year] = make_round(outline, year=year, title=f"{year}年度考评")
        for code, deductions in plan.items():
            score_unit(rounds[year], org(code), people["evaluator"], people["admin"], deductions)
    # Submitted but not approved: left out unless the reader asks for it.
    score_unit(rounds[2024], org("BD001B0002"), people["evaluator"], people["admin"], {}, approve=False)
    return rounds


def someone(role: str):
    if role == Role.REPORTER:
        return user_with_role(role, org("BD000B0000"))
    return UserFactory() if role == "outsider" else user_with_role(role)


def rows_of(response):
    return [(y.round.year, y.assessment.total, y.rank, y.peers) for y in response.context["trend"].years]


def test_it_sends_an_anonymous_visitor_to_login(years):
    response = Client().get(url("BD000B0000"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["outsider", Role.EVALUATOR, Role.REPORTER])
def test_it_refuses_everyone_but_admins_and_analysts(years, role):
    assert logged_in(someone(role)).get(url("BD000B0000")).status_code == 403


def test_it_hides_another_districts_organization_from_an_analyst(years):
    client = logged_in(user_with_role(Role.ANALYST, org("BD000")))
    assert client.get(url("BD001B0000")).status_code == 404
    assert client.get(url("BD000B0000")).status_code == 200


def test_it_ranks_each_year_within_the_peer_group_with_ties(years, people):
    response = logged_in(people["admin"]).get(url("BD000B0000"))
    assert response.status_code == 200
    assert rows_of(response) == [(2024, Decimal("98"), 3, 5), (2025, Decimal("100"), 1, 3)]
    html = response.content.decode()
    assert "第 3 / 5 名" in html
    assert "第 1 / 3 名" in html
    assert VERSION_NOTE not in html


def test_the_rank_is_the_rankings_rank_for_the_same_peer_group(years, people):
    organization = org("BD000B0001")
    trend = logged_in(people["admin"]).get(url(organization.code)).context["trend"]
    for year in trend.years:
        ranked = ranking(people["admin"], year.round, org_type=organization.type, depth=organization.depth)
        expected = {row.organization.code: (row.rank, row.percent) for row in ranked}
        assert (year.rank, year.peers) == (expected[organization.code][0], len(expected))
        assert Decimal(str(year.percent)) == expected[organization.code][1]


def test_an_analyst_ranks_among_the_peers_in_their_scope(years):
    client = logged_in(user_with_role(Role.ANALYST, org("BD000")))
    assert rows_of(client.get(url("BD000B0000"))) == [(2024, Decimal("98"), 2, 3), (2025, Decimal("100"), 1, 2)]


def test_submitted_results_count_only_when_asked_and_are_marked(years, people):
    client = logged_in(people["admin"])
    assert rows_of(client.get(url("BD000B0000", submitted=1)))[0] == (2024, Decimal("98"), 4, 6)
    assert client.get(url("BD001B0002")).context["trend"].years == []
    response = client.get(url("BD001B0002", submitted=1))
    assert rows_of(response) == [(2024, Decimal("100"), 1, 6)]
    assert "待审核" in response.content.decode()


def test_category_rates_come_from_the_stored_subtotals(years, people):
    trend = logged_in(people["admin"]).get(url("BD001B0001")).context["trend"]
    (year,) = trend.years
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.number, r.score, r.cap FROM assessments_categoryresult r "
            "JOIN indicators_category c ON c.id = r.category_id WHERE r.assessment_id = %s",
            [year.assessment.pk],
        )
        stored = {number: float(score) * 100 / float(cap) for number, score, cap in cursor.fetchall()}
    assert year.categories == pytest.approx(stored)
    assert year.categories[4] == pytest.approx(60.0)  # 4.2 lost all 8 of the category's 20 points
    assert [number for number, _ in trend.categories] == [1, 2, 3, 4, 5, 6, 7]


def test_a_year_on_another_version_is_compared_by_rates_with_a_note(outline, people):
    build_tree(districts=1, branches_per_district=2)
    second = publish(build_draft(categories=2, items_per_category=2, cap=Decimal("5")))  # total 20
    old, new = make_round(outline, year=2024, title="2024年度考评"), make_round(second, year=2025, title="2025年度考评")
    for round, deductions in ((old, {"1.1": "1"}), (new, {"1.1": "0"})):
        score_unit(round, org("BD000B0000"), people["evaluator"], people["admin"], deductions)
    response = logged_in(people["admin"]).get(url("BD000B0000"))
    first, last = response.context["trend"].years
    assert (first.version_changed, last.version_changed) == (False, True)
    assert (last.assessment.total, last.assessment.max_total, last.percent) == (Decimal("15"), Decimal("20"), 75.0)
    assert last.categories == {1: 50.0, 2: 100.0}
    assert last.cells[2:] == [None] * 5  # categories 3–7 do not exist in the second version
    html = response.content.decode()
    assert html.count(VERSION_NOTE) == 1
    assert second.title in html
    assert "75.0%" in html


def test_the_page_draws_the_chart_as_inline_svg(years, people):
    html = logged_in(people["admin"]).get(url("BD000B0000")).content.decode()
    assert "<svg" in html
    assert "<script" not in html.split("<svg", 1)[1].split("</svg>", 1)[0]


def query_count(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_the_years(outline, people):
    build_tree(districts=1, branches_per_district=3)
    client = logged_in(user_with_role(Role.ANALYST, org("BD000")))
    counts = []
    for year in (2021, 2022, 2023):
        round = make_round(outline, year=year, title=f"{year}年度考评")
        for code in ("BD000B0000", "BD000B0001", "BD000B0002"):
            score_unit(round, org(code), people["evaluator"], people["admin"], {"1.1": "2"} if year % 2 else {})
        counts.append(query_count(client, url("BD000B0001")))
    assert counts[0] == counts[2]
