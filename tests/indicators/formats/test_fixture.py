"""The reference fixture holds the official outline: counts, caps and texts as printed."""

import json
from decimal import Decimal

import pytest
from django.db.models import Sum

from indicators.formats.fixture import DALIAN_2010, outline_fixture
from indicators.formats.seed_text import read_outline
from indicators.models import Category, Item, VersionStatus
from tests.worlds import ROOT

SEED = ROOT / "fixtures" / "source" / "dalian-indicator-outline.txt"

pytestmark = pytest.mark.django_db


def test_it_loads_seven_categories_and_thirty_two_items(outline):
    assert outline.status == VersionStatus.PUBLISHED
    assert outline.categories.count() == 7
    assert outline.items.count() == 32


def test_it_names_the_categories_as_printed(outline):
    names = list(outline.categories.order_by("number").values_list("name", flat=True))
    assert names == ["组织领导", "学习内容", "制度体系", "学习要求", "载体建设", "组织建设", "建设成效"]


def test_its_caps_sum_to_one_hundred_by_category(outline):
    per_category = (
        Category.objects.filter(system=outline).order_by("number").annotate(s=Sum("items__cap"))
    )
    assert [c.s for c in per_category] == [Decimal(n) for n in (10, 5, 25, 20, 10, 10, 20)]
    assert outline.items.aggregate(s=Sum("cap"))["s"] == Decimal("100") == outline.total


def test_its_items_per_category_match_the_seed(outline):
    counts = [c.items.count() for c in outline.categories.order_by("number")]
    assert counts == [4, 4, 9, 4, 3, 4, 4]


@pytest.mark.parametrize(
    ("number", "name", "cap", "standard"),
    [
        (
            "1.1", "领导重视", "3",
            "各级党组织对建设学习型党组织的重要意义认识深刻，列入重要议事日程,纳入年度工作计划；"
            "每年至少1次专题研究学习型党组织建设工作。",
        ),
        (
            "3.2", "建立集体学习制度", "3",
            "建立健全党组织集体学习教育制度；各级党组织以建设学习型领导班子为目标，加强和改进集体学习，"
            "制定年度学习计划，严格规范管理，增强学习效果，每季度集体学习不少于1次。",
        ),
        (
            "3.6", "建立自学制度", "2",
            "坚持制定党员个人学习计划制度，规划个人愿景目标；树立终身学习教育理念；养成持续学习、"
            "终身学习的习惯，使学习和工作有机融合；每月自学时间不少于8小时。",
        ),
        (
            "4.2", "党委中心组学习", "8",
            "各级党委中心组每两个月至少集中学习1次，年度集中学习研讨时间不少于12天，及时报送中心组学习纪要；"
            "中心组成员每年要撰写1至2篇调研报告或理论文章，精读3至5本书籍；县处级以上党政领导干部参加脱产培训"
            "每年一般不少于110学时；主要领导干部每年至少为基层作1次辅导报告。",
        ),
        (
            "2.1", "学习中国特色社会主义理论体系", "2",
            "坚持用中国特色社会主义理论体系武装头脑，深入学习马克思列宁主义、毛泽东思想、邓小平理论、"
            "“三个代表”重要思想和科学发展观；大力推动中国特色社会主义理论体系宣传普及活动，切实推进党的"
            "理论创新成果进教材、进课堂、进头脑。",
        ),
        (
            "7.4", "社会事业和谐稳定经济发展又好又快", "5",
            "关心人民群众的根本利益，关注人民群众的切身需求，努力改善民生，高质量推动本地区本部门本单位事业"
            "持续发展；不断调整经济结构，加快经济发展方式转变，保持经济平稳较快增长；为加速推进全域城市化进程，"
            "加快“三个中心、一个聚集区”建设，实现科学发展新跨越提供强有力支撑；研究和有效解决影响本地区本部门"
            "本单位改革发展的难题，保质保量完成年度工作目标；年度内本地区本部门本单位无重大责任事故。",
        ),
    ],
)
def test_it_keeps_item_texts_verbatim(outline, number, name, cap, standard):
    item = Item.objects.get(system=outline, number=number)
    assert (item.name, item.cap, item.standard) == (name, Decimal(cap), standard)


def test_every_item_equals_the_official_text(outline):
    seed = read_outline(SEED)
    stored = {i.number: i for i in Item.objects.filter(system=outline).select_related("category")}
    seen = set()
    for category in seed.categories:
        for expected in category.items:
            item = stored[expected.number]
            assert item.category.number == category.number
            assert (item.name, item.standard, item.cap) == (expected.name, expected.standard, expected.cap)
            seen.add(expected.number)
    assert seen == set(stored)
    assert outline.title == seed.title == "大连市学习型党组织建设指标体系大纲（试行）"


def test_the_committed_fixture_is_what_the_builder_makes_from_the_seed():
    committed = json.loads((ROOT / "fixtures" / "dalian_2010.json").read_text(encoding="utf-8"))
    assert committed == outline_fixture(read_outline(SEED), **DALIAN_2010)


def test_loading_the_fixture_twice_duplicates_nothing(outline):
    from django.core.management import call_command

    call_command("loaddata", "dalian_2010", verbosity=0)
    assert Item.objects.filter(system=outline).count() == 32
    assert Category.objects.filter(system=outline).count() == 7
