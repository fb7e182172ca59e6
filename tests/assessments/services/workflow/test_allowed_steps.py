"""The steps `allowed_steps` offers each role in each state, that the services accept exactly
those, and that the list filters (approvable_by, sheets_editable_by) select the same."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from assessments.access import (
    ASSESSMENT_STEPS,
    SHEET_STEPS,
    Step,
    allowed_steps,
    approvable_by,
    can_change_evidence,
    sheets_editable_by,
)
from assessments.entries import Entry
from assessments.models import (
    Assessment,
    Sheet,
    SheetKind,
)
from assessments.services import (
    assessment_approve,
    assessment_reopen,
    assessment_return,
    edits_from,
    round_close,
    sheet_save,
    sheet_submit,
    stored_values,
)
from tests.factories import fill, full_marks
from tests.worlds import (
    WORKFLOW_ROLES,
    AssessmentWorld,
    build_world,
    scored_by_the_approver,
    submit_all,
)

pytestmark = pytest.mark.django_db


STATES = ["draft", "submitted", "returned", "approved", "closed"]
SHEETS = {"self": "reporter", "review": "evaluator", "second review": "second"}


def _in_state(outline, state: str) -> AssessmentWorld:
    """The world of this module with every sheet complete (the unit's too), brought to `state`."""
    world = build_world(outline, submitted=False)
    own = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    for sheet, name in [(own, "reporter"), *zip(world.sheets, ("evaluator", "second"), strict=True)]:
        fill(sheet, world.users[name], full_marks(outline))
    if state != "draft":
        submit_all(world, outline)
    if state == "returned":
        assessment_return(assessment=world.assessment, user=world.users["approver"], reason="请补充")
    if state == "approved":
        assessment_approve(assessment=world.assessment, user=world.users["approver"])
    if state == "closed":
        round_close(round=world.round, user=world.users["admin"])
    world.refresh()
    return world


def _expected(role: str, state: str) -> set[Step]:
    if role in ("approver", "admin") and state == "submitted":
        return {Step.RETURN, Step.APPROVE}
    if role == "admin" and state == "approved":
        return {Step.REOPEN}
    return set()


def _expected_on_sheet(role: str, state: str, sheet: str) -> set[Step]:
    # The unit's sheet is never submitted here; the evaluators' are, from "submitted" on.
    open_states = {"draft", "submitted", "returned"} if sheet == "self" else {"draft", "returned"}
    return {Step.SAVE, Step.SUBMIT} if SHEETS[sheet] == role and state in open_states else set()


def _sheet(world: AssessmentWorld, name: str) -> Sheet:
    if name == "self":
        sheet = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    else:
        sheet = Sheet.objects.get(pk=world.sheets[0 if name == "review" else 1].pk)
    sheet.assessment = world.assessment
    return sheet


def _cases(world: AssessmentWorld) -> Iterator[tuple[str, str | None, Sheet | None]]:
    """Every role, on the assessment (no sheet) and on each of its sheets."""
    for role in [*WORKFLOW_ROLES, "second"]:
        yield role, None, None
        for name in SHEETS:
            yield role, name, _sheet(world, name)


@pytest.mark.parametrize("state", STATES)
def test_allowed_steps_are_the_steps_of_each_role_in_each_state(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        expected = _expected(role, state) if name is None else _expected_on_sheet(role, state, name)
        assert allowed_steps(world.users[role], world.assessment, sheet) == expected, (role, state, name)


class _Undo(Exception):
    """Raised inside a step taken only to see whether its service accepts it."""


def _take(world: AssessmentWorld, step: Step, user: Any, sheet: Sheet | None) -> None:
    if step == Step.RETURN:
        assessment_return(assessment=world.assessment, user=user, reason="请补充")
    elif step == Step.APPROVE:
        assessment_approve(assessment=world.assessment, user=user)
    elif step == Step.REOPEN:
        assessment_reopen(assessment=world.assessment, user=user, reason="复查")
    elif sheet is None:
        raise AssertionError(f"{step} is taken on a sheet")
    elif step == Step.SUBMIT:
        sheet_submit(sheet=sheet, user=user)
    else:
        item = world.round.indicator_system.items.get(number="1.1")
        sheet_save(sheet=sheet, user=user, edits=edits_from({item.pk: Entry(Decimal("1"), "不足")}, stored_values(sheet)))


def _service_accepts(world: AssessmentWorld, step: Step, user: Any, sheet: Sheet | None) -> bool:
    try:
        with transaction.atomic():
            _take(world, step, user, sheet)
            raise _Undo
    except _Undo:
        return True
    except (PermissionDenied, ValidationError):
        return False


@pytest.mark.parametrize("state", STATES)
def test_the_services_accept_exactly_the_allowed_steps(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        user = world.users[role]
        offered = allowed_steps(user, world.assessment, sheet)
        for step in ASSESSMENT_STEPS if sheet is None else SHEET_STEPS:
            assert _service_accepts(world, step, user, sheet) == (step in offered), (role, state, step, name)


@pytest.mark.parametrize("state", STATES)
def test_the_filters_of_lists_select_exactly_what_the_steps_allow(outline, state):
    world = _in_state(outline, state)
    for role, name, sheet in _cases(world):
        user = world.users[role]
        if sheet is None:
            listed = Assessment.objects.filter(approvable_by(user), pk=world.assessment.pk).exists()
            assert listed == (Step.APPROVE in allowed_steps(user, world.assessment)), (role, state)
        else:
            listed = Sheet.objects.filter(sheets_editable_by(user), pk=sheet.pk).exists()
            assert listed == (Step.SAVE in allowed_steps(user, world.assessment, sheet)), (role, state, name)


@pytest.mark.parametrize("state", STATES)
def test_evidence_changes_with_the_unit_s_own_sheet(outline, state):
    world = _in_state(outline, state)
    own = _sheet(world, "self")
    for role in [*WORKFLOW_ROLES, "second"]:
        user = world.users[role]
        expected = Step.SAVE in allowed_steps(user, world.assessment, own)
        assert can_change_evidence(user, world.assessment) == expected, (role, state)
        assert can_change_evidence(user, world.assessment, own) == expected, (role, state)


def test_an_assessment_the_approver_scored_is_not_listed_as_theirs_to_approve(outline):
    world = scored_by_the_approver(outline)
    approver = world.users["approver"]
    assert not Assessment.objects.filter(approvable_by(approver)).exists()
    assert Assessment.objects.filter(approvable_by(world.users["admin"])).get() == world.assessment
