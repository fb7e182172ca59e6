"""The outline as data: an edition (IndicatorSystem) holds categories, which hold scored items.

A published or archived edition never changes: rounds of past years were scored against it.
The guard sits in save()/delete() and in the querysets' update()/delete(), so every ORM path —
views, admin, imports, shell — meets the same refusal.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Prefetch, Q
from django.utils.translation import gettext_lazy as _

from indicators.points import in_half_points
from indicators.validators import validate_half_point


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    PUBLISHED = "published", _("已发布")
    ARCHIVED = "archived", _("已归档")


FROZEN_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.ARCHIVED)


class PublishedVersionError(ValidationError):
    """Raised for any attempt to change an edition that has been published."""

    def __init__(self, title: str = "") -> None:
        super().__init__(
            _("指标体系“%(title)s”已发布，不能修改；如需调整，请复制为新的试行版本后编辑。"),
            code="published",
            params={"title": title},
        )


def _refuse_if_frozen(queryset: models.QuerySet, status_lookup: str) -> None:
    frozen = queryset.filter(**{f"{status_lookup}__in": FROZEN_STATUSES})
    title_lookup = status_lookup.replace("status", "title")
    first = frozen.values_list(title_lookup, flat=True).first()
    if first is not None:
        raise PublishedVersionError(first)


class IndicatorSystemQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        # Archiving (and un-archiving) is the one change a published edition allows.
        if set(kwargs) - {"status"} or kwargs.get("status") == VersionStatus.DRAFT:
            _refuse_if_frozen(self, "status")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_if_frozen(self, "status")
        return super().delete()

    def selectable_for_rounds(self) -> IndicatorSystemQuerySet:
        return self.filter(status=VersionStatus.PUBLISHED)


# Named bases: mypy's Django plugin follows from_queryset in an assignment, not in a class's bases.
_IndicatorSystemManagerBase = models.Manager.from_queryset(IndicatorSystemQuerySet)


class IndicatorSystemManager(_IndicatorSystemManagerBase["IndicatorSystem"]):
    def get_by_natural_key(self, code: str) -> IndicatorSystem:
        return self.get(code=code)


class IndicatorSystem(models.Model):
    """One edition (试行版本) of the outline."""

    code = models.SlugField(_("版本编码"), max_length=40, unique=True)
    title = models.CharField(_("名称"), max_length=200)
    year = models.PositiveSmallIntegerField(_("年份"))
    status = models.CharField(
        _("状态"), max_length=16, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    total = models.DecimalField(
        _("总分"), max_digits=6, decimal_places=1, default=Decimal("100"),
        validators=[MinValueValidator(Decimal("0.5")), validate_half_point],
    )
    description = models.TextField(_("说明"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    source = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="clones",
        verbose_name=_("复制自"),
    )

    objects = IndicatorSystemManager()

    class Meta:
        verbose_name = _("指标体系版本")
        verbose_name_plural = _("指标体系版本")
        ordering = ["-year", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(total__gt=0), name="indicator_system_total_positive"),
            # indicators.points' half-point rule, for every write that skips the form and the service.
            models.CheckConstraint(condition=in_half_points("total"), name="indicator_system_total_in_half_points"),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="indicator_system_status_known"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100), name="indicator_system_year_plausible"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_status_display()}）"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            self._refuse_frozen_change()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
        if stored in FROZEN_STATUSES:
            raise PublishedVersionError(self.title)
        return super().delete(*args, **kwargs)

    def natural_key(self) -> tuple[str]:
        return (self.code,)

    @property
    def is_frozen(self) -> bool:
        return self.status in FROZEN_STATUSES

    def _refuse_frozen_change(self) -> None:
        stored = type(self).objects.filter(pk=self.pk).first()
        if stored is None or not stored.is_frozen:
            return
        changed = {
            f.attname
            for f in self._meta.concrete_fields
            if getattr(stored, f.attname) != getattr(self, f.attname)
        }
        if changed - {"status"} or self.status == VersionStatus.DRAFT:
            raise PublishedVersionError(stored.title)


# The order of the outline, as the official table prints it: categories by number
# (Category.objects.in_outline_order()), items by their place in their category
# (`with_items`), so all the items of an edition by both (Item.objects.in_outline_order()).
CATEGORY_ORDER = ("number",)
ITEM_ORDER_IN_CATEGORY = ("order", "id")
OUTLINE_ORDER = ("category__number", *ITEM_ORDER_IN_CATEGORY)


class VersionContentQuerySet(models.QuerySet):
    """Categories and items: refuse bulk writes that would reach into a frozen edition."""

    def update(self, **kwargs: Any) -> int:
        _refuse_if_frozen(self, "system__status")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        _refuse_if_frozen(self, "system__status")
        return super().delete()


class VersionContent(models.Model):
    """Shared guard for rows that belong to one edition."""

    system_id: int  # the column of each subclass's own `system` foreign key

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        self._refuse_if_frozen()
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        self._refuse_if_frozen()
        return super().delete(*args, **kwargs)

    def _refuse_if_frozen(self) -> None:
        systems = IndicatorSystem.objects.filter(pk=self.system_id)
        if self.pk is not None:
            stored = type(self)._default_manager.filter(pk=self.pk).values_list(  # type: ignore[misc]  # a subclass's column
                "system_id", flat=True
            )
            systems = IndicatorSystem.objects.filter(Q(pk=self.system_id) | Q(pk__in=stored))
        _refuse_if_frozen(systems, "status")


class CategoryQuerySet(VersionContentQuerySet):
    def in_outline_order(self) -> CategoryQuerySet:
        return self.order_by(*CATEGORY_ORDER)

    def with_items(self) -> CategoryQuerySet:
        """Each category's items prefetched (as `category.items.all()`), in their order in it."""
        return self.prefetch_related(Prefetch("items", queryset=Item.objects.order_by(*ITEM_ORDER_IN_CATEGORY)))


