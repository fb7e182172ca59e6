"""The load clients read forms as a browser submits them: every control, hidden ones included, as rendered."""

import pytest
from django.urls import reverse

from assessments.models import AuditEvent, Score
from loadtest.forms import find_form, parse_forms
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, fill, make_round, user_with_role
from tests.worlds import logged_in

HTML = """
<form id="other"><input name="q" value="x"></form>
<form id="sheet-form" method="post">
  <input type="hidden" name="csrfmiddlewaretoken" value="t&amp;k">
  <input type="hidden" name="base_score_7" value="2">
  <table><tr class="item-row" data-cap="3.0"><td><input type="text" name="score_7" value="2.5"></td>
  <td><textarea name="reason_7">
缺 &lt;记录&gt;
第二行</textarea></td></tr></table>
  <input type="checkbox" name="ticked" value="1" checked><input type="checkbox" name="unticked" value="1">
  <input name="off" value="1" disabled><input type="file" name="file">
  <select name="pick"><option value="a">A</option><option value="b" selected>B</option></select>
  <button type="submit" name="action" value="save">保存</button><input type="submit" name="go" value="go">
</form>
"""


def test_it_sends_every_successful_control_in_document_order():
    form = find_form(HTML, form_id="sheet-form")
    assert form.fields == [
        ("csrfmiddlewaretoken", "t&k"), ("base_score_7", "2"), ("score_7", "2.5"),
        ("reason_7", "缺 <记录>\r\n第二行"), ("ticked", "1"), ("pick", "b"),
    ]
    assert form.file_inputs == ["file"]
    assert str(form.caps[7]) == "3.0"
    assert form.replaced({"score_7": "1"})[2] == ("score_7", "1")
    assert [f.attrs.get("id") for f in parse_forms(HTML)] == ["other", "sheet-form"]
    assert find_form(HTML, having="file").attrs["id"] == "sheet-form"
    assert find_form(HTML, having="q").attrs["id"] == "other"


@pytest.mark.django_db
def test_it_posts_the_rendered_sheet_back_unchanged_and_nothing_is_written(outline):
    evaluator = user_with_role(Role.EVALUATOR)
    sheet = assign(make_round(outline), OrganizationFactory(), evaluator)
    fill(sheet, evaluator, {"1.1": "2", "1.2": "2"})
    client = logged_in(evaluator)
    url = reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])
    form = find_form(client.get(url).content.decode(), form_id="sheet-form")
    assert len(form.caps) == outline.items.count()
    assert {f"score_{item}" for item in form.caps} <= form.names()
    events = AuditEvent.objects.count()
    response = client.post(url, dict([*form.fields, ("action", "save")]))
    assert response.status_code == 302
    assert AuditEvent.objects.count() == events
    assert Score.objects.filter(sheet=sheet).count() == 2
