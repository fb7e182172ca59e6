"""What the evidence tests share: files to upload, a unit with its reporter, and helpers."""

import io
import re
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from assessments.models import Assessment, AssessmentState, Sheet, SheetKind
from assessments.services import round_close
from assessments.services.evidence import evidence_add
from indicators.models import Item
from orgs.models import Role
from tests.factories import OrganizationFactory, UserFactory, assign, make_round, user_with_role

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

def lock(world, how):
    if how == "closed":
        round_close(round=world["round"], user=None)
    else:
        Assessment.objects.filter(pk=world["assessment"].pk).update(
            state=AssessmentState.APPROVED, approved_at=timezone.now(), total=0)
