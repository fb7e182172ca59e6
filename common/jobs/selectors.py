"""How far a job has got: counted from its chunks in the database, one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from common.jobs.models import Job, JobFile, JobState
from common.typing import AnyUser

# A job still queued after this long most likely has no worker: its page says how to start one.
WAITING_LONG_SECONDS = 30


@dataclass(frozen=True)
class JobProgress:
    job: Job
    done: int
    total: int
    # Units a minute since the job started, and seconds left at that rate; None until known.
    rate: float | None
    eta_seconds: int | None
    # Queued for more than WAITING_LONG_SECONDS.
    waiting_long: bool = False

    @property
    def eta_text(self) -> str:
        if self.eta_seconds is None:
            return ""
        minutes = round(self.eta_seconds / 60)
        if minutes < 1:
            return _("不到 1 分钟")
        if minutes < 60:
            return ngettext("约 %(count)d 分钟", "约 %(count)d 分钟", minutes) % {"count": minutes}
        return _("约 %(hours)d 小时 %(minutes)d 分钟") % {"hours": minutes // 60, "minutes": minutes % 60}

    @property
    def rate_text(self) -> str:
        if self.rate is None:
            return ""
        return _("每分钟约 %(rate)s %(unit)s") % {"rate": f"{self.rate:.1f}".removesuffix(".0"), "unit": self.job.unit}

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else (100 if self.job.is_finished else 0)


def job_progress(job: Job) -> JobProgress:
    total = job.total
    done = total if job.state == JobState.DONE else min(total, job.chunks.aggregate(done=Sum("done"))["done"] or 0)
    rate = eta = None
    if job.started_at and done and not job.is_finished:
        seconds = max((timezone.now() - job.started_at).total_seconds(), 0.001)
        rate = done * 60 / seconds
        eta = int((total - done) * seconds / done)
    waiting_long = (
        job.state == JobState.QUEUED
        and (timezone.now() - job.created_at).total_seconds() > WAITING_LONG_SECONDS
    )
    return JobProgress(job=job, done=done, total=total, rate=rate, eta_seconds=eta, waiting_long=waiting_long)


def job_files(job: Job) -> list[JobFile]:
    return list(job.files.order_by("position", "id")) if job.state == JobState.DONE else []


def recent_jobs(user: AnyUser, *, days: int = 7, limit: int = 5) -> list[Job]:
    """The user's latest jobs, for the start page: a print asked for yesterday is found again."""
    if not user.is_authenticated:
        return []
    since = timezone.now() - timedelta(days=days)
    return list(Job.objects.filter(requested_by_id=user.pk, created_at__gte=since).order_by("-created_at", "-id")[:limit])
