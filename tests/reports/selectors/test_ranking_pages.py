"""Ranking pages at any depth: constant queries, every sort, ties, filters, and subtotals equal to
the stored CategoryResult rows, over assessments with seeded random results."""

import random
from decimal import Decimal

import pytest
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, CategoryResult
from assessments.services.rounds import round_add_organizations
from orgs.models import Organization, OrgType, Role
from reports.selectors.compare import categories_with_caps, sorted_ranking
from reports.selectors.ranking import category_scores, ranked_assessments
from tests.factories import build_tree, make_round, user_with_role

pytestmark = pytest.mark.django_db
DEDUCTIONS = [Decimal("0"), Decimal("0"), Decimal("0.5"), Decimal("1"), Decimal("2")]


def _seeded_round(outline, *, districts: int, branches: int, seed: int, prefix: str = "B"):
    """A round whose branches (and the even-numbered districts) are approved with random category results;
    few deductions, so totals tie often. The totals are the sums of the stored subtotals, as the
    scoring service writes them."""
    root = build_tree(districts=districts, branches_per_district=branches, prefix=prefix)
    round = make_round(outline, title=f"批次{prefix}")
    round_add_organizations(round=round, organizations=Organization.objects.filter(path__startswith=root.path), user=None)
    categories = categories_with_caps(round)
    rng = random.Random(seed)
    results, approved = [], []
    for assessment in Assessment.objects.filter(round=round).select_related("organization"):
        organization = assessment.organization
        if organization.type == OrgType.CITY or (organization.type == OrgType.DISTRICT and organization.code[-1] in "13579"):
            continue
        scores = [max(c.cap - rng.choice(DEDUCTIONS), Decimal("0")) for c in categories]
        results += [CategoryResult(assessment=assessment, category=c, score=s, cap=c.cap) for c, s in zip(categories, scores, strict=True)]
        assessment.total, assessment.state, assessment.approved_at = sum(scores), AssessmentState.APPROVED, timezone.now()
        approved.append(assessment)
    CategoryResult.objects.bulk_create(results)
    Assessment.objects.bulk_update(approved, ["total", "state", "approved_at"])
    assert approved
    return round, categories


@pytest.fixture
def admin():
    return user_with_role(Role.ADMIN)


def _stored(round, **filters):
    """Every ranked assessment as stored, with its subtotals by category number, read plainly."""
    rows = list(ranked_assessments(user_with_role(Role.ADMIN), round, **filters).select_related("organization"))
    subtotals: dict[int, dict[str, Decimal]] = {}
    for assessment_id, number, score in CategoryResult.objects.values_list("assessment_id", "category__number", "score"):
        subtotals.setdefault(assessment_id, {})[f"c{number}"] = score
    return rows, subtotals


def _expected_order(rows, subtotals, sort: str) -> list[int]:
    """The order a sort promises: by its key (missing last), ties by the organization's path."""
    key = sort.lstrip("-")
    descending = sort.startswith("-")
    type_position = {value: index for index, value in enumerate(OrgType.values)}
    value = {
        "rank": lambda a: -a.total, "total": lambda a: a.total, "percent": lambda a: a.total / a.max_total,
        "name": lambda a: a.organization.name, "code": lambda a: a.organization.code,
    }.get(key, lambda a: subtotals[a.pk][key])
    ordered = sorted(rows, key=lambda a: a.organization.path)
    if key == "type":
        # The tree's own order of types, then the best total, then the path.
        ordered.sort(key=lambda a: -a.total)
        ordered.sort(key=lambda a: type_position[a.organization.type], reverse=descending)
    else:
        ordered.sort(key=value, reverse=descending)
    return [a.pk for a in ordered]


def _expected_ranks(rows) -> dict[int, int]:
    # 1, 2, 2, 4: one more than the number of strictly better totals.
    return {a.pk: 1 + sum(1 for b in rows if b.total > a.total) for a in rows}


def _page_queries(user, round, categories, *, sort: str, number: int) -> int:
    with CaptureQueriesContext(connection) as queries:
        rows = sorted_ranking(user, round, categories=categories, sort=sort)
        page = Paginator(rows, 50).get_page(number)
        for row in page.object_list:
            category_scores(row, categories)
            assert row.organization.code
            assert row.rank >= 1
    return len(queries)


