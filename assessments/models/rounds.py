from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from indicators.models import IndicatorSystem


class RoundState(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class MergeMethod(models.TextChoices):
    MEAN = "mean", _("各考评员平均分")
    MEDIAN = "median", _("各考评员中位数")
    LEAD = "lead", _("主考评员评分")


class Round(models.Model):
    """考评批次: one assessment campaign of a year, scored against one published edition."""

    year = models.PositiveSmallIntegerField(_("考评年度"))
    title = models.CharField(_("批次名称"), max_length=200)
    indicator_system = models.ForeignKey(
        IndicatorSystem, on_delete=models.PROTECT, related_name="rounds", verbose_name=_("指标体系版本")
    )
    deadline = models.DateField(_("截止日期"))
    state = models.CharField(_("状态"), max_length=10, choices=RoundState.choices, default=RoundState.OPEN)
    merge_method = models.CharField(
        _("多名考评员的合成方式"), max_length=10, choices=MergeMethod.choices, default=MergeMethod.MEAN
    )
    disagreement_threshold = models.DecimalField(
        _("分歧提示阈值（分）"), max_digits=4, decimal_places=1, default=Decimal("1.0"),
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("同一子项目各考评员评分相差超过此值时，提示审核人关注。"),
    )
    approvers = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="rounds_to_approve", verbose_name=_("审核人"),
        help_text=_("除管理员外，可以审核、退回本批次考评结果的人员。"),
    )
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("沿用自"),
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    closed_at = models.DateTimeField(_("结束时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("考评批次")
        verbose_name_plural = _("考评批次")
        ordering = ["-year", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "title"], name="round_title_unique_in_year"),
            models.CheckConstraint(condition=Q(state__in=RoundState.values), name="round_state_known"),
            models.CheckConstraint(condition=Q(merge_method__in=MergeMethod.values), name="round_merge_known"),
            models.CheckConstraint(condition=Q(disagreement_threshold__gte=0), name="round_threshold_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="round_year_plausible"),
        ]

    def __str__(self) -> str:
        # Titles usually name their year ("2026年度…"); do not say it twice.
        return self.title if str(self.year) in self.title else f"{self.year} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state == RoundState.OPEN
