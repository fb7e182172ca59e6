"""Demo rounds: closed, approved rounds for past years written in bulk, and an open round for
this year with work waiting for each demo account."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentState,
    CategoryResult,
    ItemResult,
    ReportStat,
    Round,
    RoundState,
    Score,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.selectors.outline import outline_items
from assessments.services.report_stats import rebuild_round
from assessments.totals import compute_totals
from demo.bulk_sql import db_datetime, insert_rows
from demo.scores import item_score, reason_for, unit_quality
from indicators.models import IndicatorSystem, Item
from orgs.models import Organization

TITLE = "{year}年度学习型党组织建设考评"
CHUNK = 2000
ZERO = Decimal(0)


def participants() -> list[tuple[int, str]]:
    """Every active organization below the city committee takes part."""
    return list(Organization.objects.filter(depth__gt=1, is_active=True).order_by("path").values_list("pk", "code"))


@transaction.atomic
def build_closed_round(year: int, system: IndicatorSystem, evaluators: list, approver) -> Round | None:
    """One past year's round, fully scored and approved, for every organization the tree holds.

    Run again after the tree grew (`seed_demo` then `seed_demo --orgs 20000`), it completes the
    round with the organizations it lacks, so a round always has the tree's scale; run again on
    a complete round, it writes nothing (None). Returns the round it built or completed.

    Scores, item and category results are written as plain rows (demo.bulk_sql) straight into
    their approved state: this is history being recorded, not scoring, so it skips the
    services and the ORM's lock guard, while the database constraints still check each row.
    Totals come from compute_totals, the same function the services use.
    """
    title = TITLE.format(year=year)
    round = Round.objects.filter(year=year, title=title).first()
    approved_at = timezone.make_aware(datetime.datetime(year + 1, 1, 15, 10, 0))
    if round is None:
        round = Round.objects.create(
            year=year, title=title, indicator_system=system, deadline=datetime.date(year, 12, 31)
        )
        round.approvers.set([approver])
        done: set[int] = set()
    else:
        done = set(Assessment.objects.filter(round=round).values_list("organization_id", flat=True))
    units = [unit for unit in participants() if unit[0] not in done]
    if not units:
        return None
    # Seeded by what is already there, so that a rerun writes the same rows as the first run.
    add_closed_assessments(round, units, evaluators, approver, random.Random(f"round:{year}:{len(done)}"),
                           approved_at=approved_at)
    return round


def add_closed_assessments(round: Round, units: list[tuple[int, str]], evaluators: list, approver,
                           rng: random.Random, *, approved_at: datetime.datetime) -> None:
    """Approved assessments of `units` (pk, code) in bulk, then the round closed and its derived rows rebuilt."""
    system = round.indicator_system
    items = outline_items(system)
    numbers = dict(Item.objects.filter(system=system).values_list("id", "category__number"))
    year_bonus = (round.year - 2020) * 0.02
    stamp = db_datetime(approved_at)
    for start in range(0, len(units), CHUNK):
        _closed_chunk(round, system, items, numbers, units[start:start + CHUNK], evaluators, approver,
                      rng, year_bonus, approved_at, stamp)
    if round.state != RoundState.CLOSED:
        Round.objects.filter(pk=round.pk).update(state=RoundState.CLOSED, closed_at=approved_at)
        round.state, round.closed_at = RoundState.CLOSED, approved_at
    after_bulk_round(round)


def after_bulk_round(round: Round) -> None:
    """What must follow rows written around the services into a round: the one place to rebuild
    whatever is derived from its results (the stored report aggregates).

    The services keep derived rows up to date as they write; bulk_sql bypasses them. The tables'
    planner statistics are refreshed too: a million rows just inserted would otherwise be planned
    as the empty tables autovacuum last saw, and the first benchmark run would measure that.
    """
    # The bulk rows skipped the services, so the report aggregates are built from them at once.
    rebuild_round(round=round)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (Assessment, Sheet, Score, ItemResult, CategoryResult, ReportStat):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


def _closed_chunk(round, system, items, numbers, units, evaluators, approver, rng, year_bonus, approved_at, stamp):
    scored = []
    for _, code in units:
        quality = unit_quality(code)
        review = {item.id: item_score(rng, item.cap, quality, year_bonus) for item in items}
        own = {item.id: min(item.cap, review[item.id] + Decimal(rng.choice([0, 0, 0.5, 1]))) for item in items}
        scored.append((review, own, compute_totals(items, review), compute_totals(items, own)))
    assessments = Assessment.objects.bulk_create([
        Assessment(round=round, organization_id=pk, max_total=system.total, total=totals.total,
                   self_total=self_totals.total, state=AssessmentState.APPROVED, submitted_at=approved_at,
                   approved_at=approved_at, approved_by=approver)
        for (pk, _), (_, _, totals, self_totals) in zip(units, scored, strict=True)
    ])
    sheets = Sheet.objects.bulk_create([
        sheet
        for assessment, (_, _, totals, self_totals) in zip(assessments, scored, strict=True)
        for sheet in (
            Sheet(assessment=assessment, kind=SheetKind.SELF, state=SheetState.SUBMITTED, total=self_totals.total,
                  scored_count=len(items), submitted_at=approved_at),
            Sheet(assessment=assessment, kind=SheetKind.REVIEW, evaluator=rng.choice(evaluators), is_lead=True,
                  state=SheetState.SUBMITTED, total=totals.total, scored_count=len(items), submitted_at=approved_at),
        )
    ])
    score_rows, item_rows, category_rows = [], [], []
    for index, (assessment, (review, own, totals, _)) in enumerate(zip(assessments, scored, strict=True)):
        self_sheet, review_sheet = sheets[2 * index], sheets[2 * index + 1]
        for item in items:
            number = numbers[item.id]
            for sheet, value in ((review_sheet, review[item.id]), (self_sheet, own[item.id])):
                score_rows.append((sheet.pk, item.id, item.cap, value,
                                   reason_for(rng, number, value, item.cap), stamp))
            item_rows.append((assessment.pk, item.id, review[item.id], item.cap, ZERO))
        category_rows.extend(
            (assessment.pk, category_id, score, totals.cap_by_category[category_id])
            for category_id, score in totals.by_category.items()
        )
    insert_rows(Score, ["sheet_id", "item_id", "cap", "score", "reason", "updated_at"], score_rows)
    insert_rows(ItemResult, ["assessment_id", "item_id", "score", "cap", "spread"], item_rows)
    insert_rows(CategoryResult, ["assessment_id", "category_id", "score", "cap"], category_rows)


def demo_users() -> dict[str, object]:
    User = get_user_model()
    return {user.username: user for user in User.objects.filter(
        username__in=["admin", "evaluator", "evaluator2", "approver", "reporter"]
    )}


@transaction.atomic
def build_open_round(year: int, system: IndicatorSystem) -> Round | None:
    """This year's round, with work waiting for the demo evaluator, reporter and approver."""
    from assessments.services import assessment_return, round_assign, round_create, sheet_submit

    title = TITLE.format(year=year)
    if Round.objects.filter(year=year, title=title).exists():
        return None
    users = demo_users()
    round = round_create(
        year=year, title=title, indicator_system=system, deadline=datetime.date(year, 12, 31),
        approvers=[users["approver"]], user=users["admin"],
    )
    zs = Organization.objects.filter(code__startswith="DL-ZS-", type="branch").order_by("path")[:8]
    xg = Organization.objects.filter(code__startswith="DL-XG-", type="branch").order_by("path")[:6]
    round_assign(round=round, organizations=Organization.objects.filter(pk__in=[o.pk for o in zs]),
                 evaluator=users["evaluator"], lead=True, user=users["admin"])
    round_assign(round=round, organizations=Organization.objects.filter(pk__in=[o.pk for o in xg]),
                 evaluator=users["evaluator2"], lead=True, user=users["admin"])
    rng = random.Random(f"round:{year}")
    sheets = {s.assessment.organization.code: s for s in Sheet.objects.filter(
        assessment__round=round, kind=SheetKind.REVIEW).select_related("assessment__organization", "evaluator")}
    for code, sheet in sheets.items():
        if code.startswith("DL-XG-"):
            fill_sheet(sheet, sheet.evaluator, rng)
            sheet_submit(sheet=sheet, user=sheet.evaluator)
    evaluator_codes = [o.code for o in zs]
    fill_sheet(sheets[evaluator_codes[1]], users["evaluator"], rng)
    returned = sheets[evaluator_codes[2]]
    fill_sheet(returned, users["evaluator"], rng)
    sheet_submit(sheet=returned, user=users["evaluator"])
    assessment_return(
        assessment=returned.assessment, user=users["approver"],
        reason="4.2 党委中心组学习的扣分理由过于简单，请补充具体依据后重新提交。",
    )
    return round


def fill_sheet(sheet: Sheet, user, rng: random.Random) -> None:
    """Score every item through the service, as an evaluator typing into the form would."""
    from assessments.entries import Entry
    from assessments.services import edits_from, sheet_save, stored_values

    quality = unit_quality(sheet.assessment.organization.code)
    entries = {}
    for item_id, cap, number in Item.objects.filter(
        system_id=sheet.assessment.round.indicator_system_id
    ).values_list("id", "cap", "category__number"):
        score = item_score(rng, cap, quality, 0.12)
        entries[item_id] = Entry(score, reason_for(rng, number, score, cap))
    sheet.refresh_from_db()
    sheet_save(sheet=sheet, user=user, edits=edits_from(entries, stored_values(sheet)), base_version=sheet.version)
