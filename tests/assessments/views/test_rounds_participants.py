"""Round participants and assignments, and what the round pages cost in queries."""

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Assessment, MergeMethod, Round, Sheet, SheetKind
from assessments.services import round_assign, round_close
from orgs.models import Organization, Role
from tests.factories import (
    RoleGrantFactory,
    UserFactory,
    assign,
    build_tree,
    fill,
    make_round,
    user_with_role,
)
from tests.worlds import (
    ADMIN,
    ANALYST,
    EVALUATOR,
    RoundWorld,
    logged_in,
    message_texts,
    round_world,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline) -> RoundWorld:
    return round_world(outline)


# --- participants and assignments -----------------------------------------------------------


def test_an_admin_adds_one_organization_or_a_whole_subtree(world):
    client = world.client(ADMIN)
    client.post(world.url("round_participants"), {"action": "add", "add-organization_code": "BD001B0001"})
    Organization.objects.filter(code="BD001B0002").update(is_active=False)
    response = client.post(world.url("round_participants"), {
        "action": "add", "add-organization_code": "BD001", "add-include_subtree": "on",
    }, follow=True)
    codes = set(Assessment.objects.filter(round=world.round).values_list("organization__code", flat=True))
    assert codes == {"BD000B0000", "BD000B0001", "BD001B0000", "BD001B0001", "BD001"}
    assert "已将 1 个党组织加入本批次。" in message_texts(response)


def test_an_unknown_code_is_told_next_to_the_field_and_kept(world):
    response = world.client(ADMIN).post(world.url("round_participants"), {
        "action": "add", "add-organization_code": "NOPE", "add-include_subtree": "on",
    })
    assert response.context["add_form"].errors["organization_code"] == ["党组织编码“NOPE”不存在，请检查后重新输入。"]
    assert 'value="NOPE"' in response.content.decode()


def test_a_subtree_assignment_gives_each_active_organization_one_review_sheet(world):
    Organization.objects.filter(code="BD001B0002").update(is_active=False)
    response = world.client(ADMIN).post(world.url("round_participants"), {
        "action": "assign", "assign-evaluator": "eva", "assign-organization_code": "BD001",
        "assign-include_subtree": "on", "assign-lead": "on",
    }, follow=True)
    sheets = Sheet.objects.filter(assessment__round=world.round, evaluator=world.users[EVALUATOR],
                                  assessment__organization__code__startswith="BD001")
    assert sorted(sheets.values_list("assessment__organization__code", "is_lead")) == [
        ("BD001", True), ("BD001B0000", True), ("BD001B0001", True)
    ]
    assert "考评员“张考评”：新分配 3 个党组织，设为主考评员 3 个。" in message_texts(response)


def test_only_evaluators_can_be_assigned(world):
    response = world.client(ADMIN).post(world.url("round_participants"), {
        "action": "assign", "assign-evaluator": "apv", "assign-organization_code": "BD001B0001",
    })
    assert response.context["assign_form"].errors["evaluator"] == ["用户“apv”没有考评员角色，请先在用户管理中授予。"]
    assert 'value="BD001B0001"' in response.content.decode()
    assert not Assessment.objects.filter(round=world.round, organization__code="BD001B0001").exists()


def test_the_pick_list_offers_the_evaluators(world):
    html = world.client(ADMIN).get(world.url("round_participants")).content.decode()
    assert '<option value="eva">张考评</option>' in html
    assert '<option value="apv">' not in html


def test_a_sheet_without_scores_can_be_unassigned_but_not_once_scored(world):
    client = world.client(ADMIN)
    idle = Sheet.objects.get(assessment__organization__code="BD000B0001", evaluator=world.users["evaluator2"])
    client.post(world.url("round_participants"), {"action": "unassign", "sheet": idle.pk})
    assert not Sheet.objects.filter(pk=idle.pk).exists()

    busy = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users[EVALUATOR])
    fill(busy, world.users[EVALUATOR], {"1.1": 3})
    response = client.post(world.url("round_participants"), {"action": "unassign", "sheet": busy.pk}, follow=True)
    assert "该考评员已经开始评分，不能移除。" in message_texts(response)
    assert Sheet.objects.filter(pk=busy.pk).exists()


def test_a_sheet_of_another_round_is_404(world, outline):
    other = make_round(outline, title="另一批次")
    sheet = assign(other, Organization.objects.get(code="BD001B0002"), world.users[EVALUATOR])
    response = world.client(ADMIN).post(world.url("round_participants"), {"action": "unassign", "sheet": sheet.pk})
    assert response.status_code == 404
    assert Sheet.objects.filter(pk=sheet.pk).exists()


def test_an_admin_changes_the_lead(world):
    second = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users["evaluator2"])
    world.client(ADMIN).post(world.url("round_participants"), {"action": "lead", "sheet": second.pk})
    leads = Sheet.objects.filter(assessment__organization__code="BD000B0000", is_lead=True)
    assert list(leads.values_list("evaluator__username", flat=True)) == ["eva2"]


