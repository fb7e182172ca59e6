"""Demo rounds: closed, approved rounds for past years written in bulk, and an open round for
this year with work waiting for each demo account."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from assessments.models import (
    Assessment,
    AssessmentState,
    CategoryResult,
    ItemResult,
    Round,
    RoundState,
    Score,
    Sheet,
    SheetKind,
    SheetState,
)
from assessments.selectors import outline_items
from assessments.totals import compute_totals
from demo.scores import item_score, reason_for, unit_quality
from indicators.models import IndicatorSystem, Item
from orgs.models import Organization

TITLE = "{year}年度学习型党组织建设考评"
BATCH = 5000


def participants() -> list[tuple[int, str]]:
    """Every active organization below the city committee takes part."""
    return list(Organization.objects.filter(depth__gt=1, is_active=True).order_by("path").values_list("pk", "code"))


@transaction.atomic
def build_closed_round(year: int, system: IndicatorSystem, evaluators: list, approver) -> Round | None:
    """One past year's round, fully scored and approved, written with bulk inserts."""
    if Round.objects.filter(year=year, title=TITLE.format(year=year)).exists():
        return None
    rng = random.Random(f"round:{year}")
    items = outline_items(system)
    numbers = dict(Item.objects.filter(system=system).values_list("id", "category__number"))
    round = Round.objects.create(
        year=year, title=TITLE.format(year=year), indicator_system=system, deadline=datetime.date(year, 12, 31)
    )
    round.approvers.set([approver])
    units = participants()
    year_bonus = (year - 2020) * 0.02
    approved_at = timezone.make_aware(datetime.datetime(year + 1, 1, 15, 10, 0))
    for start in range(0, len(units), BATCH // 2):
        chunk = units[start:start + BATCH // 2]
        assessments = Assessment.objects.bulk_create(
            [Assessment(round=round, organization_id=pk, max_total=system.total) for pk, _ in chunk]
        )
        sheets = []
        for assessment in assessments:
            sheets.append(Sheet(assessment=assessment, kind=SheetKind.SELF, state=SheetState.SUBMITTED))
            sheets.append(Sheet(assessment=assessment, kind=SheetKind.REVIEW, evaluator=rng.choice(evaluators),
                                is_lead=True, state=SheetState.SUBMITTED))
        Sheet.objects.bulk_create(sheets)
        scores, item_results, category_results = [], [], []
        for index, (assessment, (_, code)) in enumerate(zip(assessments, chunk, strict=True)):
            quality = unit_quality(code)
            self_sheet, review_sheet = sheets[2 * index], sheets[2 * index + 1]
            review: dict[int, Decimal] = {}
            own: dict[int, Decimal] = {}
            for item in items:
                value = item_score(rng, item.cap, quality, year_bonus)
                claimed = min(item.cap, value + Decimal(rng.choice([0, 0, 0.5, 1])))
                review[item.id], own[item.id] = value, claimed
                number = numbers[item.id]
                scores.append(Score(sheet=review_sheet, item_id=item.id, cap=item.cap, score=value,
                                    reason=reason_for(rng, number, value, item.cap)))
                scores.append(Score(sheet=self_sheet, item_id=item.id, cap=item.cap, score=claimed,
                                    reason=reason_for(rng, number, claimed, item.cap)))
                item_results.append(ItemResult(assessment=assessment, item_id=item.id, score=value, cap=item.cap))
            totals, self_totals = compute_totals(items, review), compute_totals(items, own)
            category_results.extend(
                CategoryResult(assessment=assessment, category_id=category_id, score=score,
                               cap=totals.cap_by_category[category_id])
                for category_id, score in totals.by_category.items()
            )
            assessment.total, assessment.self_total = totals.total, self_totals.total
            self_sheet.total, review_sheet.total = self_totals.total, totals.total
            self_sheet.scored_count = review_sheet.scored_count = len(items)
            assessment.state, assessment.approved_at, assessment.approved_by = (
                AssessmentState.APPROVED, approved_at, approver,
            )
            assessment.submitted_at = approved_at
        Score.objects.bulk_create(scores, batch_size=BATCH)
        ItemResult.objects.bulk_create(item_results, batch_size=BATCH)
        CategoryResult.objects.bulk_create(category_results, batch_size=BATCH)
        Sheet.objects.bulk_update(sheets, ["total", "scored_count"], batch_size=BATCH)
        Assessment.objects.bulk_update(
            assessments, ["total", "self_total", "state", "approved_at", "approved_by", "submitted_at"],
            batch_size=BATCH,
        )
    Round.objects.filter(pk=round.pk).update(state=RoundState.CLOSED, closed_at=approved_at)
    return round


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
        approvers=[users["approver"]],
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
    from assessments.services import Entry, sheet_save

    quality = unit_quality(sheet.assessment.organization.code)
    entries = {}
    for item_id, cap, number in Item.objects.filter(
        system_id=sheet.assessment.round.indicator_system_id
    ).values_list("id", "cap", "category__number"):
        score = item_score(rng, cap, quality, 0.12)
        entries[item_id] = Entry(score, reason_for(rng, number, score, cap))
    sheet.refresh_from_db()
    sheet_save(sheet=sheet, user=user, entries=entries, base_version=sheet.version)
