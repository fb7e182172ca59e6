"""Evidence files: who may upload, download and delete them."""


import pytest
from django.urls import reverse

from assessments.models import Evidence
from tests.assessments.evidence.common import (
    PDF,
    delete,
    download,
    pdf,
    upload,
)
from tests.worlds import logged_in

pytestmark = pytest.mark.django_db


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


# --- Returning to the page ---------------------------------------------------------------------

@pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", ""])
def test_it_never_redirects_off_site(world, next_url):
    response = upload(logged_in(world["reporter"]), world, pdf(), next_url=next_url)
    detail = reverse("assessments:assessment_detail", args=[world["assessment"].pk])
    assert response.status_code == 302
    assert response["Location"] == f"{detail}#evidence-{world['item'].pk}"
