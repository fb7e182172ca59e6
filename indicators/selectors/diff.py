"""What changed between two editions of the outline.

Items are matched by lineage first: the `origin` chain that cloning records (followed through
any number of generations, in either direction, so the older edition may be on either side) and
the ItemLink rows admins add for splits, merges and renames cloning could not see. Only when the
two editions share no history at all (an imported edition, say) are items matched by number:
within one family a number is not an identity, because removing 3.2 renumbers 3.3 to 3.2.

The whole outline table is small (a few dozen items per edition, a handful of editions), so the
lineage graph of every edition is loaded in a few queries and walked in memory; the number of
queries does not grow with the number of generations between the two editions.
"""

from __future__ import annotations

import difflib
from collections import defaultdict, deque
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from common.typing import AnyUser
from indicators.access import versions_for_user
from indicators.models import Category, IndicatorSystem, Item, ItemLink, LinkKind

# When several paths lead from one item to another, the most telling kind wins.
_KIND_RANK: dict[str, int] = {LinkKind.SAME: 0, LinkKind.RENAMED: 1, LinkKind.SPLIT: 2, LinkKind.MERGED: 2}


def _stronger(first: str, second: str) -> str:
    return second if _KIND_RANK[second] > _KIND_RANK[first] else first


def mark_text_difference(old: str, new: str) -> SafeString:
    """The new text with deletions and insertions marked, every piece escaped.

    Compared character by character: Chinese has no spaces, so words are no unit here.
    """
    pieces: list[str] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag in ("replace", "delete"):
            pieces.append(f"<del>{escape(old[i1:i2])}</del>")
        if tag in ("replace", "insert"):
            pieces.append(f"<ins>{escape(new[j1:j2])}</ins>")
        if tag == "equal":
            pieces.append(str(escape(old[i1:i2])))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece above is escaped


@dataclass
class _Change:
    """A row of edition a, of edition b, or a matched pair: what both kinds of row share."""

    old: Any
    new: Any

    @property
    def added(self) -> bool:
        return self.old is None

    @property
    def removed(self) -> bool:
        return self.new is None

    @property
    def renamed(self) -> bool:
        return bool(self.old and self.new and self.old.name != self.new.name)

    @property
    def renumbered(self) -> bool:
        return bool(self.old and self.new and self.old.number != self.new.number)


@dataclass
class ItemChange(_Change):
    """One item row of the diff (old and new are Items)."""

    link_kind: str = ""  # a LinkKind value for matched pairs; "" for added and removed
    by_number: bool = False
    standard_diff: SafeString = field(default_factory=lambda: mark_safe(""))

    @property
    def cap_changed(self) -> bool:
        return bool(self.old and self.new and self.old.cap != self.new.cap)

    @property
    def cap_delta(self) -> Decimal:
        return (self.new.cap - self.old.cap) if self.old and self.new else Decimal("0")

    @property
    def standard_changed(self) -> bool:
        return bool(self.old and self.new and self.old.standard != self.new.standard)

    @property
    def changed(self) -> bool:
        return (
            self.added or self.removed or self.renamed or self.renumbered or self.cap_changed
            or self.standard_changed or self.link_kind in (LinkKind.SPLIT, LinkKind.MERGED)
        )

    def get_link_kind_display(self) -> str:
        return str(LinkKind(self.link_kind).label) if self.link_kind else ""


@dataclass
class CategoryChange(_Change):
    """One category row of the diff (old and new are Categories)."""

    @property
    def changed(self) -> bool:
        return self.added or self.removed or self.renamed or self.renumbered


@dataclass
class VersionDiff:
    a: IndicatorSystem
    b: IndicatorSystem
    categories: list[CategoryChange]
    items: list[ItemChange]
    related: bool  # whether the editions share lineage; if not, items were matched by number

    @property
    def changed_items(self) -> list[ItemChange]:
        return [change for change in self.items if change.changed]

    def _count(self, attribute: str) -> int:
        return sum(1 for change in self.items if getattr(change, attribute))

    @property
    def summary(self) -> dict[str, int]:
        return {name: self._count(name) for name in (
            "added", "removed", "renamed", "cap_changed", "standard_changed")}


def _ancestors(start: int, parents: dict[int, list[tuple[int, str]]]) -> dict[int, str]:
    """Every item `start` descends from, with the strongest link kind on the way there."""
    found: dict[int, str] = {}
    queue: deque[tuple[int, str]] = deque([(start, LinkKind.SAME)])
    while queue:
        current, kind = queue.popleft()
        for parent, edge_kind in parents.get(current, ()):
            path_kind = _stronger(kind, edge_kind)
            # Links are set by hand and may form a cycle; each item is visited once.
            if parent == start or parent in found:
                continue
            found[parent] = path_kind
            queue.append((parent, path_kind))
    return found


def _item_parents() -> dict[int, list[tuple[int, str]]]:
    parents: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, origin in Item.objects.filter(origin__isnull=False).values_list("pk", "origin_id"):
        parents[pk].append((origin, LinkKind.SAME))
    for earlier, later, kind in ItemLink.objects.values_list("earlier_id", "later_id", "kind"):
        parents[later].append((earlier, kind))
    return parents


