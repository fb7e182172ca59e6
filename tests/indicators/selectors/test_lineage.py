"""The links of an edition's items to earlier ones, listed in the order of the edition's outline."""

from __future__ import annotations

import pytest

from indicators.models import ItemLink, LinkKind, outline_order
from indicators.selectors.lineage import links_of_version
from tests.factories import CategoryFactory, IndicatorSystemFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_the_outline_order_reaches_an_item_through_a_relation():
    assert outline_order("later__") == ("later__category__number", "later__order", "later__id")


def test_links_follow_the_later_items_outline_order_not_their_age():
    earlier = ItemFactory(category=CategoryFactory(system=IndicatorSystemFactory(year=2020)))
    system = IndicatorSystemFactory()
    second, first = CategoryFactory(system=system, number=2), CategoryFactory(system=system, number=1)
    late = ItemFactory(category=second, number="2.1", order=1)
    made_first = ItemFactory(category=first, number="1.1", order=1)
    placed_last = ItemFactory(category=first, number="1.9", order=9)
    # In the same place as 1.1: the outline lists the older item first, whatever the links' age.
    made_later = ItemFactory(category=first, number="1.0", order=1)
    links = [
        ItemLink.objects.create(earlier=earlier, later=item, kind=LinkKind.SAME)
        for item in (late, placed_last, made_later, made_first)
    ]
    merged = ItemFactory(category=CategoryFactory(system=system, number=3), number="3.1", order=1)
    # Two links to one item: by their age.
    into_merged = [
        ItemLink.objects.create(earlier=source, later=merged, kind=LinkKind.MERGED)
        for source in (earlier, ItemFactory(category=earlier.category))
    ]
    ItemLink.objects.create(earlier=earlier, later=ItemFactory(), kind=LinkKind.SAME)  # another edition's

    found = list(links_of_version(system))

    assert found == [links[3], links[2], links[1], links[0], *into_merged]
