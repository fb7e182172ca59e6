"""The score page's reads: the same few queries for a bare sheet and for one in a crowded round.

What grows between the two worlds: the units and sheets of the round, the evaluator's other
sheets, the unit's own scores and its evidence files, and the other evaluators of the unit.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Sheet, SheetKind
from assessments.services.evidence import evidence_add
from indicators.models import Item
from orgs.models import Role
from tests.factories import OrganizationFactory, assign, fill, full_marks, user_with_role
from tests.worlds import PDF, build_world, logged_in

pytestmark = pytest.mark.django_db

# The bar for every page; three of them (session, user, grants) are any signed-in page's.
MOST = 12


@pytest.fixture
def uploads(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def url(sheet: Sheet) -> str:
    return reverse("assessments:sheet", args=[sheet.assessment_id, sheet.pk])


def queries_of(client, address: str) -> int:
    client.get(address)  # the session's first request may write it; measure the next
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def crowd(world, outline) -> None:
    """Everything the page could read per row, per unit or per file, made plentiful."""
    for n in range(25):
        assign(world.round, OrganizationFactory(code=f"MORE{n}"), world.users["evaluator"])
    for n in range(3):
        assign(world.round, world.unit, user_with_role(Role.EVALUATOR, username=f"extra{n}"))
    own = Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    fill(own, world.users["reporter"], full_marks(outline))
    fill(world.sheets[0], world.users["evaluator"], {"1.1": "1", "2.1": "0.5"})
    for number in ("1.1", "1.1", "3.2", "7.1", "7.2"):
        item = Item.objects.get(system=outline, number=number)
        upload = SimpleUploadedFile("记录.pdf", PDF, content_type="application/pdf")
        evidence_add(assessment=world.assessment, item=item, upload=upload, user=world.users["reporter"])


@pytest.mark.parametrize("page", ["review", "self"])
def test_it_reads_as_much_for_a_crowded_round_as_for_a_bare_one(outline, uploads, page):
    world = build_world(outline, submitted=False)
    viewer = world.users["evaluator" if page == "review" else "reporter"]
    sheet = world.sheets[0] if page == "review" else Sheet.objects.get(assessment=world.assessment, kind=SheetKind.SELF)
    client = logged_in(viewer)

    bare = queries_of(client, url(sheet))
    crowd(world, outline)
    crowded = queries_of(client, url(sheet))

    assert bare == crowded
    assert crowded <= MOST
    html = client.get(url(sheet)).content.decode()
    assert html.count('class="evidence-file"') == 5  # the crowd is on the page, not skipped
