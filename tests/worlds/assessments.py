"""Assessments: one unit through the workflow, the round pages, bulk entry from Excel."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from assessments.models import Assessment, AuditAction, AuditEvent, Round, Score, Sheet, SheetKind
from assessments.selectors.outline import outline_items
from assessments.services import assessment_approve, sheet_submit, stored_values
from assessments.threeway import SCORE
from assessments.totals import compute_totals
from orgs.models import Organization, OrgType, Role
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
from tests.worlds.base import logged_in

# --- Assessments: one unit through the workflow ------------------------------------------------

@dataclass
class AssessmentWorld:
    round: Any
    assessment: Assessment
    unit: Organization
    sheets: list[Sheet]
    users: dict[str, Any]

    def refresh(self) -> Assessment:
        self.assessment.refresh_from_db()
        return self.assessment

    def url(self, name: str) -> str:
        return reverse(f"assessments:{name}", args=[self.assessment.pk])


def build_world(outline, *, submitted: bool = True, threshold: str = "1", **round_fields) -> AssessmentWorld:
    """One unit of 中山区 scored by two evaluators, with a user for every role around it."""
    city = OrganizationFactory(code="CITY", name="市委", type=OrgType.CITY)
    district = OrganizationFactory(parent=city, code="ZS", name="中山区委", type=OrgType.DISTRICT)
    elsewhere = OrganizationFactory(parent=city, code="XG", name="西岗区委", type=OrgType.DISTRICT)
    unit = OrganizationFactory(parent=district, code="ZS-1", name="中山区第一支部")
    users = {
        "evaluator": user_with_role(Role.EVALUATOR, username="eva", first_name="张考评"),
        "second": user_with_role(Role.EVALUATOR, username="eva2", first_name="李考评"),
        "reporter": user_with_role(Role.REPORTER, unit, username="rep", first_name="王填报"),
        "analyst": user_with_role(Role.ANALYST, district, username="ana", first_name="赵分析"),
        "approver": UserFactory(username="apv", first_name="孙审核"),
        "admin": user_with_role(Role.ADMIN, username="adm", first_name="周管理"),
        "outsider": user_with_role(Role.ANALYST, elsewhere, username="out", first_name="吴外人"),
    }
    round = make_round(
        outline, approvers=[users["approver"]], disagreement_threshold=Decimal(threshold), **round_fields
    )
    sheets = [assign(round, unit, users["evaluator"], lead=True), assign(round, unit, users["second"])]
    world = AssessmentWorld(round, Assessment.objects.get(round=round, organization=unit), unit, sheets, users)
    if submitted:
        submit_all(world, outline)
    return world


def submit_all(world: AssessmentWorld, outline, scores: dict | None = None) -> None:
    for sheet, name in zip(world.sheets, ("evaluator", "second"), strict=True):
        user = world.users[name]
        fill(sheet, user, scores or full_marks(outline))
        sheet.refresh_from_db()
        sheet_submit(sheet=sheet, user=user)
    world.refresh()


# The roles around an assessment of build_world, in the order the workflow tests ask them.
WORKFLOW_ROLES = ["evaluator", "reporter", "analyst", "approver", "admin", "outsider"]


def scored_by_the_approver(outline) -> AssessmentWorld:
    """The world, submitted, in which the round's approver is one of the unit's evaluators too."""
    world = build_world(outline, submitted=False)
    approver = world.users["approver"]
    own = assign(world.round, world.unit, approver)
    fill(own, approver, full_marks(outline))
    sheet_submit(sheet=Sheet.objects.get(pk=own.pk), user=approver)
    submit_all(world, outline)
    return world


def state_steps(world: AssessmentWorld) -> list[tuple[str, str, str]]:
    """The state moves of the assessment itself in its history: (who, old, new)."""
    return list(
        AuditEvent.objects.filter(assessment=world.assessment, action=AuditAction.STATE, sheet__isnull=True)
        .order_by("id").values_list("actor__username", "old", "new")
    )


def approved_world(outline, **round_fields) -> AssessmentWorld:
    """build_world, approved by its approver."""
    world = build_world(outline, **round_fields)
    assessment_approve(assessment=world.assessment, user=world.users["approver"])
    world.refresh()
    return world


def assert_totals(sheet: Sheet) -> None:
    sheet.refresh_from_db()
    items = outline_items(sheet.assessment.round.indicator_system)
    totals = compute_totals(items, {item_id: value for (item_id, field), value in stored_values(sheet).items()
                                    if field == SCORE})
    assert (sheet.total, sheet.scored_count) == (totals.total, totals.scored)
    assessment = Assessment.objects.get(pk=sheet.assessment_id)
    if sheet.version == 1:
        return  # never saved: nothing stored on the assessment yet
    if sheet.kind == SheetKind.SELF:
        assert assessment.self_total == totals.total
    else:
        assert assessment.total == (totals.total if totals.scored else None)


# --- Assessments: the round pages ---------------------------------------------------------------

ANONYMOUS, OUTSIDER, ANALYST, EVALUATOR, APPROVER, REPORTER, ADMIN = (
    "anonymous", "outsider", "analyst", "evaluator", "approver", "reporter", "admin"
)
DEADLINE = "2100-06-30"


@dataclass
class RoundWorld:
    round: Round
    users: dict[str, Any]

    def client(self, who: str) -> Client:
        return Client() if who == ANONYMOUS else logged_in(self.users[who])

    def url(self, name: str, **query: str) -> str:
        url = reverse(f"assessments:{name}", args=[self.round.pk])
        return f"{url}?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else url


def round_world(outline) -> RoundWorld:
    """A round over two districts: 0 has two branches in it, 1 has one; one evaluator per district."""
    build_tree(districts=2, branches_per_district=3)
    district0 = Organization.objects.get(code="BD000")
    users = {
        OUTSIDER: UserFactory(username="out"),
        ANALYST: user_with_role(Role.ANALYST, district0, username="ana"),
        EVALUATOR: user_with_role(Role.EVALUATOR, username="eva", first_name="张考评"),
        "evaluator2": user_with_role(Role.EVALUATOR, username="eva2", first_name="李考评"),
        APPROVER: UserFactory(username="apv", first_name="孙审核"),
        REPORTER: user_with_role(Role.REPORTER, Organization.objects.get(code="BD000B0000"), username="rep"),
        ADMIN: user_with_role(Role.ADMIN, username="adm"),
    }
    round = make_round(outline, title="年度考评", approvers=[users[APPROVER]])
    assign(round, Organization.objects.get(code="BD000B0000"), users[EVALUATOR], lead=True)
    assign(round, Organization.objects.get(code="BD000B0000"), users["evaluator2"])
    assign(round, Organization.objects.get(code="BD000B0001"), users["evaluator2"])
    assign(round, Organization.objects.get(code="BD001B0000"), users["evaluator2"])
    return RoundWorld(round, users)


def row_codes(response) -> list[str]:
    return [row.organization.code for row in response.context["page_obj"]]


def message_texts(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Assessments: bulk entry from Excel ---------------------------------------------------------

S11, R11 = "1.1 领导重视（3分）", "1.1 扣分理由"
S12, R12 = "1.2 组织健全（2分）", "1.2 扣分理由"


def bulk_world(outline) -> dict[str, Any]:
    """Two units of one evaluator in this year's round, beside units they may not touch."""
    district = OrganizationFactory(code="ZS", name="中山区委")
    units = [OrganizationFactory(parent=district, code=f"ZS0{n}", name=f"中山区第{n}支部") for n in (1, 2)]
    round = make_round(outline)
    evaluator = user_with_role(Role.EVALUATOR, first_name="王考评")
    sheets = [assign(round, unit, evaluator) for unit in units]
    # A unit of another evaluator in this round, and one the evaluator scored last year only.
    assign(round, OrganizationFactory(code="XG01", name="西岗区第一支部"), user_with_role(Role.EVALUATOR))
    last_year = make_round(outline, year=2025)
    assign(last_year, OrganizationFactory(code="GJZ01", name="甘井子区第一支部"), evaluator)
    return {"round": round, "evaluator": evaluator, "sheets": sheets, "client": logged_in(evaluator)}


