"""The assessment page: merged result and method, self beside review, flags for the approver,
the sheets, the history, what the unit may not see, and a query count that does not grow."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, AssessmentState, MergeMethod, Sheet, SheetKind
from assessments.services import assessment_approve, round_assign, sheet_submit
from orgs.models import Organization, Role
from tests.factories import build_tree, fill, full_marks, make_round, user_with_role
from tests.worlds import build_world, logged_in

pytestmark = pytest.mark.django_db


def row_of(html: str, number: str) -> str:
    match = re.search(rf'<tr class="([^"]*)" data-item="{re.escape(number)}">(.*?)</tr>', html, re.S)
    assert match, number
    return match.group(0)


def split_scores(outline, world, *, second: dict) -> None:
    """The lead gives full marks; the second evaluator the scores given, full marks elsewhere."""
    for sheet, name, extra in zip(world.sheets, ("evaluator", "second"), ({}, second), strict=True):
        user = world.users[name]
        fill(sheet, user, {**full_marks(outline), **extra}, reason="会议记录不全")
        sheet_submit(sheet=Sheet.objects.get(pk=sheet.pk), user=user)
    world.refresh()


@pytest.mark.parametrize(
    ("method", "label", "total"),
    [(MergeMethod.MEAN, "各考评员平均分", "99"), (MergeMethod.MEDIAN, "各考评员中位数", "99"),
     (MergeMethod.LEAD, "主考评员评分", "100")],
)
def test_it_shows_the_merged_total_out_of_the_maximum_with_the_method(outline, method, label, total):
    world = build_world(outline, submitted=False, merge_method=method)
    split_scores(outline, world, second={"1.1": 1})
    html = logged_in(world.users["analyst"]).get(world.url("assessment_detail")).content.decode()
    assert f"合成方式：{label}" in html
    merged = re.search(r'id="merged-total">(.*?)</dd>', html, re.S).group(1)
    assert f"<strong class=\"fs-5\">{total}</strong> / 100" in merged


def test_it_puts_self_and_every_evaluator_beside_the_merged_score_and_marks_differences(outline):
    world = build_world(outline, submitted=False)
    self_sheet = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    fill(self_sheet, world.users["reporter"], full_marks(outline))
    split_scores(outline, world, second={"1.1": 1, "1.2": 1})
    response = logged_in(world.users["analyst"]).get(world.url("assessment_detail"))
    html = response.content.decode()
    for header in ("考评项目", "子项目", "分值", "自评", "各考评员得分", "合成得分"):
        assert f">{header}</th>" in html
    assert "张考评" in html
    assert "李考评" in html
    first = row_of(html, "1.1")
    assert "differs" in first
    assert [c.strip() for c in re.findall(r'<td class="cap">([^<]*)', first)] == ["3", "3", "3", "1", "2"]
    assert "(-1)" in first
    assert "differs" not in row_of(html, "1.3")
    assert re.search(r'id="self-total">100 / 100', html)
    categories = re.search(r'id="category-results">(.*?)</table>', html, re.S).group(1)
    assert '<td class="cap">8.5</td>' in categories
    assert '<td class="cap">98.5</td>' in categories


def test_it_flags_disagreements_beyond_the_threshold_for_approvers_and_analysts(outline):
    world = build_world(outline, submitted=False, threshold="1")
    split_scores(outline, world, second={"1.1": 1, "1.2": 1})  # spreads 2 and 1
    approver = logged_in(world.users["approver"]).get(world.url("assessment_detail")).content.decode()
    assert "flagged" in row_of(approver, "1.1")
    assert "分歧" in row_of(approver, "1.1")
    assert "flagged" not in row_of(approver, "1.2")
    assert 'id="flag-summary"' in approver
    assert "有 1 个子项目" in approver
    analyst = logged_in(world.users["analyst"]).get(world.url("assessment_detail")).content.decode()
    assert "flagged" in row_of(analyst, "1.1")
    evaluator = logged_in(world.users["evaluator"]).get(world.url("assessment_detail")).content.decode()
    assert "flagged" not in row_of(evaluator, "1.1")
    assert 'id="flag-summary"' not in evaluator


def test_it_lists_every_sheet_with_evaluator_lead_progress_and_a_link(outline):
    world = build_world(outline, submitted=False)
    fill(world.sheets[1], world.users["second"], {"1.1": 3, "1.2": 2})
    html = logged_in(world.users["admin"]).get(world.url("assessment_detail")).content.decode()
    sheets = re.search(r'id="sheets">(.*?)</table>', html, re.S).group(1)
    for sheet in Sheet.objects.filter(assessment=world.assessment):
        assert reverse("assessments:sheet", args=[world.assessment.pk, sheet.pk]) in sheets
    assert "主考评员" in sheets
    assert "已评 2/32" in sheets
    assert "已评 0/32" in sheets
    assert reverse("orgs:detail", args=[world.unit.code]) in html


def test_the_unit_sees_its_assessment_without_the_evaluators_until_approved(outline):
    world = build_world(outline, submitted=False)
    split_scores(outline, world, second={"1.1": 1})
    client = logged_in(world.users["reporter"])
    html = client.get(world.url("assessment_detail")).content.decode()
    assert "审核通过后公布" in html
    # Neither what the evaluators scored nor who they are, in the table or in the history.
    assert "张考评" not in html
    assert "李考评" not in html
    assert "会议记录不全" not in html
    assert "(-" not in html
    assert "考评中" in html
    assert "待审核" in html
    assert ">各考评员得分</th>" not in html
    assert ">合成得分</th>" not in html
    for sheet in world.sheets:
        assert reverse("assessments:sheet", args=[world.assessment.pk, sheet.pk]) not in html
    assert 'id="workflow-actions"' not in html

    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    html = client.get(world.url("assessment_detail")).content.decode()
    assert "<strong class=\"fs-5\">99</strong> / 100" in html
    assert ">合成得分</th>" in html
    assert "李考评" not in html
    assert "会议记录不全" not in html


def test_it_shows_the_return_form_to_approvers_and_the_reopen_form_to_admins(outline):
    world = build_world(outline)
    for role, shown in [("approver", True), ("admin", True), ("evaluator", False), ("analyst", False)]:
        html = logged_in(world.users[role]).get(world.url("assessment_detail")).content.decode()
        assert ('id="return-form"' in html) is shown, role
        assert ('id="approve-form"' in html) is shown, role
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    admin = logged_in(world.users["admin"]).get(world.url("assessment_detail")).content.decode()
    approver = logged_in(world.users["approver"]).get(world.url("assessment_detail")).content.decode()
    assert 'id="reopen-form"' in admin
    assert 'id="return-form"' not in admin
    assert 'id="reopen-form"' not in approver
    assert 'id="workflow-actions"' not in approver


@pytest.mark.parametrize("role", ["evaluator", "second", "reporter", "analyst", "approver", "admin"])
def test_everyone_in_scope_opens_the_page(outline, role):
    world = build_world(outline, submitted=False)
    assert logged_in(world.users[role]).get(world.url("assessment_detail")).status_code == 200


@pytest.mark.parametrize("name", ["assessment_detail", "assessment_approve", "assessment_return", "assessment_reopen"])
def test_an_outsider_gets_404_on_every_url(outline, name):
    world = build_world(outline)
    client = logged_in(world.users["outsider"])
    url = world.url(name)
    response = client.get(url) if name == "assessment_detail" else client.post(url, {"reason": "x"})
    assert response.status_code == 404
    assert world.refresh().state == AssessmentState.SUBMITTED


def test_an_anonymous_visitor_is_sent_to_log_in(outline, client):
    world = build_world(outline, submitted=False)
    response = client.get(world.url("assessment_detail"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_missing_assessment_is_404(admin_client, outline):
    assert admin_client.get(reverse("assessments:assessment_detail", args=[999])).status_code == 404


def test_the_history_is_paginated(outline):
    world = build_world(outline, submitted=False)
    fill(world.sheets[0], world.users["evaluator"], full_marks(outline))  # 32 score rows
    fill(world.sheets[1], world.users["second"], {**full_marks(outline), "1.1": 1})  # 33 more
    client = logged_in(world.users["admin"])
    first = client.get(world.url("assessment_detail"))
    assert len(first.context["events"]) == 50
    assert first.context["events"].paginator.num_pages == 2
    assert "第 1 / 2 页" in first.content.decode()
    # Also from a form re-rendered under its own URL, the pages link back to the assessment page.
    refused = client.post(world.url("assessment_reopen"), {"reason": ""})
    assert refused.status_code == 400
    assert f'href="{world.url("assessment_detail")}?page=2#history"' in refused.content.decode()
    second = client.get(world.url("assessment_detail"), {"page": 2})
    assert second.context["events"].number == 2
    # Newest first: the assignments are the oldest steps.
    assert second.context["events"][len(second.context["events"]) - 1].action == "assignment"


def _round_of(outline, *, prefix: str, units: int, evaluators: int) -> Assessment:
    """A round of `units` assessments, each scored by `evaluators`; returns the first, filled."""
    root = build_tree(districts=1, branches_per_district=units, prefix=prefix)
    round = make_round(outline, title=f"批次{prefix}", approvers=[user_with_role(Role.EVALUATOR)])
    branches = Organization.objects.filter(path__startswith=root.path, depth=3)
    people = [user_with_role(Role.EVALUATOR) for _ in range(evaluators)]
    for index, person in enumerate(people):
        round_assign(round=round, organizations=branches, evaluator=person, lead=index == 0, user=None)
    first = Assessment.objects.filter(round=round).order_by("pk").first()
    for person in people:
        fill(Sheet.objects.get(assessment=first, evaluator=person), person, full_marks(outline))
    return first


@pytest.mark.parametrize("role", [Role.ADMIN, Role.REPORTER])
def test_the_page_costs_the_same_queries_whatever_the_size(outline, role):
    small = _round_of(outline, prefix="S", units=3, evaluators=1)
    large = _round_of(outline, prefix="L", units=30, evaluators=3)
    counts = []
    for assessment in (small, large):
        viewer = user_with_role(role, assessment.organization if role == Role.REPORTER else None)
        client = logged_in(viewer)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("assessments:assessment_detail", args=[assessment.pk]))
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 20


def test_it_prints_points_without_a_trailing_zero(outline):
    world = build_world(outline, submitted=False)
    split_scores(outline, world, second={"1.1": 2})
    html = logged_in(world.users["admin"]).get(world.url("assessment_detail")).content.decode()
    figures = re.findall(r'<td class="cap">([^<]*)</td>', html)
    assert figures
    assert not [f for f in figures if f.strip().endswith(".0")]
    assert "2.5" in figures


def test_it_prints_a_merged_mean_to_the_cent(outline):
    world = build_world(outline, submitted=False)
    split_scores(outline, world, second={"2.2": "0.5"})
    assert Assessment.objects.get(pk=world.assessment.pk).total == Decimal("99.75")
    html = logged_in(world.users["admin"]).get(world.url("assessment_detail")).content.decode()
    assert "<strong class=\"fs-5\">99.75</strong>" in html

