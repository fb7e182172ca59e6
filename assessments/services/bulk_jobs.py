"""The bulk score upload of a large file as a background job (over IMPORT_TASK_ROWS rows).

The request checks the file as far as it can without parsing a row, in the words of the upload
page, and either imports it at once (`bulk_import`) or stores it and starts a job whose worker
runs the same `bulk_import`: the same three-way merge against the template's base, in one
transaction; a conflict or a bad cell anywhere writes nothing and is listed on the job's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO, Any

from django.conf import settings
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from assessments.access import get_round_for_evaluator
from assessments.formats.bulk_upload import count_upload
from assessments.models import Round
from assessments.services.bulk import BulkResult, bulk_import, bulk_summary
from common.jobs.engine import record_summary
from common.jobs.handlers import JobRefused
from common.jobs.models import Job
from common.jobs.services import ChunkPlan, job_start
from common.upload_checks import Problem, RefusedUpload
from common.upload_jobs import Submitted, UploadImport, store_upload

KIND = "assessments.score_import"


def bulk_import_submit(*, round: Round, user: Any, upload: IO[bytes], file_name: str) -> Submitted[BulkResult]:
    """Import the file now, or start a job for a large one; nothing is written when it is refused."""
    try:
        rows = count_upload(upload)
    except RefusedUpload as refused:
        return Submitted(problems=refused.problems)
    if rows <= int(settings.IMPORT_TASK_ROWS):
        result, problems = bulk_import(round=round, user=user, upload=upload)
        return Submitted(result=result, problems=problems)
    job = job_start(
        user=user, kind=KIND, title=_("导入评分：%(round)s（%(name)s）") % {"round": round, "name": file_name},
        params={"round": round.pk, "upload": store_upload(upload), "file_name": file_name},
        chunks=[ChunkPlan(size=rows)], unit=pgettext("job unit", "行"),
        next_url=reverse("assessments:bulk_upload", args=[round.pk]), join_waiting=False,
    )
    return Submitted(job=job)


class ScoreImport(UploadImport):
    kind = KIND

    def apply(self, job: Job, upload: IO[bytes], progress: Callable[[int], None]) -> list[Problem]:
        # The round as the requester may reach it now: sheets taken away since stop the import,
        # and `bulk_import` checks each sheet under lock as it does in a request.
        try:
            round = get_round_for_evaluator(job.requested_by, job.params["round"])
        except Http404:
            raise JobRefused(_("您在本批次中已没有评分表，不能导入评分。")) from None
        result, problems = bulk_import(round=round, user=job.requested_by, upload=upload, progress=progress)
        if result is not None:
            record_summary(job, bulk_summary(result)[1])
        return problems
