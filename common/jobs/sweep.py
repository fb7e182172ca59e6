"""The periodic sweep: hands chunks of dead workers to live ones, finishes jobs whose finishing
step was lost, and removes old jobs' files. It runs every JOB_SWEEP_SECONDS as a task that sends
itself again; `Schedule` makes sure that however many chains of it exist, one run happens."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from common.jobs.engine import enqueue
from common.jobs.handlers import registered
from common.jobs.models import FINISHED_STATES, ChunkState, Job, JobChunk, JobFile, JobState, Schedule

SWEEP = "sweep"
# Old jobs removed per run, so one run stays short however much piled up.
REMOVE_PER_RUN = 500


def sweep_interval() -> timedelta:
    return timedelta(seconds=int(settings.JOB_SWEEP_SECONDS))


def sweep_due() -> bool:
    """Move the sweep's clock on if it is due; True for the one caller that did."""
    now = timezone.now()
    Schedule.objects.get_or_create(name=SWEEP, defaults={"next_run_at": now})
    return bool(Schedule.objects.filter(name=SWEEP, next_run_at__lte=now).update(next_run_at=now + sweep_interval()))


def sweep_overdue() -> bool:
    """True when no chain has run the sweep for a while (all of them died with their workers)."""
    late = timezone.now() - 3 * sweep_interval()
    return not Schedule.objects.filter(name=SWEEP, next_run_at__gte=late).exists()


def seed_sweep() -> None:
    from common.jobs.tasks import sweep_task

    enqueue(sweep_task)


def sweep_jobs() -> dict[str, int]:
    from common.jobs.tasks import finish_job_task, run_chunk_task

    now = timezone.now()
    active = [JobState.QUEUED, JobState.RUNNING]
    lost = Q(state=ChunkState.RUNNING, leased_until__lt=now) | Q(
        state=ChunkState.QUEUED, enqueued_at__lt=now - timedelta(seconds=int(settings.JOB_REQUEUE_SECONDS)),
    )
    requeue = list(JobChunk.objects.filter(lost, job__state__in=active).values_list("pk", flat=True))
    JobChunk.objects.filter(pk__in=requeue).update(enqueued_at=now)
    for chunk_id in requeue:
        enqueue(run_chunk_task, chunk_id)
    unfinished = list(
        Job.objects.filter(
            Q(state=JobState.RUNNING) | Q(state=JobState.FINISHING, finish_leased_until__lt=now)
        ).exclude(chunks__state__in=[ChunkState.QUEUED, ChunkState.RUNNING]).values_list("pk", flat=True)
    )
    for job_id in unfinished:
        enqueue(finish_job_task, job_id)
    return {"requeued": len(requeue), "finishing": len(unfinished), "removed": remove_old_jobs(now)}


def remove_old_jobs(now: datetime) -> int:
    """Jobs finished more than JOB_FILES_DAYS ago go with their files; chunk files of jobs that
    failed or were cancelled go at once (nobody can download them)."""
    cutoff = now - timedelta(days=int(settings.JOB_FILES_DAYS))
    old = list(
        Job.objects.filter(state__in=FINISHED_STATES, finished_at__lt=cutoff).values_list("pk", flat=True)[:REMOVE_PER_RUN]
    )
    stranded = JobChunk.objects.filter(job__state__in=[JobState.FAILED, JobState.CANCELLED]).exclude(file="")
    for chunk in list(stranded[:REMOVE_PER_RUN]) + list(JobChunk.objects.filter(job_id__in=old).exclude(file="")):
        chunk.file.delete(save=False)
        JobChunk.objects.filter(pk=chunk.pk).update(file="")
    for item in JobFile.objects.filter(job_id__in=old):
        item.file.delete(save=False)
    # What a kind keeps outside the job's files (an import's stored upload, if a cancel came
    # before any worker read it).
    for job in Job.objects.filter(pk__in=old):
        discard = getattr(registered(job.kind), "discard", None)
        if discard is not None:
            discard(job)
    Job.objects.filter(pk__in=old).delete()
    prune_task_results(cutoff)
    return len(old)


def prune_task_results(cutoff: datetime) -> None:
    """The database backend keeps a row per task run; the library's own pruning, on the sweep."""
    from django.apps import apps

    if not apps.is_installed("django_tasks_db"):
        return
    from django_tasks_db.models import DBTaskResult

    # A task whose worker was killed stays "running" there forever: its chunk was re-sent as a
    # new task, so the row is only history.
    DBTaskResult.objects.filter(Q(finished_at__lt=cutoff) | Q(status="RUNNING", started_at__lt=cutoff)).delete()
