"""Saving an edited draft edition: the whole table at once, all or nothing.

The edit page posts every category and item row as typed text. This module checks all of it
first (so each mistake can be shown beside its field, with the typed text kept) and only then
writes, inside one transaction. Rows are identified by keys that the page invents: "c12"/"i34"
for stored rows, anything else (e.g. "cnew", "inew-c12") for rows being added.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import Category, IndicatorSystem, Item, PublishedVersionError, VersionStatus
from indicators.points import MAX_CAP, MAX_TOTAL, format_points, parse_cap
from indicators.services.history import category_values, item_values, record_table_edits

ITEM_NUMBER = re.compile(r"^\d{1,3}\.\d{1,3}$")
MAX_ORDER = 32767


@dataclass
class CategoryRow:
    key: str
    number: str = ""
    name: str = ""
    delete: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pk(self) -> int | None:
        return _pk_of(self.key, "c")

    @property
    def is_blank(self) -> bool:
        return self.pk is None and not (self.number.strip() or self.name.strip())


@dataclass
class ItemRow:
    key: str
    category_key: str
    number: str = ""
    name: str = ""
    standard: str = ""
    cap: str = ""
    order: str = ""
    delete: bool = False
    errors: dict[str, list[str]] = field(default_factory=dict)

    @property
    def pk(self) -> int | None:
        return _pk_of(self.key, "i")

    @property
    def is_blank(self) -> bool:
        typed = (self.number, self.name, self.standard, self.cap)
        return self.pk is None and not any(value.strip() for value in typed)


@dataclass
class EditPlan:
    """What the page posted: the version total and every row, as text."""

    total: str
    categories: list[CategoryRow]
    items: list[ItemRow]
    errors: list[str] = field(default_factory=list)
    total_errors: list[str] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(
            self.errors or self.total_errors
            or any(row.errors for row in self.categories) or any(row.errors for row in self.items)
        )


class VersionEditInvalid(Exception):
    """The plan, with its messages attached to rows and fields, so the page can show it again."""

    def __init__(self, plan: EditPlan) -> None:
        super().__init__("version edit refused")
        self.plan = plan


def _pk_of(key: str, prefix: str) -> int | None:
    rest = key[len(prefix):] if key.startswith(prefix) else ""
    return int(rest) if rest.isdigit() else None


def _add(row: CategoryRow | ItemRow, name: str, message: str) -> None:
    row.errors.setdefault(name, []).append(message)


def _points(text: str, *, upper: Decimal) -> tuple[Decimal | None, str | None]:
    try:
        return parse_cap(text, upper=upper), None
    except ValidationError as refused:
        return None, refused.messages[0]


def _check_categories(plan: EditPlan, stored: set[int]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for row in plan.categories:
        if row.pk is not None and row.pk not in stored:
            plan.errors.append(_("页面中的考评项目已不属于本版本，请刷新页面后重新编辑。"))
            continue
        if row.delete or row.is_blank:
            continue
        text = row.number.strip()
        if not text.isdigit() or not 0 < int(text) <= 999:
            _add(row, "number", _("序号应为 1 至 999 的整数。"))
        else:
            numbers[row.key] = int(text)
        name = row.name.strip()
        if not name:
            _add(row, "name", _("请填写考评项目名称。"))
        elif len(name) > 100:
            _add(row, "name", _("考评项目名称不能超过 100 个字。"))
    _flag_duplicates(
        plan.categories, numbers, "number", lambda n: _("序号 %(number)s 与其他考评项目重复。") % {"number": n}
    )
    return numbers


def _flag_duplicates(rows: list, values: dict, name: str, message) -> None:
    seen: dict[object, int] = {}
    for value in values.values():
        seen[value] = seen.get(value, 0) + 1
    for row in rows:
        if row.key in values and seen[values[row.key]] > 1:
            _add(row, name, message(values[row.key]))


def _check_items(plan: EditPlan, stored: dict[int, int], live_categories: set[str]) -> dict[str, dict]:
    """Validate item rows; returns the cleaned values of every row to keep, by key."""
    cleaned: dict[str, dict] = {}
    numbers: dict[str, str] = {}
    deleted_categories = {row.key for row in plan.categories if row.delete}
    for row in plan.items:
        if row.pk is not None and row.pk not in stored:
            plan.errors.append(_("页面中的子项目已不属于本版本，请刷新页面后重新编辑。"))
            continue
        if row.delete or row.is_blank or row.category_key in deleted_categories:
            continue
        if row.category_key not in live_categories:
            _add(row, "name", _("请先填写所属考评项目的序号和名称。"))
            continue
        values: dict = {}
        number = row.number.strip()
        if not ITEM_NUMBER.match(number):
            _add(row, "number", _("编号应写成“考评项目序号.子项目序号”，例如 3.4。"))
        else:
            numbers[row.key] = values["number"] = number
        name = row.name.strip()
        if not name:
            _add(row, "name", _("请填写子项目名称。"))
        elif len(name) > 200:
            _add(row, "name", _("子项目名称不能超过 200 个字。"))
        values["name"] = name
        # An empty standard is allowed in a draft; publishing refuses it and says which item.
        values["standard"] = row.standard.strip()
        cap, problem = _points(row.cap, upper=MAX_CAP)
        if problem:
            _add(row, "cap", problem)
        values["cap"] = cap
        order = row.order.strip()
        if order and (not order.isdigit() or int(order) > MAX_ORDER):
            _add(row, "order", _("排序应为 0 至 32767 的整数。"))
        values["order"] = int(order) if order.isdigit() and int(order) <= MAX_ORDER else None
        cleaned[row.key] = values
    _flag_duplicates(
        plan.items, numbers, "number", lambda n: _("编号 %(number)s 与其他子项目重复。") % {"number": n}
    )
    return cleaned


@transaction.atomic
def version_save_edits(*, system: IndicatorSystem, plan: EditPlan, user: Any) -> IndicatorSystem:
    """Apply the whole edited table to a draft, or raise VersionEditInvalid and write nothing."""
    system = IndicatorSystem.objects.select_for_update().get(pk=system.pk)
    if system.status != VersionStatus.DRAFT:
        raise PublishedVersionError(system.title)
    total, problem = _points(plan.total, upper=MAX_TOTAL)
    if problem:
        plan.total_errors.append(problem)
    stored_categories = {c.pk: c for c in Category.objects.filter(system=system)}
    stored_items = {i.pk: i for i in Item.objects.filter(system=system)}
    category_numbers = _check_categories(plan, set(stored_categories))
    live = {row.key for row in plan.categories if not row.delete and not row.is_blank}
    cleaned_items = _check_items(plan, {pk: i.category_id for pk, i in stored_items.items()}, live)
    # A row missing from the post means the page is older than the table (someone else added
    # to it meanwhile); deleting what the editor never saw would be a silent loss.
    posted_categories = {row.pk for row in plan.categories}
    posted_items = {row.pk for row in plan.items}
    if set(stored_categories) - posted_categories or set(stored_items) - posted_items:
        plan.errors.append(_("本版本在您打开页面后已被修改，请刷新页面后重新编辑。"))
    if plan.has_errors:
        raise VersionEditInvalid(plan)
    # Taken before writing: the write parks rows on temporary numbers in these very objects.
    total_before = format_points(system.total)
    categories_before = {pk: category_values(c) for pk, c in stored_categories.items()}
    items_before = {pk: item_values(i) for pk, i in stored_items.items()}
    _write(system, plan, total, stored_categories, stored_items, category_numbers, cleaned_items)
    record_table_edits(
        system=system, user=user, total_before=total_before, categories_before=categories_before,
        items_before=items_before,
    )
    return system


def _write(system, plan, total, stored_categories, stored_items, category_numbers, item_values) -> None:
    doomed_categories = [row.pk for row in plan.categories if row.delete and row.pk]
    kept_item_pks = {pk for key in item_values if (pk := _pk_of(key, "i")) is not None}
    Item.objects.filter(system=system).exclude(pk__in=kept_item_pks).delete()
    Category.objects.filter(system=system, pk__in=doomed_categories).delete()
    system.total = total
    system.save(update_fields=["total"])

    # Numbers are unique in the database, so a swap (3.4 ↔ 3.5) would collide half-way:
    # park every kept row on a number no real row uses, then write the final numbers.
    kept_categories = [stored_categories[row.pk] for row in plan.categories if row.pk in stored_categories
                       and row.key in category_numbers]
    for index, category in enumerate(kept_categories):
        category.number = 30000 + index
    Category.objects.bulk_update(kept_categories, ["number"])
    kept_items = [stored_items[pk] for pk in kept_item_pks]
    for item in kept_items:
        item.number = f"~{item.pk}"[:10]
    Item.objects.bulk_update(kept_items, ["number"])

    categories: dict[str, Category] = {}
    for row in plan.categories:
        if row.key not in category_numbers:
            continue
        category = stored_categories.get(row.pk) or Category(system=system)
        category.number, category.name = category_numbers[row.key], row.name.strip()
        categories[row.key] = category
    Category.objects.bulk_update([c for c in categories.values() if c.pk], ["number", "name"])
    Category.objects.bulk_create([c for c in categories.values() if not c.pk])

    new_items: list[Item] = []
    changed: list[Item] = []
    for position, row in enumerate(plan.items, start=1):
        values = item_values.get(row.key)
        if values is None:
            continue
        item = stored_items.get(row.pk) or Item(system=system, category=categories[row.category_key])
        item.number, item.name, item.standard, item.cap = (
            values["number"], values["name"], values["standard"], values["cap"]
        )
        item.order = values["order"] if values["order"] is not None else position
        (changed if item.pk else new_items).append(item)
    Item.objects.bulk_update(changed, ["number", "name", "standard", "cap", "order"])
    Item.objects.bulk_create(new_items)
