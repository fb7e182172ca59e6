"""Reports: scored rounds."""

from __future__ import annotations

from decimal import Decimal

from assessments.models import Assessment
from assessments.services import assessment_approve, sheet_submit
from orgs.models import Organization, Role
from tests.factories import (
    UserFactory,
    assign,
    build_tree,
    fill,
    full_marks,
    make_round,
    user_with_role,
)

# --- Reports: scored rounds ---------------------------------------------------------------------

# Totals: 99, 98, 98 in district 0; 97, 92 in district 1; BD001B0002 scores 100 but is only submitted.
PLAN = {
    "BD000B0000": {"1.1": "2"},
    "BD000B0001": {"1.1": "1"},
    "BD000B0002": {"1.2": "0"},
    "BD001B0000": {"4.2": "5"},
    "BD001B0001": {"4.2": "0"},
}
DISTRICT_0 = ("BD000B0000", "BD000B0001", "BD000B0002")


def score_unit(round, unit, evaluator, approver, deductions: dict[str, str], *, approve: bool = True):
    marks = full_marks(round.indicator_system)
    marks.update({number: Decimal(value) for number, value in deductions.items()})
    sheet = assign(round, unit, evaluator)
    fill(sheet, evaluator, marks)
    sheet_submit(sheet=sheet, user=evaluator)
    if approve:
        assessment_approve(assessment=Assessment.objects.get(pk=sheet.assessment_id), user=approver)


def scored_world(outline) -> dict:
    """Two districts of three branches, five approved assessments with a tie, one submitted one."""
    build_tree(districts=2, branches_per_district=3)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, year=2025, title="2025年度考评")
    for code, deductions in PLAN.items():
        score_unit(round, Organization.objects.get(code=code), evaluator, admin, deductions)
    score_unit(round, Organization.objects.get(code="BD001B0002"), evaluator, admin, {}, approve=False)
    return {
        "round": round,
        "admin": admin,
        "evaluator": evaluator,
        "analyst": user_with_role(Role.ANALYST, Organization.objects.get(code="BD001")),
        "reporter": user_with_role(Role.REPORTER, Organization.objects.get(code="BD001B0000")),
        "outsider": UserFactory(),
    }
