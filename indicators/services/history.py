"""What the administrative history says about an edition: its settings, its rows, its links.

The edition services call these inside their own transaction, after the change. Every row shows
on the edition's page; an item link shows on the page of the newer edition, the one it belongs to.
Values are snapshots taken as text, so that a history row still reads right after a rename.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from common.audit import AdminAction, AdminKind, Change, changes_between, event, field_label, record, record_all
from indicators.models import Category, IndicatorSystem, Item, ItemLink
from indicators.points import format_points

_SYSTEM_FIELDS = ("code", "title", "year", "status", "total", "description", "published_at", "source")
SYSTEM_LABELS = {name: field_label(IndicatorSystem, name) for name in _SYSTEM_FIELDS}
CATEGORY_LABELS = {name: field_label(Category, name) for name in ("number", "name")}
ITEM_LABELS = {name: field_label(Item, name) for name in ("number", "name", "standard", "cap", "order")}
LINKS_LABEL = field_label(ItemLink, "earlier")


def version_snapshot(system: IndicatorSystem) -> dict[str, Any]:
    with translation.override("zh-hans"):
        return {
            "code": system.code,
            "title": system.title,
            "year": system.year,
            "status": system.get_status_display(),
            "total": format_points(system.total),
            "description": system.description,
            "published_at": system.published_at,
            "source": f"{system.source.title}（{system.source.code}）" if system.source else "",
        }


def record_edition(
    *, system: IndicatorSystem, user: Any, action: AdminAction, before: Mapping[str, Any] | None = None,
    note: str = "", after: Mapping[str, Any] | None = None,
) -> None:
    """Record the edition's settings as changed since `before` (None: it was just created);
    `after` is given for a deletion, as the empty settings."""
    changes = changes_between(before or {}, version_snapshot(system) if after is None else after, SYSTEM_LABELS)
    if not changes and action == AdminAction.UPDATE:
        return
    record(
        actor=user, kind=AdminKind.EDITION, action=action, page=system, target=_edition_text(system),
        changes=changes, note=note,
    )


def _edition_text(system: IndicatorSystem) -> str:
    return f"{system.title}（{system.code}）"


def _contents(system: IndicatorSystem) -> str:
    categories = Category.objects.filter(system=system).count()
    items = Item.objects.filter(system=system).count()
    with translation.override("zh-hans"):
        return _("%(categories)s 个考评项目、%(items)s 个子项目") % {"categories": categories, "items": items}


def copied_note(source: IndicatorSystem) -> str:
    with translation.override("zh-hans"):
        return _("复制自“%(source)s”：%(contents)s。") % {"source": _edition_text(source), "contents": _contents(source)}


def imported_note(file_name: str, system: IndicatorSystem) -> str:
    with translation.override("zh-hans"):
        return _("从文件“%(file)s”导入：%(contents)s。") % {"file": file_name, "contents": _contents(system)}


def contents_note(system: IndicatorSystem) -> str:
    with translation.override("zh-hans"):
        return _("删除时有：%(contents)s。") % {"contents": _contents(system)}


# --- the edit table ----------------------------------------------------------------------------

def category_values(category: Category) -> dict[str, str]:
    return {"number": str(category.number), "name": category.name}


def item_values(item: Item) -> dict[str, str]:
    return {
        "number": item.number, "name": item.name, "standard": item.standard,
        "cap": format_points(item.cap), "order": str(item.order),
    }


def table_snapshot(system: IndicatorSystem) -> tuple[dict[int, dict[str, str]], dict[int, dict[str, str]]]:
    """The edition's categories and items as stored, for `record_table_edits` after a change."""
    return (
        {c.pk: category_values(c) for c in Category.objects.filter(system=system)},
        {i.pk: item_values(i) for i in Item.objects.filter(system=system)},
    )


def _category_text(values: Mapping[str, str]) -> str:
    return f"{values['number']}. {values['name']}"


def _item_text(values: Mapping[str, str]) -> str:
    return f"{values['number']} {values['name']}"


def _row_events(
    *, system: IndicatorSystem, user: Any, before: Mapping[int, Mapping[str, str]],
    after: Mapping[int, Mapping[str, str]], labels: Mapping[str, Any], text: Any,
) -> list:
    """Created, changed and deleted rows of one kind, each as one event with its fields."""
    events = []

    def add(action: AdminAction, old: Mapping[str, str], new: Mapping[str, str]) -> None:
        changes = changes_between(old, new, labels)
        if changes:
            events.append(event(
                actor=user, kind=AdminKind.EDITION, action=action, page=system, target=text(new or old),
                changes=changes,
            ))

    for pk, new in after.items():
        add(AdminAction.UPDATE if pk in before else AdminAction.CREATE, before.get(pk, {}), new)
    for pk, old in before.items():
        if pk not in after:
            add(AdminAction.DELETE, old, {})
    return events


def record_table_edits(
    *, system: IndicatorSystem, user: Any, total_before: str,
    categories_before: Mapping[int, Mapping[str, str]], items_before: Mapping[int, Mapping[str, str]],
) -> int:
    """After a save of the edit table: one event per category or item created, changed or
    deleted, with each changed field old → new (分值 5 → 6), and one for a changed total."""
    categories_after = {c.pk: category_values(c) for c in Category.objects.filter(system=system).in_outline_order()}
    items_after = {
        i.pk: item_values(i) for i in Item.objects.filter(system=system).in_outline_order()
    }
    events = []
    total_change = changes_between({"total": total_before}, {"total": format_points(system.total)},
                                   {"total": SYSTEM_LABELS["total"]})
    if total_change:
        events.append(event(
            actor=user, kind=AdminKind.EDITION, action=AdminAction.UPDATE, page=system,
            target=_edition_text(system), changes=total_change,
        ))
    events += _row_events(system=system, user=user, before=categories_before, after=categories_after,
                          labels=CATEGORY_LABELS, text=_category_text)
    events += _row_events(system=system, user=user, before=items_before, after=items_after,
                          labels=ITEM_LABELS, text=_item_text)
    return record_all(events)


# --- item links --------------------------------------------------------------------------------

def links_of(later: Item) -> str:
    """The earlier items a later item continues, as one line: what a link change changes."""
    links = ItemLink.objects.filter(later=later).select_related("earlier__system").order_by(
        "earlier__system__year", "earlier__system__code", "earlier__number"
    )
    with translation.override("zh-hans"):
        return "；".join(
            f"{link.earlier.system.code} · {link.earlier.number} {link.earlier.name}（{link.get_kind_display()}）"
            for link in links
        )


def record_link_change(*, later: Item, user: Any, action: AdminAction, before: str, note: str = "") -> None:
    record(
        actor=user, kind=AdminKind.ITEM_LINK, action=action, page=later.system,
        target=f"{later.number} {later.name}", changes=[Change("earlier", LINKS_LABEL, before, links_of(later))],
        note=note,
    )
