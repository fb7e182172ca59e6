"""The writes of the batch print: queueing a job (`print_job_request`, in the request) and printing
it (`run_print_job`, in a worker).

`run_print_job` is a plain function of the job's id, so that any job queue can run it: django-rq or
Celery (`enqueue(run_print_job, job.pk)`), or the `run_print_jobs` command from cron or a service.

Each sheet is laid out on its own, so it keeps its own "page x of y", and the progress is
written to the database after every one; the laid-out pages are written out in chunks.
"""

from __future__ import annotations

import logging
import tempfile
from typing import IO

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration

from assessments.models import Round
from orgs.models import Organization
from reports.formats.pdf import combine, join_pdfs, sheet_document, sheet_title
from reports.models import PrintJob, PrintJobState
from reports.selectors.print_jobs import print_job_assessments, sheets_to_print, waiting_print_job

logger = logging.getLogger(__name__)
# Laid-out pages stay in memory until they are written, about 3 MB a sheet: a district of 1,000
# units at once would need 3 GB. Writing every CHUNK_SHEETS sheets keeps a worker near 250 MB;
# a subtree that fits in one chunk is one WeasyPrint document, larger ones are joined with pypdf.
CHUNK_SHEETS = 40


class NothingToPrint(Exception):
    pass


@transaction.atomic
def print_job_request(
    *, user: User, round: Round, organization: Organization, include_submitted: bool, language: str
) -> PrintJob | None:
    """Queue the printing of every sheet of a subtree the user may see; a worker prints them.

    A double click, or a second tab, joins the job already waiting for the same print. None when
    the subtree has no sheet to print. The job row is its own record of who asked for what and
    when (a print changes no score and no administration)."""
    waiting = waiting_print_job(user=user, round=round, organization=organization, include_submitted=include_submitted)
    if waiting is not None:
        return waiting
    total = sheets_to_print(user, round, organization, include_submitted=include_submitted).count()
    if not total:
        return None
    return PrintJob.objects.create(
        round=round, organization=organization, include_submitted=include_submitted,
        requested_by=user, language=language, total=total,
    )


def claim(job_id: int) -> bool:
    """Take a queued job; one UPDATE, so two workers never print the same job."""
    updated = PrintJob.objects.filter(pk=job_id, state=PrintJobState.QUEUED).update(
        state=PrintJobState.RUNNING, started_at=timezone.now(), done=0, error=""
    )
    return updated == 1


def run_print_job(job_id: int) -> PrintJob:
    """Print one queued job. A job that is not queued (taken by another worker, finished) is left
    alone. Failures are recorded on the job, not raised, so a worker goes on with the next.

    Not one transaction, on purpose: the progress written after every sheet must be visible to
    the progress page while the job runs, and `claim` is its own atomic UPDATE."""
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
                parts.append(tempfile.TemporaryFile())  # noqa: SIM115 - closed in the finally below, after the join
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
