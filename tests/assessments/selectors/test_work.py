"""The start page “我的工作”: what waits for each user, counted, dated and linked."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, AssessmentState, Sheet, SheetKind
from assessments.selectors.work import APPROVE, LIMIT, RETURNED, REVIEW_FILL, REVIEW_SUBMIT, SELF_FILL, SELF_SUBMIT
from assessments.services import assessment_approve, assessment_return, round_assign, round_close, sheet_submit
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, assign, build_tree, fill, full_marks, make_round, user_with_role
from tests.worlds import build_world, logged_in, submit_all

pytestmark = pytest.mark.django_db


def groups_of(client) -> dict:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return {group.key: group for group in response.context["work"]}


def section(html: str, key: str) -> str:
    match = re.search(rf'id="work-{key}">(.*?)\n  </div>\n', html, re.S)
    assert match, key
    return match.group(1)


def test_an_evaluator_sees_sheets_to_fill_to_submit_and_returned(outline):
    world = build_world(outline, submitted=False)
    evaluator = world.users["evaluator"]
    other_units = [OrganizationFactory(name=f"另一支部{n}") for n in range(3)]
    untouched = assign(world.round, other_units[0], evaluator)
    complete = assign(world.round, other_units[1], evaluator)
    fill(complete, evaluator, full_marks(outline))
    partly = assign(world.round, other_units[2], evaluator)
    fill(partly, evaluator, {"1.1": 3})
    # The world's unit: both evaluators submit, the approver returns it.
    submit_all(world, outline)
    assessment_return(assessment=world.assessment, user=world.users["approver"], reason="请补充 3.2 的佐证")

    client = logged_in(evaluator)
    groups = groups_of(client)
    assert [s.pk for s in groups[REVIEW_FILL].rows] == sorted([untouched.pk, partly.pk])
    assert [s.pk for s in groups[REVIEW_SUBMIT].rows] == [complete.pk]
    assert [s.pk for s in groups[RETURNED].rows] == [world.sheets[0].pk]
    assert (groups[REVIEW_FILL].count, groups[REVIEW_SUBMIT].count, groups[RETURNED].count) == (2, 1, 1)
    assert SELF_FILL not in groups
    assert APPROVE not in groups

    html = client.get(reverse("home")).content.decode()
    returned = section(html, RETURNED)
    assert "请补充 3.2 的佐证" in returned
    assert reverse("assessments:sheet", args=[world.assessment.pk, world.sheets[0].pk]) in returned
    fill_section = section(html, REVIEW_FILL)
    assert "已评 1/32" in fill_section
    assert "已评 0/32" in fill_section
    assert "截止 2026-12-31" in fill_section
    assert "最近截止：2026-12-31" in fill_section
    assert "我的工作" in html


def test_submitted_approved_and_closed_work_no_longer_waits(outline):
    world = build_world(outline)
    client = logged_in(world.users["evaluator"])
    assert all(group.count == 0 for group in groups_of(client).values())
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    later = assign(make_round(outline, year=2027), OrganizationFactory(), world.users["evaluator"])
    round_close(round=later.assessment.round, user=None)
    assert all(group.count == 0 for group in groups_of(client).values())


def test_a_reporter_sees_the_self_assessment_to_fill_then_to_submit(outline):
    world = build_world(outline, submitted=False)
    reporter = world.users["reporter"]
    client = logged_in(reporter)
    self_sheet = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    groups = groups_of(client)
    assert [s.pk for s in groups[SELF_FILL].rows] == [self_sheet.pk]
    assert groups[SELF_SUBMIT].count == 0
    assert REVIEW_FILL not in groups
    assert APPROVE not in groups
    html = client.get(reverse("home")).content.decode()
    assert reverse("assessments:sheet", args=[world.assessment.pk, self_sheet.pk]) in section(html, SELF_FILL)

    fill(self_sheet, reporter, full_marks(outline))
    groups = groups_of(client)
    assert groups[SELF_FILL].count == 0
    assert [s.pk for s in groups[SELF_SUBMIT].rows] == [self_sheet.pk]


@pytest.mark.parametrize(("role", "waits"), [("approver", True), ("admin", True), ("analyst", False)])
def test_approvers_see_what_waits_for_their_approval(outline, role, waits):
    world = build_world(outline)
    groups = groups_of(logged_in(world.users[role]))
    if waits:
        assert [a.pk for a in groups[APPROVE].rows] == [world.assessment.pk]
        html = logged_in(world.users[role]).get(reverse("home")).content.decode()
        assert reverse("assessments:assessment_detail", args=[world.assessment.pk]) in section(html, APPROVE)
    else:
        assert APPROVE not in groups


def test_an_approver_is_not_asked_to_approve_other_rounds_or_what_they_scored(outline):
    world = build_world(outline, submitted=False)
    approver = world.users["approver"]
    other_round = make_round(outline, title="另一批次")  # approved by admins only
    unit = OrganizationFactory()
    sheet = assign(other_round, unit, world.users["second"])
    fill(sheet, world.users["second"], full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=sheet.pk), user=world.users["second"])
    own = assign(world.round, world.unit, approver)
    fill(own, approver, full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=own.pk), user=approver)
    submit_all(world, outline)
    assert world.assessment.state == AssessmentState.SUBMITTED
    assert groups_of(logged_in(approver)).get(APPROVE) is None
    admin_groups = groups_of(logged_in(world.users["admin"]))
    assert sorted(a.pk for a in admin_groups[APPROVE].rows) == sorted([world.assessment.pk, sheet.assessment_id])


def test_a_user_without_work_is_told_so_and_keeps_the_outline_card(outline):
    world = build_world(outline, submitted=False)
    html = logged_in(world.users["outsider"]).get(reverse("home")).content.decode()
    assert "目前没有等待您处理的工作。" in html
    assert "查看指标体系大纲" in html
    assert "您的角色：" in html


def test_a_past_deadline_is_shown_in_red(outline):
    evaluator = user_with_role(Role.EVALUATOR)
    assign(make_round(outline, year=2020), OrganizationFactory(), evaluator)
    html = logged_in(evaluator).get(reverse("home")).content.decode()
    assert re.search(r'text-danger[^"]*">最近截止：2020-12-31', section(html, REVIEW_FILL))


def _evaluator_with(outline, *, prefix: str, units: int):
    root = build_tree(districts=1, branches_per_district=units, prefix=prefix)
    round = make_round(outline, title=f"批次{prefix}")
    evaluator = user_with_role(Role.EVALUATOR)
    round_assign(round=round, organizations=Organization.objects.filter(path__startswith=root.path, depth=3),
                 evaluator=evaluator, user=None)
    return evaluator, round


def test_it_lists_the_first_few_and_counts_them_all(outline):
    evaluator, _ = _evaluator_with(outline, prefix="M", units=LIMIT + 5)
    client = logged_in(evaluator)
    group = groups_of(client)[REVIEW_FILL]
    assert (group.count, len(group.rows), group.more) == (LIMIT + 5, LIMIT, 5)
    html = client.get(reverse("home")).content.decode()
    assert "另有 5 项未列出" in html
    assert f'work-count">{LIMIT + 5}</span>' in html


@pytest.mark.parametrize("who", ["evaluator", "admin"])
def test_the_start_page_costs_the_same_queries_whatever_the_size(outline, who):
    counts = []
    for prefix, units in (("S", 3), ("L", 30)):
        evaluator, round = _evaluator_with(outline, prefix=prefix, units=units)
        viewer = evaluator
        if who == "admin":
            viewer = user_with_role(Role.ADMIN)
            # Only the list is measured here; how an assessment gets submitted is tested elsewhere.
            Assessment.objects.filter(round=round).update(state=AssessmentState.SUBMITTED)
        client = logged_in(viewer)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("home"))
        assert response.status_code == 200
        rows = {g.key: g.count for g in response.context["work"]}
        assert rows[REVIEW_FILL if who == "evaluator" else APPROVE] == units
        counts.append(len(queries))
        round_close(round=round, user=None)  # keep the next size's page about its own round
    assert counts[0] == counts[1]
    # Session, user and grants; the current edition (no permission lookup) and the user's grants
    # listed; the items per edition, the sheets and the approvals; the recent background jobs.
    assert counts[0] <= 9


def test_an_evaluator_before_any_round_sees_empty_groups(db):
    client = logged_in(user_with_role(Role.EVALUATOR))
    groups = groups_of(client)
    assert set(groups) == {REVIEW_FILL, REVIEW_SUBMIT, RETURNED}
    assert all(group.count == 0 and group.next_deadline is None for group in groups.values())
    assert "暂无。" in client.get(reverse("home")).content.decode()
