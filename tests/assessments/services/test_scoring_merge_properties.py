"""Property tests of the merge: random interleavings of saves by several people, each from the
base they last loaded, through the save service and through the Excel round trip.

For every run: each accepted change is in the final sheet unless a later accepted save changed
the same field having seen it; a refused save changes nothing; a save writes only fields its
author changed; stored totals equal `compute_totals` of the stored scores.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from assessments.formats.bulk import item_columns, write_scores
from assessments.models import AuditEvent, Sheet, SheetKind
from assessments.selectors.outline import round_items
from assessments.services import SheetConflict, round_add_organizations, sheet_save, stored_values
from assessments.services.bulk import IMPORT_NOTE, bulk_import, template_rows
from assessments.threeway import REASON, SCORE, Edit, same
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, assign, make_round, user_with_role
from tests.worlds import assert_totals

pytestmark = pytest.mark.django_db
NUMBERS = ("1.1", "2.2", "4.2", "1.2")
REASONS = ("", "材料不全", "记录缺失", "未按时")
RUNS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


class Rollback(Exception):
    """Ends an example's transaction so that the next one starts from the same data."""


def typed_item(cap: Decimal) -> st.SearchStrategy[tuple[Decimal | None, str]]:
    """A valid pair a person could type: a half point within the cap, a reason when below it."""
    steps = int(cap * 2)
    score = st.one_of(st.none(), st.integers(0, steps).map(lambda n: Decimal(n) / 2))
    return score.flatmap(lambda s: st.tuples(
        st.just(s), st.sampled_from(REASONS[1:] if s is not None and s < cap else REASONS)))


def steps_for(caps: dict[str, Decimal], people: int, kinds: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    changes = st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3, unique=True).flatmap(
        lambda numbers: st.fixed_dictionaries({number: typed_item(caps[number]) for number in numbers}))
    step = st.tuples(st.sampled_from(kinds), st.integers(0, people - 1), changes)
    return st.lists(step, min_size=2, max_size=10)


class Ledger:
    """What was accepted and refused, to check the properties against the final sheet."""

    def __init__(self) -> None:
        self.accepted: list[tuple[dict, dict]] = []  # (writes, bases) per accepted save, in order

    def accept(self, writes: dict, bases: dict) -> None:
        self.accepted.append((writes, bases))

    def check(self, final: dict) -> None:
        for index, (writes, _bases) in enumerate(self.accepted):
            for key, value in writes.items():
                kept = same(final.get(key, None if key[1] == SCORE else ""), value)
                seen = any(key in later and same(later_bases.get(key), value)
                           for later, later_bases in self.accepted[index + 1:])
                assert kept or seen, f"accepted change {key}={value!r} lost"


def snapshot(sheet: Sheet) -> tuple:
    return (sorted(stored_values(sheet).items(), key=repr), Sheet.objects.get(pk=sheet.pk).version,
            AuditEvent.objects.count())


def edits_over(base: dict, ids: dict[str, int], changes: dict) -> dict:
    edits = {}
    for number, (score, reason) in changes.items():
        item_id = ids[number]
        edits[(item_id, SCORE)] = Edit(base.get((item_id, SCORE)), score)
        edits[(item_id, REASON)] = Edit(base.get((item_id, REASON), ""), reason)
    return edits


@pytest.fixture
def shared_sheet(outline):
    unit = OrganizationFactory(code="P1")
    round = make_round(outline)
    round_add_organizations(round=round, organizations=Organization.objects.filter(pk=unit.pk), user=None)
    people = [user_with_role(Role.REPORTER, unit, username=f"r{n}") for n in range(3)]
    sheet = Sheet.objects.get(assessment__organization=unit, kind=SheetKind.SELF)
    return sheet, people, dict(outline.items.values_list("number", "id")), dict(outline.items.values_list("number", "cap"))


