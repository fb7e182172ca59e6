"""Running a job's chunks and finishing the job, in a worker.

Every state change is one conditional UPDATE, so two workers never both believe they hold a
chunk: a chunk is taken when it is queued or its lease has run out, renewed and completed only
with the lease token of the attempt that took it. A worker killed mid-chunk simply stops renewing;
the sweep (`sweep_jobs`) re-queues what it held once the lease runs out. Not one transaction, on
purpose: progress written during a chunk must be visible to the progress page while it runs.
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import time
import uuid
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from common.jobs.handlers import JobRefused, handler_for
from common.jobs.models import ChunkState, Job, JobChunk, JobFile, JobState

logger = logging.getLogger(__name__)
# Progress is written at most this often (seconds) while a chunk runs, and always at its end.
PROGRESS_EVERY = 1.0


class Stopped(Exception):
    """The chunk's job was cancelled, or its lease passed to another worker."""


def lease_seconds() -> int:
    return int(settings.JOB_LEASE_SECONDS)


def lease_end() -> Any:
    return timezone.now() + timedelta(seconds=lease_seconds())


def take_chunk(chunk_id: int) -> uuid.UUID | None:
    """Take a chunk that is queued, or whose holder stopped renewing it; None when it is held,
    done, or its job is over."""
    token = uuid.uuid4()
    now = timezone.now()
    taken = JobChunk.objects.filter(
        Q(state=ChunkState.QUEUED) | Q(state=ChunkState.RUNNING, leased_until__lt=now),
        pk=chunk_id, job__state__in=[JobState.QUEUED, JobState.RUNNING],
    ).update(
        state=ChunkState.RUNNING, lease=token, leased_until=lease_end(), attempts=F("attempts") + 1,
        # The process, not the worker's name: RQ runs each task in a forked child.
        done=0, worker=f"{socket.gethostname()}:{os.getpid()}"[-100:],
    )
    return token if taken else None


class ChunkProgress:
    def __init__(self, chunk: JobChunk, token: uuid.UUID) -> None:
        self.chunk = chunk
        self.token = token
        self.written_at = 0.0

    def __call__(self, done: int) -> None:
        now = time.monotonic()
        if done < self.chunk.size and now - self.written_at < PROGRESS_EVERY:
            return
        self.written_at = now
        renewed = JobChunk.objects.filter(
            pk=self.chunk.pk, lease=self.token, job__state=JobState.RUNNING,
        ).update(done=min(done, self.chunk.size), leased_until=lease_end())
        if not renewed:
            raise Stopped


def run_chunk(chunk_id: int) -> None:
    token = take_chunk(chunk_id)
    if token is None:
        return
    chunk = JobChunk.objects.select_related("job", "job__requested_by").get(pk=chunk_id)
    job = chunk.job
    if chunk.attempts > settings.JOB_MAX_ATTEMPTS:
        fail(job, _("任务多次中断，已停止；请重新提交。"))
        return
    Job.objects.filter(pk=job.pk, state=JobState.QUEUED).update(state=JobState.RUNNING, started_at=timezone.now())
    job.state = JobState.RUNNING
    with translation.override(job.language):
        try:
            output = handler_for(job.kind).run_chunk(job, chunk, ChunkProgress(chunk, token))
        except Stopped:
            return
        except JobRefused as refusal:
            fail(job, refusal.message, refusal.problems)
            return
        except Exception:
            logger.exception("job %s chunk %s failed", job.pk, chunk.index)
            fail(job, _("后台任务出错，请稍后重试；如仍失败，请联系管理员。"))
            return
    complete_chunk(chunk, token, output)


