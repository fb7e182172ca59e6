"""The stored report aggregates equal direct SQL aggregates (tests.worlds.report_stats), on
random trees with random assessments in random states and random results, after a rebuild and
after every one of a random sequence of changes: state changes, new results, moves in the tree.

The changes go through `assessment_changed` (what every workflow step and results write calls;
tests/assessments/services/workflow/test_report_stats_steps.py drives the steps themselves) and
through `organization_update`, whose move reaches the aggregates by orgs' signal.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment, AssessmentState, CategoryResult, ItemResult, ReportStat
from assessments.services.report_stats import assessment_changed, rebuild_missing, rebuild_round
from indicators.models import Item
from orgs.models import Organization, OrgType
from orgs.services.bulk import NewNode, bulk_add_nodes
from orgs.services.tree import organization_update
from tests.factories import make_round, user_with_role
from tests.worlds.report_stats import direct_aggregates, stored_aggregates

pytestmark = pytest.mark.django_db
RUNS = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
STATES = list(AssessmentState.values)
POOL = 6  # items used, across at least two categories


class Rollback(Exception):
    """Ends an example's transaction so that the next one starts from the same data."""


results = st.dictionaries(st.integers(0, POOL - 1), st.integers(0, 100), max_size=POOL)
unit = st.one_of(st.none(), st.tuples(st.sampled_from(STATES), results))
trees = st.integers(2, 12).flatmap(lambda n: st.tuples(
    st.just(n), st.tuples(*(st.integers(-1, i - 1) for i in range(1, n))),
))
changes = st.lists(st.one_of(
    st.tuples(st.just("state"), st.integers(0, 11), st.integers(0, 1), st.sampled_from(STATES)),
    st.tuples(st.just("results"), st.integers(0, 11), st.integers(0, 1), results),
    st.tuples(st.just("move"), st.integers(0, 11), st.integers(-1, 11)),
), max_size=8)


def _tree(size: int, parents: tuple[int, ...]) -> list[Organization]:
    nodes = [NewNode("T00", "节点0", OrgType.CITY)]
    for index, parent in enumerate(parents, start=1):
        nodes.append(NewNode(f"T{index:02d}", f"节点{index}", OrgType.BRANCH, None if parent < 0 else f"T{parent:02d}"))
    bulk_add_nodes(nodes)
    return list(Organization.objects.filter(code__startswith="T").order_by("code"))


def _write_results(assessment: Assessment, scores: dict[int, int], items: list[Item]) -> None:
    """Random results as they would be stored: each item's score within its cap, the category
    subtotals and the total their sums; none at all leaves no total."""
    ItemResult.objects.filter(assessment=assessment).delete()
    CategoryResult.objects.filter(assessment=assessment).delete()
    by_category: dict[int, tuple[Decimal, Decimal]] = {}
    rows = []
    for index, percent in scores.items():
        item = items[index]
        score = (item.cap * percent / 100).quantize(Decimal("0.01"))
        rows.append(ItemResult(assessment=assessment, item=item, score=score, cap=item.cap))
        subtotal, cap = by_category.get(item.category_id, (Decimal(0), Decimal(0)))
        by_category[item.category_id] = (subtotal + score, cap)
    caps = {item.category_id: Decimal(0) for item in items}
    for item in Item.objects.filter(system_id=items[0].system_id):
        if item.category_id in caps:
            caps[item.category_id] += item.cap
    ItemResult.objects.bulk_create(rows)
    CategoryResult.objects.bulk_create(
        CategoryResult(assessment=assessment, category_id=pk, score=score, cap=caps[pk])
        for pk, (score, _cap) in by_category.items()
    )
    assessment.total = sum((score for score, _cap in by_category.values()), Decimal(0)) if rows else None
    Assessment.objects.filter(pk=assessment.pk).update(total=assessment.total)


def _set_state(assessment: Assessment, state: str) -> None:
    if state == AssessmentState.APPROVED and assessment.total is None:
        state = AssessmentState.SUBMITTED  # the database keeps an approval to assessments with a total
    assessment.state = state
    assessment.approved_at = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) if state == AssessmentState.APPROVED else None
    Assessment.objects.filter(pk=assessment.pk).update(state=state, approved_at=assessment.approved_at)


def _assert_equal(rounds: list[Any]) -> None:
    for round in rounds:
        assert stored_aggregates(round.pk) == direct_aggregates(round.pk)


def _move(organizations: list[Organization], who: int, where: int, admin: Any) -> None:
    node = Organization.objects.get(pk=organizations[who % len(organizations)].pk)
    parent = None if where < 0 else Organization.objects.get(pk=organizations[where % len(organizations)].pk)
    if parent is not None and node.contains(parent):
        return  # a cycle, refused by the service
    organization_update(organization=node, name=node.name, type=node.type, is_active=True, parent=parent, by=admin)


