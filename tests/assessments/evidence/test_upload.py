"""Evidence files: what an upload accepts and refuses, and where it is kept."""

import re

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from assessments.models import AuditAction, AuditEvent, Evidence, Sheet, SheetKind
from indicators.models import Item
from tests.assessments.evidence.common import (
    EXE,
    NEXT,
    PDF,
    PNG,
    delete,
    download,
    last_message,
    lock,
    pdf,
    refused_on_the_sheet,
    stored_files,
    upload,
    zipped,
)
from tests.factories import build_draft, publish
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 302
    assert last_message(response) == "已删除“述职报告.pdf”。"
    events = AuditEvent.objects.filter(action=AuditAction.EVIDENCE).order_by("id")
    assert [(e.old, e.new, e.actor, e.item) for e in events] == [
        ("", "述职报告.pdf", world["reporter"], world["item"]),
        ("述职报告.pdf", "", world["reporter"], world["item"]),
    ]
    self_sheet = Sheet.objects.get(assessment=world["assessment"], kind=SheetKind.SELF)
    assert all(e.sheet == self_sheet and e.assessment == world["assessment"] for e in events)
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(("name", "content", "message"), [
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
    assert not Evidence.objects.exists()
    assert stored_files(media) == []
    assert not AuditEvent.objects.filter(action=AuditAction.EVIDENCE).exists()


@pytest.mark.parametrize(("name", "content", "content_type"), [
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
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_it_limits_the_number_of_files_per_item(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_PER_ITEM = 2
    client = logged_in(world["reporter"])
    for n in range(2):
        assert upload(client, world, pdf(f"第{n}份.pdf")).status_code == 302
    response = upload(client, world, pdf("第三份.pdf"))
    assert "每个子项目最多上传 2 个文件" in refused_on_the_sheet(client, world, response)
    other_item = Item.objects.get(system=world["round"].indicator_system, number="1.2")
    assert upload(client, world, pdf("另一项.pdf"), item=other_item).status_code == 302
    assert Evidence.objects.count() == 3
    assert len(stored_files(media)) == 3


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
    assert 'enctype="multipart/form-data"' in html
    assert f'value="{NEXT}"' in html
    assert "每个文件最大 20.0 MB，每个子项目最多 10 个文件" in html


# --- Locked assessments and submitted self-assessments ------------------------------------------



@pytest.mark.parametrize("how", ["closed", "approved"])
def test_a_locked_assessment_refuses_uploads_and_deletions(world, stored, media, how):
    lock(world, how)
    client = logged_in(world["reporter"])
    response = upload(client, world, pdf("迟到的.pdf"))
    assert "已审核锁定或所属批次已结束" in refused_on_the_sheet(client, world, response)
    response = delete(client, stored)
    assert "已审核锁定或所属批次已结束" in refused_on_the_sheet(client, world, response)
    assert list(Evidence.objects.all()) == [stored]
    assert len(stored_files(media)) == 1
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
    assert list(Evidence.objects.all()) == [stored]
    assert len(stored_files(media)) == 1
