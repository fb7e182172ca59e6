"""The ranking page: who may open it, scope, ties, filters, sorting, the submitted toggle, query counts."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import Organization, Role
from tests.factories import build_tree, make_round, user_with_role
from tests.worlds import DISTRICT_0, logged_in, score_unit, scored_world

pytestmark = pytest.mark.django_db

@pytest.fixture
def world(outline):
    return scored_world(outline)


def page(world, user="admin", **params):
    url = reverse("reports:ranking", args=[world["round"].pk])
    return logged_in(world[user]).get(url, params)


def ranked(response) -> list[tuple[str, str]]:
    """(code, rank) of every row of the ranking table, in order."""
    html = response.content.decode()
    return re.findall(r'<tr data-code="([^"]+)"[^>]*>.*?<td class="rank">(\d+)</td>', html, re.S)


def test_it_sends_anonymous_visitors_to_login(world):
    from django.test import Client

    for name in ("reports:ranking", "reports:compare", "reports:ranking_xlsx"):
        response = Client().get(reverse(name, args=[world["round"].pk]))
        assert response.status_code == 302, name
        assert response["Location"].startswith(reverse("login")), name


@pytest.mark.parametrize("user", ["outsider", "evaluator", "reporter"])
def test_it_refuses_everyone_but_admins_and_analysts(world, user):
    for name in ("reports:ranking", "reports:compare", "reports:ranking_xlsx"):
        response = logged_in(world[user]).get(reverse(name, args=[world["round"].pk]))
        assert response.status_code == 403, (name, user)


def test_it_ranks_ties_alike_and_skips_the_next_rank(world):
    response = page(world)
    assert response.status_code == 200
    assert ranked(response) == [
        ("BD000B0000", "1"), ("BD000B0001", "2"), ("BD000B0002", "2"), ("BD001B0000", "4"), ("BD001B0001", "5"),
    ]
    html = response.content.decode()
    assert "99.0%" in html
    assert ">99<" in html


def test_an_analyst_sees_only_their_district_ranked_among_itself(world):
    response = page(world, "analyst")
    assert ranked(response) == [("BD001B0000", "1"), ("BD001B0001", "2")]
    html = response.content.decode()
    assert not any(code in html for code in (*DISTRICT_0, "BD000"))


def test_an_analyst_cannot_filter_to_another_district_nor_learn_that_it_exists(world):
    other = page(world, "analyst", org="BD000")
    missing = page(world, "analyst", org="NO-SUCH-ORG")
    assert other.status_code == missing.status_code == 400
    assert "在您负责的范围内找不到党组织“BD000”" in other.content.decode()
    assert "在您负责的范围内找不到党组织“NO-SUCH-ORG”" in missing.content.decode()
    assert not ranked(other)
    assert "BD000B0000" not in other.content.decode()


def test_a_round_without_assessments_in_scope_is_not_found(world, outline):
    empty = make_round(outline, year=2024, title="空批次")
    response = logged_in(world["analyst"]).get(reverse("reports:ranking", args=[empty.pk]))
    assert response.status_code == 404


def test_it_filters_by_subtree_and_peer_group(world):
    assert [code for code, _ in ranked(page(world, org="BD001"))] == ["BD001B0000", "BD001B0001"]
    assert [rank for _, rank in ranked(page(world, org="测试区1"))] == ["1", "2"]
    assert len(ranked(page(world, level=3, type="branch"))) == 5
    assert ranked(page(world, type="district")) == []
    bad = page(world, type="nonsense", level="x")
    assert bad.status_code == 400
    assert "请选择列表中的党组织类型。" in bad.content.decode()
    assert "层级应为整数。" in bad.content.decode()


def test_it_sorts_by_a_category_column_and_keeps_the_overall_rank(world):
    response = page(world, sort="c4")
    assert ranked(response)[0] == ("BD001B0001", "5")
    html = response.content.decode()
    # The active column's link flips the direction and keeps the filters.
    assert 'href="?sort=-c4" data-sort="c4"' in html
    descending = page(world, sort="-c4", org="BD001")
    assert ranked(descending) == [("BD001B0000", "1"), ("BD001B0001", "2")]
    assert "org=BD001&amp;sort=c4" in descending.content.decode()


@pytest.mark.parametrize(("sort", "first"), [("name", "BD000B0000"), ("-code", "BD001B0001"), ("-total", "BD000B0000"),
                                         ("percent", "BD001B0001"), ("type", "BD000B0000"), ("bogus", "BD000B0000")])
def test_every_column_sorts(world, sort, first):
    assert ranked(page(world, sort=sort))[0][0] == first


def test_submitted_assessments_show_only_when_asked_and_are_marked(world):
    assert "BD001B0002" not in [code for code, _ in ranked(page(world))]
    response = page(world, submitted="1")
    rows = ranked(response)
    assert rows[0] == ("BD001B0002", "1")
    assert len(rows) == 6
    row = re.search(r'<tr data-code="BD001B0002"[^>]*>.*?</tr>', response.content.decode(), re.S).group(0)
    assert "table-warning" in row
    assert "待审核" in row


def test_it_links_each_row_and_the_downloads_keep_the_filters(world):
    response = page(world, org="BD001", submitted="1")
    html = response.content.decode()
    assessment = world["round"].assessments.get(organization__code="BD001B0000")
    assert reverse("assessments:assessment_detail", args=[assessment.pk]) in html
    xlsx = reverse("reports:ranking_xlsx", args=[world["round"].pk])
    assert f'href="{xlsx}?org=BD001&amp;submitted=1"' in html
    assert f'action="{reverse("reports:compare", args=[world["round"].pk])}"' in html
    assert 'name="org" value="BD001B0000"' in html


def test_it_pages_by_fifty(outline):
    build_tree(districts=1, branches_per_district=55)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline)
    for unit in Organization.objects.filter(type="branch"):
        score_unit(round, unit, evaluator, admin, {})
    url = reverse("reports:ranking", args=[round.pk])
    first = logged_in(admin).get(url, {"sort": "code"})
    second = logged_in(admin).get(url, {"sort": "code", "page": 2})
    assert len(ranked(first)) == 50
    assert len(ranked(second)) == 5
    assert "sort=code&amp;page=2" in first.content.decode()
    assert ranked(second)[0] == ("BD000B0050", "1")


def _queries_for_ranking(outline, units: int, prefix: str) -> int:
    build_tree(districts=1, branches_per_district=units, prefix=prefix)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code=f"{prefix}ROOT"))
    round = make_round(outline, title=f"批次{prefix}")
    for index, unit in enumerate(Organization.objects.filter(type="branch", code__startswith=prefix)):
        score_unit(round, unit, evaluator, admin, {"1.1": "2"} if index % 2 else {})
    client = logged_in(analyst)
    url = reverse("reports:ranking", args=[round.pk])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, {"org": f"{prefix}D000", "submitted": "1", "sort": "-c1"})
    assert response.status_code == 200
    assert len(ranked(response)) == min(units, 50)
    return len(queries)


def test_the_page_costs_the_same_queries_for_5_and_40_organizations(outline):
    assert _queries_for_ranking(outline, 5, "S") == _queries_for_ranking(outline, 40, "L")
