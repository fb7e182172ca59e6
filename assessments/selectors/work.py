"""“我的工作”: what waits for a user, counted, dated and listed in three queries whatever its size.

Counts and earliest deadlines come from window functions over the same rows that are listed,
so an evaluator with 5,000 sheets or an admin with 20,000 submitted assessments costs the
same as one with three.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import Case, CharField, Count, F, Min, Q, QuerySet, Value, When
from django.db.models.expressions import Window
from django.db.models.functions import RowNumber
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from assessments.access import approvable_by, sheets_editable_by
from assessments.models import Assessment, Round, RoundState, Sheet, SheetKind, SheetState
from indicators.models import Item
from orgs.models import Role
from orgs.scope import AnyUser, roles_of

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import WithAnnotations

LIMIT = 20

SELF_FILL, SELF_SUBMIT = "self_fill", "self_submit"
REVIEW_FILL, REVIEW_SUBMIT, RETURNED = "review_fill", "review_submit", "returned"
APPROVE = "approve"

TITLES: dict[str, Promise] = {
    SELF_FILL: _("自评待填写"),
    SELF_SUBMIT: _("自评待提交"),
    REVIEW_FILL: _("待评分"),
    REVIEW_SUBMIT: _("待提交"),
    RETURNED: _("被退回"),
    APPROVE: _("待审核"),
}
SELF_GROUPS = (SELF_FILL, SELF_SUBMIT)
REVIEW_GROUPS = (REVIEW_FILL, REVIEW_SUBMIT, RETURNED)


@dataclass
class WorkGroup:
    key: str
    count: int = 0
    next_deadline: datetime.date | None = None
    sheets: list[Sheet] = field(default_factory=list)
    assessments: list[Assessment] = field(default_factory=list)

    @property
    def title(self) -> Promise:
        return TITLES[self.key]

    @property
    def rows(self) -> list[Sheet] | list[Assessment]:
        return self.assessments if self.key == APPROVE else self.sheets

    @property
    def more(self) -> int:
        return self.count - len(self.rows)


class _GroupFields(TypedDict):
    group_count: int
    group_deadline: datetime.date | None


class _SheetGroupFields(_GroupFields):
    work_group: str
    rank: int


_WaitingSheet: TypeAlias = "WithAnnotations[Sheet, _SheetGroupFields]"
_WaitingAssessment: TypeAlias = "WithAnnotations[Assessment, _GroupFields]"


def _item_counts() -> dict[int, int]:
    """Items per edition in use by an open round: one small query instead of one per sheet row."""
    in_use = Round.objects.filter(state=RoundState.OPEN).values("indicator_system_id")
    return dict(
        Item.objects.filter(system_id__in=in_use).order_by().values("system_id")
        .annotate(n=Count("pk")).values_list("system_id", "n")
    )


def _sheets_waiting(user: AnyUser, item_counts: dict[int, int]) -> QuerySet[_WaitingSheet]:
    # Sheets of an older edition count against their own items.
    complete = Q(pk__in=[])
    for system_id, count in item_counts.items():
        complete |= Q(assessment__round__indicator_system_id=system_id, scored_count__gte=count)
    group = Case(
        When(Q(kind=SheetKind.REVIEW, state=SheetState.RETURNED), then=Value(RETURNED)),
        When(Q(kind=SheetKind.REVIEW) & complete, then=Value(REVIEW_SUBMIT)),
        When(kind=SheetKind.REVIEW, then=Value(REVIEW_FILL)),
        When(complete, then=Value(SELF_SUBMIT)),
        default=Value(SELF_FILL),
        output_field=CharField(),
    )
    deadline = F("assessment__round__deadline")
    order = [deadline.asc(), F("assessment__organization__name").asc(), F("pk").asc()]
    return (
        Sheet.objects.filter(sheets_editable_by(user))
        .annotate(work_group=group)
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("work_group")], order_by=order),
            group_count=Window(Count("pk"), partition_by=[F("work_group")]),
            group_deadline=Window(Min(deadline), partition_by=[F("work_group")]),
        )
        .filter(rank__lte=LIMIT)
        .select_related("assessment__round", "assessment__organization")
        .order_by(*order)
    )


def _assessments_waiting(user: User) -> QuerySet[_WaitingAssessment]:
    # Not what the user scored: they may not approve it, so it does not wait for them.
    return (
        Assessment.objects.filter(approvable_by(user))
        .annotate(group_count=Window(Count("pk")), group_deadline=Window(Min("round__deadline")))
        .select_related("round", "organization")
        .order_by("round__deadline", "submitted_at", "pk")[:LIMIT]
    )


def my_work(user: User) -> list[WorkGroup]:
    """The groups that concern the user's roles (and any other group that has work in it)."""
    roles = roles_of(user)
    groups = {key: WorkGroup(key) for key in TITLES}
    item_counts = _item_counts()
    for sheet in _sheets_waiting(user, item_counts):
        sheet.item_count = item_counts.get(  # type: ignore[attr-defined]  # for the template
            sheet.assessment.round.indicator_system_id, 0
        )
        group = groups[sheet.work_group]
        group.sheets.append(sheet)
        group.count, group.next_deadline = sheet.group_count, sheet.group_deadline
    approvals = groups[APPROVE]
    for assessment in _assessments_waiting(user):
        approvals.assessments.append(assessment)
        approvals.count, approvals.next_deadline = assessment.group_count, assessment.group_deadline
    shown: set[str] = set()
    if roles.reporter_organization_id is not None:
        shown.update(SELF_GROUPS)
    if roles.has(Role.EVALUATOR):
        shown.update(REVIEW_GROUPS)
    if roles.is_admin:
        shown.add(APPROVE)
    return [group for key, group in groups.items() if key in shown or group.count]
