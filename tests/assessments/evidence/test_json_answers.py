"""Evidence files: the answers the score page's script gets (JSON), file by file."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from assessments.models import Evidence, Sheet, SheetKind
from tests.assessments.evidence.common import (
    NEXT,
    PDF,
    delete,
    lock,
    pdf,
    refused_on_the_sheet,
    stored_files,
)
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


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
    assert response.status_code == 200
    assert answer["ok"] is True
    assert answer["message"] == "已上传“述职报告.pdf”（1.1 领导重视）。"
    evidence = Evidence.objects.get()
    assert answer["html"].startswith(f'<div class="evidence-cell" id="evidence-{world["item"].pk}">')
    assert reverse("assessments:evidence_download", args=[evidence.pk]) in answer["html"]
    assert reverse("assessments:evidence_delete", args=[evidence.pk]) in answer["html"]
    assert cell_errors(answer["html"]) == []
    assert "<form" not in answer["html"]


@pytest.mark.parametrize(("name", "content", "code", "message"), [
    ("说明.txt", b"just text", "file_type", "只能上传 PDF、图片（PNG、JPG、GIF）或 Office 文档"),
    ("伪装.pdf", b"not a pdf at all", "content_mismatch", "文件内容与扩展名“.pdf”不符"),
    ("空文件.pdf", b"", "empty", "文件是空的"),
])
def test_it_answers_a_refused_file_in_the_cell(world, media, name, content, code, message):
    response = ask(logged_in(world["reporter"]), world, SimpleUploadedFile(name, content))
    answer = response.json()
    assert response.status_code == 400
    assert answer["ok"] is False
    assert answer["code"] == code
    assert message in answer["message"]
    assert cell_errors(answer["html"]) == [answer["message"]]
    # The cell still offers the upload: the reporter picks another file.
    assert 'type="file"' in answer["html"]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_it_answers_a_file_over_the_size_limit(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024
    response = ask(logged_in(world["reporter"]), world, pdf(content=PDF + b"0" * 2048))
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert "超过了 1.0 KB 的上限" in response.json()["message"].replace("\xa0", " ")


def test_it_refuses_a_body_too_big_before_reading_it(world, settings, media, monkeypatch):
    settings.KAOPING_EVIDENCE_MAX_BYTES = 1024

    def never(*args, **kwargs):
        raise AssertionError("the body was parsed")

    monkeypatch.setattr("django.http.multipartparser.MultiPartParser.parse", never)
    big = pdf(content=PDF + b"0" * (200 * 1024))
    response = ask(logged_in(world["reporter"]), world, big)
    answer = response.json()
    assert response.status_code == 413
    assert answer["code"] == "too_large"
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
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


def test_it_answers_too_many_files(world, settings, media):
    settings.KAOPING_EVIDENCE_MAX_PER_ITEM = 1
    client = logged_in(world["reporter"])
    assert ask(client, world, pdf("第一份.pdf")).status_code == 200
    response = ask(client, world, pdf("第二份.pdf"))
    answer = response.json()
    assert response.status_code == 400
    assert answer["code"] == "too_many"
    assert answer["message"] == "每个子项目最多上传 1 个文件，请先删除不需要的文件。"
    assert "第一份.pdf" in answer["html"]
    assert cell_errors(answer["html"]) == [answer["message"]]


@pytest.mark.parametrize("how", ["closed", "approved", "submitted"])
def test_it_answers_a_locked_or_submitted_sheet(world, stored, media, how):
    if how == "submitted":
        Sheet.objects.filter(assessment=world["assessment"], kind=SheetKind.SELF).update(state="submitted")
    else:
        lock(world, how)
    client = logged_in(world["reporter"])
    response = ask(client, world, pdf("迟到的.pdf"))
    answer = response.json()
    assert response.status_code == 409
    assert answer["code"] == ("self_submitted" if how == "submitted" else "locked")
    # The cell comes back without controls: nothing can be changed any more.
    assert "会议记录.pdf" in answer["html"]
    assert 'type="file"' not in answer["html"]
    response = delete(client, stored, accept="application/json")
    assert response.status_code == 409
    assert response.json()["message"] == answer["message"]
    assert list(Evidence.objects.all()) == [stored]


def test_it_answers_a_deletion_with_the_new_cell(world, stored, django_capture_on_commit_callbacks, media):
    with django_capture_on_commit_callbacks(execute=True):
        response = delete(logged_in(world["reporter"]), stored, accept="application/json")
    answer = response.json()
    assert response.status_code == 200
    assert answer["message"] == "已删除“会议记录.pdf”。"
    assert "会议记录.pdf" not in answer["html"]
    assert 'type="file"' in answer["html"]
    assert not Evidence.objects.exists()
    assert stored_files(media) == []


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("other_reporter", 404), ("analyst", 403), ("evaluator", 403)])
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
