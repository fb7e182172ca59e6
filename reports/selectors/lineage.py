"""Item-level trends across editions of the outline: an item is followed back only through
its lineage (the clone origin chain and the admins' item links), never by number alone —
"4.2" of a later edition may ask for something else than "4.2" did."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from assessments.models import ItemResult
from indicators.models import Item, ItemLink
from reports.selectors.trend import Trend


@dataclass
class ItemTrendRow:
    item: Item
    # One percentage per year of the trend; None where the year's edition has no ancestor.
    cells: list[float | None] = field(default_factory=list)

    @property
    def broken(self) -> bool:
        return any(cell is None for cell in self.cells)


@dataclass
class MethodChange:
    year: int
    text: str


def _ancestors(item_id: int, parents: dict[int, set[int]]) -> set[int]:
    seen: set[int] = set()
    todo = [item_id]
    while todo:
        current = todo.pop()
        for parent in parents.get(current, ()):
            if parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return seen


def item_trend(trend: Trend) -> list[ItemTrendRow]:
    """Rows for the items of the latest year's edition, in four queries."""
    if not trend.years:
        return []
    # The whole lineage graph: editions are few and small (tens of items each), and a chain may
    # pass through an edition no round of this trend used.
    parents: dict[int, set[int]] = defaultdict(set)
    system_of: dict[int, int] = {}
    for item_id, origin_id, system_id in Item.objects.values_list("id", "origin_id", "system_id"):
        system_of[item_id] = system_id
        if origin_id:
            parents[item_id].add(origin_id)
    for earlier, later in ItemLink.objects.values_list("earlier_id", "later_id"):
        parents[later].add(earlier)
    results: dict[tuple[int, int], tuple[float, float]] = {}
    for assessment_id, item_id, score, cap in ItemResult.objects.filter(
        assessment_id__in=[year.assessment.pk for year in trend.years]
    ).values_list("assessment_id", "item_id", "score", "cap"):
        results[(assessment_id, item_id)] = (float(score), float(cap))
    latest = trend.years[-1].round.indicator_system_id
    rows = []
    for item in Item.objects.filter(system_id=latest).in_outline_order():
        family = {item.pk} | _ancestors(item.pk, parents)
        row = ItemTrendRow(item=item)
        for year in trend.years:
            members = [m for m in family if system_of.get(m) == year.round.indicator_system_id]
            found = [results[(year.assessment.pk, m)] for m in members if (year.assessment.pk, m) in results]
            # A split item's ancestor counts once for each of its parts' rows: its rate is shared.
            row.cells.append(100 * sum(s for s, _ in found) / sum(c for _, c in found) if found else None)
        rows.append(row)
    return rows


def method_changes(trend: Trend) -> list[MethodChange]:
    """Where the way of scoring changed from one year to the next: the edition or the merge rule."""
    changes = []
    for before, after in zip(trend.years, trend.years[1:], strict=False):
        old, new = before.round, after.round
        if old.indicator_system_id != new.indicator_system_id:
            changes.append(MethodChange(new.year, _("指标体系由“%(old)s”改为“%(new)s”，分值和子项目可能不同，按得分率比较。")
                                        % {"old": old.indicator_system.title, "new": new.indicator_system.title}))
        if old.merge_method != new.merge_method:
            changes.append(MethodChange(new.year, _("多名考评员得分的合成方式由“%(old)s”改为“%(new)s”。")
                                        % {"old": old.get_merge_method_display(), "new": new.get_merge_method_display()}))
    return changes
