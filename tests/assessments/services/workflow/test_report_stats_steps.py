"""Every workflow step keeps the stored report aggregates equal to direct SQL aggregates: random
sequences of scoring and submitting, approving, returning, reopening, sending back to scoring
and moving organizations, through the services themselves; and what each step costs."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.models import Assessment, AssessmentState, Sheet, SheetKind
from assessments.services import assessment_approve, assessment_reopen, assessment_return, sheet_submit
from assessments.services.workflow import assessments_back_to_scoring
from orgs.models import Organization, OrgType, Role
from orgs.services.bulk import NewNode, bulk_add_nodes
from orgs.services.tree import organization_update
from tests.factories import assign, build_tree, fill, full_marks, make_round, user_with_role
from tests.worlds.report_stats import direct_aggregates, stored_aggregates

pytestmark = pytest.mark.django_db
RUNS = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
UNITS = ("BD000", "BD000B0000", "BD000B0001", "BD001B0000", "BD001B0001", "BD000B0000X")
steps = st.lists(st.tuples(
    st.sampled_from(["submit", "approve", "return", "reopen", "back", "move"]),
    st.integers(0, len(UNITS) - 1), st.integers(0, 6), st.integers(0, len(UNITS)),
), min_size=1, max_size=7)


class Rollback(Exception):
    """Ends an example's transaction so that the next one starts from the same data."""


def _world(outline):
    build_tree(districts=2, branches_per_district=2)
    bulk_add_nodes([NewNode("BD000B0000X", "小组", OrgType.BRANCH, "BD000B0000")])  # a fourth level
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, year=2025, title="2025年度考评")
    sheets = {code: assign(round, Organization.objects.get(code=code), evaluator) for code in UNITS}
    return round, evaluator, admin, sheets


def _apply(step, round, evaluator, admin, sheets, marks) -> None:
    kind, unit, deduction, where = step
    assessment = Assessment.objects.get(round=round, organization__code=UNITS[unit])
    state = assessment.state
    if kind == "submit" and state in (AssessmentState.DRAFT, AssessmentState.RETURNED):
        scores = dict(marks)
        number = sorted(scores)[deduction * 5 % len(scores)]
        scores[number] = scores[number] - Decimal(deduction % 3) / 2 if scores[number] >= 1 else scores[number]
        fill(sheets[UNITS[unit]], evaluator, scores)
        sheet_submit(sheet=Sheet.objects.get(pk=sheets[UNITS[unit]].pk), user=evaluator)
    elif kind == "approve" and state == AssessmentState.SUBMITTED:
        assessment_approve(assessment=assessment, user=admin)
    elif kind == "return" and state == AssessmentState.SUBMITTED:
        assessment_return(assessment=assessment, user=admin, reason="请补充材料")
    elif kind == "reopen" and state == AssessmentState.APPROVED:
        assessment_reopen(assessment=assessment, user=admin, reason="复核")
    elif kind == "back" and state == AssessmentState.SUBMITTED:
        assessments_back_to_scoring(assessment_ids=[assessment.pk], user=admin)
    elif kind == "move":
        node = Organization.objects.get(code=UNITS[unit])
        parent = None if where == len(UNITS) else Organization.objects.get(code=UNITS[where])
        if parent is None or not node.contains(parent):
            organization_update(organization=node, name=node.name, type=node.type, is_active=True, parent=parent,
                                by=admin)


@RUNS
@given(plan=steps)
def test_every_step_keeps_the_stored_aggregates_equal_to_direct_aggregates(outline, plan):
    try:
        with transaction.atomic():
            round, evaluator, admin, sheets = _world(outline)
            marks = full_marks(outline)
            for step in plan:
                _apply(step, round, evaluator, admin, sheets, marks)
                assert stored_aggregates(round.pk) == direct_aggregates(round.pk)
            raise Rollback
    except Rollback:
        pass


def _for_stats(sql: str) -> bool:
    """The maintenance's statements: its rows, and the ancestors' pks looked up by path."""
    return "assessments_reportstat" in sql or '"orgs_organization"."path" IN (' in sql


def _submitted(outline):
    round, evaluator, admin, sheets = _world(outline)
    fill(sheets["BD000B0000X"], evaluator, full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=sheets["BD000B0000X"].pk), user=evaluator)
    return round, evaluator, admin, Assessment.objects.get(round=round, organization__code="BD000B0000X")


def test_the_aggregates_cost_an_approval_three_queries_and_a_bulk_insert_at_the_fourth_level(outline):
    round, _evaluator, admin, assessment = _submitted(outline)
    with CaptureQueriesContext(connection) as steps:
        assessment_approve(assessment=assessment, user=admin)
    stats = [q["sql"] for q in steps.captured_queries if _for_stats(q["sql"])]
    # For its three ancestors: their pks, their rows deleted, one UNION read of their children's
    # figures, then the new rows in bulk (one INSERT on PostgreSQL; SQLite's parameter limit
    # splits these ~190 rows in two).
    reads = [sql for sql in stats if not sql.startswith("INSERT")]
    assert len(reads) == 3
    assert 1 <= len(stats) - len(reads) <= 2
    assert stored_aggregates(round.pk) == direct_aggregates(round.pk)


def test_a_draft_save_costs_the_aggregates_nothing(outline):
    round, evaluator, _admin, sheets = _world(outline)
    marks = full_marks(outline)
    fill(sheets["BD000B0000X"], evaluator, marks)
    marks["1.1"] = Decimal("1")
    with CaptureQueriesContext(connection) as save:
        fill(sheets["BD000B0000X"], evaluator, marks)
    assert not [q for q in save.captured_queries if _for_stats(q["sql"])]
    assert not stored_aggregates(round.pk)


def test_a_submitted_assessment_rescored_by_a_new_lead_is_counted_anew(outline):
    from assessments.services.round_admin import round_set_lead

    round, evaluator, admin, assessment = _submitted(outline)
    other = user_with_role(Role.EVALUATOR)
    sheet = assign(round, Organization.objects.get(code="BD000B0000X"), other)
    marks = full_marks(outline)
    marks["4.2"] = Decimal("2")
    fill(sheet, other, marks)
    round.merge_method = "lead"
    round.save(update_fields=["merge_method"])
    Assessment.objects.filter(pk=assessment.pk).update(state=AssessmentState.SUBMITTED)
    round_set_lead(round=round, organizations=Organization.objects.filter(code="BD000B0000X"), evaluator=other,
                   user=admin)
    assert Sheet.objects.get(pk=sheet.pk, kind=SheetKind.REVIEW).is_lead
    assert stored_aggregates(round.pk) == direct_aggregates(round.pk)
    assert stored_aggregates(round.pk)  # the submitted total counts, with 4.2 at the new lead's score
