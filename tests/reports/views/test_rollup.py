"""Roll-up of a subtree in a round: SQL aggregates equal to direct SQL over the stored results,
a histogram in five-point bins, children's subtree means, scope, and a constant query count."""

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from demo.rounds import build_closed_round
from orgs.models import Role
from tests.factories import UserFactory, build_tree, make_round, user_with_role
from tests.worlds import direct_sql, grow_tree, logged_in, org, query_count, report_url, score_unit

pytestmark = pytest.mark.django_db


def url(round, **params) -> str:
    return report_url("rollup", round.pk, **params)


@pytest.fixture
def scored(outline, people):
    build_tree(districts=2, branches_per_district=3)
    round = make_round(outline, year=2025, title="2025年度考评")
    plan = {
        "BD000": {"4.2": "3"},            # 95
        "BD000B0000": {"1.1": "2"},       # 99
        "BD000B0001": {"4.2": "0"},       # 92
        "BD000B0002": {"3.1": "0", "4.2": "0"},  # 89 (3.1 is worth 3)
        "BD001B0000": {},                 # 100
        "BD001B0001": {"4.1": "0"},       # 98 (4.1 is worth 2)
    }
    for code, deductions in plan.items():
        score_unit(round, org(code), people["evaluator"], people["admin"], deductions)
    score_unit(round, org("BD001B0002"), people["evaluator"], people["admin"], {"1.1": "0"}, approve=False)  # 97
    return round


@pytest.fixture
def demo_round(outline, people):
    """Every organization below the root scored, approved, in bulk, with varied scores."""
    build_tree(districts=2, branches_per_district=6)
    return build_closed_round(2024, outline, [people["evaluator"]], people["admin"])


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


def test_an_analyst_may_not_roll_up_another_district(scored):
    client = logged_in(user_with_role(Role.ANALYST, org("BD000")))
    assert client.get(url(scored, org="BD001")).status_code == 404
    assert client.get(url(scored, org="BROOT")).status_code == 404


def test_a_district_analyst_starts_at_their_district_and_sees_nothing_else(scored):
    response = logged_in(user_with_role(Role.ANALYST, org("BD000"))).get(url(scored))
    assert response.context["organization"].code == "BD000"
    summary = response.context["summary"]
    assert (summary.count, summary.minimum, summary.maximum) == (3, Decimal("89"), Decimal("99"))
    html = response.content.decode()
    assert "BD001" not in html
    assert "测试区1" not in html
    assert "测试市委" not in html


def test_it_rolls_up_the_descendants_not_the_organization_itself(scored, people):
    response = logged_in(people["admin"]).get(url(scored, org="BD000"))
    summary = response.context["summary"]
    assert (summary.count, summary.submitted) == (3, 0)
    assert float(summary.mean) == pytest.approx(280 / 3)
    assert (summary.minimum, summary.maximum) == (Decimal("89"), Decimal("99"))
    categories = {row.category.number: row for row in response.context["categories"]}
    assert (categories[4].minimum, categories[4].maximum, categories[4].cap) == (12, 20, 20)
    assert categories[4].mean_percent == pytest.approx((20 + 12 + 12) / 60 * 100)


def test_the_histogram_counts_totals_in_five_point_bins_with_full_marks_in_the_top_bin(scored, people):
    bins = logged_in(people["admin"]).get(url(scored)).context["bins"]
    # BD000 95, B0000 99, B0001 92, B0002 89, D1B0 100, D1B1 98
    assert [(b.label, b.count) for b in bins] == [("85–90", 1), ("90–95", 1), ("95–100", 4)]


def test_children_carry_their_subtree_statistics_and_link_down(scored, people):
    response = logged_in(people["admin"]).get(url(scored))
    assert response.context["organization"].code == "BROOT"
    children = {child.code: child.stats for child in response.context["page_obj"]}
    assert children["BD000"]["count"] == 4  # the district itself and its three branches
    assert float(children["BD000"]["mean"]) == pytest.approx((95 + 99 + 92 + 89) / 4)
    assert (children["BD001"]["count"], children["BD001"]["minimum"]) == (2, Decimal("98"))
    assert "?org=BD000" in response.content.decode()


def test_submitted_results_count_only_when_asked(scored, people):
    client = logged_in(people["admin"])
    assert client.get(url(scored, org="BD001")).context["summary"].count == 2
    summary = client.get(url(scored, org="BD001", submitted=1)).context["summary"]
    assert (summary.count, summary.submitted, summary.minimum) == (3, 1, Decimal("97"))
    assert "其中待审核 1 个" in client.get(url(scored, org="BD001", submitted=1)).content.decode()


def test_the_numbers_equal_direct_sql_over_the_stored_results(demo_round, people):
    response = logged_in(people["admin"]).get(url(demo_round, org="BD001"))
    root = org("BD001")
    where = (
        "FROM assessments_assessment a JOIN orgs_organization o ON o.id = a.organization_id "
        "WHERE a.round_id = %s AND a.state = 'approved' AND o.path LIKE %s AND o.depth > %s"
    )
    params = [demo_round.pk, root.path + "%", root.depth]
    ((count, mean, low, high),) = direct_sql(f"SELECT COUNT(*), AVG(a.total), MIN(a.total), MAX(a.total) {where}",
                                             params)
    summary = response.context["summary"]
    assert (summary.count, Decimal(str(summary.minimum)), Decimal(str(summary.maximum))) == (
        count, Decimal(str(low)), Decimal(str(high)))
    assert float(summary.mean) == pytest.approx(float(mean))
    per_category = direct_sql(
        "SELECT c.number, COUNT(*), AVG(r.score), MIN(r.score), MAX(r.score), AVG(r.score * 100.0 / r.cap) "
        "FROM assessments_categoryresult r JOIN indicators_category c ON c.id = r.category_id "
        f"WHERE r.assessment_id IN (SELECT a.id {where}) GROUP BY c.number ORDER BY c.number",
        params,
    )
    shown = [
        (row.category.number, row.count, float(row.mean), float(row.minimum), float(row.maximum), row.mean_percent)
        for row in response.context["categories"]
    ]
    assert shown == [
        (number, n, pytest.approx(float(avg)), float(lo), float(hi), pytest.approx(float(pct)))
        for number, n, avg, lo, hi, pct in per_category
    ]
    totals = [float(t) for (t,) in direct_sql(f"SELECT a.total {where}", params)]
    bins = response.context["bins"]
    assert sum(b.count for b in bins) == count
    for b in bins:
        top = b.high == demo_round.indicator_system.total
        assert b.count == sum(1 for t in totals if b.low <= t < b.high or (top and t == b.high))


@pytest.mark.parametrize("reader", ["analyst", "admin"])  # an admin's scope is the tree's roots
def test_the_query_count_does_not_grow_with_the_organizations(outline, people, reader):
    build_tree(districts=2, branches_per_district=2)
    client = logged_in(people["admin"] if reader == "admin" else user_with_role(Role.ANALYST, org("BROOT")))
    pages = ({}, {"org": "BD001", "submitted": 1})
    small = build_closed_round(2023, outline, [people["evaluator"]], people["admin"])
    before = [query_count(client, url(small, **params)) for params in pages]
    grow_tree()
    large = build_closed_round(2024, outline, [people["evaluator"]], people["admin"])
    assert (small.assessments.count(), large.assessments.count()) == (6, 40)
    assert [query_count(client, url(large, **params)) for params in pages] == before
    assert max(before) <= 12, before  # the site's bar for every page
