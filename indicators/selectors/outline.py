"""Reads of the outline. Every cap subtotal and total shown anywhere comes from here.

A sum of caps is always `cap_sum()`: annotated on an edition it is the edition's sum, on a
category the category's subtotal (both reach their items as `items`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, TypeAlias, TypedDict

from django.db.models import Count, DecimalField, Func, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from indicators.models import Category, IndicatorSystem, ItemQuerySet

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

ZERO = Value(Decimal("0"), output_field=DecimalField(max_digits=7, decimal_places=1))


def cap_sum() -> Func:
    """The sum of the caps of the annotated edition's or category's items; 0 when it has none."""
    return Coalesce(Sum("items__cap"), ZERO)


def version_cap_sum(system: IndicatorSystem) -> Decimal:
    """The sum of an edition's caps, which publishing requires to equal its total."""
    return IndicatorSystem.objects.filter(pk=system.pk).annotate(caps=cap_sum()).values_list("caps", flat=True).get()


def version_items(system: IndicatorSystem) -> ItemQuerySet:
    """The edition's items, in the order of the official table."""
    return system.items.in_outline_order()


def version_categories(system: IndicatorSystem) -> list[Category]:
    """The edition's categories by number, without their items."""
    return list(system.categories.in_outline_order())


@dataclass
class OutlineTable:
    system: IndicatorSystem
    categories: Sequence[Category] = field(default_factory=list)
    total: Decimal = Decimal("0")
    item_count: int = 0

    @property
    def total_matches(self) -> bool:
        return self.total == self.system.total


class VersionTotals(TypedDict):
    item_count: int
    cap_sum: Decimal
    category_count: int


VersionWithTotals: TypeAlias = "WithAnnotations[IndicatorSystem, VersionTotals]"


def versions_with_totals(queryset: QuerySet[IndicatorSystem]) -> QuerySet[VersionWithTotals]:
    """Annotate each edition with its item count, category count and the sum of its caps."""
    category_count = (
        Category.objects.filter(system=OuterRef("pk"))
        .order_by()
        .values("system")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return queryset.annotate(
        item_count=Count("items"),
        cap_sum=cap_sum(),
        category_count=Coalesce(Subquery(category_count), 0),
    )


def outline_table(system: IndicatorSystem) -> OutlineTable:
    """The edition as the official table: categories with their items and cap subtotals."""
    categories = list(
        Category.objects.filter(system=system)
        .in_outline_order()
        .with_items()
        .annotate(cap_total=cap_sum(), item_count=Count("items"))
    )
    return OutlineTable(
        system=system,
        categories=categories,
        total=sum((c.cap_total for c in categories), Decimal("0")),
        item_count=sum(c.item_count for c in categories),
    )
