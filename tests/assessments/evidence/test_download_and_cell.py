"""Evidence files: downloading them, and their cell in the score table."""

from urllib.parse import quote

import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from assessments.formats.evidence import ACCEPT
from tests.assessments.evidence.common import (
    NEXT,
    download,
)
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


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
    assert "会议记录.pdf" in html
    assert "用户" in html
    assert "字节" in html
    form_id = f"evidence-upload-{world['assessment'].pk}-{world['item'].pk}"
    assert f'form="{form_id}"' in html
    assert 'type="file"' in html
    assert reverse("assessments:evidence_delete", args=[stored.pk]) in html
    assert f'accept="{ACCEPT}"' in html
    # The cell sits inside the score form: a form of its own would end that one early.
    assert "<form" not in html
    assert "</form" not in html


def test_the_cell_is_read_only_for_readers(world, stored):
    html = render_cell(world, [stored], False)
    assert "会议记录.pdf" in html
    assert 'type="file"' not in html
    assert "evidence_delete" not in html
    assert "/delete/" not in html
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