def template_url(world):
    return reverse("assessments:bulk_template", args=[world["round"].pk])


def upload_url(world):
    return reverse("assessments:bulk_upload", args=[world["round"].pk])


def download(world):
    response = world["client"].get(template_url(world))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def edited(content: bytes, changes: dict[tuple[str, str], object]) -> bytes:
    """The file with cells changed, addressed by (organization code, header title)."""
    workbook = load_workbook(io.BytesIO(content))
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in sheet[1]]
    row_of = {sheet.cell(row=r, column=1).value: r for r in range(2, sheet.max_row + 1)}
    for (code, title), value in changes.items():
        sheet.cell(row=row_of[code], column=header.index(title) + 1, value=value)
    target = io.BytesIO()
    workbook.save(target)
    return target.getvalue()


def post(world, content: bytes, name="我的评分.xlsx"):
    return world["client"].post(upload_url(world), {"file": SimpleUploadedFile(name, content)})


def state():
    """Everything an import could write."""
    return (
        sorted(Score.objects.values_list("sheet_id", "item__number", "score", "reason")),
        AuditEvent.objects.count(),
        sorted(Sheet.objects.values_list("pk", "version", "total")),
        sorted(Assessment.objects.values_list("pk", "total")),
    )


def problems(response) -> list[tuple[str, str, str]]:
    """The rows of the problems table as (行号, 列, 问题) text."""
    html = response.content.decode()
    cells = re.findall(r'<tr class="problem-row">\s*<td>(.*?)</td>\s*<td[^>]*>(.*?)</td>\s*<td>(.*?)</td>', html, re.S)
    return [(row, re.sub(r"<[^>]+>", "", column).strip(), message) for row, column, message in cells]


def assert_refused(world, content, expected: list[tuple[str, str, str]] | str, name="我的评分.xlsx"):
    before = state()
    response = post(world, content, name)
    assert response.status_code == 400
    assert "没有导入任何数据" in response.content.decode()
    if isinstance(expected, str):
        assert expected in response.content.decode().replace("\xa0", " ")
    else:
        assert problems(response) == expected
    assert state() == before
    return response
