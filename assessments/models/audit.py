from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.scoring import Assessment, Sheet
from indicators.models import Item


class AuditAction(models.TextChoices):
    SCORE = "score", _("修改得分")
    REASON = "reason", _("修改扣分理由")
    STATE = "state", _("状态变更")
    EVIDENCE = "evidence", _("佐证材料")
    ASSIGNMENT = "assignment", _("考评分工")


class AuditEvent(models.Model):
    """One recorded change: who, when, what it was, what it became, and why.

    Written by the services in the same transaction as the change itself, never afterwards.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events", verbose_name=_("考评"))
    sheet = models.ForeignKey(Sheet, on_delete=models.SET_NULL, null=True, blank=True, related_name="events")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)
    action = models.CharField(_("操作"), max_length=12, choices=AuditAction.choices)
    old = models.TextField(_("原值"), blank=True)
    new = models.TextField(_("新值"), blank=True)
    note = models.TextField(_("理由"), blank=True)
    # The sheet version this change produced: a form posted from an older version learns
    # from these rows what others changed meanwhile.
    sheet_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("修改记录")
        verbose_name_plural = _("修改记录")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["assessment", "-at"], name="audit_assessment_at_idx")]
        constraints = [
            models.CheckConstraint(condition=models.Q(action__in=AuditAction.values), name="audit_action_known"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.at:%Y-%m-%d %H:%M}"
