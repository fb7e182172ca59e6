"""The workflow services' own guards, asked directly rather than through the pages: reopen,
return, approve and submit refuse what they must, whoever calls them."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from assessments.access import (
    Step,
    allowed_steps,
)
from assessments.models import (
    Assessment,
    AssessmentState,
    LockedError,
    MergeMethod,
    Sheet,
    SheetState,
)
from assessments.services import (
    WorkflowError,
    assessment_approve,
    assessment_reopen,
    assessment_return,
    round_close,
    sheet_submit,
)
from tests.factories import fill, full_marks
from tests.worlds import (
    approved_world,
    build_world,
    scored_by_the_approver,
    state_steps,
    submit_all,
)

pytestmark = pytest.mark.django_db


def test_the_service_reopens_only_what_is_approved(outline):
    world = build_world(outline)
    before = state_steps(world)
    with pytest.raises(WorkflowError) as refused:
        assessment_reopen(assessment=world.assessment, user=world.users["admin"], reason="区委要求复查")
    assert refused.value.code == "not_approved"
    assert world.refresh().state == AssessmentState.SUBMITTED
    assert state_steps(world) == before


@pytest.mark.parametrize("role", ["evaluator", "reporter", "analyst", "approver", "outsider"])
def test_the_service_lets_only_admins_reopen(outline, role):
    world = approved_world(outline)
    with pytest.raises(PermissionDenied):
        assessment_reopen(assessment=world.assessment, user=world.users[role], reason="区委要求复查")
    assert world.refresh().state == AssessmentState.APPROVED


def test_the_service_reopens_nothing_in_a_closed_round(outline):
    world = approved_world(outline)
    round_close(round=world.round, user=world.users["admin"])
    with pytest.raises(LockedError):
        assessment_reopen(assessment=world.assessment, user=world.users["admin"], reason="区委要求复查")
    assert world.refresh().state == AssessmentState.APPROVED


@pytest.mark.parametrize("service", [assessment_reopen, assessment_return])
def test_the_service_asks_a_reason_to_reopen_or_return(outline, service):
    world = approved_world(outline) if service is assessment_reopen else build_world(outline)
    state = world.assessment.state
    with pytest.raises(WorkflowError) as refused:
        service(assessment=world.assessment, user=world.users["admin"], reason="  ")
    assert refused.value.message_dict == {"reason": ["请填写理由。"]}
    assert world.refresh().state == state


def test_the_service_refuses_to_approve_a_lead_round_without_a_lead(outline):
    world = build_world(outline, submitted=False, merge_method=MergeMethod.LEAD)
    # The admin took the lead away before anyone had scored: nobody's scores are the result.
    Sheet.objects.filter(pk=world.sheets[0].pk).update(is_lead=False)
    submit_all(world, outline)
    assert world.assessment.state == AssessmentState.SUBMITTED
    with pytest.raises(WorkflowError) as refused:
        assessment_approve(assessment=world.assessment, user=world.users["approver"])
    assert refused.value.code == "no_lead"
    assert refused.value.messages == ["本批次按主考评员评分合成，但该单位没有指定主考评员。"]
    assert world.refresh().state == AssessmentState.SUBMITTED


def test_the_service_refuses_to_approve_without_a_total(outline):
    world = build_world(outline)
    # Not reachable through the pages today; the guard keeps an empty result from being locked in.
    Assessment.objects.filter(pk=world.assessment.pk).update(total=None)
    with pytest.raises(WorkflowError) as refused:
        assessment_approve(assessment=world.assessment, user=world.users["approver"])
    assert refused.value.code == "no_total"
    assert world.refresh().state == AssessmentState.SUBMITTED


def test_the_service_refuses_an_approver_who_scored_the_unit(outline):
    world = scored_by_the_approver(outline)
    approver = world.users["approver"]
    with pytest.raises(WorkflowError) as refused:
        assessment_approve(assessment=world.assessment, user=approver)
    assert refused.value.code == "own_review"
    assert world.refresh().state == AssessmentState.SUBMITTED
    assert allowed_steps(approver, world.assessment) == {Step.RETURN}


@pytest.mark.parametrize("service", [assessment_approve, assessment_return])
@pytest.mark.parametrize("role", ["evaluator", "reporter", "analyst", "outsider"])
def test_the_service_lets_only_approvers_approve_or_return(outline, role, service):
    world = build_world(outline)
    with pytest.raises(PermissionDenied):
        service(assessment=world.assessment, user=world.users[role], **({} if service is assessment_approve
                                                                         else {"reason": "退回"}))
    assert world.refresh().state == AssessmentState.SUBMITTED


@pytest.mark.parametrize("service", [assessment_approve, assessment_return])
def test_the_service_approves_or_returns_only_what_waits(outline, service):
    world = build_world(outline, submitted=False)
    with pytest.raises(WorkflowError) as refused:
        service(assessment=world.assessment, user=world.users["admin"], **({} if service is assessment_approve
                                                                           else {"reason": "退回"}))
    assert refused.value.code == "not_submitted"
    assert world.refresh().state == AssessmentState.DRAFT


def test_the_service_submits_only_a_complete_sheet_of_its_own_author(outline):
    world = build_world(outline, submitted=False)
    sheet, evaluator = world.sheets[0], world.users["evaluator"]
    fill(sheet, evaluator, {"1.1": 3})
    with pytest.raises(WorkflowError) as refused:
        sheet_submit(sheet=sheet, user=evaluator)
    assert refused.value.code == "incomplete"
    fill(sheet, evaluator, full_marks(outline))
    with pytest.raises(PermissionDenied):
        sheet_submit(sheet=sheet, user=world.users["second"])
    assert Sheet.objects.get(pk=sheet.pk).state == SheetState.DRAFT
