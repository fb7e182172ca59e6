"""What `manage.py bench --json` adds to the database for the time of one run, and removes after.

- a small closed round of the first ~240 organizations (by path), scored like the demo's closed
  rounds: report pages are measured on it too, so the JSON shows how each grows from 240 to the
  full round's size in the same database, the same run and the same tree;
- an open round with two of the demo evaluator's review sheets, filled through the services:
  the score page saves one (through the view), the save floor writes the other, so neither's
  base version is disturbed by the other.

Both rounds carry a title of their own; a run that died before cleaning up is cleaned up by
the next one.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, Round, RoundState, Sheet, SheetKind
from demo.rounds import add_closed_assessments, demo_users, fill_sheet, participants

SMALL_TITLE = "基准测试：小规模批次（临时）"
OPEN_TITLE = "基准测试：保存评分（临时）"


@dataclass(frozen=True)
class BenchData:
    round: Round  # the latest closed round: the scale being measured
    small: Round  # the same kind of round at ~240 organizations
    open_round: Round
    page_sheet: Sheet  # saved through the score page
    floor_sheet: Sheet  # written by the save floor
    admin: User
    evaluator: User


def latest_closed_round() -> Round:
    round = (Round.objects.filter(state=RoundState.CLOSED).exclude(title__in=[SMALL_TITLE, OPEN_TITLE])
             .select_related("indicator_system").order_by("-year", "-pk").first())
    if round is None or not Assessment.objects.filter(round=round, state=AssessmentState.APPROVED).exists():
        raise CommandError("没有已审核的考评批次：请先运行 seed_demo（可加 --orgs 20000 --years 3）。")
    return round


def _remove(title: str) -> None:
    for round in Round.objects.filter(title=title):
        # Assessments protect their round; their sheets, scores, results and events go with them.
        Assessment.objects.filter(round=round).delete()
        round.delete()


def _small_round(round: Round, size: int, users: dict[str, Any]) -> Round:
    small = Round.objects.create(year=round.year, title=SMALL_TITLE, indicator_system=round.indicator_system,
                                 deadline=round.deadline)
    approved_at = timezone.make_aware(datetime.datetime(round.year + 1, 1, 15, 10, 0))
    add_closed_assessments(small, participants()[:size], [users["evaluator"], users["evaluator2"]],
                           users["approver"], random.Random("bench:small"), approved_at=approved_at)
    return small


def _open_round(round: Round, evaluator: User) -> tuple[Round, Sheet, Sheet]:
    year = timezone.localdate().year
    open_round = Round.objects.create(year=year, title=OPEN_TITLE, indicator_system=round.indicator_system,
                                      deadline=datetime.date(year, 12, 31))
    # Two organizations of the full round, so the sheets are amid the round's millions of scores.
    organizations = list(Assessment.objects.filter(round=round).order_by("-organization__path")
                         .values_list("organization_id", flat=True)[:2])
    sheets = []
    rng = random.Random("bench:open")
    for organization_id in organizations:
        assessment = Assessment.objects.create(round=open_round, organization_id=organization_id,
                                               max_total=round.indicator_system.total)
        Sheet.objects.create(assessment=assessment, kind=SheetKind.SELF)
        sheet = Sheet.objects.create(assessment=assessment, kind=SheetKind.REVIEW, evaluator=evaluator, is_lead=True)
        # A sheet in use: every item scored once through the service, as the page's save will rescore it.
        fill_sheet(sheet, evaluator, rng)
        sheet.refresh_from_db()
        sheets.append(sheet)
    return open_round, sheets[0], sheets[1]


@contextmanager
def bench_data(*, small_size: int) -> Iterator[BenchData]:
    users: dict[str, Any] = demo_users()
    missing = {"admin", "evaluator", "evaluator2", "approver"} - set(users)
    if missing:
        raise CommandError(f"缺少演示账号 {', '.join(sorted(missing))}：请先运行 seed_demo。")
    round = latest_closed_round()
    with transaction.atomic():
        _remove(SMALL_TITLE)
        _remove(OPEN_TITLE)
        small = _small_round(round, small_size, users)
        open_round, page_sheet, floor_sheet = _open_round(round, users["evaluator"])
    try:
        yield BenchData(round, small, open_round, page_sheet, floor_sheet, users["admin"], users["evaluator"])
    finally:
        with transaction.atomic():
            _remove(SMALL_TITLE)
            _remove(OPEN_TITLE)
