"""The score form reads input by assessments.validation alone: one message per field, the page's
inputs bounded as the form is, and reasons stored exactly as cleaned."""

import html as html_lib
import json
import re
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from assessments.entries import Entry
from assessments.models import AuditAction, AuditEvent, Score, Sheet
from assessments.services import edits_from, sheet_save, stored_values
from assessments.validation import MAX_REASON_LENGTH, SCORE_MAX_LENGTH, browser_rules
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, make_round, user_with_role
from tests.sheet_pages import open_sheet, typed
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting(outline):
    evaluator = user_with_role(Role.EVALUATOR, username="eva")
    sheet = assign(make_round(outline), OrganizationFactory(code="U1"), evaluator)
    items = dict(outline.items.values_list("number", "id"))
    return {"outline": outline, "evaluator": evaluator, "sheet": sheet, "items": items}


def url(sheet: Sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])


def post(setting, cells: dict[str, tuple[str, str]]):
    """Open the page as a browser does, type the cells, send the form."""
    client = logged_in(setting["evaluator"])
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    return client.post(url(sheet), typed(open_sheet(client, sheet), setting["items"], cells))


def save(setting, entries):
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    return sheet_save(sheet=sheet, user=setting["evaluator"], edits=edits_from(entries, stored_values(sheet)))


def field_errors(html: str, name: str) -> list[str]:
    block = re.search(rf'<div class="invalid-feedback d-block field-feedback" id="id_{name}-feedback">(.*?)</div>\s*(<div class="form-text|</td>)', html, re.S)
    return re.findall(r'<div class="server-error">(.*?)</div>', block.group(1)) if block else []


def test_the_inputs_carry_the_forms_limits_and_the_servers_messages(setting):
    html = logged_in(setting["evaluator"]).get(url(setting["sheet"])).content.decode()
    assert len(re.findall(r'class="form-control form-control-sm score-input[^>]*>', html)) == 32
    assert html.count(f'maxlength="{SCORE_MAX_LENGTH}"') == 32
    assert html.count(f'maxlength="{MAX_REASON_LENGTH}"') == 32
    rules = re.search(r'<script id="sheet-rules" type="application/json">(.*?)</script>', html, re.S)
    chinese = browser_rules()
    assert json.loads(rules.group(1)) == chinese
    assert chinese["messages"]["negative"] == "得分不能为负数。"
    assert 'data-format="已评 %(scored)s / %(items)s 项"' in html
    with translation.override("en"):
        english = browser_rules()
    client = logged_in(setting["evaluator"])
    client.cookies["django_language"] = "en"
    html = client.get(url(setting["sheet"])).content.decode()
    rules = re.search(r'<script id="sheet-rules" type="application/json">(.*?)</script>', html, re.S)
    assert json.loads(rules.group(1)) == english
    assert english["messages"]["negative"] == "A score cannot be negative."
    assert 'data-format="%(scored)s / %(items)s items scored"' in html_lib.unescape(html)


@pytest.mark.parametrize(("reason", "message"), [
    ("很" * (MAX_REASON_LENGTH + 1), f"扣分理由不能超过 {MAX_REASON_LENGTH} 个字。"),
    ("很" * MAX_REASON_LENGTH + "\r\n很", f"扣分理由不能超过 {MAX_REASON_LENGTH} 个字。"),
    ("空\x00字符", "扣分理由中有无法显示的控制字符（U+0000），请删除后再保存。"),
    ("响\x07铃", "扣分理由中有无法显示的控制字符（U+0007），请删除后再保存。"),
])
def test_a_bad_reason_gets_exactly_one_message(setting, reason, message):
    response = post(setting, {"1.1": ("2", reason)})
    assert response.status_code == 400
    assert field_errors(response.content.decode(), f"reason_{setting['items']['1.1']}") == [message]


@pytest.mark.parametrize(("score", "message"), [
    ("3\x00", "请输入数字，例如 3 或 2.5。"),
    ("1e0", "请输入数字，例如 3 或 2.5。"),
    ("-0", "得分不能为负数。"),
])
def test_a_bad_score_gets_exactly_one_message(setting, score, message):
    response = post(setting, {"1.1": (score, "")})
    assert response.status_code == 400
    assert field_errors(response.content.decode(), f"score_{setting['items']['1.1']}") == [message]


def test_what_the_live_total_counts_is_what_the_server_saves(setting):
    response = post(setting, {"1.1": ("+2", "缺"), "1.2": (".5", "缺"), "1.3": ("２．５", "缺"), "1.4": (" 2，0 ", "")})
    assert response.status_code == 302
    sheet = Sheet.objects.get(pk=setting["sheet"].pk)
    assert (sheet.total, sheet.scored_count) == (Decimal("7"), 4)


def test_a_reason_is_stored_as_cleaned_and_reads_back_as_no_change(setting):
    typed = " 第一行\r\n\u202e第二行\u202c\r\n"
    assert post(setting, {"1.1": ("2", typed)}).status_code == 302
    assert Score.objects.get().reason == "第一行\n第二行"
    events = AuditEvent.objects.filter(action=AuditAction.REASON).count()
    # The browser posts the text back with "\r\n" line breaks: no change, nothing recorded.
    assert post(setting, {"1.1": ("2", "第一行\r\n第二行")}).status_code == 302
    assert AuditEvent.objects.filter(action=AuditAction.REASON).count() == events


def test_the_service_stores_what_the_rules_produce(setting):
    save(setting, {setting["items"]["1.1"]: Entry(Decimal("2"), "\u202e倒着的\r\n理由 ")})
    assert Score.objects.get().reason == "倒着的\n理由"


def test_the_database_refuses_a_reason_over_the_limit(setting):
    save(setting, {setting["items"]["1.1"]: Entry(Decimal("2"), "缺")})
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(sheet=setting["sheet"]).update(reason="很" * (MAX_REASON_LENGTH + 1))
    Score.objects.filter(sheet=setting["sheet"]).update(reason="很" * MAX_REASON_LENGTH)


def test_the_migration_normalises_stored_reasons(setting):
    from importlib import import_module

    migration = import_module("assessments.migrations.0002_score_reason_limit")
    save(setting, {setting["items"]["1.1"]: Entry(Decimal("2"), "缺"),
                        setting["items"]["1.2"]: Entry(Decimal("1"), "缺")})
    Score.objects.filter(item_id=setting["items"]["1.1"]).update(reason="一\r\n二\u202e")
    Score.objects.filter(item_id=setting["items"]["1.2"]).update(reason="\u202e")
    migration.normalise_reasons(apps, None)
    assert dict(Score.objects.values_list("item__number", "reason")) == {"1.1": "一\n二", "1.2": "\u202e"}
