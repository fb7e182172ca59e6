"""The jobs people asked for, the chunks workers run, and the periodic sweep's clock."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在进行")
    FINISHING = "finishing", _("正在汇总")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")
    CANCELLED = "cancelled", _("已取消")


ACTIVE_STATES = (JobState.QUEUED, JobState.RUNNING, JobState.FINISHING)
FINISHED_STATES = (JobState.DONE, JobState.FAILED, JobState.CANCELLED)


class ChunkState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在进行")
    DONE = "done", _("已完成")


def job_file_path(instance: JobChunk | JobFile, filename: str) -> str:
    # Generated names: nobody can guess another job's file; the Chinese download name is given
    # at download time.
    suffix = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"jobs/{instance.job_id}/{uuid.uuid4().hex}.{suffix}"


class Job(models.Model):
    kind = models.CharField(_("类型"), max_length=40)
    title = models.CharField(_("名称"), max_length=300)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs", verbose_name=_("申请人"),
    )
    # The requester's language at the time, so the worker writes the labels they read.
    language = models.CharField(_("语言"), max_length=10, default=settings.LANGUAGE_CODE)
    # What the handler needs to do the work, and what makes two requests the same job.
    params = models.JSONField(_("参数"), default=dict)
    fingerprint = models.CharField(max_length=64, blank=True)
    state = models.CharField(_("状态"), max_length=10, choices=JobState.choices, default=JobState.QUEUED)
    total = models.PositiveIntegerField(_("总数"), default=0)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    # Row-level problems of an import, shown on the job's page as the import form shows them.
    problems = models.JSONField(_("问题"), default=list, blank=True)
    # What a finished job did, in the words its request would have said (an import's counts).
    summary = models.TextField(_("结果"), blank=True)
    # Where the person goes on from a finished job (the imported tree, the round's reports).
    next_url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    # The finishing step (joining the chunks' files) is leased like a chunk.
    finish_leased_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "finished_at"], name="job_state_finished_idx"),
            models.Index(fields=["requested_by", "fingerprint"], name="job_requester_fp_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=JobState.values), name="job_state_known"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.state in FINISHED_STATES


class JobChunk(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="chunks")
    index = models.PositiveIntegerField()
    params = models.JSONField(default=dict)
    size = models.PositiveIntegerField(default=1)
    done = models.PositiveIntegerField(default=0)
    state = models.CharField(max_length=10, choices=ChunkState.choices, default=ChunkState.QUEUED)
    # The attempt that holds the chunk now, and until when: a later attempt takes the chunk only
    # once the lease has run out, and only the holder may record the result.
    lease = models.UUIDField(null=True, blank=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # When a task for the chunk was last sent: a queued chunk whose task was lost (a flushed
    # Redis) is sent again by the sweep long after.
    enqueued_at = models.DateTimeField(default=timezone.now)
    worker = models.CharField(max_length=100, blank=True)
    file = models.FileField(upload_to=job_file_path, max_length=255, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["job", "index"]
        indexes = [models.Index(fields=["state", "leased_until"], name="job_chunk_lease_idx")]
        constraints = [
            models.UniqueConstraint(fields=["job", "index"], name="job_chunk_index_unique"),
            models.CheckConstraint(condition=Q(done__lte=F("size")), name="job_chunk_done_within_size"),
            models.CheckConstraint(condition=Q(state__in=ChunkState.values), name="job_chunk_state_known"),
            models.CheckConstraint(
                condition=~Q(state=ChunkState.RUNNING) | Q(lease__isnull=False, leased_until__isnull=False),
                name="job_chunk_running_is_leased",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.job_id}#{self.index}"


class JobFile(models.Model):
    """One download of a finished job (the ZIP, the merged PDF, the workbook)."""

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="files")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=100)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    file = models.FileField(upload_to=job_file_path, max_length=255)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["job", "position", "id"]

    def __str__(self) -> str:
        return self.filename


class Schedule(models.Model):
    """When a periodic task next runs. Whichever worker moves `next_run_at` on does the run, so
    several chains of the same periodic task (one seeded by each worker start) do it once."""

    name = models.CharField(max_length=40, primary_key=True)
    next_run_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.name
