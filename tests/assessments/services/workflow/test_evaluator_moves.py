"""The state moves a change of evaluators brings, recorded like every other step."""

from __future__ import annotations

import pytest

from assessments.access import (
    Step,
    allowed_steps,
)
from assessments.models import (
    AssessmentState,
    Sheet,
)
from assessments.services import (
    sheet_submit,
    sheet_unassign,
)
from orgs.models import Role
from tests.factories import assign, fill, full_marks, user_with_role
from tests.worlds import (
    approved_world,
    build_world,
    state_steps,
)

pytestmark = pytest.mark.django_db


def test_a_new_evaluator_sends_a_waiting_assessment_back_to_scoring_in_the_history(outline):
    world = build_world(outline)
    third = user_with_role(Role.EVALUATOR, username="eva3")
    assign(world.round, world.unit, third, user=world.users["admin"])
    assessment = world.refresh()
    assert (assessment.state, assessment.submitted_at) == (AssessmentState.DRAFT, None)
    assert state_steps(world)[-1] == ("adm", "待审核", "考评中")


def test_a_new_evaluator_of_an_assessment_still_being_scored_changes_no_state(outline):
    world = build_world(outline, submitted=False)
    before = state_steps(world)
    assign(world.round, world.unit, user_with_role(Role.EVALUATOR), user=world.users["admin"])
    assert world.refresh().state == AssessmentState.DRAFT
    assert state_steps(world) == before


def test_taking_off_the_last_evaluator_to_submit_puts_it_up_for_approval_in_the_history(outline):
    world = build_world(outline, submitted=False)
    fill(world.sheets[0], world.users["evaluator"], full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=world.sheets[0].pk), user=world.users["evaluator"])
    assert world.refresh().state == AssessmentState.DRAFT
    sheet_unassign(sheet=world.sheets[1], user=world.users["admin"])
    assessment = world.refresh()
    assert assessment.state == AssessmentState.SUBMITTED
    assert assessment.submitted_at is not None
    assert state_steps(world)[-1] == ("adm", "考评中", "待审核")
    assert allowed_steps(world.users["approver"], assessment) == {Step.RETURN, Step.APPROVE}


def test_taking_off_an_evaluator_while_others_still_score_changes_no_state(outline):
    world = build_world(outline, submitted=False)
    idle = assign(world.round, world.unit, user_with_role(Role.EVALUATOR))
    before = state_steps(world)
    sheet_unassign(sheet=idle, user=world.users["admin"])
    assert world.refresh().state == AssessmentState.DRAFT
    assert state_steps(world) == before


def test_taking_off_an_idle_evaluator_leaves_an_approved_assessment_approved(outline):
    world = approved_world(outline)
    # The service assigns even where the admins' page would skip the approved assessment.
    idle = assign(world.round, world.unit, user_with_role(Role.EVALUATOR))
    sheet_unassign(sheet=idle, user=world.users["admin"])
    assert world.refresh().state == AssessmentState.APPROVED
    assert state_steps(world)[-1] == ("apv", "待审核", "已审核")
