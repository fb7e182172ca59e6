"""The official score sheet of one assessment, read from the stored results, so that the page,
the workbook and the PDF show the same numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from assessments.models import Assessment, CategoryResult, ItemResult, Score, Sheet, SheetKind
from common.people import display_name
from indicators.models import Category, Item
from indicators.selectors.outline import cap_sum


@dataclass
class SheetRow:
    item: Item
    score: Decimal | None
    reason: str


@dataclass
class SheetCategory:
    category: Category
    rows: list[SheetRow]
    score: Decimal | None
    cap: Decimal


@dataclass
class ScoreSheet:
    """The official table of one assessment: 考评项目 | 子项目 | 评分标准 | 分值 | 得分 | 扣分理由."""

    assessment: Assessment
    categories: list[SheetCategory]
    total: Decimal | None
    max_total: Decimal
    evaluators: list[str] = field(default_factory=list)
    approver: str = ""


def score_sheet(assessment: Assessment, *, named: bool = True) -> ScoreSheet:
    """The merged scores with the evaluators' deduction reasons, in five queries.

    `named=False` is the unit's own copy: its pages never tell it who scored it, so neither do
    its workbook and its printout (no evaluator list, no "name：" before each reason).
    """
    system_id = assessment.round.indicator_system_id
    categories = list(Category.objects.filter(system_id=system_id).in_outline_order().annotate(cap_total=cap_sum()))
    items = list(Item.objects.filter(system_id=system_id).in_outline_order())
    merged = dict(ItemResult.objects.filter(assessment=assessment).values_list("item_id", "score"))
    subtotals = dict(CategoryResult.objects.filter(assessment=assessment).values_list("category_id", "score"))
    reviews = list(
        Sheet.objects.filter(assessment=assessment, kind=SheetKind.REVIEW).select_related("evaluator").order_by(
            "-is_lead", "id"
        )
    )
    names = {sheet.pk: display_name(sheet.evaluator) for sheet in reviews}
    reasons: dict[int, list[str]] = {}
    for sheet_id, item_id, reason in Score.objects.filter(sheet__in=reviews).exclude(reason="").order_by(
        "-sheet__is_lead", "sheet_id"
    ).values_list("sheet_id", "item_id", "reason"):
        text = f"{names[sheet_id]}：{reason}" if named and len(reviews) > 1 else reason
        reasons.setdefault(item_id, []).append(text)
    by_category: dict[int, list[SheetRow]] = {}
    for item in items:
        by_category.setdefault(item.category_id, []).append(
            SheetRow(item=item, score=merged.get(item.id), reason="；".join(reasons.get(item.id, [])))
        )
    approver = assessment.approved_by
    return ScoreSheet(
        assessment=assessment,
        categories=[
            SheetCategory(category=c, rows=by_category.get(c.id, []), score=subtotals.get(c.id), cap=c.cap_total)
            for c in categories
        ],
        total=assessment.total,
        max_total=assessment.max_total,
        evaluators=list(names.values()) if named else [],
        approver=display_name(approver),
    )
