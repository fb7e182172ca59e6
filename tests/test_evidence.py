"""Evidence files: who may upload, download and delete them, what is accepted, where it is kept."""

import io
import re
import zipfile
from urllib.parse import quote

import pytest
from django.contrib.messages import get_messages
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, AuditAction, AuditEvent, Evidence, Sheet, SheetKind
from assessments.services import round_close
from assessments.services.evidence import ACCEPT, evidence_add
from indicators.models import Item
from orgs.models import Role
from tests.conftest import logged_in
from tests.factories import OrganizationFactory, UserFactory, assign, build_draft, make_round, publish, user_with_role

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 32
NEXT = "/assessments/1/sheets/2/"


def pdf(name="会议记录.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def zipped(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def world(outline):
    """A unit in 中山区 with its reporter and an evaluator, and a neighbouring district."""
    district = OrganizationFactory(code="ZS", name="中山区委")
    unit = OrganizationFactory(parent=district, code="ZS01", name="中山区第一支部")
    other_district = OrganizationFactory(code="XG", name="西岗区委")
    other_unit = OrganizationFactory(parent=other_district, code="XG01", name="西岗区第一支部")
    round = make_round(outline)
    evaluator = user_with_role(Role.EVALUATOR)
    assign(round, unit, evaluator)
    assign(round, other_unit, user_with_role(Role.EVALUATOR))
    assessment = Assessment.objects.get(round=round, organization=unit)
    return {
        "round": round,
        "assessment": assessment,
        "item": Item.objects.get(system=outline, number="1.1"),
        "reporter": user_with_role(Role.REPORTER, unit),
        "other_reporter": user_with_role(Role.REPORTER, other_unit),
        "evaluator": evaluator,
        "analyst": user_with_role(Role.ANALYST, district),
        "other_analyst": user_with_role(Role.ANALYST, other_district),
        "outsider": UserFactory(),
    }


@pytest.fixture
def stored(world):
    return evidence_add(assessment=world["assessment"], item=world["item"], upload=pdf(), user=world["reporter"])


def upload(client, world, file, item=None, next_url=NEXT):
    url = reverse("assessments:evidence_upload", args=[world["assessment"].pk])
    return client.post(url, {"item": (item or world["item"]).pk, "file": file, "next": next_url})


def delete(client, evidence, next_url=NEXT, accept="text/html"):
    return client.post(reverse("assessments:evidence_delete", args=[evidence.pk]), {"next": next_url}, HTTP_ACCEPT=accept)


def download(client, evidence):
    return client.get(reverse("assessments:evidence_download", args=[evidence.pk]))


def last_message(response) -> str:
    return str(list(get_messages(response.wsgi_request))[-1])


def sheet_url(world) -> str:
    sheet = Sheet.objects.get(assessment=world["assessment"], kind=SheetKind.SELF)
    return reverse("assessments:sheet", args=[world["assessment"].pk, sheet.pk])


def refused_on_the_sheet(client, world, response, item=None) -> str:
    """The refusal a plain post was answered with: back on the score page, in the item's cell."""
    item = item or world["item"]
    assert response.status_code == 302
    assert response["Location"] == f"{sheet_url(world)}#evidence-{item.pk}"
    html = client.get(response["Location"]).content.decode().replace("\xa0", " ")
    cell = html[html.index(f'id="evidence-{item.pk}"'):]
    cell = cell[: cell.index("</td>")]
    errors = re.findall(r'<div class="invalid-feedback d-block evidence-error">(.*?)</div>', cell, re.S)
    assert len(errors) == 1, cell
    # Shown once: the page after it no longer carries it.
    assert 'class="invalid-feedback d-block evidence-error"' not in client.get(response["Location"]).content.decode()
    return errors[0]


def stored_files(media) -> list:
    return [path for path in media.rglob("*") if path.is_file()]


# --- Who may do what ---------------------------------------------------------------------------

def test_it_sends_anonymous_visitors_to_login(client, world, stored):
    for response in (upload(client, world, pdf()), download(client, stored), delete(client, stored)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
    assert Evidence.objects.count() == 1


@pytest.mark.parametrize("who", ["outsider", "other_analyst", "other_reporter"])
def test_it_hides_everything_from_users_outside_the_scope(world, stored, who):
    client = logged_in(world[who])
    assert upload(client, world, pdf()).status_code == 404
    assert download(client, stored).status_code == 404
    assert delete(client, stored).status_code == 404
    assert Evidence.objects.count() == 1


def test_it_answers_a_missing_file_like_one_out_of_scope(world):
    client = logged_in(world["reporter"])
    assert client.get(reverse("assessments:evidence_download", args=[999999])).status_code == 404
    assert client.post(reverse("assessments:evidence_delete", args=[999999])).status_code == 404


@pytest.mark.parametrize("who", ["analyst", "evaluator"])
def test_it_lets_readers_download_but_not_upload_or_delete(world, stored, who):
    client = logged_in(world[who])
    response = download(client, stored)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert upload(client, world, pdf("另一个.pdf")).status_code == 403
    assert client.get(reverse("assessments:evidence_upload", args=[world["assessment"].pk])).status_code == 403
    assert delete(client, stored).status_code == 403
    assert list(Evidence.objects.values_list("original_name", flat=True)) == ["会议记录.pdf"]


def test_it_refuses_other_methods(world, stored):
    client = logged_in(world["reporter"])
    assert client.get(reverse("assessments:evidence_delete", args=[stored.pk])).status_code == 405
    assert client.post(reverse("assessments:evidence_download", args=[stored.pk])).status_code == 405


# --- Uploading ---------------------------------------------------------------------------------

def test_it_stores_an_upload_under_a_generated_name(world, media):
    response = upload(logged_in(world["reporter"]), world, pdf("2026年学习计划.pdf"))
    assert response.status_code == 302
    assert response["Location"] == f"{NEXT}#evidence-{world['item'].pk}"
    assert last_message(response) == "已上传“2026年学习计划.pdf”（1.1 领导重视）。"
    evidence = Evidence.objects.get()
    assessment = world["assessment"]
    assert re.fullmatch(rf"evidence/{assessment.round_id}/{assessment.pk}/[0-9a-f]{{32}}\.pdf", evidence.file.name)
    assert (evidence.original_name, evidence.size, evidence.content_type) == (
        "2026年学习计划.pdf", len(PDF), "application/pdf")
    assert (evidence.item, evidence.uploaded_by) == (world["item"], world["reporter"])
    assert default_storage.exists(evidence.file.name)
    assert [path.read_bytes() for path in stored_files(media)] == [PDF]


def test_it_records_uploads_and_removals(world, django_capture_on_commit_callbacks, media):
    client = logged_in(world["reporter"])
    upload(client, world, pdf("述职报告.pdf"))
    evidence = Evidence.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(client, evidence)
    assert response.status_code == 302 and last_message(response) == "已删除“述职报告.pdf”。"
    events = AuditEvent.objects.filter(action=AuditAction.EVIDENCE).order_by("id")
    assert [(e.old, e.new, e.actor, e.item) for e in events] == [
        ("", "述职报告.pdf", world["reporter"], world["item"]),
        ("述职报告.pdf", "", world["reporter"], world["item"]),
    ]
    self_sheet = Sheet.objects.get(assessment=world["assessment"], kind=SheetKind.SELF)
    assert all(e.sheet == self_sheet and e.assessment == world["assessment"] for e in events)
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize("name, content, message", [
    ("病毒.pdf", EXE, "文件内容与扩展名“.pdf”不符"),
    ("照片.png", PDF, "文件内容与扩展名“.png”不符"),
    ("安装程序.exe", EXE, "只能上传 PDF、图片（PNG、JPG、GIF）或 Office 文档"),
    ("页面.html", b"<html><script>alert(1)</script></html>", "只能上传 PDF"),
    ("图.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "只能上传 PDF"),
    ("无扩展名", PDF, "只能上传 PDF"),
    ("空文件.pdf", b"", "文件是空的"),
    ("压缩包.docx", zipped("a.txt"), "文件内容与扩展名“.docx”不符"),
    ("表格.xlsx", zipped("[Content_Types].xml", "word/document.xml"), "文件内容与扩展名“.xlsx”不符"),
])
def test_it_refuses_files_that_are_not_what_they_claim(world, media, name, content, message):
    client = logged_in(world["reporter"])
    response = upload(client, world, SimpleUploadedFile(name, content))
    # The message sits next to the item, on the score page the upload came from.
    assert message in refused_on_the_sheet(client, world, response)
    assert not Evidence.objects.exists() and stored_files(media) == []
    assert not AuditEvent.objects.filter(action=AuditAction.EVIDENCE).exists()


@pytest.mark.parametrize("name, content, content_type", [
    ("现场照片.PNG", PNG, "image/png"),
    ("照片.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 20, "image/jpeg"),
    ("动图.gif", b"GIF89a" + b"\x00" * 20, "image/gif"),
    ("制度.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "application/msword"),
    ("台账.et", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 20, "application/vnd.ms-excel"),
    ("总结.docx", zipped("[Content_Types].xml", "word/document.xml"),
     "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("统计.xlsx", zipped("[Content_Types].xml", "xl/workbook.xml"),
     "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("汇报.pptx", zipped("[Content_Types].xml", "ppt/presentation.xml"),
     "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
])
def test_it_accepts_pictures_and_office_documents(world, name, content, content_type):
    # The browser's claimed type is ignored: the stored type follows from what the file is.
    response = upload(logged_in(world["reporter"]), world, SimpleUploadedFile(name, content, "text/html"))
    assert response.status_code == 302
    assert Evidence.objects.get().content_type == content_type


def test_it_refuses_files_over_the_size_limit(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024
    client = logged_in(world["reporter"])
    response = upload(client, world, pdf(content=PDF + b"0" * 2048))
    assert "超过了 1.0 KB 的上限" in refused_on_the_sheet(client, world, response)
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_it_limits_the_number_of_files_per_item(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_PER_ITEM = 2
    client = logged_in(world["reporter"])
    for n in range(2):
        assert upload(client, world, pdf(f"第{n}份.pdf")).status_code == 302
    response = upload(client, world, pdf("第三份.pdf"))
    assert "每个子项目最多上传 2 个文件" in refused_on_the_sheet(client, world, response)
    other_item = Item.objects.get(system=world["round"].indicator_system, number="1.2")
    assert upload(client, world, pdf("另一项.pdf"), item=other_item).status_code == 302
    assert Evidence.objects.count() == 3 and len(stored_files(media)) == 3


def test_it_refuses_an_item_of_another_edition(world):
    draft = publish(build_draft(categories=1, items_per_category=1))
    foreign = Item.objects.get(system=draft)
    response = upload(logged_in(world["reporter"]), world, pdf(), item=foreign)
    assert response.status_code == 400
    assert not Evidence.objects.exists()


def test_it_asks_for_a_file(world):
    url = reverse("assessments:evidence_upload", args=[world["assessment"].pk])
    client = logged_in(world["reporter"])
    response = client.post(url, {"item": world["item"].pk, "next": NEXT})
    assert refused_on_the_sheet(client, world, response) == "请选择要上传的文件。"


def test_it_shows_the_upload_form_on_its_own_page(world):
    url = reverse("assessments:evidence_upload", args=[world["assessment"].pk])
    response = logged_in(world["reporter"]).get(url, {"item": world["item"].pk, "next": NEXT})
    html = response.content.decode().replace("\xa0", " ")
    assert response.status_code == 200
    assert 'enctype="multipart/form-data"' in html and f'value="{NEXT}"' in html
    assert "每个文件最大 20.0 MB，每个子项目最多 10 个文件" in html


# --- Locked assessments and submitted self-assessments ------------------------------------------

def lock(world, how):
    if how == "closed":
        round_close(round=world["round"])
    else:
        Assessment.objects.filter(pk=world["assessment"].pk).update(
            state=AssessmentState.APPROVED, approved_at=timezone.now(), total=0)


@pytest.mark.parametrize("how", ["closed", "approved"])
def test_a_locked_assessment_refuses_uploads_and_deletions(world, stored, media, how):
    lock(world, how)
    client = logged_in(world["reporter"])
    response = upload(client, world, pdf("迟到的.pdf"))
    assert "已审核锁定或所属批次已结束" in refused_on_the_sheet(client, world, response)
    response = delete(client, stored)
    assert "已审核锁定或所属批次已结束" in refused_on_the_sheet(client, world, response)
    assert list(Evidence.objects.all()) == [stored] and len(stored_files(media)) == 1
    assert AuditEvent.objects.filter(action=AuditAction.EVIDENCE).count() == 1
    # Downloading stays possible: a locked assessment is read, not hidden.
    assert download(logged_in(world["analyst"]), stored).status_code == 200


def test_a_submitted_self_assessment_refuses_changes(world, stored, media):
    Sheet.objects.filter(assessment=world["assessment"], kind=SheetKind.SELF).update(state="submitted")
    client = logged_in(world["reporter"])
    response = upload(client, world, pdf("补充.pdf"))
    assert refused_on_the_sheet(client, world, response) == "自评表已提交，不能再修改佐证材料。"
    response = delete(client, stored)
    assert refused_on_the_sheet(client, world, response) == "自评表已提交，不能再修改佐证材料。"
    assert list(Evidence.objects.all()) == [stored] and len(stored_files(media)) == 1


# --- Downloading -------------------------------------------------------------------------------

def test_it_downloads_as_an_attachment_with_the_original_name(world, stored):
    response = download(logged_in(world["evaluator"]), stored)
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{quote('会议记录.pdf')}"
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_it_answers_404_when_the_stored_file_is_gone(world, stored):
    default_storage.delete(stored.file.name)
    assert download(logged_in(world["reporter"]), stored).status_code == 404


# --- Returning to the page ---------------------------------------------------------------------

@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_it_never_redirects_off_site(world, next_url):
    response = upload(logged_in(world["reporter"]), world, pdf(), next_url=next_url)
    detail = reverse("assessments:assessment_detail", args=[world["assessment"].pk])
    assert response.status_code == 302 and response["Location"] == f"{detail}#evidence-{world['item'].pk}"


# --- The table cell ----------------------------------------------------------------------------

def render_cell(world, evidence_list, can_upload):
    request = RequestFactory().get(NEXT)
    request.user = world["reporter"]
    context = {"assessment": world["assessment"], "item": world["item"], "evidence_list": evidence_list,
               "can_upload": can_upload, "next_url": NEXT}
    return render_to_string("assessments/_evidence_cell.html", context, request=request)


def test_the_cell_lists_files_and_offers_controls_to_the_reporter(world, stored):
    html = render_cell(world, [stored], True)
    assert reverse("assessments:evidence_download", args=[stored.pk]) in html
    assert "会议记录.pdf" in html and "用户" in html and "字节" in html
    form_id = f"evidence-upload-{world['assessment'].pk}-{world['item'].pk}"
    assert f'form="{form_id}"' in html and 'type="file"' in html
    assert reverse("assessments:evidence_delete", args=[stored.pk]) in html
    assert f'accept="{ACCEPT}"' in html
    # The cell sits inside the score form: a form of its own would end that one early.
    assert "<form" not in html and "</form" not in html


def test_the_cell_is_read_only_for_readers(world, stored):
    html = render_cell(world, [stored], False)
    assert "会议记录.pdf" in html
    assert 'type="file"' not in html and "evidence_delete" not in html and "/delete/" not in html
    assert "无" in render_cell(world, [], False)


def test_the_forms_match_the_cells(world):
    request = RequestFactory().get(NEXT)
    request.user = world["reporter"]
    context = {"assessment": world["assessment"], "can_upload": True, "next_url": NEXT}
    html = render_to_string("assessments/_evidence_forms.html", context, request=request)
    assessment = world["assessment"]
    assert html.count('enctype="multipart/form-data"') == 32
    assert f'id="evidence-upload-{assessment.pk}-{world["item"].pk}"' in html
    assert f'id="evidence-delete-{assessment.pk}"' in html
    assert html.count("csrfmiddlewaretoken") == 33
    assert render_to_string("assessments/_evidence_forms.html", {**context, "can_upload": False}).strip() == ""


# --- Answers for the page's script (JSON) --------------------------------------------------------

def ask(client, world, file, item=None):
    """An upload as static/js/evidence.js sends it: to the form's address, asking for JSON."""
    item = item or world["item"]
    url = reverse("assessments:evidence_upload", args=[world["assessment"].pk]) + f"?item={item.pk}"
    return client.post(url, {"item": item.pk, "file": file, "next": NEXT}, HTTP_ACCEPT="application/json")


def cell_errors(html: str) -> list[str]:
    return re.findall(r'<div class="invalid-feedback d-block evidence-error">(.*?)</div>', html, re.S)


def test_it_answers_an_upload_with_the_new_cell(world, media):
    response = ask(logged_in(world["reporter"]), world, pdf("述职报告.pdf"))
    answer = response.json()
    assert response.status_code == 200 and answer["ok"] is True
    assert answer["message"] == "已上传“述职报告.pdf”（1.1 领导重视）。"
    evidence = Evidence.objects.get()
    assert answer["html"].startswith(f'<div class="evidence-cell" id="evidence-{world["item"].pk}">')
    assert reverse("assessments:evidence_download", args=[evidence.pk]) in answer["html"]
    assert reverse("assessments:evidence_delete", args=[evidence.pk]) in answer["html"]
    assert cell_errors(answer["html"]) == [] and "<form" not in answer["html"]


@pytest.mark.parametrize("name, content, code, message", [
    ("说明.txt", b"just text", "file_type", "只能上传 PDF、图片（PNG、JPG、GIF）或 Office 文档"),
    ("伪装.pdf", b"not a pdf at all", "content_mismatch", "文件内容与扩展名“.pdf”不符"),
    ("空文件.pdf", b"", "empty", "文件是空的"),
])
def test_it_answers_a_refused_file_in_the_cell(world, media, name, content, code, message):
    response = ask(logged_in(world["reporter"]), world, SimpleUploadedFile(name, content))
    answer = response.json()
    assert response.status_code == 400 and answer["ok"] is False and answer["code"] == code
    assert message in answer["message"]
    assert cell_errors(answer["html"]) == [answer["message"]]
    # The cell still offers the upload: the reporter picks another file.
    assert 'type="file"' in answer["html"]
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_it_answers_a_file_over_the_size_limit(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024
    response = ask(logged_in(world["reporter"]), world, pdf(content=PDF + b"0" * 2048))
    assert response.status_code == 413 and response.json()["code"] == "too_large"
    assert "超过了 1.0 KB 的上限" in response.json()["message"].replace("\xa0", " ")


def test_it_refuses_a_body_too_big_before_reading_it(world, settings, media, monkeypatch):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", never)
    big = pdf(content=PDF + b"0" * (200 * 1024))
    response = ask(logged_in(world["reporter"]), world, big)
    answer = response.json()
    assert response.status_code == 413 and answer["code"] == "too_large"
    assert answer["message"].replace("\xa0", " ") == "文件超过了 1.0 KB 的上限，请压缩或拆分后再上传。"
    assert cell_errors(answer["html"]) == [answer["message"]]
    # Without script, the same refusal waits next to the item on the score page.
    client = logged_in(world["reporter"])
    plain = client.post(
        reverse("assessments:evidence_upload", args=[world["assessment"].pk]) + f"?item={world['item'].pk}",
        {"item": world["item"].pk, "file": pdf(content=PDF + b"0" * (200 * 1024))},
    )
    monkeypatch.undo()
    assert "上限" in refused_on_the_sheet(client, world, plain)
    assert not Evidence.objects.exists() and stored_files(media) == []


def test_it_answers_too_many_files(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_PER_ITEM = 1
    client = logged_in(world["reporter"])
    assert ask(client, world, pdf("第一份.pdf")).status_code == 200
    response = ask(client, world, pdf("第二份.pdf"))
    answer = response.json()
    assert response.status_code == 400 and answer["code"] == "too_many"
    assert answer["message"] == "每个子项目最多上传 1 个文件，请先删除不需要的文件。"
    assert "第一份.pdf" in answer["html"] and cell_errors(answer["html"]) == [answer["message"]]


@pytest.mark.parametrize("how", ["closed", "approved", "submitted"])
def test_it_answers_a_locked_or_submitted_sheet(world, stored, media, how):
    if how == "submitted":
        Sheet.objects.filter(assessment=world["assessment"], kind=SheetKind.SELF).update(state="submitted")
    else:
        lock(world, how)
    client = logged_in(world["reporter"])
    response = ask(client, world, pdf("迟到的.pdf"))
    answer = response.json()
    assert response.status_code == 409 and answer["code"] == ("self_submitted" if how == "submitted" else "locked")
    # The cell comes back without controls: nothing can be changed any more.
    assert "会议记录.pdf" in answer["html"] and 'type="file"' not in answer["html"]
    response = delete(client, stored, accept="application/json")
    assert response.status_code == 409 and response.json()["message"] == answer["message"]
    assert list(Evidence.objects.all()) == [stored]


def test_it_answers_a_deletion_with_the_new_cell(world, stored, django_capture_on_commit_callbacks, media):
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(logged_in(world["reporter"]), stored, accept="application/json")
    answer = response.json()
    assert response.status_code == 200 and answer["message"] == "已删除“会议记录.pdf”。"
    assert "会议记录.pdf" not in answer["html"] and 'type="file"' in answer["html"]
    assert not Evidence.objects.exists() and stored_files(media) == []


@pytest.mark.parametrize("who, status", [("outsider", 404), ("other_reporter", 404), ("analyst", 403), ("evaluator", 403)])
def test_it_answers_others_as_for_a_plain_post(world, stored, who, status):
    client = logged_in(world[who])
    assert ask(client, world, pdf("别人的.pdf")).status_code == status
    assert delete(client, stored, accept="application/json").status_code == status
    assert list(Evidence.objects.all()) == [stored]


def test_it_still_checks_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world["reporter"])
    assert ask(client, world, pdf()).status_code == 403
    assert not Evidence.objects.exists()
