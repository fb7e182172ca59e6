"""The round's outline: an item the user names by id is one of the round's edition, or nothing."""

from __future__ import annotations

import pytest

from assessments.selectors.outline import item_of_round
from indicators.models import Item
from tests.factories import build_draft, make_round

pytestmark = pytest.mark.django_db


def test_an_item_of_the_rounds_edition_is_found_by_its_id(outline):
    round = make_round(outline)
    item = Item.objects.get(system=outline, number="3.2")

    assert item_of_round(round, str(item.pk)) == item


def test_an_item_of_another_edition_is_none(outline):
    round = make_round(outline)
    foreign = build_draft(categories=1, items_per_category=1).items.get()

    assert item_of_round(round, str(foreign.pk)) is None


@pytest.mark.parametrize("raw", [None, "", "x", "1.5", "-1", "999999"])
def test_an_id_that_is_no_item_is_none(outline, raw):
    assert item_of_round(make_round(outline), raw) is None
