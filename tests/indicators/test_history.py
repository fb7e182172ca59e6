"""The administrative history of editions and item links: recorded by each service in the change's
own transaction, row by row and field by field for the edit table, shown on the edition's pages."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook

from common.audit import history_of
from common.models import AdminAction, AdminEvent, AdminKind
from indicators.formats.upload import parse_upload
from indicators.models import Item, ItemLink, LinkKind
from indicators.services import edit as services_edit
from indicators.services.edit import VersionEditInvalid, version_save_edits
from indicators.services.links import item_link_add, item_link_remove
from indicators.services.versions import (
    VersionNotPublishable,
    version_archive,
    version_clone,
    version_import,
    version_publish,
)
from indicators.views.edit import _plan_from_database
from orgs.models import Role
from tests.factories import UserFactory, build_draft, user_with_role
from tests.worlds import CHANGELIST, change_url, inline_management, logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return user_with_role(Role.ADMIN, username="adm", first_name="管理员甲")


def _events(system, kind=AdminKind.EDITION, action=None):
    events = history_of(system).filter(kind=kind).order_by("id")
    return list(events.filter(action=action) if action else events)


def _changes(event) -> dict[str, tuple[str, str]]:
    return {change["field"]: (change["old"], change["new"]) for change in event.changes}


def _item(system, number):
    return Item.objects.get(system=system, number=number)


def _row(plan, number):
    return next(r for r in plan.items if r.number == number)


# --- states, copies, imports ---------------------------------------------------------------------


def test_publishing_is_recorded_with_the_state_old_to_new(admin):
    draft = build_draft(categories=1, items_per_category=2)
    version_publish(system=draft, user=admin)
    [event] = _events(draft)
    assert (event.actor, event.action, event.target) == (admin, AdminAction.PUBLISH, f"{draft.title}（{draft.code}）")
    changes = _changes(event)
    assert changes["status"] == ("草稿", "已发布")
    assert changes["published_at"][0] == ""
    assert changes["published_at"][1]


def test_archiving_is_recorded_as_a_change_of_state(admin, outline):
    version_archive(system=outline, user=admin)
    [event] = _events(outline)
    assert (event.actor, event.action) == (admin, AdminAction.STATE)
    assert _changes(event) == {"status": ("已发布", "已归档")}


def test_a_refused_publication_leaves_no_event(admin):
    draft = build_draft(categories=1, items_per_category=1)
    Item.objects.filter(system=draft).update(cap=Decimal("3"))  # caps no longer add up to the total
    with pytest.raises(VersionNotPublishable):
        version_publish(system=draft, user=admin)
    assert _events(draft) == []


def test_a_copy_is_recorded_on_the_new_draft_with_where_it_came_from(admin, outline):
    draft = version_clone(source=outline, code="dalian-2026", title="2026 试行版", year=2026, user=admin)
    [event] = _events(draft)
    assert (event.actor, event.action, event.target) == (admin, AdminAction.CREATE, "2026 试行版（dalian-2026）")
    changes = _changes(event)
    assert changes["code"] == ("", "dalian-2026")
    assert changes["status"] == ("", "草稿")
    assert changes["total"] == ("", "100")
    assert changes["source"] == ("", f"{outline.title}（dalian-2010）")
    assert event.note == f"复制自“{outline.title}（dalian-2010）”：7 个考评项目、32 个子项目。"
    assert _events(outline) == []


def test_an_import_is_recorded_with_its_file(admin):
    workbook = Workbook()
    workbook.active.append(["考评项目", "子项目", "评分标准", "分值"])
    workbook.active.append(["1. 组织领导", "1.1 领导重视", "每年研究1次", 5])
    workbook.active.append(["", "1.2 制度健全", "有制度", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    version, problems = parse_upload(SimpleUploadedFile("大纲.xlsx", buffer.getvalue()))
    assert problems == []
    system = version_import(
        version=version, code="imported", title="导入版", year=2026, total=Decimal("10"), user=admin,
        file_name="大纲.xlsx",
    )
    [event] = _events(system)
    assert (event.actor, event.action) == (admin, AdminAction.IMPORT)
    assert _changes(event)["title"] == ("", "导入版")
    assert event.note == "从文件“大纲.xlsx”导入：1 个考评项目、2 个子项目。"


# --- the edit table ------------------------------------------------------------------------------


def test_each_changed_row_is_recorded_field_by_field(admin):
    draft = build_draft(categories=2, items_per_category=2, cap=Decimal("5"))
    plan = _plan_from_database(draft)
    plan.categories[0].name = "组织领导"
    plan.total = "21"
    changed = _row(plan, "1.1")
    changed.cap, changed.name = "6", "领导重视"
    unchanged_name = _row(plan, "1.2").name
    _row(plan, "2.2").delete = True
    new = next(r for r in plan.items if r.key == f"inew-{plan.categories[1].key}")
    new.number, new.name, new.standard, new.cap = "2.2", "新子项目", "每年1次", "5"
    version_save_edits(system=draft, plan=plan, user=admin)

    events = _events(draft)
    assert {e.actor for e in events} == {admin}
    by_target = {(e.action, e.target): _changes(e) for e in events}
    assert by_target[(AdminAction.UPDATE, f"{draft.title}（{draft.code}）")] == {"total": ("20", "21")}
    assert by_target[(AdminAction.UPDATE, "1. 组织领导")]["name"][1] == "组织领导"
    item_change = by_target[(AdminAction.UPDATE, "1.1 领导重视")]
    assert item_change["cap"] == ("5", "6")
    assert item_change["name"][1] == "领导重视"
    assert set(item_change) == {"cap", "name"}
    assert by_target[(AdminAction.CREATE, "2.2 新子项目")]["standard"] == ("", "每年1次")
    deleted = [changes for (action, _target), changes in by_target.items() if action == AdminAction.DELETE]
    assert len(deleted) == 1
    assert deleted[0]["number"] == ("2.2", "")
    assert deleted[0]["cap"] == ("5", "")
    # Rows not touched say nothing.
    assert not any(target.startswith(f"1.2 {unchanged_name}") for _action, target in by_target)


def test_a_swap_of_numbers_is_recorded_on_the_rows_that_moved(admin):
    draft = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(draft)
    first, second = _row(plan, "1.1"), _row(plan, "1.2")
    first.number, first.order, second.number, second.order = "1.2", "2", "1.1", "1"
    version_save_edits(system=draft, plan=plan, user=admin)
    numbers = sorted(_changes(e)["number"] for e in _events(draft))
    assert numbers == [("1.1", "1.2"), ("1.2", "1.1")]


def test_saving_without_changes_records_nothing(admin):
    draft = build_draft(categories=1, items_per_category=2)
    version_save_edits(system=draft, plan=_plan_from_database(draft), user=admin)
    assert _events(draft) == []


def test_a_refused_save_leaves_no_event(admin):
    draft = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(draft)
    _row(plan, "1.1").cap = "0.3"
    with pytest.raises(VersionEditInvalid):
        version_save_edits(system=draft, plan=plan, user=admin)
    assert _events(draft) == []


def test_a_save_failing_after_its_records_leaves_none(admin, monkeypatch):
    draft = build_draft(categories=1, items_per_category=2)
    plan = _plan_from_database(draft)
    _row(plan, "1.1").cap = "0.5"
    real = services_edit.record_table_edits

    def record_then_fail(**kwargs):
        assert real(**kwargs) == 1
        raise RuntimeError("disk full")

    monkeypatch.setattr(services_edit, "record_table_edits", record_then_fail)
    with pytest.raises(RuntimeError):
        version_save_edits(system=draft, plan=plan, user=admin)
    assert _events(draft) == []
    assert _item(draft, "1.1").cap == Decimal("1")


# --- item links ----------------------------------------------------------------------------------


def test_links_are_recorded_on_the_newer_edition_old_to_new(admin, outline):
    clone = version_clone(source=outline, code="links-2026", title="沿革", year=2026, user=admin)
    later, first, second = _item(clone, "4.3"), _item(outline, "4.3"), _item(outline, "4.4")
    item_link_add(earlier=first, later=later, kind=LinkKind.MERGED, user=admin)
    link = item_link_add(earlier=second, later=later, kind=LinkKind.MERGED, user=admin)
    item_link_remove(link=link, user=admin)
    events = _events(clone, kind=AdminKind.ITEM_LINK)
    assert [(e.action, e.actor, e.target) for e in events] == [
        (AdminAction.ADD, admin, f"4.3 {later.name}"),
        (AdminAction.ADD, admin, f"4.3 {later.name}"),
        (AdminAction.REMOVE, admin, f"4.3 {later.name}"),
    ]
    one = f"dalian-2010 · 4.3 {first.name}（合并）"
    both = f"{one}；dalian-2010 · 4.4 {second.name}（合并）"
    assert [_changes(e)["earlier"] for e in events] == [("", one), (one, both), (both, one)]
    assert _events(outline, kind=AdminKind.ITEM_LINK) == []


def test_a_duplicate_link_is_refused_and_leaves_no_event(admin, outline):
    from django.core.exceptions import ValidationError

    clone = version_clone(source=outline, code="links-2026", title="沿革", year=2026, user=admin)
    item_link_add(earlier=_item(outline, "1.1"), later=_item(clone, "1.1"), kind=LinkKind.SAME, user=admin)
    with pytest.raises(ValidationError):
        item_link_add(earlier=_item(outline, "1.1"), later=_item(clone, "1.1"), kind=LinkKind.SAME, user=admin)
    assert len(_events(clone, kind=AdminKind.ITEM_LINK)) == 1
    assert ItemLink.objects.count() == 1


# --- the views and pages -------------------------------------------------------------------------


def test_the_pages_record_the_signed_in_admin_and_show_the_history(admin, outline):
    client = logged_in(admin)
    client.post(reverse("indicators:version_clone", args=[outline.code]),
                {"code": "dalian-2026", "title": "2026 试行版", "year": 2026})
    draft_events = AdminEvent.objects.filter(target="2026 试行版（dalian-2026）")
    assert [(e.actor, e.action) for e in draft_events] == [(admin, AdminAction.CREATE)]
    clone = draft_events[0]
    links = reverse("indicators:version_links", args=["dalian-2026"])
    later, earlier = Item.objects.get(system__code="dalian-2026", number="1.1"), _item(outline, "1.1")
    client.post(links, {"action": "add", "later": later.pk, "earlier": earlier.pk, "kind": "same"})
    client.post(links, {"action": "remove", "link": ItemLink.objects.get().pk})
    assert [e.actor for e in AdminEvent.objects.filter(kind=AdminKind.ITEM_LINK)] == [admin, admin]
    for url in (reverse("indicators:version_detail", args=["dalian-2026"]), links):
        html = client.get(url).content.decode()
        assert 'id="admin-history"' in html
        assert "管理员甲" in html
        assert "复制自" in html
        assert f"dalian-2010 · 1.1 {earlier.name}" in html
    assert clone.page_id == str(later.system_id)


def test_the_edition_page_hides_the_history_from_everyone_else(admin, outline):
    version_archive(system=outline, user=admin)
    for viewer in (UserFactory(), user_with_role(Role.EVALUATOR)):
        response = logged_in(viewer).get(reverse("indicators:version_detail", args=[outline.code]))
        assert response.status_code == 200
        assert 'id="admin-history"' not in response.content.decode()


# --- the Django admin ----------------------------------------------------------------------------


def test_edits_in_the_django_admin_are_recorded_too(admin_client, admin_user):
    from tests.factories import IndicatorSystemFactory

    draft = IndicatorSystemFactory(total=Decimal("3"), title="草稿版")
    data = {
        "code": draft.code, "title": "草稿版（改）", "year": draft.year, "total": "3", "description": "",
        **inline_management("categories", 1, 0), "categories-0-number": "1", "categories-0-name": "组织领导",
        **inline_management("items", 0, 0),
    }
    assert admin_client.post(change_url(draft), data).status_code == 302
    events = _events(draft)
    assert [(e.actor, e.action, e.target) for e in events] == [
        (admin_user, AdminAction.UPDATE, f"草稿版（改）（{draft.code}）"),
        (admin_user, AdminAction.CREATE, "1. 组织领导"),
    ]
    assert _changes(events[0]) == {"title": ("草稿版", "草稿版（改）")}


def test_deleting_a_draft_is_recorded_and_its_history_stays(admin, outline):
    from indicators.services.versions import version_delete

    draft = version_clone(source=outline, code="doomed", title="待删", year=2026, user=admin)
    later = version_clone(source=draft, code="after", title="后续", year=2027, user=admin)
    item_link_add(earlier=_item(draft, "1.1"), later=_item(later, "1.1"), kind=LinkKind.SAME, user=admin)
    pk = draft.pk
    version_delete(system=draft, user=admin)
    events = list(AdminEvent.objects.filter(page_id=str(pk), kind=AdminKind.EDITION).order_by("id"))
    assert [e.action for e in events] == [AdminAction.CREATE, AdminAction.DELETE]
    assert _changes(events[1])["code"] == ("doomed", "")
    assert events[1].note == "删除时有：7 个考评项目、32 个子项目。"
    # The later edition's link to it went too, and its own history says so.
    removed = _events(later, kind=AdminKind.ITEM_LINK, action=AdminAction.REMOVE)
    assert len(removed) == 1
    assert _changes(removed[0])["earlier"][1] == ""


def test_the_admin_bulk_delete_records_each_draft(admin_client, admin_user):
    drafts = [build_draft(categories=1, items_per_category=1) for _ in range(2)]
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [d.pk for d in drafts], "post": "yes"}
    )
    assert response.status_code == 302
    deleted = AdminEvent.objects.filter(kind=AdminKind.EDITION, action=AdminAction.DELETE, actor=admin_user)
    assert sorted(e.page_id for e in deleted) == sorted(str(d.pk) for d in drafts)


@pytest.mark.parametrize("name", ["indicators:version_detail", "indicators:version_links"])
def test_the_history_costs_the_same_with_few_or_many_rows(admin, outline, name, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    few = version_clone(source=outline, code="few", title="少", year=2026, user=admin)
    many = version_clone(source=outline, code="many", title="多", year=2026, user=admin)
    plan = _plan_from_database(many)
    for row in plan.items[:25]:
        row.cap = "0.5"
    version_save_edits(system=many, plan=plan, user=admin)
    client = logged_in(admin)
    with CaptureQueriesContext(connection) as captured:
        client.get(reverse(name, args=[few.code]))
    with django_assert_num_queries(len(captured)):
        response = client.get(reverse(name, args=[many.code]))
    assert len(response.context["admin_events"]) == 20
