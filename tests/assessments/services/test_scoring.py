"""Saving sheets: all or nothing, totals stored with the scores, every change recorded."""

import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum

from assessments.entries import Entry
from assessments.models import (
    Assessment,
    AuditAction,
    AuditEvent,
    CategoryResult,
    ItemResult,
    LockedError,
    MergeMethod,
    Score,
    SheetKind,
)
from assessments.services import edits_from, sheet_save, stored_values
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, fill, full_marks, make_round, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def unit(outline):
    return OrganizationFactory(code="U1", name="测试支部")


@pytest.fixture
def evaluator(db):
    return user_with_role(Role.EVALUATOR, username="eva")


def test_saving_stores_scores_totals_and_history(outline, unit, evaluator):
    sheet = assign(make_round(outline), unit, evaluator)
    fill(sheet, evaluator, {"1.1": 3, "1.2": "1.5", "4.2": 6})
    sheet.refresh_from_db()
    assert (sheet.total, sheet.scored_count, sheet.version) == (Decimal("10.5"), 3, 2)
    assessment = Assessment.objects.get(pk=sheet.assessment_id)
    assert assessment.total == Decimal("10.5")
    assert {e.action for e in AuditEvent.objects.filter(sheet=sheet)} == {AuditAction.SCORE, AuditAction.REASON}
    event = AuditEvent.objects.get(sheet=sheet, item__number="4.2", action=AuditAction.SCORE)
    assert (event.old, event.new, event.actor) == ("", "6", evaluator)


def test_changing_a_score_records_old_and_new(outline, unit, evaluator):
    sheet = assign(make_round(outline), unit, evaluator)
    fill(sheet, evaluator, {"1.1": 3})
    fill(sheet, evaluator, {"1.1": 2})
    event = AuditEvent.objects.filter(item__number="1.1", action=AuditAction.SCORE).order_by("-id").first()
    assert (event.old, event.new) == ("3", "2")


def test_the_service_refuses_what_the_form_would(outline, unit, evaluator):
    sheet = assign(make_round(outline), unit, evaluator)
    item_ids = dict(outline.items.values_list("number", "id"))
    for entry in (Entry(Decimal("9"), "x"), Entry(Decimal("2"), ""), Entry(Decimal("0.3"), "x")):
        with pytest.raises(ValidationError):
            sheet_save(sheet=sheet, user=evaluator, edits=edits_from({item_ids["1.1"]: entry}, {}))
    assert not Score.objects.filter(sheet=sheet).exists()


def test_a_bad_entry_leaves_the_whole_sheet_unsaved(outline, unit, evaluator):
    sheet = assign(make_round(outline), unit, evaluator)
    item_ids = dict(outline.items.values_list("number", "id"))
    entries = {item_ids["1.1"]: Entry(Decimal("3"), ""), item_ids["1.2"]: Entry(Decimal("5"), "超过分值")}
    with pytest.raises(ValidationError):
        sheet_save(sheet=sheet, user=evaluator, edits=edits_from(entries, {}))
    assert not Score.objects.filter(sheet=sheet).exists()
    assert not AuditEvent.objects.filter(sheet=sheet).exists()


