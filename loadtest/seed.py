"""The load database: a round of 100 units, 100 evaluators and a few reporters, every sheet filled;
two closed, approved rounds before it, and analysts who read their reports.

Who each simulated client is comes from here too (the manifest), so that the crowding is on
purpose: in every ten clients three form clients and one Excel client share one evaluator's
login (and so that evaluator's two sheets), one is a reporter of a unit whose self-assessment
three other reporters edit as well, and five have an evaluator of their own.

Analysts are scoped as the demo's are (demo/accounts.py: one at the city committee, the others at
a district): a third of them city-wide, the rest spread over the five districts. They read the
last closed round, as in a season the propaganda department compares last year's results while
evaluators score this year's; the closed rounds come from demo.rounds.build_closed_round, so they
hold whatever stored rows the reports read, written the way the demo writes them.
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db.models import Max
from django.urls import reverse

from assessments.entries import Entry
from assessments.models import AuditEvent, Sheet, SheetKind
from assessments.services import edits_from, round_assign, round_create, sheet_save, stored_values
from demo.rounds import build_closed_round
from indicators.models import IndicatorSystem, Item
from orgs.models import Organization, OrgType, Role, RoleGrant, subtree_of
from orgs.services.bulk import NewNode, bulk_add_nodes

UNITS = 100
EVALUATORS = 100
SHARED_SELF_UNITS = 3
REPORTERS_PER_UNIT = 4
GROUP = 10  # clients per group: slots 0-2 and 9 share one evaluator, 8 is a reporter, 3-7 on their own
OUTLINE = "dalian-2010"
DISTRICTS = UNITS // 20
CLOSED_YEARS = (2024, 2025)
RANKING_PAGE = 50  # reports.views.ranking.PAGE_SIZE: the deepest page of a scope is its last one


def unit_code(number: int) -> str:
    return f"LT-D{number // 20}-B{number:03d}"


def _tree() -> list[Organization]:
    nodes = [NewNode("LT", "压测市委", OrgType.CITY)]
    nodes += [NewNode(f"LT-D{d}", f"压测区{d}", OrgType.DISTRICT, "LT") for d in range(UNITS // 20)]
    nodes += [NewNode(unit_code(n), f"压测支部{n:03d}", OrgType.BRANCH, f"LT-D{n // 20}") for n in range(UNITS)]
    bulk_add_nodes(nodes)
    by_code = Organization.objects.in_bulk([unit_code(n) for n in range(UNITS)], field_name="code")
    return [by_code[unit_code(n)] for n in range(UNITS)]


def _accounts(password: str, units: list[Organization]) -> tuple[list[Any], list[list[Any]]]:
    User = get_user_model()
    # One hash for all: hashing a password is slow on purpose.
    hashed = make_password(password)
    evaluators = [User(username=f"load_e{n:03d}", first_name=f"压测考评员{n:03d}", password=hashed)
                  for n in range(EVALUATORS)]
    reporters = [[User(username=f"load_r{u}_{r}", first_name=f"压测填报员{u}-{r}", password=hashed)
                  for r in range(REPORTERS_PER_UNIT)] for u in range(SHARED_SELF_UNITS)]
    User.objects.bulk_create(evaluators + [user for group in reporters for user in group])
    by_name = User.objects.in_bulk([u.username for u in evaluators] + [u.username for g in reporters for u in g],
                                   field_name="username")
    evaluators = [by_name[u.username] for u in evaluators]
    reporters = [[by_name[u.username] for u in group] for group in reporters]
    RoleGrant.objects.bulk_create([RoleGrant(user=user, role=Role.EVALUATOR) for user in evaluators])
    RoleGrant.objects.bulk_create([
        RoleGrant(user=user, role=Role.REPORTER, organization=units[_self_unit(u)])
        for u, group in enumerate(reporters) for user in group
    ])
    return evaluators, reporters


def _analysts(hashed: str, count: int) -> list[dict[str, Any]]:
    """`count` analyst accounts, each with its scope's code (the city, or a district)."""
    User = get_user_model()
    scopes = ["LT" if n % 3 == 0 else f"LT-D{n % DISTRICTS}" for n in range(count)]
    names = [f"load_a{n:03d}" for n in range(count)]
    User.objects.bulk_create([User(username=name, first_name=f"压测分析员{name[6:]}", password=hashed)
                              for name in names])
    users = User.objects.in_bulk(names, field_name="username")
    organizations = Organization.objects.in_bulk(sorted(set(scopes)), field_name="code")
    RoleGrant.objects.bulk_create([RoleGrant(user=users[name], role=Role.ANALYST, organization=organizations[scope])
                                   for name, scope in zip(names, scopes, strict=True)])
    return [{"username": name, "scope": scope} for name, scope in zip(names, scopes, strict=True)]


