"""The round's indicator outline, in the order of the official table."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import BooleanField, DecimalField, IntegerField, TextField, Value

from assessments.models import Round, Score, Sheet, SheetKind
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


@dataclass(frozen=True)
class StoredRow:
    """A stored score row, as a save reads it under the sheet's lock."""

    sheet_id: int
    item_id: int
    score: Decimal | None
    reason: str
    is_lead: bool


@dataclass(frozen=True)
class SaveInputs:
    items: list[ItemInfo]  # the edition's, in outline order
    rows: list[StoredRow]  # the sheet's own rows and, for a review sheet, every review sheet's of the assessment


def save_inputs(sheet: Sheet) -> SaveInputs:
    """What a save merges against and recomputes from, in one query (a UNION ALL): the edition's
    items, and the stored scores of the sheet, or of all the assessment's review sheets for a
    review (the merged results read them). `sheet.assessment.round` must be loaded."""
    none_int, none_points = (
        Value(None, output_field=IntegerField()), Value(None, output_field=DecimalField(max_digits=5, decimal_places=1))
    )
    outline = Item.objects.filter(system_id=sheet.assessment.round.indicator_system_id).order_by().values_list(
        "id", "category_id", "cap", "category__number", "order",
        none_int, none_points, Value("", output_field=TextField()), Value(False, output_field=BooleanField()),
    )
    scores = Score.objects.filter(sheet__assessment_id=sheet.assessment_id, sheet__kind=SheetKind.REVIEW)
    if sheet.kind != SheetKind.REVIEW:
        scores = Score.objects.filter(sheet_id=sheet.pk)
    stored = scores.order_by().values_list(
        "item_id", none_int, "cap", none_int, none_int, "sheet_id", "score", "reason", "sheet__is_lead",
    )
    found: list[tuple[int, int, int, ItemInfo]] = []
    rows = []
    for pk, category_id, cap, number, order, sheet_id, score, reason, is_lead in outline.union(stored, all=True):
        if sheet_id is None:
            found.append((number, order, pk, ItemInfo(pk, category_id, cap)))
        else:
            rows.append(StoredRow(sheet_id, pk, score, reason, bool(is_lead)))
    # The outline's order (Item.objects.in_outline_order), which a UNION cannot carry per branch.
    return SaveInputs([info for *_, info in sorted(found)], rows)
