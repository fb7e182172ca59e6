"""Approve, return and reopen through the assessment page: who may take each step, and what
every refusal leaves behind (nothing changed, a Chinese message, a 403 or a 404)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.entries import Entry
from assessments.models import (
    AssessmentState,
    AuditAction,
    AuditEvent,
    LockedError,
    Sheet,
    SheetState,
)
from assessments.services import (
    assessment_approve,
    edits_from,
    round_close,
    sheet_save,
    sheet_submit,
    stored_values,
)
from tests.factories import fill
from tests.worlds import (
    WORKFLOW_ROLES,
    build_world,
    logged_in,
    scored_by_the_approver,
    submit_all,
)

pytestmark = pytest.mark.django_db


REFUSED = {"evaluator": 403, "reporter": 403, "analyst": 403, "outsider": 404}


@pytest.mark.parametrize("role", WORKFLOW_ROLES)
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


@pytest.mark.parametrize("role", WORKFLOW_ROLES)
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


@pytest.mark.parametrize("role", WORKFLOW_ROLES)
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
