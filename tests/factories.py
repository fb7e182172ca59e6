from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from indicators.models import Category, IndicatorSystem, Item, VersionStatus


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("pw-for-tests")


class AdminFactory(UserFactory):
    username = factory.Sequence(lambda n: f"admin{n}")
    is_staff = True
    is_superuser = True


class IndicatorSystemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = IndicatorSystem

    code = factory.Sequence(lambda n: f"trial-{n}")
    title = factory.Sequence(lambda n: f"试行版本 {n}")
    year = 2026
    status = VersionStatus.DRAFT
    total = Decimal("100")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    system = factory.SubFactory(IndicatorSystemFactory)
    number = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"考评项目{n}")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    category = factory.SubFactory(CategoryFactory)
    number = factory.Sequence(lambda n: f"9.{n + 1}")
    name = factory.Sequence(lambda n: f"子项目{n}")
    standard = "每年至少开展1次学习活动。"
    cap = Decimal("2")
    order = factory.Sequence(lambda n: n + 1)


def build_draft(*, categories: int, items_per_category: int, cap: Decimal = Decimal("1")) -> IndicatorSystem:
    """A draft edition numbered the way the outline is, for tests that need a whole table."""
    system = IndicatorSystemFactory(total=cap * categories * items_per_category)
    for c in range(1, categories + 1):
        category = CategoryFactory(system=system, number=c)
        for i in range(1, items_per_category + 1):
            ItemFactory(category=category, number=f"{c}.{i}", order=i, cap=cap)
    return system
