"""An edition's items and categories, in the order of the official table."""

from __future__ import annotations

import pytest

from indicators.selectors.outline import version_categories, version_items
from tests.factories import CategoryFactory, IndicatorSystemFactory, ItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def system():
    system = IndicatorSystemFactory()
    second = CategoryFactory(system=system, number=2, name="第二项")
    first = CategoryFactory(system=system, number=1, name="第一项")
    # Made out of order: the category's number, then the item's place in it, then its age decide.
    ItemFactory(category=second, number="2.1", order=1)
    ItemFactory(category=first, number="1.2", order=2)
    ItemFactory(category=first, number="1.1", order=1)
    ItemFactory(category=first, number="1.3", order=2)
    ItemFactory(category=IndicatorSystemFactory().categories.create(number=1, name="别的版本"), number="1.1", order=0)
    return system


def test_the_items_are_the_editions_in_outline_order(system):
    assert [item.number for item in version_items(system)] == ["1.1", "1.2", "1.3", "2.1"]


def test_the_categories_are_the_editions_by_number(system):
    assert [(category.number, category.name) for category in version_categories(system)] == [
        (1, "第一项"), (2, "第二项"),
    ]
