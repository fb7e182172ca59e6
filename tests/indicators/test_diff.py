"""Diff between editions, lineage through clones and hand-set links, and the pages for both."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from indicators.models import Category, Item, ItemLink, LinkKind
from indicators.selectors.diff import mark_text_difference, version_diff
from indicators.services.versions import version_clone
from orgs.models import Role
from tests.factories import IndicatorSystemFactory, build_draft, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db

NEW_STANDARD = "各级党委中心组每月至少集中学习1次，年度集中学习研讨时间"


def item(system, number):
    return Item.objects.get(system=system, number=number)


def edited_clone(outline, code="trial-2026"):
    clone = version_clone(source=outline, code=code, title="2026 试行版", year=2026, user=None)
    Item.objects.filter(system=clone, number="4.2").update(cap=Decimal("6"))
    Item.objects.filter(system=clone, number="3.4").update(cap=Decimal("5"))
    Item.objects.filter(system=clone, number="2.3").update(name="学习现代化建设和科技知识")
    standard = item(clone, "4.2").standard.replace("每两个月至少集中学习1次，年度集中学习研讨时间", NEW_STANDARD)
    Item.objects.filter(system=clone, number="4.2").update(standard=standard)
    Item.objects.filter(system=clone, number="6.4").delete()
    Item.objects.create(
        category=Category.objects.get(system=clone, number=7), number="7.5", name="学习成果转化",
        standard="每年至少形成1项学习成果。", cap=Decimal("2"), order=5,
    )
    return clone


def by_numbers(diff):
    return {(c.old.number if c.old else None, c.new.number if c.new else None): c for c in diff.items}


def test_it_reports_caps_renames_additions_removals_and_standards(outline):
    clone = edited_clone(outline)
    diff = version_diff(outline, clone)
    rows = by_numbers(diff)
    assert rows[("4.2", "4.2")].cap_changed
    assert (rows[("4.2", "4.2")].old.cap, rows[("4.2", "4.2")].new.cap) == (8, 6)
    assert rows[("3.4", "3.4")].cap_delta == Decimal("2")
    assert rows[("2.3", "2.3")].renamed
    assert rows[("2.3", "2.3")].link_kind == LinkKind.RENAMED
    assert rows[(None, "7.5")].added
    assert rows[("6.4", None)].removed
    assert rows[("4.2", "4.2")].standard_changed
    assert "<del>两个</del>" in rows[("4.2", "4.2")].standard_diff
    assert not rows[("1.1", "1.1")].changed
    assert rows[("1.1", "1.1")].link_kind == LinkKind.SAME
    assert diff.summary == {"added": 1, "removed": 1, "renamed": 1, "cap_changed": 2, "standard_changed": 1}
    assert diff.related
    assert not any(c.changed for c in diff.categories)


def test_it_escapes_both_texts_when_marking_the_difference():
    marked = mark_text_difference("<b>旧</b>标准", "<script>新</script>标准")
    assert "<script" not in marked
    assert "<b>" not in marked
    assert "&lt;" in marked
    assert "<del>旧</del><ins>新</ins>" in marked


def test_it_follows_lineage_through_two_generations_whatever_the_numbers(outline):
    a = version_clone(source=outline, code="gen-a", title="A", year=2020, user=None)
    # A drops 4.1 and renumbers 4.2 → 4.1, so matching by number would pair the wrong items.
    Item.objects.filter(system=a, number="4.1").delete()
    for number, new_number in (("4.2", "4.1"), ("4.3", "4.2"), ("4.4", "4.3")):
        Item.objects.filter(system=a, number=number).update(number=new_number)
    b = version_clone(source=a, code="gen-b", title="B", year=2022, user=None)
    rows = by_numbers(version_diff(outline, b))
    assert rows[("4.2", "4.1")].new == item(b, "4.1")
    assert rows[("4.2", "4.1")].renumbered
    assert rows[("4.2", "4.1")].link_kind == LinkKind.SAME
    assert rows[("4.1", None)].removed
    # Either edition may be the older side.
    backwards = by_numbers(version_diff(b, outline))
    assert backwards[("4.1", "4.2")].old == item(b, "4.1")


def test_it_costs_the_same_queries_however_many_generations_lie_between(outline):
    a = version_clone(source=outline, code="gen-a", title="A", year=2020, user=None)
    b = version_clone(source=a, code="gen-b", title="B", year=2022, user=None)
    c = version_clone(source=b, code="gen-c", title="C", year=2024, user=None)
    counts = []
    for later in (a, c):
        with CaptureQueriesContext(connection) as queries:
            version_diff(outline, later)
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_a_split_link_pairs_one_earlier_item_with_two_later_ones(outline):
    clone = version_clone(source=outline, code="split-2026", title="拆分", year=2026, user=None)
    category = Category.objects.get(system=clone, number=4)
    extra = Item.objects.create(category=category, number="4.5", name="党员学习积分", standard="建立学习积分制度。",
                                cap=Decimal("2"), order=5)
    ItemLink.objects.create(earlier=item(outline, "4.3"), later=extra, kind=LinkKind.SPLIT)
    rows = by_numbers(version_diff(outline, clone))
    assert rows[("4.3", "4.3")].link_kind == LinkKind.SPLIT
    assert rows[("4.3", "4.5")].link_kind == LinkKind.SPLIT
    assert (None, "4.5") not in rows


def test_two_earlier_items_going_into_one_show_as_merged(outline):
    clone = version_clone(source=outline, code="merge-2026", title="合并", year=2026, user=None)
    Item.objects.filter(system=clone, number="6.4").delete()
    ItemLink.objects.create(earlier=item(outline, "6.4"), later=item(clone, "6.3"), kind=LinkKind.SAME)
    rows = by_numbers(version_diff(outline, clone))
    assert rows[("6.3", "6.3")].link_kind == LinkKind.MERGED
    assert rows[("6.4", "6.3")].link_kind == LinkKind.MERGED


def test_editions_without_shared_history_are_matched_by_number(outline):
    other = build_draft(categories=2, items_per_category=2)
    rows = by_numbers(version_diff(outline, other))
    assert rows[("1.1", "1.1")].by_number
    assert not diff_related(outline, other)
    assert rows[("3.1", None)].removed


def diff_related(a, b):
    return version_diff(a, b).related


# --- The diff page ------------------------------------------------------------------------------

def diff_url(a, b):
    return reverse("indicators:version_diff") + f"?a={a}&b={b}"


def test_it_sends_anonymous_visitors_to_login(client, outline):
    assert client.get(diff_url(outline.code, outline.code)).status_code == 302


def test_it_shows_the_diff_to_any_user_for_published_editions(user_client, admin_client, outline):
    clone = edited_clone(outline)
    # A draft is the admins' only.
    assert user_client.get(diff_url(outline.code, clone.code)).status_code == 404
    response = admin_client.get(diff_url(outline.code, clone.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert "8 → 6" in html
    assert "3 → 5" in html
    assert "<del>两个</del>" in html
    assert "新增 1 项，删除 1 项，更名 1 项，分值调整 2 项，评分标准修改 1 项。" in html
    assert user_client.get(diff_url(outline.code, outline.code)).status_code == 200


def test_the_diff_page_without_parameters_offers_the_choice(user_client, outline):
    response = user_client.get(reverse("indicators:version_diff"))
    assert response.status_code == 200
    assert response.context["diff"] is None
    assert 'value="dalian-2010"' in response.content.decode()


# --- The lineage page ---------------------------------------------------------------------------

def links_url(code):
    return reverse("indicators:version_links", args=[code])


def test_only_admins_set_links(client, user_client, outline):
    clone = version_clone(source=outline, code="links-2026", title="沿革", year=2026, user=None)
    assert client.get(links_url(clone.code)).status_code == 302
    assert user_client.get(links_url(outline.code)).status_code == 403
    assert logged_in(user_with_role(Role.EVALUATOR)).post(links_url(clone.code), {}).status_code == 403


def test_an_admin_adds_and_removes_a_link_on_a_published_edition(admin_client, outline):
    clone = version_clone(source=outline, code="links-2026", title="沿革", year=2026, user=None)
    from tests.factories import publish

    publish(clone)
    data = {"action": "add", "later": item(clone, "4.3").pk, "earlier": item(outline, "4.4").pk, "kind": "merged"}
    response = admin_client.post(links_url(clone.code), data)
    assert response.status_code == 302
    link = ItemLink.objects.get(later=item(clone, "4.3"))
    assert link.kind == LinkKind.MERGED
    assert link.earlier == item(outline, "4.4")
    again = admin_client.post(links_url(clone.code), data)
    assert again.status_code == 400
    assert "这两个子项目之间已经有沿革关系" in again.content.decode()
    assert "合并" in admin_client.get(links_url(clone.code)).content.decode()
    admin_client.post(links_url(clone.code), {"action": "remove", "link": link.pk})
    assert not ItemLink.objects.exists()


def test_it_refuses_items_outside_the_source_chain(admin_client, outline):
    clone = version_clone(source=outline, code="links-2026", title="沿革", year=2026, user=None)
    stranger = build_draft(categories=1, items_per_category=1)
    data = {"action": "add", "later": item(clone, "1.1").pk, "earlier": item(stranger, "1.1").pk, "kind": "same"}
    response = admin_client.post(links_url(clone.code), data)
    assert response.status_code == 400
    assert "请选择来源版本中的子项目。" in response.content.decode()
    assert not ItemLink.objects.exists()


def test_an_edition_without_a_source_says_so(admin_client):
    system = IndicatorSystemFactory()
    assert "没有可以关联的早期版本" in admin_client.get(links_url(system.code)).content.decode()
