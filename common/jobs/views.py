"""The progress page every job shares (batch print, big export, big import): it fills its bar
from `status` every few seconds without reloading, and lists the downloads once done."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from common.downloads import file_attachment
from common.jobs.access import get_job_file_for_user, get_job_for_user
from common.jobs.selectors import JobProgress, job_files, job_progress
from common.jobs.services import job_cancel
from common.typing import AuthenticatedHttpRequest

# Seconds between looks at the progress while a job runs.
POLL_SECONDS = 2


def _context(progress: JobProgress) -> dict[str, object]:
    return {"job": progress.job, "progress": progress, "files": job_files(progress.job), "poll_seconds": POLL_SECONDS}


@login_required
@require_safe
def job_page(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    progress = job_progress(get_job_for_user(request.user, pk))
    return render(request, "jobs/job.html", _context(progress))


@login_required
@require_safe
def job_status(request: AuthenticatedHttpRequest, pk: int) -> JsonResponse:
    progress = job_progress(get_job_for_user(request.user, pk))
    job = progress.job
    return JsonResponse({
        "state": job.state,
        "finished": job.is_finished,
        "done": progress.done,
        "total": progress.total,
        "percent": progress.percent,
        # The page's whole status block, rendered by the same template as on first load.
        "html": render_to_string("jobs/status.html", _context(progress), request=request),
    })


@login_required
@require_POST
def job_cancel_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    job = get_job_for_user(request.user, pk)
    if job_cancel(job=job):
        messages.info(request, _("任务已取消。"))
    return redirect("jobs:job", job.pk)


@login_required
@require_safe
def job_download(request: AuthenticatedHttpRequest, pk: int, file_pk: int) -> HttpResponseBase:
    item = get_job_file_for_user(request.user, pk, file_pk)
    return file_attachment(item.file.open("rb"), filename=item.filename, content_type=item.content_type)