def test_a_page_costs_the_same_few_queries_at_two_sizes_and_at_any_depth(outline, admin):
    counts: dict[str, set[int]] = {}
    for prefix, branches in (("S", 12), ("L", 60)):
        round, categories = _seeded_round(outline, districts=3, branches=branches, seed=branches, prefix=prefix)
        pages = Paginator(ranked_assessments(admin, round).order_by("pk"), 50).num_pages
        assert pages >= 2 if branches > 50 else pages == 1
        for sort in ("rank", "-c3", "name", "-type"):
            for number in {1, (pages + 1) // 2, pages}:
                counts.setdefault(sort, set()).add(_page_queries(admin, round, categories, sort=sort, number=number))
    # In rank order: count, the page's totals, the rows above and below its band, the band's
    # rows, their subtotals. In any other: count, ranked ids, the page's rows, their subtotals.
    assert counts == {"rank": {5}, "-c3": {4}, "name": {4}, "-type": {4}}


SORTS = ["rank", "total", "percent", "name", "code", "type", *(f"c{n}" for n in range(1, 8))]


@pytest.mark.parametrize("sort", [*SORTS, *(f"-{s}" for s in SORTS)])
def test_every_column_sorts_with_ties_by_path_and_keeps_the_overall_rank(outline, admin, sort):
    round, categories = _seeded_round(outline, districts=3, branches=9, seed=7)
    stored, subtotals = _stored(round)
    rows = list(sorted_ranking(admin, round, categories=categories, sort=sort))
    assert len(rows) > 27
    assert [r.pk for r in rows] == _expected_order(stored, subtotals, sort)
    ranks = _expected_ranks(stored)
    assert [r.rank for r in rows] == [ranks[r.pk] for r in rows]


def test_ties_share_a_rank_and_the_next_rank_skips(outline, admin):
    round, categories = _seeded_round(outline, districts=2, branches=15, seed=3)
    ranks = [r.rank for r in sorted_ranking(admin, round, categories=categories)]
    assert len(set(ranks)) < len(ranks)  # the seed gives ties
    for position, rank in enumerate(ranks, start=1):
        assert rank == 1 + ranks.index(rank)  # a shared rank is the first position it holds
        assert rank <= position


def test_subtotals_equal_the_stored_category_results_on_every_page(outline, admin):
    round, categories = _seeded_round(outline, districts=2, branches=40, seed=11)
    _, subtotals = _stored(round)
    rows = sorted_ranking(admin, round, categories=categories, sort="-c5")
    paginator = Paginator(rows, 50)
    seen = 0
    for number in paginator.page_range:
        for row in paginator.page(number).object_list:
            assert category_scores(row, categories) == [subtotals[row.pk][f"c{c.number}"] for c in categories]
            assert sum(category_scores(row, categories)) == row.total
            seen += 1
    assert seen == paginator.count


@pytest.mark.parametrize("filters", [
    {"subtree": "BD001"}, {"org_type": OrgType.BRANCH}, {"org_type": OrgType.DISTRICT}, {"depth": 3},
    {"subtree": "BD002", "depth": 3},
])
def test_filters_rank_within_the_filtered_set(outline, admin, filters):
    round, categories = _seeded_round(outline, districts=4, branches=8, seed=5)
    if "subtree" in filters:
        filters = {**filters, "subtree": Organization.objects.get(code=filters["subtree"])}
    stored, subtotals = _stored(round, **filters)
    assert stored
    rows = list(sorted_ranking(admin, round, categories=categories, sort="rank", **filters))
    assert [r.pk for r in rows] == _expected_order(stored, subtotals, "rank")
    ranks = _expected_ranks(stored)
    assert [r.rank for r in rows] == [ranks[r.pk] for r in rows]


def test_an_analyst_ranks_only_their_subtree(outline):
    round, categories = _seeded_round(outline, districts=3, branches=6, seed=9)
    analyst = user_with_role(Role.ANALYST, Organization.objects.get(code="BD002"))
    rows = list(sorted_ranking(analyst, round, categories=categories, sort="-c2"))
    assert rows
    assert all(r.organization.code.startswith("BD002") for r in rows)
    assert min(r.rank for r in rows) == 1


@pytest.mark.parametrize("sort", ["rank", "-rank", "type", "name"])
@pytest.mark.parametrize("filters", [{}, {"subtree": "BD001"}, {"org_type": OrgType.BRANCH}])
def test_every_page_in_rank_order_is_the_slice_of_the_whole_order_with_its_overall_ranks(
    outline, admin, sort, filters
):
    # Pages in rank order read through the band of totals they span (BandIterable): ties cut by a
    # page's edges, pages of one row, a short last page, in both directions, equal the whole order
    # sliced; so do pages re-ordered after the rank (by type) and in another order.
    round, categories = _seeded_round(outline, districts=3, branches=9, seed=13)
    if "subtree" in filters:
        filters = {**filters, "subtree": Organization.objects.get(code=filters["subtree"])}
    stored, subtotals = _stored(round, **filters)
    expected = _expected_order(stored, subtotals, sort)
    ranks = _expected_ranks(stored)
    assert len(set(ranks.values())) < len(ranks)  # ties, some of them across page edges
    for per_page in (1, 2, 7, 50):
        paginator = Paginator(sorted_ranking(admin, round, categories=categories, sort=sort, **filters), per_page)
        for number in paginator.page_range:
            page = paginator.page(number)
            rows = list(page.object_list)
            assert [r.pk for r in rows] == expected[page.start_index() - 1:page.end_index()]
            assert [r.rank for r in rows] == [ranks[r.pk] for r in rows]
            assert [category_scores(r, categories) for r in rows] == [
                [subtotals[r.pk][f"c{c.number}"] for c in categories] for r in rows
            ]
