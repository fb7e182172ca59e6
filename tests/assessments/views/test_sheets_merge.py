"""Two people on one sheet: disjoint edits both kept, overlapping ones shown side by side,
and nothing lost whatever the second person clicks."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db.models import Sum

from assessments.models import AuditEvent, Score, Sheet, SheetKind, SheetState
from assessments.services import round_add_organizations
from orgs.models import Organization, Role
from tests.factories import OrganizationFactory, UserFactory, fill, make_round, user_with_role
from tests.sheet_pages import open_sheet, read_form, sheet_url, typed
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline):
    """A unit's self-assessment sheet, shared by its two reporters (张三 and 李四)."""
    unit = OrganizationFactory(code="U1", name="同兴社区党支部")
    round = make_round(outline)
    round_add_organizations(round=round, organizations=Organization.objects.filter(pk=unit.pk), user=None)
    sheet = Sheet.objects.get(assessment__organization=unit, kind=SheetKind.SELF)
    zhang = user_with_role(Role.REPORTER, unit, username="zhang", first_name="张三")
    li = user_with_role(Role.REPORTER, unit, username="li", first_name="李四")
    items = dict(outline.items.values_list("number", "id"))
    fill(sheet, zhang, {"2.2": 1, "2.3": 1, "4.2": 4})
    return {"sheet": sheet, "a": logged_in(zhang), "b": logged_in(li), "zhang": zhang, "li": li, "items": items}


def stored(world, number):
    row = Score.objects.get(sheet=world["sheet"], item_id=world["items"][number])
    return row.score, row.reason


def messages_of(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_it_keeps_disjoint_edits_of_two_people_and_says_so(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    assert world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由")})).status_code == 302
    response = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {"2.3": ("0", "乙的理由")}))
    assert response.status_code == 302
    assert stored(world, "2.2") == (Decimal("0.5"), "甲的理由")
    assert stored(world, "2.3") == (Decimal("0"), "乙的理由")
    assert messages_of(response)[-1] == "已保存草稿。在您编辑期间，他人修改了 2 处（2.2 得分、2.2 扣分理由），已一并保留。"
    sheet = Sheet.objects.get(pk=world["sheet"].pk)
    assert sheet.total == Score.objects.filter(sheet=sheet).aggregate(total=Sum("score"))["total"] == Decimal("4.5")
    # Only the fields each person changed were written, each by its author.
    events = AuditEvent.objects.filter(sheet=sheet, sheet_version__gt=2).values_list("actor__username", "item__number")
    assert sorted(set(events)) == [("li", "2.3"), ("zhang", "2.2")]


def test_an_untouched_field_is_never_written(world):
    page_b = open_sheet(world["b"], world["sheet"])
    fill(world["sheet"], world["zhang"], {"4.2": 2})
    before = AuditEvent.objects.count()
    response = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {}))
    assert response.status_code == 302
    assert messages_of(response)[-1].startswith("没有修改，无需保存。")
    assert stored(world, "4.2")[0] == Decimal("2")
    assert AuditEvent.objects.count() == before


def test_overlapping_edits_are_shown_side_by_side_and_nothing_is_saved(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由"), "4.2": ("3", "甲")}))
    version = Sheet.objects.get(pk=world["sheet"].pk).version
    response = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {
        "2.2": ("0", "乙的理由"), "2.3": ("0.5", "乙改2.3")}))
    html = response.content.decode()
    assert response.status_code == 409
    assert 'id="conflict"' in html
    assert "有 2 处您和对方都改了" in html
    assert "张三（" in html
    assert "您的值：" in html
    # 4.2 only 张三 changed: 李四's page now shows 张三's value, marked.
    fields, radios = read_form(html)
    score42 = f"score_{world['items']['4.2']}"
    assert fields[score42] == "3"
    assert "changed-by-others" in html
    # What 李四 typed is all still there, and nothing of it was saved.
    assert fields[f"score_{world['items']['2.2']}"] == "0"
    assert fields[f"score_{world['items']['2.3']}"] == "0.5"
    assert set(radios) == {f"choice_score_{world['items']['2.2']}", f"choice_reason_{world['items']['2.2']}"}
    assert not any(checked for options in radios.values() for _value, checked in options)
    assert Sheet.objects.get(pk=world["sheet"].pk).version == version
    assert stored(world, "2.3") == (Decimal("1"), "")


def test_resending_the_conflict_page_as_rendered_overwrites_nothing(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由")}))
    conflict = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {"2.2": ("0", "乙的理由")}))
    fields, _radios = read_form(conflict.content.decode())
    before = (stored(world, "2.2"), AuditEvent.objects.count())
    for _attempt in range(2):
        again = world["b"].post(sheet_url(world["sheet"]), {**fields, "action": "save"})
        assert again.status_code == 400
        assert "与他人的修改冲突，请选择保留哪个值。" in again.content.decode()
        assert (stored(world, "2.2"), AuditEvent.objects.count()) == before
        fields, _radios = read_form(again.content.decode())
    # Submitting instead of saving is refused the same way.
    assert world["b"].post(sheet_url(world["sheet"]), {**fields, "action": "submit"}).status_code == 400
    assert Sheet.objects.get(pk=world["sheet"].pk).state == SheetState.DRAFT