@pytest.mark.parametrize(
    ("fields", "constraint"),
    [
        ({"score": Decimal("4")}, "over cap"),
        ({"score": Decimal("-0.5")}, "negative"),
        ({"score": Decimal("1.3"), "reason": "x"}, "half points"),
        ({"score": Decimal("2"), "reason": ""}, "reason"),
    ],
)
def test_the_database_refuses_scores_outside_the_rules(outline, unit, evaluator, fields, constraint):
    sheet = assign(make_round(outline), unit, evaluator)
    item = outline.items.get(number="1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.bulk_create([Score(sheet=sheet, item=item, cap=item.cap, **fields)])


@pytest.mark.parametrize(
    ("model", "to_assessment"),
    [(Score, "sheet__assessment"), (ItemResult, "assessment"), (CategoryResult, "assessment")],
)
def test_the_database_refuses_a_copied_cap_that_is_not_whole_or_half_points(outline, unit, evaluator, model, to_assessment):
    sheet = fill(assign(make_round(outline), unit, evaluator), evaluator, {"1.1": 2})
    where = {"category__number": 1} if model is CategoryResult else {"item__number": "1.1"}
    row = model.objects.get(**{to_assessment: sheet.assessment}, **where)
    # Every other rule still holds at these caps: the score stays within them, with its reason.
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(cap=row.cap + Decimal("0.3"))
    model.objects.filter(pk=row.pk).update(cap=row.cap + Decimal("0.5"))
    assert model.objects.get(pk=row.pk).cap == row.cap + Decimal("0.5")


def test_an_approved_assessment_refuses_every_write(outline, unit, evaluator):
    sheet = assign(make_round(outline), unit, evaluator)
    fill(sheet, evaluator, {"1.1": 3})
    Assessment.objects.filter(pk=sheet.assessment_id).update(state="approved", approved_at="2026-01-01T00:00Z")
    with pytest.raises(LockedError):
        fill(sheet, evaluator, {"1.1": 2})
    with pytest.raises(LockedError):
        Score.objects.filter(sheet=sheet).update(score=Decimal("1"))
    with pytest.raises(LockedError):
        Score.objects.get(sheet=sheet).delete()
    assert Score.objects.get(sheet=sheet).score == Decimal("3")


def test_a_closed_round_refuses_every_write(outline, unit, evaluator):
    round = make_round(outline)
    sheet = assign(round, unit, evaluator)
    round.state = "closed"
    round.save()
    with pytest.raises(LockedError):
        fill(sheet, evaluator, {"1.1": 2})


@pytest.mark.parametrize(
    ("method", "expected"),
    [(MergeMethod.MEAN, Decimal("2.33")), (MergeMethod.MEDIAN, Decimal("2.50")), (MergeMethod.LEAD, Decimal("1.00"))],
)
def test_several_evaluators_merge_by_the_rounds_method(outline, unit, method, expected):
    round = make_round(outline, merge_method=method)
    evaluators = [user_with_role(Role.EVALUATOR) for _ in range(3)]
    for evaluator, score, lead in zip(evaluators, ("1", "2.5", "3.5"), (True, False, False), strict=True):
        fill(assign(round, unit, evaluator, lead=lead), evaluator, {"4.3": score})
    result = ItemResult.objects.get(assessment__round=round, item__number="4.3")
    assert result.score == expected
    assert result.spread == Decimal("2.5")
    assert Assessment.objects.get(round=round).total == expected


def test_stored_totals_always_equal_the_sum_of_the_scores(outline, evaluator):
    rng = random.Random(20261125)
    round = make_round(outline)
    caps = full_marks(outline)
    for n in range(6):
        unit = OrganizationFactory(code=f"R{n}")
        for evaluator_index in range(rng.randint(1, 3)):
            person = user_with_role(Role.EVALUATOR, username=f"e{n}-{evaluator_index}")
            numbers = rng.sample(sorted(caps), rng.randint(1, len(caps)))
            scores = {number: Decimal(rng.randint(0, int(caps[number] * 2))) / 2 for number in numbers}
            fill(assign(round, unit, person), person, scores)
    for assessment in Assessment.objects.filter(round=round):
        item_sum = ItemResult.objects.filter(assessment=assessment).aggregate(s=Sum("score"))["s"]
        category_sum = CategoryResult.objects.filter(assessment=assessment).aggregate(s=Sum("score"))["s"]
        assert assessment.total == item_sum == category_sum
        for sheet in assessment.sheets.filter(kind=SheetKind.REVIEW):
            assert sheet.total == (Score.objects.filter(sheet=sheet).aggregate(s=Sum("score"))["s"] or 0)


def test_saving_a_full_sheet_runs_a_fixed_number_of_queries(outline, evaluator, django_assert_num_queries):
    round = make_round(outline)
    small_unit, big_unit = OrganizationFactory(code="S"), OrganizationFactory(code="B")
    for n in range(30):
        OrganizationFactory(code=f"X{n}")
    sheet = assign(round, small_unit, evaluator)
    other = user_with_role(Role.EVALUATOR)
    assign(round, big_unit, other)
    entries = {item_id: Entry(cap, "") for item_id, cap in outline.items.values_list("id", "cap")}
    with django_assert_num_queries(15) as first:
        sheet_save(sheet=sheet, user=evaluator, edits=edits_from(entries, {}), base_version=1)
    changed = edits_from({item_id: Entry(Decimal("0"), "全无") for item_id in entries}, stored_values(sheet))
    with django_assert_num_queries(len(first.captured_queries)):
        sheet_save(sheet=sheet, user=evaluator, edits=changed, base_version=2)
