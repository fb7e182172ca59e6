"""Saving an edited draft: all or nothing, messages beside the field, published editions refused."""

from decimal import Decimal

import pytest

from indicators.models import Category, IndicatorSystem, Item, PublishedVersionError
from indicators.services.edit import CategoryRow, EditPlan, ItemRow, VersionEditInvalid, version_save_edits
from indicators.services.versions import VersionNotPublishable, version_clone, version_problems, version_publish
from indicators.views.edit import _plan_from_database
from tests.factories import build_draft, publish

pytestmark = pytest.mark.django_db


def stored(system: IndicatorSystem) -> list[tuple]:
    return list(Item.objects.filter(system=system).order_by("number").values_list("number", "name", "cap", "order"))


def row(plan: EditPlan, number: str) -> ItemRow:
    return next(r for r in plan.items if r.number == number)


def test_it_renames_changes_caps_and_reorders():
    system = build_draft(categories=2, items_per_category=2)
    plan = _plan_from_database(system)
    plan.categories[0].name = "新名称"
    row(plan, "1.1").cap, row(plan, "1.2").cap = "0.5", "1.5"
    # Swap 2.1 and 2.2: numbers are unique in the database, so this must not collide half-way.
    a, b = row(plan, "2.1"), row(plan, "2.2")
    a.number, a.order, a.name = "2.2", "2", "原第一项"
    b.number, b.order = "2.1", "1"
    version_save_edits(system=system, plan=plan, user=None)
    assert Category.objects.get(system=system, number=1).name == "新名称"
    caps = dict(Item.objects.filter(system=system).values_list("number", "cap"))
    assert caps["1.1"] == Decimal("0.5")
    assert caps["1.2"] == Decimal("1.5")
    assert Item.objects.get(system=system, number="2.2").name == "原第一项"
    assert version_problems(system) == []


def test_it_adds_and_removes_items_and_categories():
    system = build_draft(categories=2, items_per_category=2)
    plan = _plan_from_database(system)
    row(plan, "1.2").delete = True
    new_item = next(r for r in plan.items if r.key == f"inew-{plan.categories[0].key}")
    new_item.number, new_item.name, new_item.standard, new_item.cap = "1.2", "新增子项目", "每年1次", "1"
    plan.categories[1].delete = True
    new_category = next(r for r in plan.categories if r.key == "cnew")
    new_category.number, new_category.name = "2", "新考评项目"
    new_category_item = next(r for r in plan.items if r.key == "inew-cnew")
    new_category_item.number, new_category_item.name, new_category_item.cap = "2.1", "新项", "2"
    version_save_edits(system=system, plan=plan, user=None)
    first_name = plan.categories[0].name
    assert list(Category.objects.filter(system=system).values_list("number", "name")) == [
        (1, first_name), (2, "新考评项目")
    ]
    assert [n for n, *_ in stored(system)] == ["1.1", "1.2", "2.1"]
    assert Item.objects.get(system=system, number="1.2").name == "新增子项目"
    assert Item.objects.get(system=system, number="2.1").category.name == "新考评项目"


def test_it_refuses_duplicate_numbers_beside_the_field_and_writes_nothing():
    system = build_draft(categories=1, items_per_category=3)
    before = stored(system)
    plan = _plan_from_database(system)
    row(plan, "1.1").name = "改了名字"
    row(plan, "1.3").number = "1.2"
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    duplicates = [r for r in refused.value.plan.items if r.errors]
    assert len(duplicates) == 2
    assert duplicates[0].errors["number"] == ["编号 1.2 与其他子项目重复。"]
    assert stored(system) == before


def test_it_refuses_duplicate_category_numbers():
    system = build_draft(categories=2, items_per_category=1)
    plan = _plan_from_database(system)
    plan.categories[1].number = "1"
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert refused.value.plan.categories[1].errors["number"] == ["序号 1 与其他考评项目重复。"]


@pytest.mark.parametrize(
    ("cap", "message"),
    [("1.3", "分值必须是 0.5 的整数倍。"), ("abc", "请填写一个数字，例如 3 或 2.5。"), ("0", "分值必须大于 0。"),
     ("", "请填写分值。"), ("1e1", "请填写一个数字，例如 3 或 2.5。"), ("10000", "分值不能超过 9999.5。"),
     ("1" + "0" * 40, "分值不能超过 9999.5。")],
)
def test_it_refuses_bad_caps(cap, message):
    system = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(system)
    row(plan, "1.2").cap = cap
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert row(refused.value.plan, "1.2").errors["cap"] == [message]
    assert row(refused.value.plan, "1.2").cap == cap


def test_it_reads_caps_as_the_browser_does():
    # static/js/version_edit.js reads caps with KaopingPoints.parse: full-width digits and a
    # comma for the point are numbers there, so they are here.
    system = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(system)
    row(plan, "1.1").cap, row(plan, "1.2").cap = "２．５", "1,5"
    version_save_edits(system=system, plan=plan, user=None)
    caps = dict(Item.objects.filter(system=system).values_list("number", "cap"))
    assert caps == {"1.1": Decimal("2.5"), "1.2": Decimal("1.5")}


