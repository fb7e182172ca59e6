"""Reads of the batch print: which sheets a print covers, where it starts, what is queued."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db.models import QuerySet

from assessments.models import Assessment, Round
from orgs.models import Organization, subtree_of
from orgs.scope import AnyUser
from reports.access import report_assessments
from reports.models import PrintJob, PrintJobState
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


def print_job_assessments(job: PrintJob) -> QuerySet[Assessment]:
    # The requester's scope as it is now: a grant revoked while the job waited in the queue stops
    # it from printing what they may no longer see.
    return sheets_to_print(job.requested_by, job.round, job.organization, include_submitted=job.include_submitted)


def waiting_print_job(
    *, user: User, round: Round, organization: Organization, include_submitted: bool
) -> PrintJob | None:
    """The job of the same print still queued or printing, if any."""
    return PrintJob.objects.filter(
        requested_by=user, round=round, organization=organization, include_submitted=include_submitted,
        state__in=[PrintJobState.QUEUED, PrintJobState.RUNNING],
    ).first()


def queued_job_ids() -> list[int]:
    return list(
        PrintJob.objects.filter(state=PrintJobState.QUEUED).order_by("created_at", "id").values_list("pk", flat=True)
    )
