"""The round's indicator outline, in the order of the official table."""

from __future__ import annotations

from assessments.models import Round
from assessments.totals import ItemInfo
from common.posted import posted_id
from indicators.models import Category, IndicatorSystem, Item


def outline_items(system: IndicatorSystem) -> list[ItemInfo]:
    rows = Item.objects.filter(system=system).in_outline_order()
    return [ItemInfo(i, c, cap) for i, c, cap in rows.values_list("id", "category_id", "cap")]


def outline_categories(system: IndicatorSystem) -> list[Category]:
    """Categories with their items, in the order of the official table."""
    return list(Category.objects.filter(system=system).in_outline_order().with_items())


def round_items(round: Round) -> list[Item]:
    # The outline's order, as `outline_items` and the score page use.
    return list(Item.objects.filter(system_id=round.indicator_system_id).in_outline_order())


def item_of_round(round: Round, raw: str | None) -> Item | None:
    """An item of the round's edition by an id the user sent; None if it is not a number or not one of them."""
    pk = posted_id(raw)
    return None if pk is None else Item.objects.filter(pk=pk, system_id=round.indicator_system_id).first()