def _report_pages(round_id: int, scope: str, chooser: random.Random) -> dict[str, str]:
    """The report pages an analyst of `scope` opens, by locust name: the ranking at its first and
    last page and sorted by a category, the rollup, weak items, two comparisons and a trend."""
    inside = Organization.objects.filter(subtree_of(Organization.objects.get(code=scope).path), depth__gt=1)
    codes = list(inside.order_by("path").values_list("code", flat=True))
    branches = [code for code in codes if code.count("-") == 2]
    last_page = max(1, -(-len(codes) // RANKING_PAGE))
    ranking = reverse("reports:ranking", args=[round_id])
    compare = reverse("reports:compare", args=[round_id])
    return {
        "ranking page 1": ranking,
        "ranking last page": f"{ranking}?page={last_page}",
        "ranking by category": f"{ranking}?sort=-c{chooser.randint(1, 7)}",
        "rollup": reverse("reports:rollup", args=[round_id]),
        "weak items": reverse("reports:weak", args=[round_id]),
        "compare 3": compare + "?" + "&".join(f"org={code}" for code in chooser.sample(branches, 3)),
        "compare 10": compare + "?" + "&".join(f"org={code}" for code in chooser.sample(branches, 10)),
        "trend": reverse("reports:trend", args=[chooser.choice(branches)]),
    }


def _self_unit(shared: int) -> int:
    return UNITS // 2 + shared


def _fill(sheet: Sheet, user: Any, items: list[Item], chooser: random.Random) -> None:
    entries = {}
    for item in items:
        score = Decimal(chooser.randint(int(item.cap), int(item.cap * 2))) / 2
        entries[item.pk] = Entry(score, "" if score == item.cap else "初始：部分材料不全")
    sheet_save(sheet=sheet, user=user, edits=edits_from(entries, stored_values(sheet)), base_version=sheet.version)


def _sheet_ref(sheet: Sheet) -> dict[str, Any]:
    return {
        "id": sheet.pk,
        "code": sheet.assessment.organization.code,
        "url": reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk]),
    }


def _client(slot: int, group: int, evaluators: list[Any], reporters: list[list[Any]],
            sheets_of: dict[int, list[Sheet]], self_sheets: list[Sheet]) -> dict[str, Any]:
    if slot == 8:
        shared = group % SHARED_SELF_UNITS
        user = reporters[shared][(group // SHARED_SELF_UNITS) % REPORTERS_PER_UNIT]
        return {"username": user.username, "kind": "self", "sheets": [_sheet_ref(self_sheets[shared])]}
    evaluator = evaluators[(group * GROUP + (0 if slot in (0, 1, 2, 9) else slot)) % EVALUATORS]
    return {
        "username": evaluator.username, "kind": "excel" if slot == 9 else "form",
        "sheets": [_sheet_ref(sheet) for sheet in sheets_of[evaluator.pk]],
    }


def seed(*, password: str, run: str, clients: int = 200) -> dict[str, Any]:
    """Create the load data in an empty database (after migrate and the outline); return the manifest."""
    outline = IndicatorSystem.objects.get(code=OUTLINE)
    items = list(Item.objects.filter(system=outline).in_outline_order())
    units = _tree()
    evaluators, reporters = _accounts(password, units)
    approver = get_user_model().objects.create(username="load_approver", first_name="压测审核人")
    closed = [build_closed_round(year, outline, evaluators, approver) for year in CLOSED_YEARS]
    round = round_create(
        year=2026, title="压测批次", indicator_system=outline, deadline=datetime.date(2026, 12, 31), user=None
    )
    for number, evaluator in enumerate(evaluators):
        # Two evaluators for every unit: each save also rewrites results another evaluator feeds.
        pair = [units[number].pk, units[(number + 1) % UNITS].pk]
        round_assign(
            round=round, organizations=Organization.objects.filter(pk__in=pair), evaluator=evaluator, user=None
        )
    chooser = random.Random(run)
    sheets = list(Sheet.objects.filter(assessment__round=round).select_related("assessment__organization", "evaluator")
                  .order_by("pk"))
    sheets_of: dict[int, list[Sheet]] = {}
    for sheet in sheets:
        if sheet.kind == SheetKind.REVIEW:
            sheets_of.setdefault(cast(int, sheet.evaluator_id), []).append(sheet)  # a review sheet's evaluator
            _fill(sheet, sheet.evaluator, items, chooser)
    by_unit = {sheet.assessment.organization_id: sheet for sheet in sheets if sheet.kind == SheetKind.SELF}
    self_sheets = [by_unit[units[_self_unit(shared)].pk] for shared in range(SHARED_SELF_UNITS)]
    for shared, sheet in enumerate(self_sheets):
        _fill(sheet, reporters[shared][0], items, chooser)
    plan = [_client(n % GROUP, n // GROUP, evaluators, reporters, sheets_of, self_sheets) for n in range(clients)]
    last_closed = cast(Any, closed[-1]).pk
    analysts = [{**analyst, "pages": _report_pages(last_closed, analyst["scope"], chooser)}
                for analyst in _analysts(cast(Any, evaluators[0]).password, clients)]
    return {
        "run": run,
        "round": round.pk,
        "password": password,
        "audit_after": AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0,
        "urls": {
            "login": reverse("login"),
            "ping": reverse("ping"),
            "bulk_template": reverse("assessments:bulk_template", args=[round.pk]),
            "bulk_upload": reverse("assessments:bulk_upload", args=[round.pk]),
        },
        "items": {item.number: {"id": item.pk, "cap": str(item.cap)} for item in items},
        "clients": plan,
        "analysts": analysts,
        "report_round": last_closed,
    }

