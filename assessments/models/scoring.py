"""An organization's assessment in a round, the score sheets filled for it, and its results.

Each assessment has one self-assessment sheet (自评, filled by the unit) and one review sheet
per assigned evaluator (考评). The evaluators' sheets merge, by the round's method, into the
stored results (per item, per category, total) that every page, export and report reads.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext_lazy as _

from assessments.models.rounds import Round, RoundState
from assessments.validation import MAX_REASON_LENGTH
from common.people import display_name
from indicators.models import Category, Item
from indicators.points import in_half_points
from orgs.models import Organization


class AssessmentState(models.TextChoices):
    DRAFT = "draft", _("考评中")
    SUBMITTED = "submitted", _("待审核")
    RETURNED = "returned", _("已退回")
    APPROVED = "approved", _("已审核")


class SheetKind(models.TextChoices):
    SELF = "self", _("自评")
    REVIEW = "review", _("考评")


class SheetState(models.TextChoices):
    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")


class LockedError(ValidationError):
    """A write reached an approved assessment or a closed round."""

    def __init__(self) -> None:
        super().__init__(
            _("该考评已审核锁定或所属批次已结束，不能再修改。如需修改，请管理员说明理由后重新打开。"),
            code="locked",
        )


class WorkflowError(ValidationError):
    """A step that the assessment's current state does not allow."""


class Assessment(models.Model):
    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("考评批次"))
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("党组织")
    )
    state = models.CharField(_("状态"), max_length=10, choices=AssessmentState.choices, default=AssessmentState.DRAFT)
    # Written with the scores in one transaction, so that rankings read one row per assessment.
    total = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    max_total = models.DecimalField(_("满分"), max_digits=6, decimal_places=1)
    self_total = models.DecimalField(_("自评得分"), max_digits=7, decimal_places=2, null=True, blank=True)
    returned_reason = models.TextField(_("退回理由"), blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    approved_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("审核人"),
    )

    class Meta:
        verbose_name = _("考评")
        verbose_name_plural = _("考评")
        constraints = [
            models.UniqueConstraint(fields=["round", "organization"], name="assessment_one_per_round"),
            models.CheckConstraint(condition=Q(state__in=AssessmentState.values), name="assessment_state_known"),
            models.CheckConstraint(
                condition=Q(total__isnull=True) | Q(total__gte=0, total__lte=F("max_total")),
                name="assessment_total_within_max",
            ),
            models.CheckConstraint(
                condition=~Q(state=AssessmentState.APPROVED) | Q(approved_at__isnull=False, total__isnull=False),
                name="assessment_approved_has_total",
            ),
        ]
        indexes = [models.Index(fields=["round", "state", "total"], name="assessment_ranking_idx")]

    def __str__(self) -> str:
        return f"{self.round} · {self.organization}"

    @property
    def is_locked(self) -> bool:
        return self.state == AssessmentState.APPROVED or self.round.state == RoundState.CLOSED


class Sheet(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="sheets", verbose_name=_("考评"))
    kind = models.CharField(_("类别"), max_length=10, choices=SheetKind.choices)
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="review_sheets",
        verbose_name=_("考评员"),
    )
    is_lead = models.BooleanField(_("主考评员"), default=False)
    state = models.CharField(_("状态"), max_length=10, choices=SheetState.choices, default=SheetState.DRAFT)
    # Bumped on every save; a form posted from an older version is a concurrent edit.
    version = models.PositiveIntegerField(_("版本"), default=1)
    total = models.DecimalField(_("合计"), max_digits=7, decimal_places=2, default=0)
    scored_count = models.PositiveSmallIntegerField(_("已评子项目数"), default=0)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("评分表")
        verbose_name_plural = _("评分表")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SheetKind.values), name="sheet_kind_known"),
            models.CheckConstraint(condition=Q(state__in=SheetState.values), name="sheet_state_known"),
            models.CheckConstraint(
                condition=(
                    Q(kind=SheetKind.SELF, evaluator__isnull=True, is_lead=False)
                    | Q(kind=SheetKind.REVIEW, evaluator__isnull=False)
                ),
                name="sheet_evaluator_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(kind=SheetKind.SELF), name="sheet_one_self_per_assessment"
            ),
            models.UniqueConstraint(
                fields=["assessment", "evaluator"], condition=Q(kind=SheetKind.REVIEW),
                name="sheet_one_review_per_evaluator",
            ),
            models.UniqueConstraint(
                fields=["assessment"], condition=Q(is_lead=True), name="sheet_one_lead_per_assessment"
            ),
        ]

    def __str__(self) -> str:
        if self.kind == SheetKind.SELF:
            return str(_("自评"))
        return f"{_('考评')} · {display_name(self.evaluator)}"


# `Assessment.is_locked` as a filter on Sheet.
LOCKED_SHEET = Q(assessment__state=AssessmentState.APPROVED) | Q(assessment__round__state=RoundState.CLOSED)


_ROW_LOCK = "_row_locked_in"


