"""Reads of the batch print: which sheets a print covers, and how they fall into districts."""

from __future__ import annotations

from itertools import groupby

from django.db.models import QuerySet

from assessments.models import Assessment, Round
from orgs.models import Organization, subtree_of
from orgs.scope import AnyUser
from reports.access import report_assessments
from reports.selectors.ranking import counted_states


def sheets_to_print(
    user: AnyUser, round: Round, organization: Organization, *, include_submitted: bool
) -> QuerySet[Assessment]:
    """The assessments of a subtree whose sheets a batch prints, within the user's report scope."""
    return (
        report_assessments(user)
        .filter(
            subtree_of(organization.path, "organization__"),
            round=round,
            state__in=counted_states(include_submitted),
        )
        .select_related("round", "round__indicator_system", "organization", "approved_by")
        .order_by("organization__path")
    )


def print_groups(
    user: AnyUser, round: Round, organization: Organization, *, include_submitted: bool
) -> list[tuple[str, list[int]]]:
    """The sheets' ids in print order, by district: for the city, each 区市县 or department
    party committee (and the city committee itself); below that, the printed subtree is one."""
    rows = list(
        sheets_to_print(user, round, organization, include_submitted=include_submitted)
        .values_list("organization__path", "pk")
    )
    width = max(2, organization.depth) * Organization.steplen
    names = dict(
        Organization.objects.filter(path__in={path[:width] for path, _ in rows}).values_list("path", "name")
    )
    return [
        (names.get(prefix, organization.name), [pk for _, pk in items])
        for prefix, items in groupby(rows, key=lambda row: row[0][:width])
    ]
