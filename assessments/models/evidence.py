from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assessments.models.scoring import Assessment
from indicators.models import Item


def evidence_path(instance: Evidence, filename: str) -> str:
    # A generated name: the uploaded name may be anything, and is kept only as a label.
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"evidence/{instance.assessment.round_id}/{instance.assessment_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """佐证材料: a file backing one item of an assessment, downloadable only within scope."""

    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("考评")
    )
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("子项目"))
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=255)
    original_name = models.CharField(_("文件名"), max_length=255)
    size = models.PositiveBigIntegerField(_("大小"))
    content_type = models.CharField(_("类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("上传人")
    )
    uploaded_at = models.DateTimeField(_("上传时间"), default=timezone.now)

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["item_id", "uploaded_at", "id"]
        indexes = [models.Index(fields=["assessment", "item"], name="evidence_assessment_item_idx")]

    def __str__(self) -> str:
        return self.original_name
