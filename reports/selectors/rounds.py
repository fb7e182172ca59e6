"""Reads of the rounds a reader of reports may open."""

from __future__ import annotations

from django.db.models import QuerySet

from assessments.models import Round
from orgs.scope import AnyUser
from reports.access import report_assessments


def report_rounds(user: AnyUser) -> QuerySet[Round]:
    """The rounds that hold assessments in the user's report scope, newest first."""
    in_scope = report_assessments(user).values("round_id")
    return Round.objects.filter(pk__in=in_scope).select_related("indicator_system").order_by("-year", "-id")
