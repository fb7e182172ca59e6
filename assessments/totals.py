"""The one function that adds scores up. Pages, stored results, Excel and PDF all call it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


@dataclass(frozen=True)
class ItemInfo:
    id: int
    category_id: int
    cap: Decimal


@dataclass
class Totals:
    total: Decimal = Decimal("0")
    max_total: Decimal = Decimal("0")
    by_category: dict[int, Decimal] = field(default_factory=dict)
    cap_by_category: dict[int, Decimal] = field(default_factory=dict)
    scored: int = 0
    items: int = 0

    @property
    def complete(self) -> bool:
        return self.scored == self.items


def quantize(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compute_totals(items: Iterable[ItemInfo], scores: Mapping[int, Decimal | None]) -> Totals:
    """Sum the scores by category and overall; items without a score count as 0 and unscored."""
    totals = Totals()
    for item in items:
        totals.items += 1
        totals.max_total += item.cap
        totals.cap_by_category[item.category_id] = totals.cap_by_category.get(item.category_id, Decimal("0")) + item.cap
        totals.by_category.setdefault(item.category_id, Decimal("0"))
        score = scores.get(item.id)
        if score is not None:
            totals.scored += 1
            totals.total += score
            totals.by_category[item.category_id] += score
    return totals