def complete_chunk(chunk: JobChunk, token: uuid.UUID, output: tuple[IO[bytes], str] | None) -> None:
    name = ""
    if output is not None:
        handle, suffix = output
        with handle:
            handle.seek(0)
            name = chunk.file.storage.save(
                chunk.file.field.generate_filename(chunk, f"chunk.{suffix}"), File(handle),
            )
    with transaction.atomic():
        recorded = JobChunk.objects.filter(pk=chunk.pk, lease=token, state=ChunkState.RUNNING).update(
            state=ChunkState.DONE, done=chunk.size, file=name, finished_at=timezone.now(),
        )
        last = recorded and not JobChunk.objects.filter(job_id=chunk.job_id).exclude(state=ChunkState.DONE).exists()
        if last:
            from common.jobs.tasks import finish_job_task

            enqueue(finish_job_task, chunk.job_id)
    if not recorded and name:
        # Another attempt holds the chunk now and records its own file.
        chunk.file.storage.delete(name)


def take_finish(job_id: int) -> bool:
    now = timezone.now()
    return bool(
        Job.objects.filter(
            Q(state=JobState.RUNNING) | Q(state=JobState.FINISHING, finish_leased_until__lt=now), pk=job_id,
        )
        .exclude(chunks__state__in=[ChunkState.QUEUED, ChunkState.RUNNING])
        .update(state=JobState.FINISHING, finish_leased_until=lease_end())
    )


def finish_job(job_id: int) -> None:
    if not take_finish(job_id):
        return
    job = Job.objects.select_related("requested_by").get(pk=job_id)
    chunks = list(job.chunks.order_by("index"))
    files: list[JobFile] = []

    def add_file(*, label: str, filename: str, content_type: str, handle: IO[bytes]) -> None:
        item = JobFile(job=job, position=len(files), label=label, filename=filename, content_type=content_type)
        handle.seek(0, os.SEEK_END)
        item.size = handle.tell()
        handle.seek(0)
        item.file.save(filename, File(handle), save=False)
        files.append(item)

    with translation.override(job.language):
        try:
            handler_for(job.kind).finish(job, chunks, add_file)
        except Exception as error:
            # Nothing half-made stays in storage.
            for item in files:
                item.file.delete(save=False)
            if isinstance(error, JobRefused):
                fail(job, error.message, error.problems)
            else:
                logger.exception("job %s could not be finished", job.pk)
                fail(job, _("后台任务出错，请稍后重试；如仍失败，请联系管理员。"))
            return
    with transaction.atomic():
        finished = Job.objects.filter(pk=job.pk, state=JobState.FINISHING).update(
            state=JobState.DONE, finished_at=timezone.now(), finish_leased_until=None,
        )
        if finished:
            JobFile.objects.bulk_create(files)
    if not finished:
        for item in files:
            item.file.delete(save=False)
        return
    # The downloads hold what the chunks made; their own files are no longer needed.
    for chunk in chunks:
        if chunk.file:
            chunk.file.delete(save=False)
    JobChunk.objects.filter(job_id=job.pk).update(file="")


def record_summary(job: Job, text: str) -> None:
    """What the job did, for its page once done (an import's counts)."""
    Job.objects.filter(pk=job.pk).update(summary=text)


def fail(job: Job, message: str, problems: list[dict[str, Any]] | None = None) -> None:
    Job.objects.filter(pk=job.pk, state__in=[JobState.QUEUED, JobState.RUNNING, JobState.FINISHING]).update(
        state=JobState.FAILED, error=message, problems=problems or [], finished_at=timezone.now(),
    )


def enqueue(task: Any, *args: Any, **using: Any) -> None:
    """Send a task once the surrounding transaction commits, so a worker never looks for rows it
    cannot see yet (RQ is outside the database) and a rolled-back request sends nothing."""
    target = task.using(**using) if using else task
    transaction.on_commit(lambda: target.enqueue(*args))


def temporary_file() -> IO[bytes]:
    """A worker's scratch file: only results go to storage, never into memory whole."""
    return tempfile.TemporaryFile()  # noqa: SIM115 - handed to the caller, closed by complete_chunk

