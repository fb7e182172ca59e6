"""The save's floor does the save's work: after it, the sheet, its results and its history are what
the app's save would have left, so `manage.py bench` compares like with like."""

from decimal import Decimal

import pytest
from django.db.models import Avg, Sum

from assessments.models import Assessment, AuditEvent, CategoryResult, ItemResult, Score, Sheet
from assessments.totals import quantize
from demo.floors import save_app, save_edits, save_floor, save_statements
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, fill, make_round, user_with_role

pytestmark = pytest.mark.django_db


@pytest.fixture
def sheet(outline):
    round, unit = make_round(outline), OrganizationFactory(code="F1")
    other = user_with_role(Role.EVALUATOR, username="other")
    fill(assign(round, unit, other), other, {"1.1": 2, "4.2": 5})
    evaluator = user_with_role(Role.EVALUATOR, username="eva")
    return assign(round, unit, evaluator)


def _stored_like_the_app(sheet: Sheet) -> None:
    scores = Score.objects.filter(sheet__assessment=sheet.assessment, score__isnull=False)
    means = scores.values("item_id").annotate(mean=Avg("score"))
    results = dict(ItemResult.objects.filter(assessment=sheet.assessment).values_list("item_id", "score"))
    assert results == {row["item_id"]: quantize(Decimal(str(row["mean"]))) for row in means}
    by_category = ItemResult.objects.filter(assessment=sheet.assessment).values("item__category_id").annotate(
        s=Sum("score"))
    assert dict(CategoryResult.objects.filter(assessment=sheet.assessment).values_list("category_id", "score")) == {
        row["item__category_id"]: row["s"] for row in by_category}
    fresh = Sheet.objects.get(pk=sheet.pk)
    assert fresh.total == Score.objects.filter(sheet=sheet).aggregate(s=Sum("score"))["s"]
    assert Assessment.objects.get(pk=sheet.assessment_id).total == sum(results.values())


def test_the_floor_and_the_app_toggle_every_item_and_leave_the_same_kind_of_state(sheet):
    save_app(save_edits(sheet.pk, 0))
    assert Score.objects.filter(sheet=sheet, score=0).count() == 0  # full marks first
    assert save_floor(sheet_pk=sheet.pk, user_pk=sheet.evaluator_id, n=1) == 9
    assert Score.objects.filter(sheet=sheet, score=0).exclude(reason="").count() == 32
    assert AuditEvent.objects.filter(sheet=sheet, sheet_version=3).count() == 64
    _stored_like_the_app(sheet)
    assert save_statements(save_edits(sheet.pk, 2)) == 8
    assert Score.objects.filter(sheet=sheet, score=0).count() == 0
    _stored_like_the_app(sheet)