def test_it_refuses_empty_names():
    system = build_draft(categories=1, items_per_category=1)
    plan = _plan_from_database(system)
    plan.items[0].name = "  "
    plan.categories[0].name = ""
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert refused.value.plan.items[0].errors["name"] == ["请填写子项目名称。"]
    assert refused.value.plan.categories[0].errors["name"] == ["请填写考评项目名称。"]


def test_it_refuses_rows_of_another_version():
    system = build_draft(categories=1, items_per_category=1)
    other = build_draft(categories=1, items_per_category=1)
    plan = _plan_from_database(system)
    plan.items.append(ItemRow(key=f"i{Item.objects.get(system=other).pk}", category_key=plan.categories[0].key,
                              number="1.2", name="x", cap="1"))
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert refused.value.plan.errors


def test_it_refuses_to_edit_a_published_version(outline):
    plan = _plan_from_database(outline)
    row(plan, "4.2").cap = "6"
    with pytest.raises(PublishedVersionError):
        version_save_edits(system=outline, plan=plan, user=None)
    assert Item.objects.get(system=outline, number="4.2").cap == 8


def test_the_orm_refuses_updates_to_a_published_version(outline):
    with pytest.raises(PublishedVersionError):
        Item.objects.filter(system=outline, number="4.2").update(cap=6)
    with pytest.raises(PublishedVersionError):
        IndicatorSystem.objects.filter(pk=outline.pk).update(total=90)
    with pytest.raises(PublishedVersionError):
        Category.objects.filter(system=outline).update(name="x")
    assert Item.objects.get(system=outline, number="4.2").cap == 8


def test_publishing_refuses_when_caps_do_not_add_up():
    system = build_draft(categories=2, items_per_category=2)
    plan = _plan_from_database(system)
    row(plan, "1.1").cap = "3"
    version_save_edits(system=system, plan=plan, user=None)
    with pytest.raises(VersionNotPublishable) as refused:
        version_publish(system=system, user=None)
    assert refused.value.problems == ["各子项目分值合计 6 分，超出版本总分 4 分 2 分。"]


def test_publishing_refuses_gaps_and_missing_standards():
    system = build_draft(categories=2, items_per_category=2)
    plan = _plan_from_database(system)
    row(plan, "1.2").number = "1.3"
    row(plan, "2.1").standard = ""
    plan.categories[1].number = "3"
    for item in plan.items:
        if item.number.startswith("2."):
            item.number = "3" + item.number[1:]
    first_name = plan.categories[0].name
    version_save_edits(system=system, plan=plan, user=None)
    with pytest.raises(VersionNotPublishable) as refused:
        version_publish(system=system, user=None)
    assert refused.value.problems == [
        "考评项目序号必须从 1 起连续编号。",
        f"考评项目“{first_name}”的子项目应依次编号为 1.1…1.2。",
        "子项目 3.1 缺少评分标准。",
    ]


def test_the_done_when_flow_moves_two_points_and_publishes(outline):
    draft = version_clone(source=outline, code="dalian-2026", title="2026 试行版", year=2026, user=None)
    plan = _plan_from_database(draft)
    row(plan, "4.2").cap = "6"
    row(plan, "3.4").cap = "5"
    version_save_edits(system=draft, plan=plan, user=None)
    assert version_problems(draft) == []
    publish(draft)
    caps = dict(Item.objects.filter(system=draft).values_list("number", "cap"))
    assert caps["4.2"] == 6
    assert caps["3.4"] == 5
    assert sum(caps.values()) == 100
    assert Item.objects.get(system=draft, number="4.2").origin == Item.objects.get(system=outline, number="4.2")
    assert Item.objects.get(system=outline, number="4.2").cap == 8


def test_a_blank_new_category_with_a_filled_item_is_refused():
    system = build_draft(categories=1, items_per_category=1)
    plan = _plan_from_database(system)
    orphan = next(r for r in plan.items if r.key == "inew-cnew")
    orphan.number, orphan.name, orphan.cap = "2.1", "孤立的子项目", "1"
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert next(r for r in refused.value.plan.items if r.key == "inew-cnew").errors["name"]


def test_an_unposted_row_means_a_stale_page():
    system = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(system)
    plan.items = [r for r in plan.items if r.number != "1.2"]
    with pytest.raises(VersionEditInvalid) as refused:
        version_save_edits(system=system, plan=plan, user=None)
    assert refused.value.plan.errors == ["本版本在您打开页面后已被修改，请刷新页面后重新编辑。"]


def test_an_empty_plan_row_for_a_new_category_is_ignored():
    system = build_draft(categories=1, items_per_category=1)
    plan = _plan_from_database(system)
    plan.categories.append(CategoryRow(key="cextra"))
    version_save_edits(system=system, plan=plan, user=None)
    assert Category.objects.filter(system=system).count() == 1