def mark_row_locked(sheet: Sheet) -> None:
    """Note on a sheet read FOR UPDATE with its assessment and round (`services.locking`) the
    atomic block that holds the lock: while that block is open, the state read is the state."""
    connection = transaction.get_connection(sheet._state.db or DEFAULT_DB_ALIAS)
    if connection.in_atomic_block:
        setattr(sheet, _ROW_LOCK, connection.atomic_blocks[-1])


def holds_row_lock(sheet: Sheet) -> bool:
    block = getattr(sheet, _ROW_LOCK, None)
    connection = transaction.get_connection(sheet._state.db or DEFAULT_DB_ALIAS)
    return block is not None and any(open_block is block for open_block in connection.atomic_blocks)


class ScoreQuerySet(models.QuerySet):
    """Refuses bulk writes that reach a locked assessment, as Score.save() does for one row."""

    def _refuse_if_locked(self) -> None:
        if self.filter(sheet__in=Sheet.objects.filter(LOCKED_SHEET)).exists():
            raise LockedError()

    def update(self, **kwargs: Any) -> int:
        self._refuse_if_locked()
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_if_locked()
        return super().delete()

    # Inside a QuerySet subclass the stubs leave the model type unbound (super() answers list[_Model]).
    def bulk_create(  # type: ignore[override]  # unbound model
        self, objs: Any, *args: Any, locked: Sheet | None = None, **kwargs: Any
    ) -> list[Score]:
        """`locked`: the sheet of all the rows, as `mark_row_locked` marked it; its assessment's
        state then comes from the locked rows instead of a query (an upsert of a save)."""
        objs = list(objs)
        sheet_ids = {obj.sheet_id for obj in objs}
        if locked is not None and sheet_ids <= {locked.pk} and holds_row_lock(locked):
            if locked.assessment.is_locked:
                raise LockedError()
        elif sheet_ids and Sheet.objects.filter(pk__in=sheet_ids).filter(LOCKED_SHEET).exists():
            raise LockedError()
        return super().bulk_create(objs, *args, **kwargs)  # type: ignore[return-value]  # unbound model, see above


class Score(models.Model):
    """One item on one sheet. The cap is copied so that the database itself enforces it."""

    sheet = models.ForeignKey(Sheet, on_delete=models.CASCADE, related_name="scores", verbose_name=_("评分表"))
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+", verbose_name=_("子项目"))
    cap = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    score = models.DecimalField(_("得分"), max_digits=5, decimal_places=1, null=True, blank=True)
    reason = models.TextField(_("扣分理由"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("修改人"),
    )

    objects = ScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("子项目得分")
        verbose_name_plural = _("子项目得分")
        constraints = [
            models.UniqueConstraint(fields=["sheet", "item"], name="score_one_per_item"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="score_cap_positive"),
            # A copy of the item's cap, held to the same rule as Item.cap.
            models.CheckConstraint(condition=in_half_points("cap"), name="score_cap_in_half_points"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=F("cap")),
                name="score_within_cap",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | in_half_points("score"), name="score_in_half_points"
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score=F("cap")) | ~Q(reason=""),
                name="score_below_cap_has_reason",
            ),
            # Counted as assessments.validation counts it: characters of the cleaned text.
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("reason"), MAX_REASON_LENGTH), name="score_reason_within_limit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {'—' if self.score is None else self.score} / {self.cap}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if Sheet.objects.filter(pk=self.sheet_id).filter(LOCKED_SHEET).exists():
            raise LockedError()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if Sheet.objects.filter(pk=self.sheet_id).filter(LOCKED_SHEET).exists():
            raise LockedError()
        return super().delete(*args, **kwargs)


class ItemResult(models.Model):
    """The merged score of one item for one assessment (the evaluators' sheets combined)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="item_results")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    cap = models.DecimalField(_("分值"), max_digits=5, decimal_places=1)
    spread = models.DecimalField(_("评分差距"), max_digits=5, decimal_places=1, default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "item"], name="item_result_one_per_item"),
            models.CheckConstraint(condition=Q(score__gte=0, score__lte=F("cap")), name="item_result_within_cap"),
            # The item's cap (the score is a mean, so not in half points).
            models.CheckConstraint(condition=in_half_points("cap"), name="item_result_cap_in_half_points"),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.score} / {self.cap}"


class CategoryResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="category_results")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="+")
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    cap = models.DecimalField(_("分值"), max_digits=6, decimal_places=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "category"], name="category_result_one_per_category"),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=F("cap")), name="category_result_within_cap"
            ),
            # A sum of item caps, so half points too.
            models.CheckConstraint(condition=in_half_points("cap"), name="category_result_cap_in_half_points"),
        ]
        # A ranking sorted by one category joins that category's rows: with the score included,
        # PostgreSQL reads them from the index alone instead of visiting a heap page per row.
        indexes = [models.Index(fields=["category", "assessment"], include=["score"], name="category_result_sort_idx")]

    def __str__(self) -> str:
        return f"{self.category}: {self.score} / {self.cap}"
