"""Trends across editions: items are followed through their lineage, and changes of method
between years are said on the page."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Item, ItemLink, LinkKind
from indicators.services.versions import version_clone, version_publish
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, full_marks, make_round, user_with_role
from tests.worlds import logged_in, score_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_editions(outline):
    draft = version_clone(source=outline, code="dalian-2025", title="2025 试行版", year=2025, user=None)
    Item.objects.filter(system=draft, number="4.2").update(cap=Decimal("6"))
    Item.objects.filter(system=draft, number="3.4").update(cap=Decimal("5"))
    Item.objects.filter(system=draft, number="7.4").update(cap=Decimal("4"))
    seven = draft.categories.get(number=7)
    Item.objects.create(category=seven, number="7.5", name="新增子项目", standard="年度内有新做法。", cap=Decimal("1"), order=5)
    published = version_publish(system=draft, user=None)
    unit = OrganizationFactory(code="LU-1", name="沿革测试支部")
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    old_round = make_round(outline, year=2024, title="2024年度考评")
    score_unit(old_round, unit, evaluator, admin, {"4.2": "4"})             # 4.2: 4 of 8 = 50%
    new_round = make_round(published, year=2025, title="2025年度考评", merge_method="median")
    score_unit(new_round, unit, evaluator, admin, {"4.2": "6", "7.5": "0.5"})  # 4.2: 6 of 6 = 100%
    return {"admin": admin, "unit": unit, "new": published, "old": outline}


def test_items_follow_their_lineage_across_editions(two_editions):
    response = logged_in(two_editions["admin"]).get(reverse("reports:trend", args=["LU-1"]))
    rows = {row.item.number: row.cells for row in response.context["item_rows"]}
    assert [round(c, 1) for c in rows["4.2"]] == [50.0, 100.0]
    assert rows["7.5"][0] is None
    assert rows["7.5"][1] == 50.0
    html = response.content.decode()
    assert 'id="method-changes"' in html
    assert "指标体系由“大连市学习型党组织建设指标体系大纲（试行）”改为“2025 试行版”" in html
    assert "合成方式由“各考评员平均分”改为“各考评员中位数”" in html


def test_an_admins_link_joins_an_item_that_cloning_did_not(two_editions):
    client = logged_in(two_editions["admin"])
    new_item = Item.objects.get(system=two_editions["new"], number="7.5")
    old_item = Item.objects.get(system=two_editions["old"], number="7.4")
    ItemLink.objects.create(earlier=old_item, later=new_item, kind=LinkKind.SPLIT)
    rows = {row.item.number: row.cells for row in client.get(reverse("reports:trend", args=["LU-1"])).context["item_rows"]}
    assert rows["7.5"][0] == 100.0


def test_lineage_runs_through_an_edition_no_round_used(outline):
    middle = version_publish(system=version_clone(source=outline, code="mid", title="中间版", year=2024, user=None), user=None)
    last = version_publish(system=version_clone(source=middle, code="last", title="最新版", year=2025, user=None), user=None)
    unit = OrganizationFactory(code="LU-2")
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    score_unit(make_round(outline, year=2023, title="甲"), unit, evaluator, admin, {"1.1": "1.5"})
    score_unit(make_round(last, year=2025, title="乙"), unit, evaluator, admin, {})
    response = logged_in(admin).get(reverse("reports:trend", args=["LU-2"]))
    rows = {row.item.number: row.cells for row in response.context["item_rows"]}
    assert rows["1.1"] == [50.0, 100.0]
    assert Organization.objects.filter(code="LU-2").exists()
    assert full_marks(last)["1.1"] == Decimal("3")
