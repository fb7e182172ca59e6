"""Clone, edit, publish and archive pages: who may use them, and what they refuse."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Round
from indicators.models import Category, IndicatorSystem, Item, VersionStatus
from indicators.services.versions import version_clone
from orgs.models import Role
from tests.factories import AdminFactory, OrganizationFactory, build_draft, make_round, user_with_role
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


def url(name: str, code: str) -> str:
    return reverse(f"indicators:{name}", args=[code])


@pytest.fixture
def admin():
    return logged_in(user_with_role(Role.ADMIN))


def edit_post(system: IndicatorSystem, **changes: str) -> dict[str, object]:
    """The edit form as the page would post it, with some fields changed by item number."""
    data: dict[str, object] = {"total": str(system.total), "category": [], "item": []}
    for category in Category.objects.filter(system=system).order_by("number"):
        key = f"c{category.pk}"
        data["category"].append(key)
        data.update({f"{key}-number": str(category.number), f"{key}-name": category.name})
    for item in Item.objects.filter(system=system).order_by("category__number", "order"):
        key = f"i{item.pk}"
        data["item"].append(key)
        data.update({f"{key}-category": f"c{item.category_id}", f"{key}-number": item.number,
                     f"{key}-name": item.name, f"{key}-standard": item.standard, f"{key}-cap": str(item.cap),
                     f"{key}-order": str(item.order)})
    for field, value in changes.items():
        number, name = field.rsplit("__", 1)
        pk = Item.objects.get(system=system, number=number.replace("_", ".")).pk
        data[f"i{pk}-{name}"] = value
    return data


def test_it_sends_anonymous_visitors_to_login(client, outline):
    for name in ("version_clone", "version_edit", "version_publish", "version_archive"):
        response = client.post(url(name, outline.code))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_it_refuses_outsiders_and_analysts(outline):
    draft = build_draft(categories=1, items_per_category=1)
    analyst = logged_in(user_with_role(Role.ANALYST, OrganizationFactory()))
    outsider = logged_in(user_with_role(Role.EVALUATOR))
    for client in (analyst, outsider):
        for name in ("version_clone", "version_edit"):
            assert client.get(url(name, outline.code)).status_code == 403
        for name in ("version_clone", "version_edit", "version_publish", "version_archive"):
            assert client.post(url(name, outline.code), {"code": "x", "title": "x", "year": 2026}).status_code == 403
            # Drafts are invisible to them, so they learn nothing: 404, as for an unknown code.
            assert client.post(url(name, draft.code)).status_code == 404
    assert not IndicatorSystem.objects.filter(code="x").exists()
    assert IndicatorSystem.objects.get(pk=outline.pk).status == VersionStatus.PUBLISHED


def test_it_answers_404_for_an_unknown_code(admin):
    assert admin.get(url("version_edit", "no-such")).status_code == 404
    assert admin.post(url("version_publish", "no-such")).status_code == 404


def test_it_clones_with_lineage(admin, outline):
    response = admin.post(url("version_clone", outline.code), {"code": "dalian-2026", "title": "2026 版", "year": "2026"})
    assert response.status_code == 302
    assert response["Location"] == url("version_edit", "dalian-2026")
    draft = IndicatorSystem.objects.get(code="dalian-2026")
    assert draft.status == VersionStatus.DRAFT
    assert draft.source == outline
    assert Item.objects.filter(system=draft).count() == 32
    assert not Item.objects.filter(system=draft, origin__isnull=True).exists()
    assert Item.objects.get(system=draft, number="3.4").origin == Item.objects.get(system=outline, number="3.4")


def test_the_clone_form_says_what_is_wrong_beside_the_field(admin, outline):
    response = admin.post(url("version_clone", outline.code), {"code": "dalian-2010", "title": "", "year": "1999"})
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors["code"] == ["版本编码“dalian-2010”已被使用。"]
    assert form.errors["year"] == ["年份应在 2000 至 2100 年之间。"]
    assert "title" in form.errors
    assert 'value="dalian-2010"' in response.content.decode()


def test_the_edit_page_shows_subtotals_and_problems(admin):
    system = build_draft(categories=2, items_per_category=2)
    system.total = 5
    system.save()
    response = admin.get(url("version_edit", system.code))
    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["sum"] == 4
    assert "各子项目分值合计 4 分，比版本总分 5 分少 1 分。" in html
    assert "js/version_edit.js" in html
    assert html.count('class="item-row"') == 4


def test_a_refused_page_adds_up_the_caps_as_the_browser_does(admin):
    # version_edit.js leaves out what KaopingPoints.parse refuses; the page without it does too.
    system = build_draft(categories=1, items_per_category=4)
    response = admin.post(url("version_edit", system.code), edit_post(
        system, **{"1_1__cap": "２．５", "1_2__cap": "1.3", "1_3__cap": "-1", "1_4__cap": "1,5"}))
    assert response.status_code == 400
    assert [section["subtotal"] for section in response.context["sections"]] == [Decimal("4")]
    assert response.context["sum"] == Decimal("4")


def test_it_saves_edits_and_keeps_typed_text_on_errors(admin):
    system = build_draft(categories=1, items_per_category=3)
    response = admin.post(url("version_edit", system.code), edit_post(system, **{"1_1__name": "新名字", "1_3__number": "1.2"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "编号 1.2 与其他子项目重复。" in html
    assert "新名字" in html
    assert not Item.objects.filter(system=system, name="新名字").exists()

    response = admin.post(url("version_edit", system.code), edit_post(system, **{"1_1__name": "新名字", "1_3__cap": "2"}))
    assert response.status_code == 302
    assert Item.objects.get(system=system, number="1.1").name == "新名字"
    assert Item.objects.get(system=system, number="1.3").cap == 2


def test_publish_refuses_with_the_exact_sum_message(admin):
    system = build_draft(categories=1, items_per_category=2)
    admin.post(url("version_edit", system.code), edit_post(system, **{"1_1__cap": "3"}))
    response = admin.post(url("version_publish", system.code), follow=True)
    assert "各子项目分值合计 4 分，超出版本总分 2 分 2 分。" in response.content.decode()
    assert IndicatorSystem.objects.get(pk=system.pk).status == VersionStatus.DRAFT


def test_publish_refuses_duplicate_and_missing_numbers_and_standards(admin):
    system = build_draft(categories=1, items_per_category=2)
    # Numbering 1.1, 1.3 passes the form (it is unique) but not publishing.
    admin.post(url("version_edit", system.code), edit_post(system, **{"1_2__number": "1.3", "1_1__standard": ""}))
    response = admin.post(url("version_publish", system.code), follow=True)
    html = response.content.decode()
    assert "子项目应依次编号为 1.1…1.2" in html
    assert "子项目 1.1 缺少评分标准。" in html
    assert IndicatorSystem.objects.get(pk=system.pk).status == VersionStatus.DRAFT


def test_a_published_version_refuses_the_edit_page(admin, outline):
    response = admin.get(url("version_edit", outline.code))
    assert response.status_code == 403
    assert "不能修改" in response.content.decode()
    assert url("version_clone", outline.code) in response.content.decode()
    response = admin.post(url("version_edit", outline.code), edit_post(outline, **{"4_2__cap": "6"}))
    assert response.status_code == 403
    assert Item.objects.get(system=outline, number="4.2").cap == 8


def test_a_published_version_refuses_the_admin_site(outline):
    client = logged_in(AdminFactory())
    change = reverse("admin:indicators_indicatorsystem_change", args=[outline.pk])
    response = client.post(change, {"code": outline.code, "title": "改名", "year": 2010, "total": 90})
    assert response.status_code == 403
    assert IndicatorSystem.objects.get(pk=outline.pk).title != "改名"


def test_archived_versions_are_not_offered_for_new_rounds(admin, outline):
    response = admin.post(url("version_archive", outline.code))
    assert response.status_code == 302
    assert IndicatorSystem.objects.get(pk=outline.pk).status == VersionStatus.ARCHIVED
    form = admin.get(reverse("assessments:round_create")).context["form"]
    assert outline not in form.fields["indicator_system"].queryset


def test_the_done_when_flow(admin, outline):
    old_round = make_round(outline, year=2010, title="2010 年度考评")
    admin.post(url("version_clone", outline.code), {"code": "dalian-2026", "title": "2026 试行版", "year": "2026"})
    draft = IndicatorSystem.objects.get(code="dalian-2026")
    response = admin.post(url("version_edit", draft.code), edit_post(draft, **{"4_2__cap": "6", "3_4__cap": "5"}))
    assert response.status_code == 302
    assert admin.get(url("version_edit", draft.code)).context["sum"] == 100
    assert admin.post(url("version_publish", draft.code)).status_code == 302
    assert IndicatorSystem.objects.get(pk=draft.pk).status == VersionStatus.PUBLISHED

    deadline = (datetime.date.today() + datetime.timedelta(days=30)).isoformat()
    response = admin.post(reverse("assessments:round_create"), {
        "year": "2026", "title": "2026 年度考评", "indicator_system": str(draft.pk), "deadline": deadline,
        "merge_method": "mean", "disagreement_threshold": "1.0", "approvers": "",
    })
    assert response.status_code == 302, response.context["form"].errors
    assert Round.objects.get(title="2026 年度考评").indicator_system == draft

    old_table = admin.get(reverse("indicators:version_detail", args=[outline.code])).context["table"]
    caps = {item.number: item.cap for c in old_table.categories for item in c.items.all()}
    assert caps["4.2"] == 8
    assert caps["3.4"] == 3
    assert old_round.indicator_system == outline


def test_the_edit_page_costs_the_same_queries_whatever_its_size(admin, outline):
    small = build_draft(categories=2, items_per_category=2)
    large = version_clone(source=outline, code="big", title="大", year=2026, user=None)
    admin.get(url("version_edit", small.code))  # warm the session
    counts = []
    for system in (small, large):
        with CaptureQueriesContext(connection) as queries:
            assert admin.get(url("version_edit", system.code)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_managers_see_the_buttons(admin, outline):
    draft = build_draft(categories=1, items_per_category=1)
    html = admin.get(reverse("indicators:version_detail", args=[draft.code])).content.decode()
    assert url("version_edit", draft.code) in html
    assert url("version_publish", draft.code) in html
    html = admin.get(reverse("indicators:version_detail", args=[outline.code])).content.decode()
    assert url("version_archive", outline.code) in html
    assert url("version_edit", outline.code) not in html
    analyst = logged_in(user_with_role(Role.ANALYST, OrganizationFactory()))
    html = analyst.get(reverse("indicators:version_list")).content.decode()
    assert url("version_clone", outline.code) not in html