def test_an_organization_without_work_can_be_taken_out(world):
    client = world.client(ADMIN)
    empty = Assessment.objects.get(round=world.round, organization__code="BD001B0000")
    client.post(world.url("round_participants"), {"action": "remove", "assessment": empty.pk})
    assert not Assessment.objects.filter(pk=empty.pk).exists()
    scored = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users[EVALUATOR])
    fill(scored, world.users[EVALUATOR], {"1.1": 3})
    response = client.post(world.url("round_participants"), {"action": "remove", "assessment": scored.assessment_id},
                           follow=True)
    assert "该党组织已有评分、佐证材料或已提交，不能移出本批次。" in message_texts(response)


def test_an_unknown_action_is_400(world):
    assert world.client(ADMIN).post(world.url("round_participants"), {"action": "drop"}).status_code == 400


# --- query counts -------------------------------------------------------------------------


def _round_of(outline, prefix: str, size: int, evaluators: list[Any]) -> Round:
    """A round whose participants are a district of `size` branches, each with every evaluator."""
    build_tree(districts=1, branches_per_district=size, prefix=prefix)
    round = make_round(outline, title=f"批次{prefix}")
    district = Organization.objects.get(code=f"{prefix}D000")
    branches = Organization.objects.filter(path__startswith=district.path).exclude(pk=district.pk)
    for n, evaluator in enumerate(evaluators):
        round_assign(round=round, organizations=branches, evaluator=evaluator, lead=n == 0, user=None)
    for sheet in Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW).order_by("id")[:4]:
        fill(sheet, sheet.evaluator, {"1.1": 1 + sheet.evaluator_id % 3, "1.2": 2})
    return round


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("who", [ADMIN, ANALYST, EVALUATOR])
def test_the_round_detail_costs_the_same_at_5_and_60_participants(outline, who, django_assert_num_queries):
    evaluators = [user_with_role(Role.EVALUATOR), user_with_role(Role.EVALUATOR)]
    small, large = _round_of(outline, "S", 5, evaluators), _round_of(outline, "L", 60, evaluators)
    if who == ADMIN:
        viewer = user_with_role(Role.ADMIN)
    elif who == EVALUATOR:
        viewer = evaluators[1]  # the evaluator's own list of units, with their sheets' links
    else:
        viewer = UserFactory()
        for prefix in ("S", "L"):
            RoleGrantFactory(user=viewer, role=Role.ANALYST, organization=Organization.objects.get(code=f"{prefix}D000"))
    client = logged_in(viewer)
    expected = _queries(client, reverse("assessments:round_detail", args=[small.pk]))
    assert expected <= 12
    with django_assert_num_queries(expected):
        response = client.get(reverse("assessments:round_detail", args=[large.pk]))
    assert len(response.context["page_obj"]) == 50


def test_the_participants_page_costs_the_same_at_5_and_60_participants(outline, django_assert_num_queries):
    evaluators = [user_with_role(Role.EVALUATOR), user_with_role(Role.EVALUATOR)]
    small, large = _round_of(outline, "S", 5, evaluators), _round_of(outline, "L", 60, evaluators)
    client = logged_in(user_with_role(Role.ADMIN))
    expected = _queries(client, reverse("assessments:round_participants", args=[small.pk]))
    with django_assert_num_queries(expected):
        client.get(reverse("assessments:round_participants", args=[large.pk]))


@pytest.mark.parametrize("who", [ADMIN, EVALUATOR])
def test_the_round_list_costs_the_same_at_two_sizes(outline, who, django_assert_num_queries):
    evaluator = user_with_role(Role.EVALUATOR)
    viewer = evaluator if who == EVALUATOR else user_with_role(Role.ADMIN)
    client = logged_in(viewer)
    _round_of(outline, "A", 5, [evaluator])
    expected = _queries(client, reverse("assessments:round_list"))
    assert expected <= 12
    for prefix in ("B", "C", "D"):
        _round_of(outline, prefix, 20, [evaluator])
    round_close(round=Round.objects.get(title="批次B"), user=None)
    with django_assert_num_queries(expected):
        response = client.get(reverse("assessments:round_list"))
    assert len(response.context["page_obj"]) == 4
    assert response.context["page_obj"][0].participant_count == 20


def test_under_the_lead_method_a_unit_without_a_lead_is_marked(world):
    Round.objects.filter(pk=world.round.pk).update(merge_method=MergeMethod.LEAD)
    html = world.client(ADMIN).get(world.url("round_participants")).content.decode()
    assert html.count("badge text-bg-danger no-lead") == 2
    assert "主考评员评分" in html


@pytest.mark.parametrize("typed", ["²", "１２", "99999999999999999999", "x"])
def test_a_hand_typed_sheet_or_unit_that_is_no_id_is_404_not_a_500(world, typed):
    client = world.client(ADMIN)
    for action, field in (("unassign", "sheet"), ("lead", "sheet"), ("remove", "assessment")):
        response = client.post(world.url("round_participants"), {"action": action, field: typed})
        assert response.status_code == 404, (action, typed)