@given(data=st.data())
@RUNS
def test_interleaved_saves_never_lose_an_accepted_change(shared_sheet, data):
    sheet, people, ids, caps = shared_sheet
    steps = data.draw(steps_for(caps, len(people), ("load", "save")))
    try:
        with transaction.atomic():
            loaded = {n: ({}, 1) for n in range(len(people))}  # everyone opened the empty sheet
            ledger = Ledger()
            for kind, who, changes in steps:
                if kind == "load":
                    loaded[who] = (stored_values(sheet), Sheet.objects.get(pk=sheet.pk).version)
                    continue
                base, version = loaded[who]
                edits = edits_over(base, ids, changes)
                before = snapshot(sheet)
                try:
                    result = sheet_save(sheet=sheet, user=people[who], edits=edits, base_version=version)
                except SheetConflict:
                    assert snapshot(sheet) == before
                    continue
                written = {key: edits[key].value for key in result.written}
                assert all(edits[key].changed for key in written)
                events = AuditEvent.objects.filter(sheet=sheet, sheet_version=result.sheet.version)
                assert {(e.item_id, e.action) for e in events} == set(written) if written else True
                ledger.accept(written, {key: edit.base for key, edit in edits.items()})
                assert_totals(sheet)
            ledger.check(stored_values(sheet))
            raise Rollback
    except Rollback:
        pass


# --- The same through the Excel round trip ------------------------------------------------------

@pytest.fixture
def evaluator_sheets(outline):
    round = make_round(outline)
    evaluator = user_with_role(Role.EVALUATOR, username="eva")
    sheets = [assign(round, OrganizationFactory(code=f"E{n}"), evaluator) for n in range(2)]
    return round, evaluator, sheets, dict(outline.items.values_list("number", "id")), \
        dict(outline.items.values_list("number", "cap"))


def template(round, evaluator) -> bytes:
    columns, rows = template_rows(round=round, user=evaluator)
    target = io.BytesIO()
    write_scores(columns, rows, target, about=[], round_id=round.pk, user_id=evaluator.pk)
    return target.getvalue()


def filled(content: bytes, round, code: str, changes: dict) -> bytes:
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(row=r, column=1).value == code)
    titles = {column.item_id: column for column in item_columns(round_items(round))}
    numbers = {item.number: item.pk for item in round_items(round)}
    for number, (score, reason) in changes.items():
        column = titles[numbers[number]]
        # A blank score cell means "leave the item alone": the pair is then left out.
        if score is None:
            continue
        sheet.cell(row=row, column=header.index(column.score_title) + 1, value=float(score))
        sheet.cell(row=row, column=header.index(column.reason_title) + 1, value=reason or None)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


@given(data=st.data())
@RUNS
def test_excel_round_trips_interleaved_with_form_saves_never_lose_an_accepted_change(evaluator_sheets, data):
    round, evaluator, sheets, ids, caps = evaluator_sheets
    steps = data.draw(steps_for(caps, len(sheets), ("load", "save", "download", "upload")))
    try:
        with transaction.atomic():
            forms = {n: ({}, 1) for n in range(len(sheets))}
            templates: list[tuple[bytes, dict]] = [(template(round, evaluator), {})]
            ledgers = {n: Ledger() for n in range(len(sheets))}
            for kind, which, changes in steps:
                sheet = sheets[which]
                if kind == "load":
                    forms[which] = (stored_values(sheet), Sheet.objects.get(pk=sheet.pk).version)
                elif kind == "download":
                    templates.append((template(round, evaluator), {s.pk: stored_values(s) for s in sheets}))
                elif kind == "save":
                    base, version = forms[which]
                    edits = edits_over(base, ids, changes)
                    try:
                        result = sheet_save(sheet=sheet, user=evaluator, edits=edits, base_version=version)
                    except SheetConflict:
                        continue
                    ledgers[which].accept({key: edits[key].value for key in result.written},
                                          {key: edit.base for key, edit in edits.items()})
                else:
                    content, bases = templates[-1]
                    code = sheet.assessment.organization.code
                    before = snapshot(sheet)
                    last_event = AuditEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0
                    upload = SimpleUploadedFile("t.xlsx", filled(content, round, code, changes))
                    result, problems = bulk_import(round=round, user=evaluator, upload=upload)
                    if result is None:
                        assert snapshot(sheet) == before
                        assert problems
                        continue
                    events = AuditEvent.objects.filter(id__gt=last_event, sheet=sheet, note=IMPORT_NOTE)
                    current = stored_values(sheet)
                    written = {(e.item_id, SCORE if e.action == "score" else REASON) for e in events}
                    base = bases.get(sheet.pk, {})
                    ledgers[which].accept({key: current[key] for key in written},
                                          {key: base.get(key, None if key[1] == SCORE else "") for key in current})
                assert_totals(sheet)
            for which, sheet in enumerate(sheets):
                ledgers[which].check(stored_values(sheet))
            raise Rollback
    except Rollback:
        pass