_CategoryManagerBase = models.Manager.from_queryset(CategoryQuerySet)


class CategoryManager(_CategoryManagerBase["Category"]):
    def get_by_natural_key(self, system_code: str, number: int) -> Category:
        return self.get(system__code=system_code, number=number)


class Category(VersionContent):
    """考评项目: one of the top-level areas of an edition."""

    system = models.ForeignKey(
        IndicatorSystem, on_delete=models.CASCADE, related_name="categories",
        verbose_name=_("指标体系版本"),
    )
    number = models.PositiveSmallIntegerField(_("序号"))
    name = models.CharField(_("考评项目"), max_length=100)
    # Lineage: the category of the earlier edition this one was cloned from.
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="descendants",
        verbose_name=_("来源"),
    )

    objects = CategoryManager()

    class Meta:
        verbose_name = _("考评项目")
        verbose_name_plural = _("考评项目")
        ordering = ["system_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="category_number_unique_in_version"),
            models.CheckConstraint(condition=Q(number__gt=0), name="category_number_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.name}"

    def natural_key(self) -> tuple[str, int]:
        return (*self.system.natural_key(), self.number)

    natural_key.dependencies = ["indicators.indicatorsystem"]  # type: ignore[attr-defined]  # read by the serializers


class ItemQuerySet(VersionContentQuerySet):
    def in_outline_order(self, *first: str) -> ItemQuerySet:
        """The order of the official table: by category, then the item's place in it.

        `first` are orderings that come before it, e.g. ("-system__year",) for items of several
        editions, newest edition first.
        """
        return self.order_by(*first, *OUTLINE_ORDER)


def outline_order(relation: str) -> tuple[str, ...]:
    """OUTLINE_ORDER for rows that reach their item through `relation`, e.g. "later__" for an ItemLink."""
    return tuple(relation + key for key in OUTLINE_ORDER)


_ItemManagerBase = models.Manager.from_queryset(ItemQuerySet)


class ItemManager(_ItemManagerBase["Item"]):
    def get_by_natural_key(self, system_code: str, number: str) -> Item:
        return self.get(system__code=system_code, number=number)


class Item(VersionContent):
    """子项目: one scored line of the outline, with its standard and cap."""

    # Denormalised from category so that "numbers are unique within a version" is a database rule.
    system = models.ForeignKey(
        IndicatorSystem, on_delete=models.CASCADE, related_name="items",
        verbose_name=_("指标体系版本"), editable=False,
    )
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="items", verbose_name=_("考评项目")
    )
    number = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("子项目"), max_length=200)
    standard = models.TextField(_("评分标准"))
    cap = models.DecimalField(
        _("分值"), max_digits=5, decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), validate_half_point],
    )
    order = models.PositiveSmallIntegerField(_("排序"), default=0)
    # Lineage: the item of the earlier edition this one was cloned from. Splits, merges and
    # renames that cloning did not capture are recorded as ItemLink rows.
    origin = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="descendants",
        verbose_name=_("来源"),
    )

    objects = ItemManager()

    class Meta:
        verbose_name = _("子项目")
        verbose_name_plural = _("子项目")
        ordering = list(OUTLINE_ORDER)
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="item_number_unique_in_version"),
            models.CheckConstraint(condition=Q(cap__gt=0), name="item_cap_positive"),
            models.CheckConstraint(condition=in_half_points("cap"), name="item_cap_in_half_points"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.category_id is not None:
            self.system_id = self.category.system_id
        super().save(*args, **kwargs)

    def natural_key(self) -> tuple[str, str]:
        return (*self.system.natural_key(), self.number)

    natural_key.dependencies = ["indicators.indicatorsystem", "indicators.category"]  # type: ignore[attr-defined]  # read by the serializers

    def clean(self) -> None:
        if self.category_id and self.system_id and self.category.system_id != self.system_id:
            raise ValidationError({"category": _("子项目必须属于同一版本的考评项目。")})


class LinkKind(models.TextChoices):
    SAME = "same", _("沿用")
    RENAMED = "renamed", _("更名")
    SPLIT = "split", _("拆分")
    MERGED = "merged", _("合并")


class ItemLink(models.Model):
    """An admin's statement that an item of a later edition continues one of an earlier edition."""

    earlier = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="links_forward", verbose_name=_("原子项目"))
    later = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="links_back", verbose_name=_("新子项目"))
    kind = models.CharField(_("关系"), max_length=10, choices=LinkKind.choices)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("子项目沿革")
        verbose_name_plural = _("子项目沿革")
        constraints = [
            models.UniqueConstraint(fields=["earlier", "later"], name="item_link_unique"),
            models.CheckConstraint(condition=~Q(earlier=F("later")), name="item_link_not_self"),
            models.CheckConstraint(condition=Q(kind__in=LinkKind.values), name="item_link_kind_known"),
        ]

    def __str__(self) -> str:
        return f"{self.earlier} → {self.later}（{self.get_kind_display()}）"
