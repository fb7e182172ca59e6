"""The round pages: who may open each, creating (blank or from last year's), editing, closing,
participants and assignments, and constant query counts on the list pages."""

from decimal import Decimal

import pytest
from django.urls import reverse

from assessments.models import Assessment, AssessmentState, MergeMethod, Round, RoundState, Score, Sheet, SheetKind
from indicators.models import VersionStatus
from orgs.models import Organization
from tests.factories import (
    build_draft,
    fill,
    publish,
)
from tests.worlds import (
    ADMIN,
    ANALYST,
    ANONYMOUS,
    APPROVER,
    DEADLINE,
    EVALUATOR,
    OUTSIDER,
    REPORTER,
    RoundWorld,
    message_texts,
    round_world,
    row_codes,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline) -> RoundWorld:
    return round_world(outline)


# --- who may open what ----------------------------------------------------------------------

ADMIN_ONLY = {ANONYMOUS: 302, OUTSIDER: 403, ANALYST: 403, EVALUATOR: 403, APPROVER: 403, REPORTER: 403, ADMIN: 200}
MATRIX = [
    ("round_list", False, {ANONYMOUS: 302, OUTSIDER: 200, ANALYST: 200, EVALUATOR: 200, APPROVER: 200,
                           REPORTER: 200, ADMIN: 200}),
    ("round_detail", True, {ANONYMOUS: 302, OUTSIDER: 404, ANALYST: 200, EVALUATOR: 200, APPROVER: 200,
                            REPORTER: 200, ADMIN: 200}),
    ("round_create", False, ADMIN_ONLY),
    ("round_edit", True, ADMIN_ONLY),
    ("round_close", True, ADMIN_ONLY),
    ("round_participants", True, ADMIN_ONLY),
]


@pytest.mark.parametrize(("name", "takes_pk", "expected"), MATRIX, ids=[row[0] for row in MATRIX])
def test_it_answers_each_visitor_as_the_matrix_says(world, name, takes_pk, expected):
    url = reverse(f"assessments:{name}", args=[world.round.pk] if takes_pk else [])
    for visitor, status in expected.items():
        response = world.client(visitor).get(url)
        assert response.status_code == status, f"{visitor} GET {url}"
        if status == 302:
            assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", ["round_edit", "round_close", "round_participants"])
def test_an_unknown_round_is_404_for_an_admin_and_403_for_others(world, name):
    url = reverse(f"assessments:{name}", args=[world.round.pk + 100])
    assert world.client(ADMIN).get(url).status_code == 404
    assert world.client(ANALYST).get(url).status_code == 403


