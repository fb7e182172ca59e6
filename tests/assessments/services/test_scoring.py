"""Saving sheets: all or nothing, totals stored with the scores, every change recorded."""

import random
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Sum
from django.test.utils import CaptureQueriesContext

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
    Sheet,
    SheetKind,
)
from assessments.services import edits_from, sheet_save, stored_values
from assessments.services.locking import locked_sheet
from assessments.threeway import Edit
from assessments.totals import quantize
from common.queries import data_statements
from orgs.models import Role
from orgs.scope import roles_of
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


def _statements_of(save) -> tuple[list[str], int]:
    with CaptureQueriesContext(connection) as queries:
        save()
    return data_statements(queries.captured_queries), len(queries.captured_queries)


def test_saving_a_full_sheet_takes_eight_statements_at_any_size(outline, evaluator):
    """Lock, read, scores, history, sheet, item results, category results, total: the same eight
    for the first save of 32 items and for a save that changes all 32, beside a busier assessment."""
    round = make_round(outline)
    small_unit, big_unit = OrganizationFactory(code="S"), OrganizationFactory(code="B")
    for n in range(30):
        OrganizationFactory(code=f"X{n}")
    sheet = assign(round, small_unit, evaluator)
    for n in range(3):
        other = user_with_role(Role.EVALUATOR, username=f"other{n}")
        fill(assign(round, big_unit, other), other, {"1.1": 2, "4.2": 5})
        fill(assign(round, small_unit, other), other, {"1.1": 2, "4.2": 5})
    entries = {item_id: Entry(cap, "") for item_id, cap in outline.items.values_list("id", "cap")}
    assert len(entries) == 32
    first, total = _statements_of(lambda: sheet_save(sheet=sheet, user=evaluator, edits=edits_from(entries, {})))
    # Two more: the savepoint the test's transaction turns the save's own into, and its release.
    assert (len(first), total) == (8, 10), first
    changed = edits_from({item_id: Entry(Decimal("0"), "全无") for item_id in entries}, stored_values(sheet))
    again, _ = _statements_of(lambda: sheet_save(sheet=sheet, user=evaluator, edits=changed, base_version=2))
    assert len(again) == 8, again
    assert Score.objects.filter(sheet=sheet, score=0, reason="全无").count() == 32
    assert AuditEvent.objects.filter(sheet=sheet, sheet_version=3).count() == 64
    # The upserted results are the evaluators' mean, as a direct aggregate of the scores has it.
    means = Score.objects.filter(sheet__assessment=sheet.assessment).values("item_id").annotate(mean=Avg("score"))
    results = dict(ItemResult.objects.filter(assessment=sheet.assessment).values_list("item_id", "score"))
    assert results == {row["item_id"]: quantize(Decimal(str(row["mean"]))) for row in means}
    assert Assessment.objects.get(pk=sheet.assessment_id).total == sum(results.values())


def test_saving_a_self_assessment_takes_six_statements(outline, unit):
    reporter = user_with_role(Role.REPORTER, unit)
    assign(make_round(outline), unit, user_with_role(Role.EVALUATOR))
    own = Sheet.objects.get(assessment__organization=unit, kind=SheetKind.SELF)
    entries = {item_id: Entry(cap, "") for item_id, cap in outline.items.values_list("id", "cap")}
    roles_of(reporter)  # read once a request, before any view saves
    statements, _ = _statements_of(lambda: sheet_save(sheet=own, user=reporter, edits=edits_from(entries, {})))
    assert len(statements) == 6, statements
    assert Assessment.objects.get(pk=own.assessment_id).self_total == Decimal("100")


def test_clearing_the_only_score_of_an_item_removes_its_result(outline, unit, evaluator):
    sheet = fill(assign(make_round(outline), unit, evaluator), evaluator, {"1.1": 3, "1.2": 2})
    item_ids = dict(outline.items.values_list("number", "id"))
    edits = {(item_ids["1.1"], "score"): Edit(Decimal("3"), None)}
    sheet_save(sheet=sheet, user=evaluator, edits=edits, base_version=2)
    assert set(ItemResult.objects.filter(assessment=sheet.assessment).values_list("item__number", flat=True)) == {"1.2"}
    sheet_save(sheet=sheet, user=evaluator, edits={(item_ids["1.2"], "score"): Edit(Decimal("2"), None)}, base_version=3)
    assert not ItemResult.objects.filter(assessment=sheet.assessment).exists()
    assert not CategoryResult.objects.filter(assessment=sheet.assessment).exists()
    assert Assessment.objects.get(pk=sheet.assessment_id).total is None


def test_the_upsert_refuses_a_locked_assessment_from_the_locked_rows(outline, unit, evaluator):
    """A save's upsert skips the guard's query when handed the rows it locked; their state still refuses."""
    sheet = fill(assign(make_round(outline), unit, evaluator), evaluator, {"1.1": 3})
    Assessment.objects.filter(pk=sheet.assessment_id).update(state="approved", approved_at="2026-01-01T00:00Z")
    item = outline.items.get(number="1.2")
    row = Score(sheet=sheet, item=item, cap=item.cap, score=item.cap)
    with transaction.atomic():
        locked = locked_sheet(sheet)
        statements, _ = _statements_of(lambda: pytest.raises(LockedError, Score.objects.bulk_create, [row], locked=locked))
        assert statements == []
    # Out of the block that took the lock, or with a sheet not read under it, the guard asks the database.
    for stale in (locked, Sheet.objects.get(pk=sheet.pk)):
        with pytest.raises(LockedError):
            Score.objects.bulk_create([row], locked=stale)
    assert not Score.objects.filter(sheet=sheet, item=item).exists()
