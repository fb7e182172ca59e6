"""The score page: the evaluator's table of 32 items, saved all or nothing."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Assessment, AssessmentState, Score, Sheet, SheetKind, SheetState
from assessments.services import sheet_submit, stored_values
from assessments.services.evidence import evidence_add
from indicators.points import format_points
from orgs.models import Organization, Role
from tests.factories import (
    OrganizationFactory,
    UserFactory,
    assign,
    build_tree,
    fill,
    full_marks,
    make_round,
    user_with_role,
)
from tests.worlds import PDF, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(outline):
    build_tree(districts=2, branches_per_district=2)
    unit = Organization.objects.get(code="BD000B0001")
    evaluator = user_with_role(Role.EVALUATOR, username="eva")
    round = make_round(outline)
    sheet = assign(round, unit, evaluator)
    return {"outline": outline, "unit": unit, "evaluator": evaluator, "round": round, "sheet": sheet}


def url(sheet: Sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])


def full_post(outline, sheet, overrides=None, version=None, base=None) -> dict[str, str]:
    """Every item at full marks, like a filled form, with some cells overridden by number; the
    page was loaded with `base` (by default the sheet as stored now)."""
    data = {"version": str(version or sheet.version), "action": "save"}
    base = stored_values(sheet) if base is None else base
    for item in outline.items.all():
        data[f"base_score_{item.id}"] = format_points(base.get((item.id, "score")))
        data[f"base_reason_{item.id}"] = base.get((item.id, "reason"), "")
        data[f"score_{item.id}"] = str(item.cap.normalize())
        data[f"reason_{item.id}"] = ""
    by_number = dict(outline.items.values_list("number", "id"))
    for number, (score, reason) in (overrides or {}).items():
        data[f"score_{by_number[number]}"] = score
        data[f"reason_{by_number[number]}"] = reason
    return data


def test_it_shows_the_official_table_with_inputs_to_the_evaluator(setting):
    response = logged_in(setting["evaluator"]).get(url(setting["sheet"]))
    html = response.content.decode()
    assert response.status_code == 200
    for header in ("考评项目", "子项目", "评分标准", "分值", "自评", "得分", "扣分理由"):
        assert f">{header}</th>" in html
    assert html.count('class="form-control form-control-sm score-input') == 32
    assert html.count('class="subtotal"') == 7


@pytest.mark.parametrize(
    ("visitor", "status"),
    [("anonymous", 302), ("outsider", 404), ("other_analyst", 404), ("other_evaluator", 404)],
)
def test_outsiders_never_see_the_sheet(setting, visitor, status):
    clients = {
        "anonymous": Client(),
        "outsider": logged_in(UserFactory()),
        "other_analyst": logged_in(user_with_role(Role.ANALYST, Organization.objects.get(code="BD001"))),
        "other_evaluator": logged_in(user_with_role(Role.EVALUATOR)),
    }
    client = clients[visitor]
    assert client.get(url(setting["sheet"])).status_code == status
    assert client.post(url(setting["sheet"]), full_post(setting["outline"], setting["sheet"])).status_code == status
    assert not Score.objects.filter(sheet=setting["sheet"]).exists()


def test_an_analyst_in_scope_reads_but_cannot_save(setting):
    analyst = logged_in(user_with_role(Role.ANALYST, Organization.objects.get(code="BD000")))
    html = analyst.get(url(setting["sheet"])).content.decode()
    assert "score-input" not in html
    assert analyst.post(url(setting["sheet"]), full_post(setting["outline"], setting["sheet"])).status_code == 403


def test_the_unit_does_not_see_the_evaluators_sheet_but_fills_its_own(setting):
    reporter = logged_in(user_with_role(Role.REPORTER, setting["unit"]))
    assert reporter.get(url(setting["sheet"])).status_code == 404
    own = Sheet.objects.get(assessment=setting["sheet"].assessment, kind=SheetKind.SELF)
    assert "score-input" in reporter.get(url(own)).content.decode()
    response = reporter.post(url(own), full_post(setting["outline"], own, {"3.2": ("2", "仅三个季度开展")}))
    assert response.status_code == 302
    assert Assessment.objects.get(pk=own.assessment_id).self_total == Decimal("99")


def test_a_nine_in_a_three_point_item_is_refused_in_place_and_nothing_is_lost(setting):
    client = logged_in(setting["evaluator"])
    data = full_post(setting["outline"], setting["sheet"], {"1.1": ("9", ""), "4.2": ("6", "中心组学习次数不足")})
    response = client.post(url(setting["sheet"]), data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "得分不能超过本项分值 3 分。" in html
    assert 'value="9"' in html
    assert "中心组学习次数不足" in html
    assert html.count("is-invalid") == 1
    assert not Score.objects.filter(sheet=setting["sheet"]).exists()


@pytest.mark.parametrize(
    ("score", "reason", "message"),
    [
        ("9", "", "得分不能超过本项分值 3 分。"),
        ("-1", "x", "得分不能为负数。"),
        ("0.3", "x", "得分以 0.5 分为单位"),
        ("很好", "", "请输入数字"),
        ("NaN", "", "请输入数字"),
        ("1e30", "", "请输入数字"),
        ("99", "", "得分不能超过本项分值 3 分。"),
        ("2", "", "得分低于分值时，请填写扣分理由。"),
    ],
)
def test_every_bad_input_gets_its_message(setting, score, reason, message):
    data = full_post(setting["outline"], setting["sheet"], {"1.1": (score, reason)})
    response = logged_in(setting["evaluator"]).post(url(setting["sheet"]), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Score.objects.filter(sheet=setting["sheet"]).exists()


def test_an_empty_cell_is_left_unscored_in_a_draft(setting):
    data = full_post(setting["outline"], setting["sheet"], {"1.1": ("", "")})
    assert logged_in(setting["evaluator"]).post(url(setting["sheet"]), data).status_code == 302
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    assert (sheet.scored_count, sheet.total) == (31, Decimal("97"))


def test_saving_then_submitting(setting):
    client = logged_in(setting["evaluator"])
    data = full_post(setting["outline"], setting["sheet"], {"1.1": ("", "")})
    data["action"] = "submit"
    response = client.post(url(setting["sheet"]), data, follow=True)
    assert "还有 1 个子项目没有评分" in response.content.decode()
    assert Sheet.objects.get(pk=setting["sheet"].pk).state == SheetState.DRAFT
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    data = full_post(setting["outline"], sheet, {"1.1": ("2.5", "未专题研究")})
    data["action"] = "submit"
    response = client.post(url(sheet), data)
    assert response.status_code == 302
    assert Sheet.objects.get(pk=sheet.pk).state == SheetState.SUBMITTED
    assessment = Assessment.objects.get(pk=sheet.assessment_id)
    assert (assessment.state, assessment.total) == (AssessmentState.SUBMITTED, Decimal("99.50"))


def test_a_locked_sheet_is_read_only_and_refuses_a_post(setting):
    sheet = setting["sheet"]
    fill(sheet, setting["evaluator"], full_marks(setting["outline"]))
    sheet_submit(sheet=sheet, user=setting["evaluator"])
    Assessment.objects.filter(pk=sheet.assessment_id).update(state=AssessmentState.APPROVED, approved_at="2026-01-01T00:00Z")
    client = logged_in(setting["evaluator"])
    html = client.get(url(sheet)).content.decode()
    assert 'id="locked-note"' in html
    assert "score-input" not in html
    response = client.post(url(sheet), full_post(setting["outline"], sheet, {"1.1": ("0", "改分")}), follow=True)
    assert "已提交或已锁定，不能再修改" in response.content.decode()
    assert Score.objects.get(sheet=sheet, item__number="1.1").score == Decimal("3")


def test_the_review_sheet_shows_self_scores_and_marks_differences(setting):
    reporter = user_with_role(Role.REPORTER, setting["unit"])
    own = Sheet.objects.get(assessment=setting["sheet"].assessment, kind=SheetKind.SELF)
    fill(own, reporter, {"1.1": 3})
    fill(setting["sheet"], setting["evaluator"], {"1.1": 2})
    html = logged_in(setting["evaluator"]).get(url(setting["sheet"])).content.decode()
    assert 'class="item-row differs" data-item="1.1"' in html


def _grow(setting, outline, reporter) -> None:
    """Everything the score page shows grows: more evaluators of the unit with scores, the unit's
    own scores and evidence, a longer history, and many more units assigned to the evaluator."""
    for n in range(3):
        other = user_with_role(Role.EVALUATOR, username=f"other{n}")
        fill(assign(setting["round"], setting["unit"], other), other, {"1.1": 2, "4.2": 5})
    own = Sheet.objects.get(assessment=setting["sheet"].assessment, kind=SheetKind.SELF)
    fill(own, reporter, {"1.1": 3, "1.2": 2})
    for number in ("1.1", "1.2", "4.2"):
        evidence_add(
            assessment=setting["sheet"].assessment, item=outline.items.get(number=number),
            upload=SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"), user=reporter,
        )
    for score in ("1", "2", "3"):
        fill(Sheet.objects.get(pk=setting["sheet"].pk), setting["evaluator"], {"1.1": score})
    for n in range(40):
        assign(setting["round"], OrganizationFactory(code=f"Q{n}"), setting["evaluator"])


def test_the_page_runs_at_most_12_queries_and_the_save_a_constant_number(
    setting, settings, tmp_path, django_assert_max_num_queries, django_assert_num_queries,
):
    settings.MEDIA_ROOT = tmp_path
    reporter = user_with_role(Role.REPORTER, setting["unit"])
    client = logged_in(setting["evaluator"])
    data = full_post(setting["outline"], setting["sheet"])
    client.get(url(setting["sheet"]))
    with django_assert_max_num_queries(12) as small_get:
        client.get(url(setting["sheet"]))
    with django_assert_num_queries(40, exact=False) as small_post:
        client.post(url(setting["sheet"]), data)
    _grow(setting, setting["outline"], reporter)
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    data = full_post(setting["outline"], sheet, {"1.1": ("2", "变化")})
    with django_assert_num_queries(len(small_get.captured_queries)):
        response = client.get(url(sheet))
    assert response.context["show_self"]
    assert sum(len(row.evidence) for block in response.context["table"].blocks for row in block.rows) == 3
    with django_assert_num_queries(len(small_post.captured_queries)):
        client.post(url(sheet), data)
