"""Reads of one assessment that its pages show: sheets, scores, merged results, evidence."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from assessments.models import Assessment, AuditAction, Sheet, SheetKind
from assessments.selectors.assessment import (
    assessment_sheets,
    category_results,
    evidence_counts,
    evidence_of_item,
    history,
    history_without_reviews,
    item_results,
    score_values,
    self_sheet_of,
    sheet_as_stored,
)
from assessments.services.evidence import evidence_add
from indicators.models import Item
from tests.factories import fill
from tests.worlds import PDF, build_world, submit_all

pytestmark = pytest.mark.django_db


@pytest.fixture
def uploads(settings, tmp_path):
    """Evidence files are stored in a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


def add_evidence(world, number: str, name: str = "记录.pdf"):
    item = Item.objects.get(system=world.round.indicator_system, number=number)
    upload = SimpleUploadedFile(name, PDF, content_type="application/pdf")
    return evidence_add(assessment=world.assessment, item=item, upload=upload, user=world.users["reporter"])


def test_it_lists_the_reviews_lead_first_then_the_self_sheet_in_one_query(outline, django_assert_num_queries):
    world = build_world(outline, submitted=False)
    lead, second = world.sheets
    assessment = Assessment.objects.get(pk=world.assessment.pk)

    with django_assert_num_queries(1):
        sheets = assessment_sheets(assessment)
        names = [sheet.evaluator.username if sheet.evaluator else None for sheet in sheets]

    assert [sheet.pk for sheet in sheets[:2]] == [lead.pk, second.pk]
    assert sheets[2].kind == SheetKind.SELF
    assert names == ["eva", "eva2", None]


def test_the_sheets_stay_on_the_assessment_for_the_step_rules(outline, django_assert_num_queries):
    world = build_world(outline, submitted=False)
    assessment = Assessment.objects.get(pk=world.assessment.pk)
    sheets = assessment_sheets(assessment)

    with django_assert_num_queries(0):
        assert list(assessment.sheets.all()) == sheets


def test_a_sheet_as_stored_has_the_version_another_save_left(outline):
    world = build_world(outline, submitted=False)
    sheet = world.sheets[0]
    loaded_version = sheet.version
    fill(Sheet.objects.get(pk=sheet.pk), world.users["evaluator"], {"1.1": "1"})

    fresh = sheet_as_stored(sheet)

    assert sheet.version == loaded_version
    assert fresh.version == loaded_version + 1
    assert fresh.evaluator == world.users["evaluator"]


def test_score_values_are_the_sheets_own_scores_by_item(outline):
    world = build_world(outline, submitted=False)
    fill(world.sheets[0], world.users["evaluator"], {"1.1": "1.5", "1.2": None})
    fill(world.sheets[1], world.users["second"], {"1.1": "2"})
    items = dict(Item.objects.filter(system=outline).values_list("number", "id"))

    values = score_values(world.sheets[0])

    assert values[items["1.1"]] == Decimal("1.5")
    assert values.get(items["1.2"]) is None
    assert items["2.1"] not in values


def test_the_self_sheet_is_the_units_own(outline):
    world = build_world(outline, submitted=False)

    own = self_sheet_of(world.assessment)

    assert own is not None
    assert own.kind == SheetKind.SELF
    assert own.assessment_id == world.assessment.pk


def test_merged_results_are_by_item_and_by_category(outline):
    world = build_world(outline, submitted=False)
    marks = dict(Item.objects.filter(system=outline).values_list("number", "cap"))
    submit_all(world, outline, {**marks, "1.1": "1"})
    item = Item.objects.get(system=outline, number="1.1")

    results = item_results(world.assessment)
    subtotals = category_results(world.assessment)

    assert len(results) == Item.objects.filter(system=outline).count()
    assert results[item.pk].score == Decimal("1")
    category_caps = sum((cap for number, cap in marks.items() if number.startswith("1.")), Decimal("0"))
    assert subtotals[item.category_id] == category_caps - marks["1.1"] + Decimal("1")


def test_there_are_no_merged_results_before_any_review_score(outline):
    world = build_world(outline, submitted=False)

    assert item_results(world.assessment) == {}
    assert category_results(world.assessment) == {}


def test_evidence_is_counted_per_item_and_items_without_any_are_left_out(outline, uploads):
    world = build_world(outline, submitted=False)
    first = add_evidence(world, "1.1", "一.pdf")
    add_evidence(world, "1.1", "二.pdf")
    other = add_evidence(world, "3.2")

    counts = evidence_counts(world.assessment)

    assert counts == {first.item_id: 2, other.item_id: 1}


def test_the_evidence_of_an_item_is_that_items_only(outline, uploads, django_assert_num_queries):
    world = build_world(outline, submitted=False)
    first = add_evidence(world, "1.1", "一.pdf")
    second = add_evidence(world, "1.1", "二.pdf")
    add_evidence(world, "3.2")

    with django_assert_num_queries(1):
        files = evidence_of_item(world.assessment, first.item)
        uploaders = {evidence.uploaded_by.username for evidence in files}

    assert [evidence.pk for evidence in files] == [first.pk, second.pk]
    assert uploaders == {"rep"}


def test_the_history_without_reviews_keeps_the_users_own_sheet_and_the_unit_side(outline):
    world = build_world(outline, submitted=False)
    evaluator = world.users["evaluator"]
    own = self_sheet_of(world.assessment)
    fill(own, world.users["reporter"], {"1.1": "1.5"})
    submit_all(world, outline)  # both reviews scored and in: the assessment's own state changes too
    everything = list(history(world.assessment))
    assert {event.action for event in everything} >= {AuditAction.ASSIGNMENT, AuditAction.SCORE, AuditAction.STATE}
    assert any(event.sheet_id == world.sheets[1].pk for event in everything)

    seen = list(history_without_reviews(world.assessment, evaluator))

    assert seen == [
        event for event in everything
        if event.action != AuditAction.ASSIGNMENT and event.sheet_id in (None, own.pk, world.sheets[0].pk)
    ]
    assert {event.sheet_id for event in seen} == {None, own.pk, world.sheets[0].pk}
    assert {event.sheet_id for event in history_without_reviews(world.assessment, world.users["reporter"])} == {
        None, own.pk,
    }
