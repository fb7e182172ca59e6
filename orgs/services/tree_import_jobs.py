"""The tree import of a large file as a background job (over IMPORT_TASK_ROWS rows).

The request checks the file as far as it can without parsing a row, in the words of the import
page, and either imports it at once (`import_upload`) or stores it and starts a job whose worker
runs the same `import_upload`: one transaction, all or nothing, the problems on the job's page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common.jobs.engine import record_summary
from common.jobs.handlers import JobRefused
from common.jobs.models import Job
from common.jobs.services import ChunkPlan, job_start
from common.upload_checks import Problem, RefusedUpload
from common.upload_jobs import Submitted, UploadImport, store_upload
from orgs.access import require_admin
from orgs.formats.tree_upload import count_upload
from orgs.services.tree_import import ImportResult, import_summary, import_upload

KIND = "orgs.tree_import"


def tree_import_submit(*, upload: IO[bytes], file_name: str, user: User) -> Submitted[ImportResult]:
    """Import the file now, or start a job for a large one; nothing is written when it is refused."""
    require_admin(user)
    try:
        rows = count_upload(upload)
    except RefusedUpload as refused:
        return Submitted(problems=refused.problems)
    if rows <= int(settings.IMPORT_TASK_ROWS):
        result, problems = import_upload(upload=upload, user=user)
        return Submitted(result=result, problems=problems)
    job = job_start(
        user=user, kind=KIND, title=_("导入党组织：%(name)s") % {"name": file_name},
        params={"upload": store_upload(upload), "file_name": file_name},
        chunks=[ChunkPlan(size=rows)], unit=pgettext("job unit", "行"), next_url=reverse("orgs:tree_import"), join_waiting=False,
    )
    return Submitted(job=job)


class TreeImport(UploadImport):
    kind = KIND

    def apply(self, job: Job, upload: IO[bytes], progress: Callable[[int], None]) -> list[Problem]:
        try:
            require_admin(job.requested_by)
        except PermissionDenied:
            raise JobRefused(_("您已不是管理员，不能导入党组织。")) from None
        result, problems = import_upload(upload=upload, user=job.requested_by, progress=progress)
        if result is not None:
            record_summary(job, import_summary(result))
        return problems