@pytest.mark.parametrize("who", [OUTSIDER, ANALYST, EVALUATOR, APPROVER])
def test_nobody_but_an_admin_may_post_to_the_admin_pages(world, who):
    client = world.client(who)
    posts = [
        (reverse("assessments:round_create"), {"year": "2027", "title": "新批次", "deadline": DEADLINE}),
        (world.url("round_edit"), {"title": "改名", "deadline": DEADLINE, "merge_method": "mean",
                                   "disagreement_threshold": "1"}),
        (world.url("round_close"), {"confirm": "on"}),
        (world.url("round_participants"), {"action": "add", "add-organization_code": "BD001B0002"}),
        (world.url("round_participants"), {"action": "assign", "assign-evaluator": "eva",
                                           "assign-organization_code": "BD001", "assign-include_subtree": "on"}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    world.round.refresh_from_db()
    assert (world.round.title, world.round.state) == ("年度考评", RoundState.OPEN)
    assert Round.objects.count() == 1
    assert Assessment.objects.filter(round=world.round).count() == 3


# --- what each visitor sees -----------------------------------------------------------------


def test_an_outsider_sees_no_rounds(world):
    response = world.client(OUTSIDER).get(reverse("assessments:round_list"))
    assert list(response.context["page_obj"]) == []
    assert "年度考评" not in response.content.decode()


def test_the_list_counts_only_what_the_visitor_may_see(world):
    counts = {
        who: world.client(who).get(reverse("assessments:round_list")).context["page_obj"][0].participant_count
        for who in (ADMIN, ANALYST, EVALUATOR, APPROVER)
    }
    assert counts == {ADMIN: 3, ANALYST: 2, EVALUATOR: 1, APPROVER: 3}


def test_an_analyst_sees_only_participants_in_their_subtree(world):
    response = world.client(ANALYST).get(world.url("round_detail"))
    assert row_codes(response) == ["BD000B0000", "BD000B0001"]
    assert "测试区1第0支部" not in response.content.decode()
    assert response.context["show_flags"]
    assert response.context["summary"]["participants"] == 2


def test_an_evaluator_sees_only_the_units_assigned_to_them_and_no_flags(world):
    response = world.client(EVALUATOR).get(world.url("round_detail"))
    assert row_codes(response) == ["BD000B0000"]
    assert not response.context["show_flags"]
    assert "分歧子项目" not in response.content.decode()


def test_an_approver_sees_every_participant_and_the_flags(world):
    response = world.client(APPROVER).get(world.url("round_detail"))
    assert row_codes(response) == ["BD000B0000", "BD000B0001", "BD001B0000"]
    assert response.context["show_flags"]


def test_the_unit_sees_neither_its_evaluators_nor_its_score_before_approval(world):
    sheet = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users[EVALUATOR])
    fill(sheet, world.users[EVALUATOR], {"1.1": 3})
    html = world.client(REPORTER).get(world.url("round_detail")).content.decode()
    assert "张考评" not in html
    assert "李考评" not in html
    assert ">3<" not in html


def test_the_detail_shows_the_facts_evaluators_lead_merged_total_and_flags(world):
    world.round.disagreement_threshold = Decimal("1")
    world.round.save()
    unit = Organization.objects.get(code="BD000B0000")
    lead = Sheet.objects.get(assessment__organization=unit, evaluator=world.users[EVALUATOR])
    other = Sheet.objects.get(assessment__organization=unit, evaluator=world.users["evaluator2"])
    fill(lead, world.users[EVALUATOR], {"1.1": 3, "1.2": 2})
    fill(other, world.users["evaluator2"], {"1.1": 1, "1.2": "1.5"})
    response = world.client(ADMIN).get(world.url("round_detail"))
    html = response.content.decode()
    for fact in ("大连市学习型党组织建设指标体系大纲", "2026-12-31", "各考评员平均分", "评分相差超过 1 分", "孙审核"):
        assert fact in html, fact
    row = response.context["page_obj"][0]
    assert (row.organization.code, row.evaluator_count, row.flagged_count) == ("BD000B0000", 2, 1)
    assert [(s.evaluator.username, s.is_lead) for s in row.reviews] == [("eva", True), ("eva2", False)]
    assert "3.75" in html  # (3 + 1) / 2 + (2 + 1.5) / 2
    assert reverse("assessments:assessment_detail", args=[row.pk]) in html


def test_the_detail_filters_by_name_and_state(world):
    client = world.client(ADMIN)
    assert row_codes(client.get(world.url("round_detail", q="测试区1"))) == ["BD001B0000"]
    assert row_codes(client.get(world.url("round_detail", q="BD000B0001"))) == ["BD000B0001"]
    assert row_codes(client.get(world.url("round_detail", state="approved"))) == []


# --- creating -----------------------------------------------------------------------------


def _create_data(outline, **changes) -> dict[str, str]:
    data = {
        "year": "2027", "title": "二〇二七年度考评", "indicator_system": str(outline.pk), "deadline": DEADLINE,
        "merge_method": "median", "disagreement_threshold": "1.5", "approvers": "apv", "previous": "",
    }
    data.update(changes)
    return data


def test_an_admin_creates_a_round_from_scratch(world, outline):
    response = world.client(ADMIN).post(reverse("assessments:round_create"), _create_data(outline))
    round = Round.objects.get(year=2027)
    assert response["Location"] == reverse("assessments:round_detail", args=[round.pk])
    assert (round.title, round.merge_method, round.disagreement_threshold) == (
        "二〇二七年度考评", MergeMethod.MEDIAN, Decimal("1.5")
    )
    assert [u.username for u in round.approvers.all()] == ["apv"]
    assert not Assessment.objects.filter(round=round).exists()


def test_only_published_versions_are_offered_and_accepted(world, outline):
    draft = build_draft(categories=1, items_per_category=2)
    archived = publish(build_draft(categories=1, items_per_category=2))
    archived.status = VersionStatus.ARCHIVED
    archived.save()
    client = world.client(ADMIN)
    offered = client.get(reverse("assessments:round_create")).context["form"].fields["indicator_system"].queryset
    assert list(offered) == [outline]
    for version in (draft, archived):
        response = client.post(reverse("assessments:round_create"), _create_data(outline, indicator_system=str(version.pk)))
        assert response.status_code == 200
        assert response.context["form"].errors["indicator_system"] == [
            "只能选择已发布的指标体系版本（草稿和已归档的版本不能用于新批次）。"
        ]
        assert 'value="二〇二七年度考评"' in response.content.decode()
    assert not Round.objects.filter(year=2027).exists()


def test_bad_input_gets_chinese_messages_next_to_the_fields(world, outline):
    response = world.client(ADMIN).post(
        reverse("assessments:round_create"),
        _create_data(outline, year="1999", title="年度考评", deadline="2000-01-01", approvers="apv nobody",
                     disagreement_threshold="-1"),
    )
    errors = response.context["form"].errors
    assert errors["year"] == ["考评年度应在 2000 至 2100 年之间。"]
    assert errors["deadline"] == ["截止日期不能早于今天。"]
    assert errors["approvers"] == ["以下用户名不存在：nobody。"]
    assert errors["disagreement_threshold"] == ["分歧提示阈值应在 0 至 99.9 分之间。"]
    assert 'value="apv nobody"' in response.content.decode()


def test_a_title_used_that_year_is_refused_next_to_the_title(world, outline):
    response = world.client(ADMIN).post(reverse("assessments:round_create"), _create_data(outline, year="2026",
                                                                                        title="年度考评"))
    assert response.context["form"].errors["title"] == ["2026 年已有同名的考评批次。"]


def test_choosing_last_years_round_fills_in_its_settings(world):
    response = world.client(ADMIN).get(reverse("assessments:round_create"), {"previous": world.round.pk})
    form = response.context["form"]
    assert (form.initial["year"], form.initial["previous"], form.initial["approvers"]) == (2027, world.round.pk, "apv")
    assert "将沿用“2026 年度考评”" in response.content.decode()


def test_from_last_years_copies_organizations_and_assignments_but_no_scores(world, outline):
    sheet = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users[EVALUATOR])
    fill(sheet, world.users[EVALUATOR], {"1.1": 3})
    Organization.objects.filter(code="BD001B0000").update(is_active=False)
    response = world.client(ADMIN).post(
        reverse("assessments:round_create"), _create_data(outline, previous=str(world.round.pk))
    )
    round = Round.objects.get(year=2027)
    assert response.status_code == 302
    assert round.previous == world.round
    reviews = Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW)
    assert set(reviews.values_list("assessment__organization__code", "evaluator__username", "is_lead")) == {
        ("BD000B0000", "eva", True), ("BD000B0000", "eva2", False), ("BD000B0001", "eva2", False)
    }
    assert not Score.objects.filter(sheet__assessment__round=round).exists()
    assert set(Assessment.objects.filter(round=round).values_list("state", "total")) == {(AssessmentState.DRAFT, None)}
    assert set(Sheet.objects.filter(assessment__round=round).values_list("version", "scored_count")) == {(1, 0)}


