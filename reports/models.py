"""A batch print of every official score sheet of a subtree in a round.

Printing a district takes minutes (about 0.7 s per sheet), so the request only records what to
print; a worker (`reports.services.print_jobs.run_print_job`) does it and writes its progress here, where any
app server can read it. The file goes through Django's storage API, never to a local path.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models import Round
from orgs.models import Organization


class PrintJobState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("正在生成")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


def print_job_path(instance: PrintJob, filename: str) -> str:
    # A generated name: nobody can guess another job's file, and the Chinese download name is
    # given at download time.
    return f"print-jobs/{instance.round_id}/{uuid.uuid4().hex}.pdf"


class PrintJob(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="print_jobs", verbose_name=_("考评批次"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="print_jobs", verbose_name=_("打印范围"),
    )
    include_submitted = models.BooleanField(_("包括待审核的考评"), default=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="print_jobs", verbose_name=_("申请人"),
    )
    # The requester's language at the time, so the worker prints the labels they read.
    language = models.CharField(_("语言"), max_length=10, default=settings.LANGUAGE_CODE)
    state = models.CharField(_("状态"), max_length=10, choices=PrintJobState.choices, default=PrintJobState.QUEUED)
    total = models.PositiveIntegerField(_("评分表总数"), default=0)
    done = models.PositiveIntegerField(_("已生成"), default=0)
    file = models.FileField(_("文件"), upload_to=print_job_path, max_length=255, blank=True)
    error = models.TextField(_("错误信息"), blank=True)
    created_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("批量打印任务")
        verbose_name_plural = _("批量打印任务")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "created_at"], name="print_job_queue_idx")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=PrintJobState.values), name="print_job_state_known"),
            models.CheckConstraint(condition=Q(done__lte=F("total")), name="print_job_done_within_total"),
            models.CheckConstraint(
                condition=~Q(state=PrintJobState.DONE) | ~Q(file=""), name="print_job_done_has_file",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.organization}"

    @property
    def is_finished(self) -> bool:
        return self.state in (PrintJobState.DONE, PrintJobState.FAILED)

    @property
    def percent(self) -> int:
        return int(self.done * 100 / self.total) if self.total else 0
