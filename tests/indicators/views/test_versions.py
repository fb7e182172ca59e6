"""The version list and the outline table, for every kind of visitor."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import VersionStatus
from tests.factories import IndicatorSystemFactory, build_draft

pytestmark = pytest.mark.django_db


def detail_url(code: str) -> str:
    return reverse("indicators:version_detail", args=[code])


def test_it_sends_anonymous_visitors_to_login(client, outline):
    for url in (reverse("indicators:version_list"), detail_url(outline.code), reverse("home")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_shows_the_outline_as_the_official_table(user_client, outline):
    response = user_client.get(detail_url(outline.code))
    assert response.status_code == 200
    html = response.content.decode()
    for header in ("考评项目", "子项目", "评分标准", "分值"):
        assert f">{header}</th>" in html
    assert html.count('class="item-row"') == 32
    assert html.count('class="subtotal"') == 7
    assert '<td class="cap" id="outline-total">100</td>' in html
    assert "组织领导 小计" in html
    assert "建设成效 小计" in html
    assert "3.4 建立调查研究制度" in html


def test_it_shows_category_subtotals_from_the_server(user_client, outline):
    table = user_client.get(detail_url(outline.code)).context["table"]
    assert [c.cap_total for c in table.categories] == [Decimal(n) for n in (10, 5, 25, 20, 10, 10, 20)]
    assert table.total == 100
    assert table.item_count == 32
    assert table.total_matches


def test_it_marks_countable_requirements(user_client, outline):
    html = user_client.get(detail_url(outline.code)).content.decode()
    assert '<mark class="requirement">每季度集体学习不少于1次</mark>' in html
    assert '<mark class="requirement">每月自学时间不少于8小时</mark>' in html


def test_it_warns_when_a_draft_does_not_add_up(admin_client):
    system = build_draft(categories=2, items_per_category=2)
    system.total = 50
    system.save()
    html = admin_client.get(detail_url(system.code)).content.decode()
    assert "各子项目分值合计 4 分，与版本总分 50 分不符" in html


def test_it_hides_drafts_from_users_who_cannot_manage_versions(user_client, admin_client, outline):
    draft = IndicatorSystemFactory(title="内部草稿")
    assert user_client.get(detail_url(draft.code)).status_code == 404
    assert "内部草稿" not in user_client.get(reverse("indicators:version_list")).content.decode()
    assert admin_client.get(detail_url(draft.code)).status_code == 200
    assert "内部草稿" in admin_client.get(reverse("indicators:version_list")).content.decode()


def test_it_answers_404_for_an_unknown_version(user_client):
    response = user_client.get(detail_url("no-such-version"))
    assert response.status_code == 404
    assert "页面不存在" in response.content.decode()


def test_the_list_shows_counts_and_sums(user_client, outline):
    IndicatorSystemFactory(status=VersionStatus.ARCHIVED, title="旧版本")
    response = user_client.get(reverse("indicators:version_list"))
    versions = {v.code: v for v in response.context["versions"]}
    assert versions["dalian-2010"].item_count == 32
    assert versions["dalian-2010"].category_count == 7
    assert versions["dalian-2010"].cap_sum == 100
    assert "旧版本" in response.content.decode()


def test_the_home_page_links_the_current_outline(user_client, outline):
    html = user_client.get(reverse("home")).content.decode()
    assert detail_url(outline.code) in html


def test_the_list_runs_a_constant_number_of_queries(admin_client, django_assert_num_queries):
    build_draft(categories=1, items_per_category=1)
    with django_assert_num_queries(4):
        admin_client.get(reverse("indicators:version_list"))
    for _ in range(8):
        build_draft(categories=3, items_per_category=4)
    with django_assert_num_queries(4):
        admin_client.get(reverse("indicators:version_list"))


def test_the_table_runs_a_constant_number_of_queries(admin_client, outline, django_assert_num_queries):
    small = build_draft(categories=1, items_per_category=1)
    # One of the seven reads the edition's administrative history (shown to its managers); the
    # first request warms the per-process content type cache that history lookup uses.
    admin_client.get(detail_url(small.code))
    with django_assert_num_queries(7):
        admin_client.get(detail_url(small.code))
    with django_assert_num_queries(7):
        admin_client.get(detail_url(outline.code))
