"""Invariants of editions: database constraints and the immutability of published editions."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from indicators.models import Category, IndicatorSystem, Item, PublishedVersionError, VersionStatus
from tests.factories import CategoryFactory, IndicatorSystemFactory, ItemFactory

pytestmark = pytest.mark.django_db


def test_the_database_refuses_a_cap_of_zero():
    category = CategoryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.create(category=category, number="1.1", name="x", standard="y", cap=Decimal("0"))


def test_the_database_refuses_duplicate_item_numbers_in_a_version():
    system = IndicatorSystemFactory()
    first, second = CategoryFactory(system=system, number=1), CategoryFactory(system=system, number=2)
    ItemFactory(category=first, number="1.1")
    with pytest.raises(IntegrityError), transaction.atomic():
        ItemFactory(category=second, number="1.1")


def test_the_same_number_may_appear_in_two_versions():
    ItemFactory(number="1.1")
    ItemFactory(number="1.1")
    assert Item.objects.filter(number="1.1").count() == 2


def test_the_database_refuses_duplicate_category_numbers_in_a_version():
    system = IndicatorSystemFactory()
    CategoryFactory(system=system, number=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        CategoryFactory(system=system, number=1)


def test_an_item_takes_its_version_from_its_category():
    item = ItemFactory()
    assert item.system_id == item.category.system_id


def test_caps_must_be_half_points():
    item = ItemFactory.build(category=CategoryFactory(), cap=Decimal("1.3"))
    with pytest.raises(ValidationError) as error:
        item.full_clean()
    assert "0.5 的整数倍" in str(error.value)


@pytest.mark.parametrize("cap", ["1.3", "0.1", "2.7"])
def test_the_database_refuses_a_cap_that_is_not_whole_or_half_points(cap):
    item = ItemFactory(cap=Decimal("2.5"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Item.objects.filter(pk=item.pk).update(cap=Decimal(cap))
    assert Item.objects.get(pk=item.pk).cap == Decimal("2.5")


@pytest.mark.parametrize("cap", ["0.5", "3", "9999.5"])
def test_the_database_takes_whole_and_half_point_caps(cap):
    item = ItemFactory()
    Item.objects.filter(pk=item.pk).update(cap=Decimal(cap))
    assert Item.objects.get(pk=item.pk).cap == Decimal(cap)


def test_the_database_refuses_an_edition_total_that_is_not_whole_or_half_points():
    system = IndicatorSystemFactory(total=Decimal("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        IndicatorSystem.objects.filter(pk=system.pk).update(total=Decimal("99.9"))
    IndicatorSystem.objects.filter(pk=system.pk).update(total=Decimal("99.5"))
    assert IndicatorSystem.objects.get(pk=system.pk).total == Decimal("99.5")


def test_a_published_item_refuses_save(outline):
    item = Item.objects.get(system=outline, number="4.2")
    item.cap = Decimal("6")
    with pytest.raises(PublishedVersionError) as error:
        item.save()
    assert "已发布，不能修改" in error.value.messages[0]
    assert Item.objects.get(pk=item.pk).cap == Decimal("8")


def test_a_published_item_refuses_delete(outline):
    with pytest.raises(PublishedVersionError):
        Item.objects.get(system=outline, number="4.2").delete()
    assert outline.items.count() == 32


def test_bulk_update_and_delete_of_published_items_are_refused(outline):
    with pytest.raises(PublishedVersionError):
        Item.objects.filter(system=outline).update(cap=Decimal("1"))
    with pytest.raises(PublishedVersionError):
        Category.objects.filter(system=outline).delete()
    assert outline.items.count() == 32
    assert outline.categories.count() == 7


def test_a_new_item_cannot_be_added_to_a_published_version(outline):
    category = outline.categories.get(number=1)
    with pytest.raises(PublishedVersionError):
        Item.objects.create(category=category, number="1.5", name="新增", standard="x", cap=Decimal("1"))


def test_an_item_cannot_be_moved_out_of_a_published_version(outline):
    draft_category = CategoryFactory()
    item = Item.objects.get(system=outline, number="1.1")
    item.category = draft_category
    with pytest.raises(PublishedVersionError):
        item.save()


def test_a_published_version_refuses_edits_but_may_be_archived(outline):
    outline.title = "改过的标题"
    with pytest.raises(PublishedVersionError):
        outline.save()
    fresh = IndicatorSystem.objects.get(pk=outline.pk)
    fresh.status = VersionStatus.ARCHIVED
    fresh.save()
    assert IndicatorSystem.objects.get(pk=outline.pk).status == VersionStatus.ARCHIVED


def test_a_published_version_cannot_go_back_to_draft(outline):
    outline.status = VersionStatus.DRAFT
    with pytest.raises(PublishedVersionError):
        outline.save()
    with pytest.raises(PublishedVersionError):
        IndicatorSystem.objects.filter(pk=outline.pk).update(status=VersionStatus.DRAFT)


def test_a_published_version_refuses_delete_by_every_path(outline):
    with pytest.raises(PublishedVersionError):
        outline.delete()
    with pytest.raises(PublishedVersionError):
        IndicatorSystem.objects.filter(pk=outline.pk).delete()
    with pytest.raises(PublishedVersionError):
        IndicatorSystem.objects.filter(pk=outline.pk).update(total=Decimal("90"))
    assert IndicatorSystem.objects.filter(pk=outline.pk).exists()


def test_a_draft_may_be_edited_and_deleted():
    item = ItemFactory()
    item.cap = Decimal("3.5")
    item.save()
    Item.objects.filter(pk=item.pk).update(name="改名")
    system = item.system
    system.delete()
    assert not Item.objects.filter(pk=item.pk).exists()
