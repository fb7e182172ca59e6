"""The batch print as a plain function, so that any job queue can run it: django-rq or Celery
(`enqueue(run_print_job, job.pk)`), or the `run_print_jobs` command from cron or a service.

Each sheet is laid out on its own, so it keeps its own "page x of y", and the progress is
written to the database after every one; the laid-out pages are written out in chunks.
"""

from __future__ import annotations

import logging
import tempfile
from typing import IO

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from assessments.models import Assessment, Round
from orgs.models import Organization
from orgs.scope import AnyUser
from reports.access import report_assessments
from reports.models import PrintJob, PrintJobState
from reports.pdf import combine, join_pdfs, sheet_document, sheet_title
from reports.selectors import counted_states

logger = logging.getLogger(__name__)
# Laid-out pages stay in memory until they are written, about 3 MB a sheet: a district of 1,000
# units at once would need 3 GB. Writing every CHUNK_SHEETS sheets keeps a worker near 250 MB;
# a subtree that fits in one chunk is one WeasyPrint document, larger ones are joined with pypdf.
CHUNK_SHEETS = 40


class NothingToPrint(Exception):
    pass


def sheets_to_print(
    user: AnyUser, round: Round, organization: Organization, *, include_submitted: bool
) -> QuerySet[Assessment]:
    """The assessments of a subtree whose sheets a batch prints, within the user's report scope."""
    return (
        report_assessments(user)
        .filter(
            round=round,
            organization__path__startswith=organization.path,
            state__in=counted_states(include_submitted),
        )
        .select_related("round", "round__indicator_system", "organization", "approved_by")
        .order_by("organization__path")
    )


def print_job_assessments(job: PrintJob) -> QuerySet[Assessment]:
    # The requester's scope as it is now: a grant revoked while the job waited in the queue stops
    # it from printing what they may no longer see.
    return sheets_to_print(job.requested_by, job.round, job.organization, include_submitted=job.include_submitted)


def claim(job_id: int) -> bool:
    """Take a queued job; one UPDATE, so two workers never print the same job."""
    updated = PrintJob.objects.filter(pk=job_id, state=PrintJobState.QUEUED).update(
        state=PrintJobState.RUNNING, started_at=timezone.now(), done=0, error=""
    )
    return updated == 1


def run_print_job(job_id: int) -> PrintJob:
    """Print one queued job. A job that is not queued (taken by another worker, finished) is left
    alone. Failures are recorded on the job, not raised, so a worker goes on with the next."""
    if not claim(job_id):
        return PrintJob.objects.get(pk=job_id)
    job = PrintJob.objects.select_related("round", "organization", "requested_by").get(pk=job_id)
    with translation.override(job.language):
        try:
            _print(job)
        except NothingToPrint as error:
            _fail(job, str(error))
        except PermissionDenied:
            _fail(job, _("您已无权打印该范围的评分表。"))
        except Exception:
            logger.exception("print job %s failed", job.pk)
            _fail(job, _("生成 PDF 时出错，请稍后重试；如仍失败，请联系管理员。"))
    job.refresh_from_db()
    return job


def _print(job: PrintJob) -> None:
    assessments = list(print_job_assessments(job))
    PrintJob.objects.filter(pk=job.pk).update(total=len(assessments))
    if not assessments:
        raise NothingToPrint(_("打印范围内没有可打印的评分表。"))
    title = sheet_title(job.organization, job.round)
    # One font configuration for all sheets, so each written part embeds each font once.
    font_config = FontConfiguration()
    documents: list[Document] = []
    parts: list[IO[bytes]] = []
    # Temporary files on the worker, not on the web tier: only the finished PDF goes to storage.
    try:
        for done, assessment in enumerate(assessments, start=1):
            documents.append(sheet_document(assessment, font_config))
            PrintJob.objects.filter(pk=job.pk).update(done=done)
            if len(documents) == CHUNK_SHEETS or done == len(assessments):
                parts.append(tempfile.TemporaryFile())
                combine(documents, title, parts[-1])
                documents = []
        with tempfile.TemporaryFile() as target:
            join_pdfs(parts, title, target)
            target.seek(0)
            job.file.save("sheets.pdf", File(target), save=False)
    finally:
        for part in parts:
            part.close()
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJobState.DONE, file=job.file.name, finished_at=timezone.now())


def _fail(job: PrintJob, message: str) -> None:
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJobState.FAILED, error=message, finished_at=timezone.now())


def queued_job_ids() -> list[int]:
    return list(
        PrintJob.objects.filter(state=PrintJobState.QUEUED).order_by("created_at", "id").values_list("pk", flat=True)
    )
