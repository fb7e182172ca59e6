from decimal import Decimal

import pytest

from indicators.models import Item, VersionStatus
from indicators.services.versions import VersionNotPublishable, version_archive, version_problems, version_publish
from tests.factories import CategoryFactory, build_draft

pytestmark = pytest.mark.django_db


def test_a_complete_draft_has_no_problems_and_publishes():
    draft = build_draft(categories=3, items_per_category=2)
    assert version_problems(draft) == []
    published = version_publish(system=draft, user=None)
    assert published.status == VersionStatus.PUBLISHED
    assert published.published_at


def test_it_says_by_how_much_the_caps_miss_the_total():
    draft = build_draft(categories=2, items_per_category=2)
    Item.objects.filter(system=draft, number="2.2").update(cap=Decimal("2.5"))
    assert version_problems(draft) == ["各子项目分值合计 5.5 分，超出版本总分 4 分 1.5 分。"]


def test_it_wants_contiguous_numbers_and_standards():
    draft = build_draft(categories=2, items_per_category=2)
    Item.objects.filter(system=draft, number="1.2").update(number="1.3", standard=" ")
    CategoryFactory(system=draft, number=4)
    problems = version_problems(draft)
    assert "考评项目序号必须从 1 起连续编号。" in problems
    assert any("应依次编号为 1.1…1.2" in p for p in problems)
    assert "子项目 1.3 缺少评分标准。" in problems
    assert any("下没有子项目" in p for p in problems)


def test_publishing_refuses_with_every_problem_and_changes_nothing():
    draft = build_draft(categories=1, items_per_category=1)
    draft.total = Decimal("5")
    draft.save()
    with pytest.raises(VersionNotPublishable) as error:
        version_publish(system=draft, user=None)
    assert error.value.problems == ["各子项目分值合计 1 分，比版本总分 5 分少 4 分。"]
    draft.refresh_from_db()
    assert draft.status == VersionStatus.DRAFT


def test_only_published_versions_archive(outline):
    draft = build_draft(categories=1, items_per_category=1)
    with pytest.raises(VersionNotPublishable):
        version_archive(system=draft, user=None)
    assert version_archive(system=outline, user=None).status == VersionStatus.ARCHIVED
    with pytest.raises(VersionNotPublishable):
        version_publish(system=outline, user=None)


def test_cloning_makes_a_draft_whose_rows_remember_their_origin(outline):
    from indicators.services.versions import version_clone

    draft = version_clone(source=outline, code="dalian-2026", title="2026 试行版", year=2026, user=None)
    assert (draft.status, draft.source, draft.total) == (VersionStatus.DRAFT, outline, outline.total)
    assert draft.categories.count() == 7
    assert draft.items.count() == 32
    item = draft.items.get(number="4.2")
    assert item.origin == outline.items.get(number="4.2")
    assert item.category.origin.number == 4
    assert version_problems(draft) == []
    second = version_clone(source=publish_now(draft), code="dalian-2027", title="2027 试行版", year=2027, user=None)
    assert second.items.get(number="4.2").origin.origin == outline.items.get(number="4.2")


def test_a_clone_needs_a_new_code(outline):
    from django.core.exceptions import ValidationError

    from indicators.services.versions import version_clone

    with pytest.raises(ValidationError):
        version_clone(source=outline, code="dalian-2010", title="x", year=2026, user=None)


def publish_now(system):
    return version_publish(system=system, user=None)


@pytest.mark.parametrize("code", ["diff", "import"])
def test_a_clone_may_not_take_a_code_that_names_a_page(outline, code):
    from django.core.exceptions import ValidationError

    from indicators.services.versions import version_clone

    with pytest.raises(ValidationError) as error:
        version_clone(source=outline, code=code, title="x", year=2026, user=None)
    assert "系统保留字" in str(error.value)
