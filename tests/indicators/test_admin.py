"""The Django admin for editions: drafts are editable, published editions are not."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from indicators.models import IndicatorSystem, Item, VersionStatus
from tests.factories import IndicatorSystemFactory, build_draft
from tests.worlds import CHANGELIST, change_url, inline_management

pytestmark = pytest.mark.django_db

def test_a_published_version_opens_read_only_with_a_message(admin_client, outline):
    response = admin_client.get(change_url(outline))
    html = response.content.decode()
    assert response.status_code == 200
    assert "此版本已发布，不能修改" in html
    assert 'name="_save"' not in html


def test_a_published_version_refuses_a_post(admin_client, outline):
    response = admin_client.post(change_url(outline), {"title": "改名", "code": outline.code, "year": 2010, "total": "100"})
    assert response.status_code == 403
    assert IndicatorSystem.objects.get(pk=outline.pk).title == "大连市学习型党组织建设指标体系大纲（试行）"


def test_bulk_delete_refuses_published_versions(admin_client, outline):
    response = admin_client.post(
        reverse(CHANGELIST), {"action": "delete_selected", "_selected_action": [outline.pk], "post": "yes"}
    )
    assert response.status_code == 403
    assert IndicatorSystem.objects.filter(pk=outline.pk).exists()


def test_an_outsider_cannot_reach_the_admin(user_client, outline):
    response = user_client.get(change_url(outline))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_draft_takes_categories_and_items_inline(admin_client):
    draft = IndicatorSystemFactory(total=Decimal("3"))
    data = {
        "code": draft.code, "title": draft.title, "year": draft.year, "total": "3", "description": "",
        **inline_management("categories", 1, 0), "categories-0-number": "1", "categories-0-name": "组织领导",
        **inline_management("items", 0, 0),
    }
    response = admin_client.post(change_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    category = draft.categories.get()
    data.update({
        **inline_management("categories", 1, 1), "categories-0-id": str(category.pk),
        "categories-0-system": str(draft.pk),
        **inline_management("items", 1, 0), "items-0-category": str(category.pk), "items-0-number": "1.1",
        "items-0-order": "1", "items-0-cap": "3", "items-0-name": "领导重视", "items-0-standard": "每年至少1次。",
    })
    response = admin_client.post(change_url(draft), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    item = Item.objects.get(system=draft)
    assert (item.number, item.cap, item.category_id) == ("1.1", Decimal("3"), category.pk)


def test_the_publish_action_publishes_a_version_that_adds_up(admin_client):
    draft = build_draft(categories=2, items_per_category=2)
    response = admin_client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [draft.pk]})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.status == VersionStatus.PUBLISHED
    assert draft.published_at is not None


def test_the_publish_action_explains_why_it_refuses(admin_client):
    draft = build_draft(categories=2, items_per_category=2)
    IndicatorSystem.objects.filter(pk=draft.pk).update(total=Decimal("10"))
    response = admin_client.post(reverse(CHANGELIST), {"action": "publish", "_selected_action": [draft.pk]})
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("分值合计 4 分，比版本总分 10 分少 6 分" in m for m in messages)
    assert IndicatorSystem.objects.get(pk=draft.pk).status == VersionStatus.DRAFT


def test_the_changelist_runs_a_constant_number_of_queries(admin_client, django_assert_num_queries):
    build_draft(categories=1, items_per_category=1)
    admin_client.get(reverse(CHANGELIST))
    with django_assert_num_queries(7) as small:
        admin_client.get(reverse(CHANGELIST))
    for _ in range(6):
        build_draft(categories=2, items_per_category=3)
    with django_assert_num_queries(len(small.captured_queries)):
        admin_client.get(reverse(CHANGELIST))