# --- editing and closing ------------------------------------------------------------------


def test_an_admin_edits_a_round(world):
    response = world.client(ADMIN).post(world.url("round_edit"), {
        "title": "年度考评（修订）", "deadline": DEADLINE, "merge_method": "lead", "disagreement_threshold": "2",
        "approvers": "apv ana",
    })
    assert response.status_code == 302
    world.round.refresh_from_db()
    assert (world.round.title, world.round.merge_method) == ("年度考评（修订）", MergeMethod.LEAD)
    assert set(world.round.approvers.values_list("username", flat=True)) == {"apv", "ana"}


def test_the_merge_method_cannot_change_after_scoring(world):
    sheet = Sheet.objects.get(assessment__organization__code="BD000B0000", evaluator=world.users[EVALUATOR])
    fill(sheet, world.users[EVALUATOR], {"1.1": 3})
    response = world.client(ADMIN).post(world.url("round_edit"), {
        "title": "改名", "deadline": DEADLINE, "merge_method": "median", "disagreement_threshold": "1",
    })
    assert response.context["form"].errors["merge_method"] == ["本批次已有考评员评分，不能再更改合成方式。"]
    assert 'value="改名"' in response.content.decode()


def test_closing_asks_for_confirmation(world):
    client = world.client(ADMIN)
    assert "结束后" in client.get(world.url("round_close")).content.decode()
    response = client.post(world.url("round_close"), {})
    assert response.context["form"].errors["confirm"] == ["请勾选确认后再结束本批次。"]
    world.round.refresh_from_db()
    assert world.round.state == RoundState.OPEN


def test_closing_freezes_the_round(world):
    client = world.client(ADMIN)
    response = client.post(world.url("round_close"), {"confirm": "on"}, follow=True)
    world.round.refresh_from_db()
    assert world.round.state == RoundState.CLOSED
    assert world.round.closed_at is not None
    assert "已结束" in " ".join(message_texts(response))

    assign_post = {"action": "assign", "assign-evaluator": "eva", "assign-organization_code": "BD001B0001"}
    response = client.post(world.url("round_participants"), assign_post)
    assert "该考评批次已结束，不能再修改。" in response.content.decode()
    response = client.post(world.url("round_participants"), {"action": "add", "add-organization_code": "BD001B0002"})
    assert "该考评批次已结束，不能再修改。" in response.content.decode()
    response = client.post(world.url("round_edit"), {
        "title": "改名", "deadline": DEADLINE, "merge_method": "mean", "disagreement_threshold": "1",
    })
    assert "该考评批次已结束，不能再修改。" in response.content.decode()
    world.round.refresh_from_db()
    assert world.round.title == "年度考评"
    assert Assessment.objects.filter(round=world.round).count() == 3
    assert Sheet.objects.filter(assessment__round=world.round, kind=SheetKind.REVIEW).count() == 4
    page = client.get(world.url("round_participants")).content.decode()
    assert 'id="assign-form"' not in page
    assert "已冻结" in page


@pytest.mark.parametrize("typed", ["²", "99999999999999999999"])
def test_a_hand_typed_previous_round_that_is_no_id_is_ignored(world, typed):
    response = world.client(ADMIN).get(reverse("assessments:round_create") + f"?previous={typed}")
    assert response.status_code == 200
    assert response.context["previous"] is None
