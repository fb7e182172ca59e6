"""The admins' round services: starting a round (blank or carried over), editing it, leads,
subtree assignment and taking an organization out again."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from assessments.models import (
    Assessment,
    AssessmentState,
    AuditAction,
    AuditEvent,
    ItemResult,
    MergeMethod,
    Score,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.services import assessment_approve, round_close, sheet_submit
from assessments.services.round_admin import (
    round_assign_evaluator,
    round_remove_assessment,
    round_set_lead,
    round_start,
    round_update,
    sheet_make_lead,
)
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

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2100, 6, 30)


@pytest.fixture
def evaluators(db):
    return [user_with_role(Role.EVALUATOR, username=f"eva{n}", first_name=f"考评{n}") for n in range(3)]


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, username="adm")


def _reviews(round):
    return Sheet.objects.filter(assessment__round=round, kind=SheetKind.REVIEW)


def _subtree(code: str):
    root = Organization.objects.get(code=code)
    return Organization.objects.filter(path__startswith=root.path)


def _approve(admin, *sheets):
    """Full marks on every sheet given (all the unit's evaluators), submitted and approved."""
    for sheet in sheets:
        fill(sheet, sheet.evaluator, full_marks(sheet.assessment.round.indicator_system))
        sheet_submit(sheet=Sheet.objects.get(pk=sheet.pk), user=sheet.evaluator)
    return assessment_approve(assessment=sheets[0].assessment, user=admin)


# --- starting a round ---------------------------------------------------------------------


def test_it_starts_a_blank_round_with_the_settings_given(outline):
    approver = UserFactory(username="apv")
    round = round_start(
        year=2027, title="二〇二七年度考评", indicator_system=outline, deadline=DEADLINE,
        merge_method=MergeMethod.MEDIAN, disagreement_threshold=Decimal("2.5"), approvers=[approver], user=None,
    )
    assert (round.merge_method, round.disagreement_threshold, round.previous) == (MergeMethod.MEDIAN, Decimal("2.5"), None)
    assert list(round.approvers.all()) == [approver]
    assert not Assessment.objects.filter(round=round).exists()


def test_it_carries_over_organizations_and_assignments_without_scores(outline, evaluators, admin):
    build_tree(districts=1, branches_per_district=3)
    last = make_round(outline, year=2026, merge_method=MergeMethod.LEAD)
    branches = list(Organization.objects.filter(code__startswith="BD000B").order_by("code"))
    lead_sheet = assign(last, branches[0], evaluators[0], lead=True)
    other_sheet = assign(last, branches[0], evaluators[1])
    assign(last, branches[1], evaluators[1], lead=True)
    assign(last, branches[2], evaluators[2])
    _approve(admin, lead_sheet, other_sheet)
    Organization.objects.filter(pk=branches[2].pk).update(is_active=False)

    round = round_start(
        year=2027, title="年度考评", indicator_system=outline, deadline=DEADLINE, previous=last,
        merge_method=MergeMethod.MEAN, disagreement_threshold=Decimal("1.5"), approvers=[], user=None,
    )

    assert round.previous == last
    assert (round.merge_method, round.disagreement_threshold) == (MergeMethod.MEAN, Decimal("1.5"))
    copied = set(_reviews(round).values_list("assessment__organization__code", "evaluator__username", "is_lead"))
    assert copied == {
        (branches[0].code, "eva0", True), (branches[0].code, "eva1", False), (branches[1].code, "eva1", True)
    }
    assessments = Assessment.objects.filter(round=round)
    assert set(assessments.values_list("state", flat=True)) == {AssessmentState.DRAFT}
    assert set(assessments.values_list("total", flat=True)) == {None}
    assert not Score.objects.filter(sheet__assessment__round=round).exists()
    assert not ItemResult.objects.filter(assessment__round=round).exists()
    sheets = Sheet.objects.filter(assessment__round=round)
    assert set(sheets.values_list("state", "version", "scored_count")) == {(SheetState.DRAFT, 1, 0)}
    assert sheets.filter(kind=SheetKind.SELF).count() == 2


# --- editing ------------------------------------------------------------------------------


def _update(round, **changes):
    fields = {
        "title": round.title, "deadline": round.deadline, "merge_method": round.merge_method,
        "disagreement_threshold": round.disagreement_threshold, "approvers": [],
    }
    fields.update(changes)
    return round_update(round=round, **fields, user=None)


def test_it_edits_title_deadline_threshold_and_approvers(outline):
    round = make_round(outline)
    approver = UserFactory()
    round = _update(round, title="改名", deadline=DEADLINE, disagreement_threshold=Decimal("3"), approvers=[approver])
    round.refresh_from_db()
    assert (round.title, round.deadline, round.disagreement_threshold) == ("改名", DEADLINE, Decimal("3"))
    assert list(round.approvers.all()) == [approver]


def test_it_refuses_a_title_already_used_that_year(outline):
    make_round(outline, title="第一批")
    round = make_round(outline, title="第二批")
    with pytest.raises(ValidationError) as refused:
        _update(round, title="第一批")
    assert "title" in refused.value.message_dict


def test_the_merge_method_is_fixed_once_an_evaluator_has_scored(outline, evaluators):
    round = make_round(outline)
    _update(round, merge_method=MergeMethod.MEDIAN)
    round.refresh_from_db()
    sheet = assign(round, OrganizationFactory(), evaluators[0])
    fill(sheet, evaluators[0], {"1.1": 3})
    with pytest.raises(ValidationError) as refused:
        _update(round, merge_method=MergeMethod.MEAN)
    assert refused.value.message_dict["merge_method"] == ["本批次已有考评员评分，不能再更改合成方式。"]
    _update(round, disagreement_threshold=Decimal("2"))  # the rest stays editable


def test_a_closed_round_cannot_be_edited(outline):
    round = round_close(round=make_round(outline), user=None)
    with pytest.raises(ValidationError, match="已结束"):
        _update(round, title="改名")


# --- leads --------------------------------------------------------------------------------


def test_making_a_lead_moves_the_mark_and_records_it(outline, evaluators, admin):
    round = make_round(outline)
    unit = OrganizationFactory()
    first = assign(round, unit, evaluators[0], lead=True)
    second = assign(round, unit, evaluators[1])
    sheet_make_lead(sheet=second, user=admin)
    assert set(_reviews(round).filter(is_lead=True).values_list("pk", flat=True)) == {second.pk}
    event = AuditEvent.objects.filter(assessment=first.assessment, action=AuditAction.ASSIGNMENT).order_by("-id")[0]
    assert (event.old, event.new, event.actor) == ("主考评员：考评0", "主考评员：考评1", admin)


def test_under_the_lead_method_the_result_follows_the_new_lead(outline, evaluators, admin):
    round = make_round(outline, merge_method=MergeMethod.LEAD)
    unit = OrganizationFactory()
    first = assign(round, unit, evaluators[0], lead=True)
    second = assign(round, unit, evaluators[1])
    fill(first, evaluators[0], {"1.1": 3})
    fill(second, evaluators[1], {"1.1": 1})
    assert Assessment.objects.get(pk=first.assessment_id).total == Decimal("3")
    sheet_make_lead(sheet=second, user=admin)
    assert Assessment.objects.get(pk=first.assessment_id).total == Decimal("1")
    assert ItemResult.objects.get(assessment_id=first.assessment_id).score == Decimal("1")


def test_an_approved_assessment_keeps_its_lead(outline, evaluators, admin):
    round = make_round(outline)
    unit = OrganizationFactory()
    first = assign(round, unit, evaluators[0], lead=True)
    _approve(admin, first)
    second = assign(round, unit, evaluators[1])
    with pytest.raises(ValidationError, match="已审核锁定"):
        sheet_make_lead(sheet=Sheet.objects.select_related("assessment__round").get(pk=second.pk), user=admin)
    assert round_set_lead(round=round, organizations=Organization.objects.filter(pk=unit.pk),
                          evaluator=evaluators[1], user=admin) == 0
    assert Sheet.objects.get(pk=first.pk).is_lead


# --- assigning ----------------------------------------------------------------------------


def test_a_subtree_assignment_gives_each_active_organization_one_sheet(outline, evaluators, admin):
    build_tree(districts=2, branches_per_district=3)
    Organization.objects.filter(code="BD000B0002").update(is_active=False)
    round = make_round(outline)
    result = round_assign_evaluator(
        round=round, organizations=_subtree("BD000"), evaluator=evaluators[0], lead=True, user=admin
    )
    codes = sorted(_reviews(round).values_list("assessment__organization__code", flat=True))
    assert codes == ["BD000", "BD000B0000", "BD000B0001"]
    assert (result.sheets, result.leads) == (3, 3)
    assert _reviews(round).filter(is_lead=True).count() == 3
    again = round_assign_evaluator(
        round=round, organizations=_subtree("BD000"), evaluator=evaluators[0], lead=False, user=admin
    )
    assert (again.sheets, again.leads) == (0, 0)
    assert _reviews(round).count() == 3


def test_several_evaluators_share_an_organization_and_a_lead_replaces_the_lead(outline, evaluators, admin):
    round = make_round(outline)
    unit = OrganizationFactory()
    single = Organization.objects.filter(pk=unit.pk)
    round_assign_evaluator(round=round, organizations=single, evaluator=evaluators[0], lead=True, user=admin)
    round_assign_evaluator(round=round, organizations=single, evaluator=evaluators[1], lead=False, user=admin)
    round_assign_evaluator(round=round, organizations=single, evaluator=evaluators[2], lead=True, user=admin)
    assert set(_reviews(round).values_list("evaluator__username", "is_lead")) == {
        ("eva0", False), ("eva1", False), ("eva2", True)
    }


def test_only_evaluators_may_be_assigned(outline, admin):
    round = make_round(outline)
    with pytest.raises(ValidationError) as refused:
        round_assign_evaluator(
            round=round, organizations=Organization.objects.filter(pk=OrganizationFactory().pk),
            evaluator=UserFactory(), lead=False, user=admin,
        )
    assert "evaluator" in refused.value.message_dict
    assert not Assessment.objects.filter(round=round).exists()


def test_approved_assessments_get_no_new_evaluator(outline, evaluators, admin):
    round = make_round(outline)
    unit = OrganizationFactory()
    _approve(admin, assign(round, unit, evaluators[0]))
    result = round_assign_evaluator(
        round=round, organizations=Organization.objects.filter(pk=unit.pk), evaluator=evaluators[1],
        lead=False, user=admin,
    )
    assert (result.sheets, result.skipped_approved) == (0, 1)


def test_a_closed_round_takes_no_assignment(outline, evaluators, admin):
    round = round_close(round=make_round(outline), user=None)
    with pytest.raises(ValidationError, match="已结束"):
        round_assign_evaluator(
            round=round, organizations=Organization.objects.filter(pk=OrganizationFactory().pk),
            evaluator=evaluators[0], lead=False, user=admin,
        )


# --- taking an organization out -------------------------------------------------------------


def test_an_organization_without_work_can_be_taken_out(outline, evaluators):
    round = make_round(outline)
    sheet = assign(round, OrganizationFactory(), evaluators[0])
    round_remove_assessment(assessment=sheet.assessment, user=None)
    assert not Assessment.objects.filter(round=round).exists()


def test_an_organization_with_scores_stays(outline, evaluators):
    round = make_round(outline)
    sheet = assign(round, OrganizationFactory(), evaluators[0])
    fill(sheet, evaluators[0], {"1.1": 3})
    with pytest.raises(ValidationError, match="不能移出"):
        round_remove_assessment(assessment=sheet.assessment, user=None)
    assert Assessment.objects.filter(round=round).count() == 1
