"""The worlds and helpers that more than one test module uses.

A test module never imports another test module: what several share lives here (plain builders
and helpers; a module declares its own fixtures over them), in tests/factories.py (the model
factories) or in a folder's conftest.py (fixtures)."""

from __future__ import annotations

import io
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_otp.oath import TOTP
from openpyxl import Workbook, load_workbook

from assessments.models import Assessment, AuditAction, AuditEvent, Round, Score, Sheet, SheetKind
from assessments.selectors.outline import outline_items
from assessments.services import assessment_approve, sheet_submit, stored_values
from assessments.services.evidence import evidence_add
from assessments.threeway import SCORE
from assessments.totals import compute_totals
from indicators.models import IndicatorSystem
from orgs.formats.tree_excel import COLUMNS
from orgs.models import Organization, OrgType, Role, RoleGrant
from orgs.services.bulk import NewNode, bulk_add_nodes
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

ROOT = Path(__file__).resolve().parent.parent  # the repository: manage.py, fixtures/, locale/, static/


def direct_sql(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def query_count(client: Client, address: str) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(address).status_code == 200
    return len(context.captured_queries)


# --- Signing in ---------------------------------------------------------------------------------

THROTTLE_PASSWORD = "correct-horse-1"  # the password of the login-throttle tests' users


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def signed_in(user, password: str = "pw-for-tests") -> Client:
    """A client signed in through the login page, as a browser is (force_login skips axes and the form)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.get_username(), "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


def attempt(client: Client, username: str, password: str, **meta: str):
    return client.post(reverse("login"), {"username": username, "password": password}, **meta)


def lock_out(username: str, address: str = "10.0.0.3") -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(Client(), username, "wrong", REMOTE_ADDR=address)


def totp_code(key: bytes, *, steps_ahead: int = 0) -> str:
    """What an authenticator app shows for this key now (or `steps_ahead` 30-second steps later)."""
    totp = TOTP(key)
    totp.time = totp.time + 30 * steps_ahead
    return f"{totp.token():06d}"


# --- Production settings, in a fresh interpreter -----------------------------------------------

# Anything a developer's shell may have set that would make the run differ from the README's.
DROPPED = {
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "DJANGO_ALLOW_ASYNC_UNSAFE",
    "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD",
    "PROXY_REDIRECTS_HTTPS",
}


def production(*args: str, **extra: str) -> subprocess.CompletedProcess:
    """manage.py under the environment of the README's deploy section (SQLite stands in for PostgreSQL)."""
    base = {k: v for k, v in os.environ.items() if k not in DROPPED}
    base.update(DJANGO_SETTINGS_MODULE="config.settings", SECRET_KEY=secrets.token_urlsafe(50),
                ALLOWED_HOSTS="kaoping.example.cn", CSRF_TRUSTED_ORIGINS="https://kaoping.example.cn")
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **extra},
                          capture_output=True, text=True, timeout=60)


# --- Indicators: the Django admin and the edition workbook ---------------------------------------

CHANGELIST = "admin:indicators_indicatorsystem_changelist"
VERSION_HEADER = ["考评项目", "子项目", "评分标准", "分值"]


def change_url(system: IndicatorSystem) -> str:
    return reverse("admin:indicators_indicatorsystem_change", args=[system.pk])


def inline_management(prefix: str, total: int, initial: int) -> dict[str, str]:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


# --- Orgs: the tree, its workbook, the people pages ----------------------------------------------

STRONG = "Dangjian-2026!"


def xlsx_upload(rows: Iterable[Iterable[object]], header: Iterable[str] = COLUMNS, name: str = "党组织.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def tree_state() -> list[tuple]:
    return list(Organization.objects.order_by("path").values_list("code", "name", "type", "is_active", "path", "numchild"))


def org(code: str) -> Organization:
    return Organization.objects.get(code=code)


def report_url(name: str, arg: object, **params: object) -> str:
    """A report page's address (`reports:<name>` of a round pk or an organization code) with its query."""
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return reverse(f"reports:{name}", args=[arg]) + (f"?{query}" if query else "")


def grow_tree() -> None:
    """From 6 organizations below the root to 40: 17 more branches in each district."""
    bulk_add_nodes(
        NewNode(f"{district}X{n:02d}", f"新增支部{district}{n}", OrgType.BRANCH, district)
        for district in ("BD000", "BD001") for n in range(17)
    )


def edit_url(person) -> str:
    return reverse("people:user_edit", args=[person.pk])


def grant_add_url(person) -> str:
    return reverse("people:grant_add", args=[person.pk])


def grant_remove_url(grant) -> str:
    return reverse("people:grant_remove", args=[grant.user_id, grant.pk])


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


# --- The whole site: every route, over one unit's data ----------------------------------------

SECRET_UNIT = "机密测试支部"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def all_routes():
    def walk(patterns, namespace=None):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                yield from walk(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                yield name, re.findall(r"<(?:\w+:)?(\w+)>", str(pattern.pattern))
    return list(walk(get_resolver().url_patterns))


def site_world(outline) -> dict[str, Any]:
    """A round, an assessment, sheets, evidence, a person and a grant: something behind every URL.

    The evidence file is stored under MEDIA_ROOT, which the caller points at a temporary folder."""
    unit = OrganizationFactory(code="SECRET-1", name=SECRET_UNIT)
    evaluator = user_with_role(Role.EVALUATOR)
    reporter = user_with_role(Role.REPORTER, unit)
    round = make_round(outline, title="机密批次")
    sheet = assign(round, unit, evaluator)
    fill(sheet, evaluator, {"1.1": 2})
    own = Sheet.objects.get(assessment=sheet.assessment, kind=SheetKind.SELF)
    evidence = evidence_add(
        assessment=sheet.assessment, item=outline.items.get(number="1.1"),
        upload=SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf"), user=reporter,
    )
    grant = RoleGrant.objects.get(user=reporter)
    return {
        "round": round.pk, "assessment": sheet.assessment_id, "sheet": sheet.pk, "self_sheet": own.pk,
        "evidence": evidence.pk, "code": unit.code, "user": reporter.pk, "grant": grant.pk,
        "version": outline.code,
    }


def url_for(name: str, params: list[str], world) -> str:
    values = []
    for param in params:
        if param == "code":
            values.append(world["version"] if name.startswith("indicators:") else world["code"])
        elif param == "sheet_pk":
            values.append(world["sheet"])
        elif param == "grant_pk":
            values.append(world["grant"])
        elif name.startswith("people:"):
            values.append(world["user"])
        elif name.startswith("assessments:evidence_d"):
            values.append(world["evidence"])
        elif name.startswith("assessments:round") or name.startswith("assessments:bulk"):
            values.append(world["round"])
        else:
            values.append(world["assessment"])
    return reverse(name, args=values)


def body(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")
