"""Approve, return and reopen through the assessment page: who may take each step, and what
every refusal leaves behind (nothing changed, a Chinese message, a 403 or a 404). Then the
services' guards asked directly, the steps `allowed_steps` offers each role in each state (and
that the services accept exactly those), and the state moves a change of evaluators brings."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse

from assessments.access import (
    ASSESSMENT_STEPS,
    SHEET_STEPS,
    Step,
    allowed_steps,
    approvable_by,
    can_change_evidence,
    sheets_editable_by,
)
from assessments.entries import Entry
from assessments.models import (
    Assessment,
    AssessmentState,
    AuditAction,
    AuditEvent,
    LockedError,
    MergeMethod,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.services import (
    WorkflowError,
    assessment_approve,
    assessment_reopen,
    assessment_return,
    edits_from,
    round_close,
    sheet_save,
    sheet_submit,
    sheet_unassign,
    stored_values,
)
from orgs.models import Role
from tests.factories import assign, fill, full_marks, user_with_role
from tests.worlds import AssessmentWorld, build_world, logged_in, submit_all

pytestmark = pytest.mark.django_db


ROLES = ["evaluator", "reporter", "analyst", "approver", "admin", "outsider"]
REFUSED = {"evaluator": 403, "reporter": 403, "analyst": 403, "outsider": 404}


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_approvers_approve(outline, role):
    world = build_world(outline)
    response = logged_in(world.users[role]).post(world.url("assessment_approve"))
    if role in ("approver", "admin"):
        assert response.status_code == 302
        assert world.refresh().state == AssessmentState.APPROVED
        assert world.assessment.approved_by == world.users[role]
    else:
        assert response.status_code == REFUSED[role]
        assert world.refresh().state == AssessmentState.SUBMITTED


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_approvers_return(outline, role):
    world = build_world(outline)
    response = logged_in(world.users[role]).post(world.url("assessment_return"), {"reason": "1.1 扣分理由不充分"})
    if role in ("approver", "admin"):
        assert response.status_code == 302
        assessment = world.refresh()
        assert (assessment.state, assessment.returned_reason) == (AssessmentState.RETURNED, "1.1 扣分理由不充分")
        assert set(Sheet.objects.filter(kind="review").values_list("state", flat=True)) == {SheetState.RETURNED}
    else:
        assert response.status_code == REFUSED[role]
        assert world.refresh().state == AssessmentState.SUBMITTED
        assert world.assessment.returned_reason == ""


@pytest.mark.parametrize("role", ROLES)
def test_it_lets_only_admins_reopen(outline, role):
    world = build_world(outline)
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    response = logged_in(world.users[role]).post(world.url("assessment_reopen"), {"reason": "发现 2.1 材料有误"})
    if role == "admin":
        assert response.status_code == 302
        assessment = world.refresh()
        assert (assessment.state, assessment.returned_reason) == (AssessmentState.RETURNED, "发现 2.1 材料有误")
        assert assessment.approved_at is None
        assert assessment.approved_by is None
    else:
        assert response.status_code == {**REFUSED, "approver": 403}[role]
        assert world.refresh().state == AssessmentState.APPROVED


@pytest.mark.parametrize("name", ["assessment_approve", "assessment_return", "assessment_reopen"])
def test_it_sends_anonymous_users_to_the_login_page(outline, client, name):
    world = build_world(outline, submitted=False)
    response = client.post(world.url(name), {"reason": "x"})
    assert response.status_code == 302
    assert reverse("login") in response["Location"]
    assert world.refresh().state == AssessmentState.DRAFT


@pytest.mark.parametrize("name", ["assessment_approve", "assessment_return", "assessment_reopen"])
def test_the_steps_take_a_post_only(outline, name):
    world = build_world(outline, submitted=False)
    assert logged_in(world.users["admin"]).get(world.url(name)).status_code == 405


@pytest.mark.parametrize("reason", ["", "   "])
def test_it_refuses_a_return_without_a_reason_beside_the_field(outline, reason):
    world = build_world(outline)
    response = logged_in(world.users["approver"]).post(world.url("assessment_return"), {"reason": reason})
    assert response.status_code == 400
    assert response.context["return_form"].errors["reason"] == ["请填写理由。"]
    assert "请填写理由。" in response.content.decode()
    assert world.refresh().state == AssessmentState.SUBMITTED


def test_it_refuses_a_reopen_without_a_reason(outline):
    world = build_world(outline)
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    response = logged_in(world.users["admin"]).post(world.url("assessment_reopen"), {"reason": ""})
    assert response.status_code == 400
    assert response.context["reopen_form"].errors["reason"] == ["请填写理由。"]
    assert world.refresh().state == AssessmentState.APPROVED


def test_a_refused_return_keeps_what_was_typed(outline):
    world = build_world(outline)
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    world.refresh()
    # The page was loaded while the assessment was still waiting; meanwhile someone approved it.
    response = logged_in(world.users["admin"]).post(world.url("assessment_return"), {"reason": "请补充<佐证>材料"})
    assert response.status_code == 400
    assert response.context["return_form"].non_field_errors() == ["只有待审核的考评可以退回。"]
    assert response.context["return_form"]["reason"].value() == "请补充<佐证>材料"
    assert world.refresh().state == AssessmentState.APPROVED


def scored_by_the_approver(outline) -> AssessmentWorld:
    """The world, submitted, in which the round's approver is one of the unit's evaluators too."""
    world = build_world(outline, submitted=False)
    approver = world.users["approver"]
    own = assign(world.round, world.unit, approver)
    fill(own, approver, full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=own.pk), user=approver)
    submit_all(world, outline)
    return world


def test_it_refuses_to_let_an_approver_approve_what_they_scored(outline):
    world = scored_by_the_approver(outline)
    approver = world.users["approver"]
    assert world.assessment.state == AssessmentState.SUBMITTED
    client = logged_in(approver)
    page = client.get(world.url("assessment_detail")).content.decode()
    assert 'id="approve-form"' not in page
    assert "不能审核自己参与评分的结果" in page
    response = client.post(world.url("assessment_approve"))
    assert response.status_code == 400
    assert "您是该单位的考评员，不能审核自己参与评分的结果。" in response.content.decode()
    assert world.refresh().state == AssessmentState.SUBMITTED


def test_it_refuses_to_approve_a_draft(outline):
    world = build_world(outline, submitted=False)
    response = logged_in(world.users["admin"]).post(world.url("assessment_approve"))
    assert response.status_code == 400
    assert "只有待审核的考评可以审核通过。" in response.content.decode()
    assert world.refresh().state == AssessmentState.DRAFT


def test_a_closed_round_refuses_every_step(outline):
    world = build_world(outline)
    round_close(round=world.round, user=None)
    client = logged_in(world.users["admin"])
    response = client.post(world.url("assessment_approve"))
    assert response.status_code == 400
    assert "不能再修改" in response.content.decode()
    assert client.post(world.url("assessment_return"), {"reason": "迟了"}).status_code == 400
    assert world.refresh().state == AssessmentState.SUBMITTED
    assert 'id="return-form"' not in client.get(world.url("assessment_detail")).content.decode()


def test_an_approved_assessment_refuses_saves_and_shows_it_is_locked(outline):
    world = build_world(outline)
    logged_in(world.users["approver"]).post(world.url("assessment_approve"))
    sheet = Sheet.objects.get(pk=world.sheets[0].pk)
    item_id = outline.items.get(number="1.1").pk
    with pytest.raises(LockedError):
        sheet_save(sheet=sheet, user=world.users["evaluator"],
                   edits=edits_from({item_id: Entry(Decimal("1"), "不足")}, stored_values(sheet)))
    page = logged_in(world.users["evaluator"]).get(world.url("assessment_detail")).content.decode()
    assert 'id="assessment-locked"' in page
    assert 'id="locked-notice"' in page
    assert "已审核" in page


def test_the_history_shows_every_step_with_actor_old_new_and_reason(outline):
    """Done-when: return it with a reason, then approve; locked; every step in the history."""
    world = build_world(outline)
    approver, admin = logged_in(world.users["approver"]), logged_in(world.users["admin"])
    approver.post(world.url("assessment_return"), {"reason": "1.1 的扣分理由不清楚"})
    fill(world.sheets[0], world.users["evaluator"], {"1.1": 2}, reason="集体学习缺一次记录")
    for sheet, name in zip(world.sheets, ("evaluator", "second"), strict=True):
        sheet_submit(sheet=Sheet.objects.get(pk=sheet.pk), user=world.users[name])
    assert approver.post(world.url("assessment_approve")).status_code == 302
    admin.post(world.url("assessment_reopen"), {"reason": "区委要求复查"})

    steps = list(
        AuditEvent.objects.filter(assessment=world.assessment, action=AuditAction.STATE, sheet__isnull=True)
        .order_by("id").values_list("actor__username", "old", "new", "note")
    )
    assert steps == [
        ("eva2", "考评中", "待审核", ""),
        ("apv", "待审核", "已退回", "1.1 的扣分理由不清楚"),
        ("eva2", "已退回", "待审核", ""),
        ("apv", "待审核", "已审核", ""),
        ("adm", "已审核", "已退回", "区委要求复查"),
    ]
    response = admin.get(world.url("assessment_detail"))
    html = response.content.decode()
    for text in ("孙审核", "周管理", "1.1 的扣分理由不清楚", "区委要求复查", "集体学习缺一次记录", "状态变更", "修改得分"):
        assert text in html
    score_change = next(e for e in response.context["events"] if e.action == AuditAction.SCORE)
    assert (score_change.item.number, score_change.old, score_change.new) == ("1.1", "3", "2")


def test_returning_then_approving_is_announced_and_the_reason_shown(outline):
    world = build_world(outline)
    client = logged_in(world.users["approver"])
    returned = client.post(world.url("assessment_return"), {"reason": "请补充佐证材料"}, follow=True)
    html = returned.content.decode()
    assert "已退回考评员修改。" in html
    assert 'id="returned-reason"' in html
    assert "请补充佐证材料" in html
    submit_all(world, outline)
    approved = client.post(world.url("assessment_approve"), follow=True).content.decode()
    assert "已审核通过，考评结果已锁定。" in approved
    assert 'id="returned-reason"' not in approved


# --- the services' own guards, asked directly rather than through the pages -------------------

def _state_steps(world: AssessmentWorld) -> list[tuple[str, str, str]]:
    return list(
        AuditEvent.objects.filter(assessment=world.assessment, action=AuditAction.STATE, sheet__isnull=True)
        .order_by("id").values_list("actor__username", "old", "new")
    )


def _approved(outline, **round_fields) -> AssessmentWorld:
    world = build_world(outline, **round_fields)
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    world.refresh()
    return world


def test_the_service_reopens_only_what_is_approved(outline):
    world = build_world(outline)
    before = _state_steps(world)
    with pytest.raises(WorkflowError) as refused:
        assessment_reopen(assessment=world.assessment, user=world.users["admin"], reason="区委要求复查")
    assert refused.value.code == "not_approved"
    assert world.refresh().state == AssessmentState.SUBMITTED
    assert _state_steps(world) == before


@pytest.mark.parametrize("role", ["evaluator", "reporter", "analyst", "approver", "outsider"])
def test_the_service_lets_only_admins_reopen(outline, role):
    world = _approved(outline)
    with pytest.raises(PermissionDenied):
        assessment_reopen(assessment=world.assessment, user=world.users[role], reason="区委要求复查")
    assert world.refresh().state == AssessmentState.APPROVED


def test_the_service_reopens_nothing_in_a_closed_round(outline):
    world = _approved(outline)
    round_close(round=world.round, user=world.users["admin"])
    with pytest.raises(LockedError):
        assessment_reopen(assessment=world.assessment, user=world.users["admin"], reason="区委要求复查")
    assert world.refresh().state == AssessmentState.APPROVED


@pytest.mark.parametrize("service", [assessment_reopen, assessment_return])
def test_the_service_asks_a_reason_to_reopen_or_return(outline, service):
    world = _approved(outline) if service is assessment_reopen else build_world(outline)
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


# --- the steps offered: allowed_steps for every role in every state -----------------------------

STATES = ["draft", "submitted", "returned", "approved", "closed"]
SHEETS = {"self": "reporter", "review": "evaluator", "second review": "second"}


def _in_state(outline, state: str) -> AssessmentWorld:
    """The world of this module with every sheet complete (the unit's too), brought to `state`."""
    world = build_world(outline, submitted=False)
    own = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    for sheet, name in [(own, "reporter"), *zip(world.sheets, ("evaluator", "second"), strict=True)]:
        fill(sheet, world.users[name], full_marks(outline))
    if state != "draft":
        submit_all(world, outline)
    if state == "returned":
        assessment_return(assessment=world.assessment, user=world.users["approver"], reason="请补充")
    if state == "approved":
        assessment_approve(assessment=world.assessment, user=world.users["approver"])
    if state == "closed":
        round_close(round=world.round, user=world.users["admin"])
    world.refresh()
    return world


def _expected(role: str, state: str) -> set[Step]:
    if role in ("approver", "admin") and state == "submitted":
        return {Step.RETURN, Step.APPROVE}
    if role == "admin" and state == "approved":
        return {Step.REOPEN}
    return set()


def _expected_on_sheet(role: str, state: str, sheet: str) -> set[Step]:
    # The unit's sheet is never submitted here; the evaluators' are, from "submitted" on.
    open_states = {"draft", "submitted", "returned"} if sheet == "self" else {"draft", "returned"}
    return {Step.SAVE, Step.SUBMIT} if SHEETS[sheet] == role and state in open_states else set()


def _sheet(world: AssessmentWorld, name: str) -> Sheet:
    if name == "self":
        sheet = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    else:
        sheet = Sheet.objects.get(pk=world.sheets[0 if name == "review" else 1].pk)
    sheet.assessment = world.assessment
    return sheet


def _cases(world: AssessmentWorld) -> Iterator[tuple[str, str | None, Sheet | None]]:
    """Every role, on the assessment (no sheet) and on each of its sheets."""
    for role in [*ROLES, "second"]:
        yield role, None, None
        for name in SHEETS:
            yield role, name, _sheet(world, name)


@pytest.mark.parametrize("state", STATES)
def test_allowed_steps_are_the_steps_of_each_role_in_each_state(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        expected = _expected(role, state) if name is None else _expected_on_sheet(role, state, name)
        assert allowed_steps(world.users[role], world.assessment, sheet) == expected, (role, state, name)


class _Undo(Exception):
    """Raised inside a step taken only to see whether its service accepts it."""


def _take(world: AssessmentWorld, step: Step, user: Any, sheet: Sheet | None) -> None:
    if step == Step.RETURN:
        assessment_return(assessment=world.assessment, user=user, reason="请补充")
    elif step == Step.APPROVE:
        assessment_approve(assessment=world.assessment, user=user)
    elif step == Step.REOPEN:
        assessment_reopen(assessment=world.assessment, user=user, reason="复查")
    elif sheet is None:
        raise AssertionError(f"{step} is taken on a sheet")
    elif step == Step.SUBMIT:
        sheet_submit(sheet=sheet, user=user)
    else:
        item = world.round.indicator_system.items.get(number="1.1")
        sheet_save(sheet=sheet, user=user, edits=edits_from({item.pk: Entry(Decimal("1"), "不足")}, stored_values(sheet)))


def _service_accepts(world: AssessmentWorld, step: Step, user: Any, sheet: Sheet | None) -> bool:
    try:
        with transaction.atomic():
            _take(world, step, user, sheet)
            raise _Undo
    except _Undo:
        return True
    except (PermissionDenied, ValidationError):
        return False


@pytest.mark.parametrize("state", STATES)
def test_the_services_accept_exactly_the_allowed_steps(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        user = world.users[role]
        offered = allowed_steps(user, world.assessment, sheet)
        for step in ASSESSMENT_STEPS if sheet is None else SHEET_STEPS:
            assert _service_accepts(world, step, user, sheet) == (step in offered), (role, state, step, name)


@pytest.mark.parametrize("state", STATES)
def test_the_filters_of_lists_select_exactly_what_the_steps_allow(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        user = world.users[role]
        if sheet is None:
            listed = Assessment.objects.filter(approvable_by(user), pk=world.assessment.pk).exists()
            assert listed == (Step.APPROVE in allowed_steps(user, world.assessment)), (role, state)
        else:
            listed = Sheet.objects.filter(sheets_editable_by(user), pk=sheet.pk).exists()
            assert listed == (Step.SAVE in allowed_steps(user, world.assessment, sheet)), (role, state, name)


@pytest.mark.parametrize("state", STATES)
def test_evidence_changes_with_the_unit_s_own_sheet(outline, state):
    world = _in_state(outline, state)
    own = _sheet(world, "self")
    for role in [*ROLES, "second"]:
        user = world.users[role]
        expected = Step.SAVE in allowed_steps(user, world.assessment, own)
        assert can_change_evidence(user, world.assessment) == expected, (role, state)
        assert can_change_evidence(user, world.assessment, own) == expected, (role, state)


def test_an_assessment_the_approver_scored_is_not_listed_as_theirs_to_approve(outline):
    world = scored_by_the_approver(outline)
    approver = world.users["approver"]
    assert not Assessment.objects.filter(approvable_by(approver)).exists()
    assert Assessment.objects.filter(approvable_by(world.users["admin"])).get() == world.assessment


# --- the moves a change of evaluators brings, recorded like every other step --------------------

def test_a_new_evaluator_sends_a_waiting_assessment_back_to_scoring_in_the_history(outline):
    world = build_world(outline)
    third = user_with_role(Role.EVALUATOR, username="eva3")
    assign(world.round, world.unit, third, user=world.users["admin"])
    assessment = world.refresh()
    assert (assessment.state, assessment.submitted_at) == (AssessmentState.DRAFT, None)
    assert _state_steps(world)[-1] == ("adm", "待审核", "考评中")


def test_a_new_evaluator_of_an_assessment_still_being_scored_changes_no_state(outline):
    world = build_world(outline, submitted=False)
    before = _state_steps(world)
    assign(world.round, world.unit, user_with_role(Role.EVALUATOR), user=world.users["admin"])
    assert world.refresh().state == AssessmentState.DRAFT
    assert _state_steps(world) == before


def test_taking_off_the_last_evaluator_to_submit_puts_it_up_for_approval_in_the_history(outline):
    world = build_world(outline, submitted=False)
    fill(world.sheets[0], world.users["evaluator"], full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=world.sheets[0].pk), user=world.users["evaluator"])
    assert world.refresh().state == AssessmentState.DRAFT
    sheet_unassign(sheet=world.sheets[1], user=world.users["admin"])
    assessment = world.refresh()
    assert assessment.state == AssessmentState.SUBMITTED
    assert assessment.submitted_at is not None
    assert _state_steps(world)[-1] == ("adm", "考评中", "待审核")
    assert allowed_steps(world.users["approver"], assessment) == {Step.RETURN, Step.APPROVE}


def test_taking_off_an_evaluator_while_others_still_score_changes_no_state(outline):
    world = build_world(outline, submitted=False)
    idle = assign(world.round, world.unit, user_with_role(Role.EVALUATOR))
    before = _state_steps(world)
    sheet_unassign(sheet=idle, user=world.users["admin"])
    assert world.refresh().state == AssessmentState.DRAFT
    assert _state_steps(world) == before


def test_taking_off_an_idle_evaluator_leaves_an_approved_assessment_approved(outline):
    world = _approved(outline)
    # The service assigns even where the admins' page would skip the approved assessment.
    idle = assign(world.round, world.unit, user_with_role(Role.EVALUATOR))
    sheet_unassign(sheet=idle, user=world.users["admin"])
    assert world.refresh().state == AssessmentState.APPROVED
    assert _state_steps(world)[-1] == ("apv", "待审核", "已审核")
