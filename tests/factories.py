import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model

from indicators.models import Category, IndicatorSystem, Item, VersionStatus
from orgs.models import Organization, OrgType, Role, RoleGrant
from orgs.services.bulk import NewNode, bulk_add_nodes


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


class OrganizationFactory(factory.django.DjangoModelFactory):
    """Pass parent=<Organization> for a child; without it the node is a root."""

    class Meta:
        model = Organization

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"测试党组织{n}")
    type = OrgType.BRANCH
    is_active = True

    @classmethod
    def _create(cls, model_class, *args, parent=None, **kwargs):
        if parent is None:
            return model_class.objects.add_root(create_kwargs=kwargs)
        parent.refresh_from_db()
        return model_class.objects.add_child(parent, create_kwargs=kwargs)


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
    role = Role.ANALYST
    organization = None


def user_with_role(role: str, organization: Organization | None = None, **user_fields):
    user = UserFactory(**user_fields)
    RoleGrantFactory(user=user, role=role, organization=organization)
    return user


def build_tree(*, districts: int, branches_per_district: int, prefix: str = "B") -> Organization:
    """A city root with districts and branches, inserted in bulk; returns the root."""
    nodes = [NewNode(f"{prefix}ROOT", "测试市委", OrgType.CITY)]
    for d in range(districts):
        code = f"{prefix}D{d:03d}"
        nodes.append(NewNode(code, f"测试区{d}", OrgType.DISTRICT, f"{prefix}ROOT"))
        nodes.extend(
            NewNode(f"{code}B{b:04d}", f"测试区{d}第{b}支部", OrgType.BRANCH, code)
            for b in range(branches_per_district)
        )
    bulk_add_nodes(nodes)
    return Organization.objects.get(code=f"{prefix}ROOT")


def publish(system: IndicatorSystem, *, user=None) -> IndicatorSystem:
    from indicators.services.versions import version_publish

    return version_publish(system=system, user=user)


def make_round(system: IndicatorSystem, *, year: int = 2026, title: str = "年度考评", user=None, **fields):
    from assessments.services import round_create

    return round_create(
        year=year, title=title, indicator_system=system, deadline=datetime.date(year, 12, 31), user=user, **fields
    )


def assign(round, organization: Organization, evaluator, *, lead: bool = False, user=None):
    """Assign one evaluator to one organization; returns the evaluator's sheet."""
    from assessments.models import Sheet, SheetKind
    from assessments.services import round_assign

    round_assign(
        round=round, organizations=Organization.objects.filter(pk=organization.pk), evaluator=evaluator, lead=lead,
        user=user,
    )
    return Sheet.objects.get(assessment__round=round, assessment__organization=organization,
                             kind=SheetKind.REVIEW, evaluator=evaluator)


def fill(sheet, user, scores: dict[str, str | Decimal | None], reason: str = "材料不全"):
    """Save scores by item number through the service, as a form would."""
    from assessments.entries import Entry
    from assessments.services import edits_from, sheet_save, stored_values

    sheet.refresh_from_db()
    items = dict(Item.objects.filter(system=sheet.assessment.round.indicator_system).values_list("number", "id"))
    caps = dict(Item.objects.filter(system=sheet.assessment.round.indicator_system).values_list("number", "cap"))
    entries = {}
    for number, value in scores.items():
        score = None if value is None else Decimal(str(value))
        entries[items[number]] = Entry(score, "" if score is None or score == caps[number] else reason)
    edits = edits_from(entries, stored_values(sheet))
    return sheet_save(sheet=sheet, user=user, edits=edits, base_version=sheet.version).sheet


def full_marks(system: IndicatorSystem) -> dict[str, Decimal]:
    return dict(Item.objects.filter(system=system).values_list("number", "cap"))