def _lineage_pairs(
    olds: dict[int, Item], news: dict[int, Item], parents: dict[int, list[tuple[int, str]]]
) -> list[tuple[int, int, str, bool]]:
    """(old pk, new pk, kind, whether the old item is the earlier one) for related items."""
    pairs: dict[tuple[int, int], tuple[str, bool]] = {}
    for new_pk in news:
        for ancestor, kind in _ancestors(new_pk, parents).items():
            if ancestor in olds:
                pairs[(ancestor, new_pk)] = (kind, True)
    for old_pk in olds:
        for ancestor, kind in _ancestors(old_pk, parents).items():
            if ancestor in news and (old_pk, ancestor) not in pairs:
                pairs[(old_pk, ancestor)] = (kind, False)
    return [(old, new, kind, old_first) for (old, new), (kind, old_first) in pairs.items()]


def _kind_of_pairs(pairs: list[tuple[int, int, str, bool]]) -> dict[tuple[int, int], str]:
    """Name each pair after history: one earlier item going to several later ones is a split."""
    later_count: dict[int, int] = defaultdict(int)
    earlier_count: dict[int, int] = defaultdict(int)
    for old, new, _kind, old_first in pairs:
        earlier, later = (old, new) if old_first else (new, old)
        later_count[earlier] += 1
        earlier_count[later] += 1
    kinds = {}
    for old, new, kind, old_first in pairs:
        earlier, later = (old, new) if old_first else (new, old)
        if later_count[earlier] > 1:
            kind = _stronger(kind, LinkKind.SPLIT)
        elif earlier_count[later] > 1:
            kind = _stronger(kind, LinkKind.MERGED)
        kinds[(old, new)] = kind
    return kinds


def _match_categories(olds: list[Category], news: list[Category], related: bool) -> list[CategoryChange]:
    parents = dict(Category.objects.filter(origin__isnull=False).values_list("pk", "origin_id"))
    children: dict[int, list[int]] = defaultdict(list)
    for child, parent in parents.items():
        children[parent].append(child)
    old_by_pk = {c.pk: c for c in olds}
    matched_old: set[int] = set()
    changes: list[CategoryChange] = []
    for category in news:
        partner = old_by_pk.get(category.pk) or _category_partner(category.pk, old_by_pk, parents, children)
        if partner is None and not related:
            partner = next((c for c in olds if c.number == category.number and c.pk not in matched_old), None)
        if partner is not None and partner.pk in matched_old:
            partner = None
        if partner is not None:
            matched_old.add(partner.pk)
        changes.append(CategoryChange(partner, category))
    changes.extend(CategoryChange(c, None) for c in olds if c.pk not in matched_old)
    return changes


def _category_partner(
    pk: int, old_by_pk: dict[int, Category], parents: dict[int, int], children: dict[int, list[int]]
) -> Category | None:
    # Up the origin chain (the old edition is the earlier one), then down it (it is the later).
    seen = {pk}
    current = parents.get(pk)
    while current is not None and current not in seen:
        if current in old_by_pk:
            return old_by_pk[current]
        seen.add(current)
        current = parents.get(current)
    queue = deque(children.get(pk, ()))
    while queue:
        current = queue.popleft()
        if current in old_by_pk:
            return old_by_pk[current]
        if current not in seen:
            seen.add(current)
            queue.extend(children.get(current, ()))
    return None


def versions_to_compare(user: AnyUser) -> list[IndicatorSystem]:
    """The editions the user may see, oldest first, for the two pickers of the comparison page."""
    return list(versions_for_user(user).order_by("year", "code"))


def version_diff(a: IndicatorSystem, b: IndicatorSystem) -> VersionDiff:
    """Edition `a` (shown as the old side) against edition `b` (the new side)."""
    items = list(
        Item.objects.filter(system__in=[a.pk, b.pk]).select_related("category")
        .in_outline_order()
    )
    olds = {i.pk: i for i in items if i.system_id == a.pk}
    news = {i.pk: i for i in items if i.system_id == b.pk}
    pairs = _lineage_pairs(olds, news, _item_parents()) if a.pk != b.pk else []
    related = bool(pairs) or a.pk == b.pk
    kinds = _kind_of_pairs(pairs)
    if a.pk == b.pk:
        kinds = {(pk, pk): LinkKind.SAME for pk in olds}

    by_number = False
    if not related:
        by_number = True
        number_to_old = {i.number: i.pk for i in olds.values()}
        kinds = {(number_to_old[i.number], i.pk): LinkKind.SAME for i in news.values() if i.number in number_to_old}

    changes: list[ItemChange] = []
    matched_old: set[int] = set()
    matched_new: set[int] = set()
    # Rows follow the new edition's order; removed items come last, in the old edition's order.
    partners_of_new: dict[int, list[int]] = defaultdict(list)
    for old_pk, new_pk in kinds:
        partners_of_new[new_pk].append(old_pk)
    position = {pk: index for index, pk in enumerate(olds)}
    for new_pk, new in news.items():
        for old_pk in sorted(partners_of_new.get(new_pk, ()), key=position.__getitem__):
            kind = kinds[(old_pk, new_pk)]
            old = olds[old_pk]
            if kind == LinkKind.SAME and old.name != new.name:
                kind = LinkKind.RENAMED
            change = ItemChange(old, new, link_kind=kind, by_number=by_number)
            if change.standard_changed:
                change.standard_diff = mark_text_difference(old.standard, new.standard)
            changes.append(change)
            matched_old.add(old_pk)
            matched_new.add(new_pk)
        if new_pk not in matched_new:
            changes.append(ItemChange(None, new))
    changes.extend(ItemChange(old, None) for pk, old in olds.items() if pk not in matched_old)

    categories_a = list(Category.objects.filter(system=a).in_outline_order())
    categories_b = list(Category.objects.filter(system=b).in_outline_order())
    return VersionDiff(a, b, _match_categories(categories_a, categories_b, related), changes, related)