@RUNS
@given(tree=trees, units=st.lists(unit, min_size=24, max_size=24), steps=changes)
def test_stored_aggregates_equal_direct_aggregates_through_changes_and_moves(outline, tree, units, steps):
    try:
        with transaction.atomic():
            admin = user_with_role("admin")
            organizations = _tree(*tree)
            items = list(Item.objects.filter(system=outline).select_related("category").order_by("category__number", "order"))
            items = items[:3] + items[-3:]  # two categories at least, and the biggest caps
            rounds = [make_round(outline, year=2024 + n, title=f"考评{n}") for n in range(2)]
            assessments: dict[tuple[int, int], Assessment] = {}
            for index, drawn in enumerate(units):
                node, round = index % 12, index // 12
                if drawn is None or node >= len(organizations):
                    continue
                assessment = Assessment.objects.create(
                    round=rounds[round], organization=organizations[node], max_total=outline.total
                )
                _write_results(assessment, drawn[1], items)
                _set_state(assessment, drawn[0])
                assessments[node, round] = assessment
            for round in rounds:
                rebuild_round(round=round)
            _assert_equal(rounds)
            for step in steps:
                if step[0] == "move":
                    _move(organizations, step[1], step[2], admin)
                elif (assessment := assessments.get((step[1], step[2]))) is not None:
                    assessment = Assessment.objects.select_related("organization").get(pk=assessment.pk)
                    before = assessment.state in ("approved", "submitted") and assessment.total is not None
                    if step[0] == "state":
                        _set_state(assessment, step[3])
                    else:
                        _write_results(assessment, step[3], items)
                        if assessment.total is None and assessment.state == AssessmentState.APPROVED:
                            _set_state(assessment, AssessmentState.SUBMITTED)
                    assessment_changed(assessment, counted_before=before)
                _assert_equal(rounds)
            # And the maintained rows are exactly what a rebuild writes.
            maintained = {round.pk: stored_aggregates(round.pk) for round in rounds}
            for round in rounds:
                rebuild_round(round=round)
            assert {round.pk: stored_aggregates(round.pk) for round in rounds} == maintained
            raise Rollback
    except Rollback:
        pass


def test_a_rebuild_stores_rows_only_above_counted_assessments(outline):
    organizations = _tree(4, (0, 1, 0))  # T00 ─ T01 ─ T02, T00 ─ T03
    items = list(Item.objects.filter(system=outline).order_by("id"))[:POOL]
    round = make_round(outline, year=2025, title="考评")
    leaf = Assessment.objects.create(round=round, organization=organizations[2], max_total=outline.total)
    _write_results(leaf, {0: 50, 1: 100}, items)
    _set_state(leaf, AssessmentState.APPROVED)
    draft = Assessment.objects.create(round=round, organization=organizations[3], max_total=outline.total)
    _write_results(draft, {0: 10}, items)
    rebuild_round(round=round)
    holders = set(ReportStat.objects.filter(round=round).values_list("organization__code", flat=True))
    assert holders == {"T00", "T01"}  # the ancestors of the one counted assessment, not itself
    assert stored_aggregates(round.pk) == direct_aggregates(round.pk)


def test_a_draft_change_costs_no_query(outline, django_assert_num_queries):
    organizations = _tree(2, (0,))
    round = make_round(outline, year=2025, title="考评")
    draft = Assessment.objects.create(round=round, organization=organizations[1], max_total=outline.total)
    with django_assert_num_queries(0):
        assessment_changed(draft, counted_before=False)


def test_a_migrate_rebuilds_the_rounds_scored_before_the_aggregates_existed(outline):
    organizations = _tree(3, (0, 1))  # T00 ─ T01 ─ T02
    items = list(Item.objects.filter(system=outline).order_by("id"))[:POOL]
    earlier, kept = make_round(outline, year=2024, title="考评"), make_round(outline, year=2025, title="考评")
    for round in (earlier, kept):
        unit = Assessment.objects.create(round=round, organization=organizations[2], max_total=outline.total)
        _write_results(unit, {0: 50, 1: 100}, items)
        _set_state(unit, AssessmentState.APPROVED)
        rebuild_round(round=round)
    ReportStat.objects.filter(round=earlier).delete()  # as on a site upgraded with its history
    kept_rows = set(ReportStat.objects.filter(round=kept).values_list("pk", flat=True))

    call_command("migrate", verbosity=0)

    assert stored_aggregates(earlier.pk) == direct_aggregates(earlier.pk) != {}
    assert set(ReportStat.objects.filter(round=kept).values_list("pk", flat=True)) == kept_rows  # left alone
    assert rebuild_missing() == []