def test_choosing_theirs_keeps_their_value_and_saves_the_rest(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由")}))
    conflict = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {
        "2.2": ("0", "乙的理由"), "2.3": ("0.5", "乙改2.3")}))
    fields, radios = read_form(conflict.content.decode())
    for name in radios:
        fields[name] = "theirs"
    assert world["b"].post(sheet_url(world["sheet"]), {**fields, "action": "save"}).status_code == 302
    assert stored(world, "2.2") == (Decimal("0.5"), "甲的理由")
    assert stored(world, "2.3") == (Decimal("0.5"), "乙改2.3")


def test_choosing_mine_writes_mine_field_by_field(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由")}))
    conflict = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {"2.2": ("0", "乙的理由")}))
    fields, _radios = read_form(conflict.content.decode())
    item = world["items"]["2.2"]
    fields[f"choice_score_{item}"], fields[f"choice_reason_{item}"] = "mine", "theirs"
    assert world["b"].post(sheet_url(world["sheet"]), {**fields, "action": "save"}).status_code == 302
    assert stored(world, "2.2") == (Decimal("0"), "甲的理由")
    score_event = AuditEvent.objects.filter(item_id=item, action="score").order_by("-id").first()
    assert (score_event.actor, score_event.old, score_event.new) == (world["li"], "0.5", "0")


def test_a_third_change_while_deciding_asks_again(world):
    page_a, page_b = open_sheet(world["a"], world["sheet"]), open_sheet(world["b"], world["sheet"])
    world["a"].post(sheet_url(world["sheet"]), typed(page_a, world["items"], {"2.2": ("0.5", "甲的理由")}))
    conflict = world["b"].post(sheet_url(world["sheet"]), typed(page_b, world["items"], {"2.2": ("0", "乙的理由")}))
    fields, radios = read_form(conflict.content.decode())
    fill(world["sheet"], world["zhang"], {"2.2": "0.5"}, reason="甲又改了")
    for name in radios:
        fields[name] = "mine"
    again = world["b"].post(sheet_url(world["sheet"]), {**fields, "action": "save"})
    assert again.status_code == 409
    assert "甲又改了" in again.content.decode()
    assert stored(world, "2.2") == (Decimal("0.5"), "甲又改了")


def test_a_submit_that_took_in_others_changes_waits_for_a_look(world):
    page_b = open_sheet(world["b"], world["sheet"])
    fill(world["sheet"], world["zhang"], {"4.2": 2})
    data = typed(page_b, world["items"], {"2.3": ("1", "乙")})
    data["action"] = "submit"
    response = world["b"].post(sheet_url(world["sheet"]), data)
    assert response.status_code == 302
    assert Sheet.objects.get(pk=world["sheet"].pk).state == SheetState.DRAFT
    assert "已保存，但尚未提交。" in messages_of(response)[-1]
    assert stored(world, "2.3") == (Decimal("1"), "乙")


def test_a_page_without_bases_never_overwrites(world):
    """An old page, or a client that drops the hidden bases: every stored value it differs from
    is asked about, never overwritten."""
    page_b = open_sheet(world["b"], world["sheet"])
    fill(world["sheet"], world["zhang"], {"2.2": "0.5"}, reason="甲的理由")
    data = {name: value for name, value in typed(page_b, world["items"], {}).items() if not name.startswith("base_")}
    response = world["b"].post(sheet_url(world["sheet"]), data)
    assert response.status_code == 409
    assert stored(world, "2.2") == (Decimal("0.5"), "甲的理由")


def test_line_breaks_as_the_browser_sends_them_are_not_a_change(world):
    fill(world["sheet"], world["zhang"], {"2.2": "0.5"}, reason="第一行\n第二行")
    page = open_sheet(world["b"], world["sheet"])
    item = world["items"]["2.2"]
    data = typed(page, world["items"], {})
    data[f"reason_{item}"] = data[f"reason_{item}"].replace("\n", "\r\n")
    data[f"base_reason_{item}"] = data[f"base_reason_{item}"].replace("\n", "\r\n")
    before = AuditEvent.objects.count()
    assert world["b"].post(sheet_url(world["sheet"]), data).status_code == 302
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize("visitor", ["outsider", "other_reporter"])
def test_outsiders_cannot_post_a_merge(world, visitor, outline):
    other_unit = OrganizationFactory(code="U2")
    client = logged_in(UserFactory() if visitor == "outsider" else user_with_role(Role.REPORTER, other_unit))
    page = open_sheet(world["a"], world["sheet"])
    response = client.post(sheet_url(world["sheet"]), typed(page, world["items"], {"2.2": ("0", "x")}))
    assert response.status_code == 404
    assert stored(world, "2.2")[0] == Decimal("1")
