"""Ranking: stored totals, ties ranked 1, 2, 2, 4, scope and peer groups respected."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from assessments.models import Assessment
from orgs.models import Organization, OrgType, Role
from reports.selectors.ranking import category_scores, ranking, round_categories
from reports.selectors.sheet import score_sheet
from tests.factories import OrganizationFactory, build_tree, make_round, user_with_role
from tests.worlds import score_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(outline):
    build_tree(districts=2, branches_per_district=3)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline)
    plan = {
        "BD000B0000": {"1.1": "2"},            # 99
        "BD000B0001": {"1.1": "1"},            # 98
        "BD000B0002": {"1.2": "0"},            # 98
        "BD001B0000": {"4.2": "5"},            # 97
        "BD001B0001": {"4.2": "0"},            # 92
    }
    for code, deductions in plan.items():
        score_unit(round, Organization.objects.get(code=code), evaluator, admin, deductions)
    score_unit(round, Organization.objects.get(code="BD001B0002"), evaluator, admin, {}, approve=False)  # 100, submitted
    return {"round": round, "admin": admin}


def test_ties_share_a_rank_and_the_next_rank_skips(scored):
    rows = list(ranking(scored["admin"], scored["round"]))
    assert [(r.organization.code, r.rank) for r in rows] == [
        ("BD000B0000", 1), ("BD000B0001", 2), ("BD000B0002", 2), ("BD001B0000", 4), ("BD001B0001", 5),
    ]
    assert rows[0].total == Decimal("99")
    assert rows[0].percent == 99.0


def test_only_approved_count_unless_asked(scored):
    rows = list(ranking(scored["admin"], scored["round"], include_submitted=True))
    assert (rows[0].organization.code, rows[0].rank, rows[0].state) == ("BD001B0002", 1, "submitted")
    assert len(rows) == 6


def test_an_analyst_ranks_only_their_subtree_among_itself(scored):
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD001"))
    rows = list(ranking(analyst, scored["round"]))
    assert [(r.organization.code, r.rank) for r in rows] == [("BD001B0000", 1), ("BD001B0001", 2)]


def test_peer_groups_and_subtrees_filter_before_ranking(scored):
    subtree = Organization.objects.get(code="BD001")
    rows = list(ranking(scored["admin"], scored["round"], subtree=subtree, org_type=OrgType.BRANCH))
    assert [r.rank for r in rows] == [1, 2]
    assert not list(ranking(scored["admin"], scored["round"], org_type=OrgType.CITY))


def test_it_sorts_by_a_category_and_keeps_the_overall_rank(scored):
    categories = round_categories(scored["round"])
    rows = list(ranking(scored["admin"], scored["round"], sort="c4", categories=categories))
    assert rows[0].organization.code == "BD001B0001"
    assert category_scores(rows[0], categories)[3] == Decimal("12")
    assert rows[0].rank == 5


def test_a_non_analyst_may_not_read_reports(scored):
    with pytest.raises(PermissionDenied):
        list(ranking(user_with_role(Role.EVALUATOR), scored["round"]))


def test_the_score_sheet_adds_up_to_the_stored_total(scored):
    assessment = Assessment.objects.get(round=scored["round"], organization__code="BD001B0001")
    sheet = score_sheet(assessment)
    assert sheet.total == Decimal("92")
    assert sum(c.score for c in sheet.categories) == sheet.total
    row = next(r for c in sheet.categories for r in c.rows if r.item.number == "4.2")
    assert (row.score, row.reason) == (Decimal("0"), "材料不全")


def test_a_page_in_rank_order_is_four_queries_totals_edges_band_and_subtotals(scored, django_assert_num_queries):
    categories = round_categories(scored["round"])
    with django_assert_num_queries(4):
        rows = list(ranking(scored["admin"], scored["round"], categories=categories)[:50])
    with django_assert_num_queries(0):
        assert all(r.organization.code and category_scores(r, categories)[0] is not None for r in rows)


def test_percentages_are_not_cut_by_integer_division(outline):
    from reports.selectors.ranking import percent_of

    unit = OrganizationFactory(code="P1")
    campaign = make_round(outline)
    assessment = Assessment.objects.create(round=campaign, organization=unit, max_total=Decimal("120"), total=Decimal("97"))
    value = Assessment.objects.filter(pk=assessment.pk).annotate(p=percent_of("total", "max_total")).get().p
    assert round(value, 2) == 80.83
