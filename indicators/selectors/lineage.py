"""Reads of the lineage between editions: where an edition came from, and its items' links."""

from __future__ import annotations

from django.db.models import QuerySet

from indicators.models import IndicatorSystem, Item, ItemLink, outline_order


def source_chain(system: IndicatorSystem) -> list[IndicatorSystem]:
    """The editions this one was cloned from, nearest first (a cycle of hand-set sources ends it)."""
    chain: list[IndicatorSystem] = []
    seen = {system.pk}
    current = system.source
    while current is not None and current.pk not in seen:
        chain.append(current)
        seen.add(current.pk)
        current = current.source
    return chain


def earlier_items(chain: list[IndicatorSystem]) -> QuerySet[Item]:
    """The items an item of the edition may continue: those of the editions it came from, newest first."""
    return (
        Item.objects.filter(system__in=[s.pk for s in chain]).select_related("system")
        .in_outline_order("-system__year", "system__code")
    )


def links_of_version(system: IndicatorSystem) -> QuerySet[ItemLink]:
    """The links of the edition's items to earlier ones, in the order of the outline."""
    return (
        ItemLink.objects.filter(later__system=system)
        .select_related("earlier__system", "later").order_by(*outline_order("later__"), "pk")
    )


def link_of_version(system: IndicatorSystem, pk: str | None) -> ItemLink | None:
    """A link of one of the edition's items, or None (a stale or foreign id)."""
    return ItemLink.objects.filter(pk=pk or 0, later__system=system).first()
