"""Who may see a job: the person who asked for it, nobody else (404 for everyone else, as for
every object out of someone's scope)."""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext as _

from common.jobs.handlers import registered
from common.jobs.models import Job, JobFile
from common.typing import AnyUser


def get_job_for_user(user: AnyUser, pk: int) -> Job:
    job = Job.objects.filter(pk=pk, requested_by_id=user.pk).select_related("requested_by").first()
    if job is None or not user.is_authenticated:
        raise Http404(_("没有这个后台任务。"))
    # A kind may take a job back from its requester (a print whose subtree left their scope).
    still_allowed = getattr(registered(job.kind), "still_allowed", None)
    if still_allowed is not None and not still_allowed(job, user):
        raise Http404(_("没有这个后台任务。"))
    return job


def get_job_file_for_user(user: AnyUser, job_pk: int, pk: int) -> JobFile:
    job = get_job_for_user(user, job_pk)
    item = JobFile.objects.filter(pk=pk, job=job, job__state="done").first()
    if item is None:
        raise Http404(_("没有这个文件。"))
    return item
