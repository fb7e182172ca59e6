"""The ranking workbook over EXPORT_TASK_ROWS rows: a job whose file is the very workbook the
request gives for the same filters, seen only by its requester, stopped by a revoked scope."""

import io
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from common.jobs.models import Job, JobFile, JobState
from orgs.models import RoleGrant
from tests.factories import UserFactory
from tests.worlds import logged_in, scored_world

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EXPORT_TASK_ROWS = 2
    return scored_world(outline)


def export_url(world) -> str:
    return reverse("reports:ranking_xlsx", args=[world["round"].pk])


def cells(content: bytes) -> dict[str, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(values_only=True)) for sheet in book.worksheets}


def start(world, user="admin", **params) -> Job:
    client = logged_in(world[user])
    query = "?" + urlencode(params) if params else ""
    # The link asks first: a GET never starts a job.
    confirm = client.get(export_url(world) + query).content.decode()
    assert not Job.objects.exists()
    assert 'id="export-start"' in confirm
    response = client.post(export_url(world) + query)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    return job


def test_it_writes_a_big_export_in_a_job_equal_to_the_immediate_workbook(world, jobs, settings):
    job = start(world, org="BD001", submitted="1", sort="-total")
    assert (job.kind, job.state, job.total) == ("reports.ranking_workbook", JobState.QUEUED, 3)
    assert job.next_url == reverse("reports:ranking", args=[world["round"].pk]) + "?org=BD001&submitted=1&sort=-total"
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    client = logged_in(world["admin"])
    page = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "下载 Excel" in page
    assert f'href="{job.next_url}"'.replace("&", "&amp;") in page
    item = JobFile.objects.get(job=job)
    response = client.get(reverse("jobs:download", args=[job.pk, item.pk]))
    assert response.status_code == 200
    from_job = b"".join(response.streaming_content)

    settings.EXPORT_TASK_ROWS = 100
    immediate = client.get(export_url(world), {"org": "BD001", "submitted": "1", "sort": "-total"})
    assert immediate.streaming
    assert item.filename == "2025年度考评_测试区1_排名.xlsx"
    assert cells(from_job) == cells(b"".join(immediate.streaming_content))
    assert len(cells(from_job)["排名"]) == 2 + 3
    assert Job.objects.count() == 1


def test_a_second_click_joins_the_export_under_way(world):
    client = logged_in(world["admin"])
    first, second = client.post(export_url(world)), client.post(export_url(world))
    assert first["Location"] == second["Location"]
    assert Job.objects.count() == 1


def test_a_small_export_stays_in_the_request(world, settings):
    settings.EXPORT_TASK_ROWS = 5
    client = logged_in(world["admin"])
    for response in (client.get(export_url(world)), client.post(export_url(world))):
        assert response.status_code == 200
        assert response.streaming
    assert not Job.objects.exists()


def test_an_outsider_sees_neither_the_job_nor_its_file(world, jobs):
    job = start(world)
    jobs()
    item = JobFile.objects.get(job=job)
    for user in (world["analyst"], UserFactory()):
        client = logged_in(user)
        assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:status", args=[job.pk])).status_code == 404
        assert client.get(reverse("jobs:download", args=[job.pk, item.pk])).status_code == 404


def test_a_scope_revoked_before_the_worker_runs_fails_the_job_without_a_file(world, jobs):
    job = start(world, "analyst", submitted="1")
    assert job.total == 3
    RoleGrant.objects.filter(user=world["analyst"]).delete()
    jobs()
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "您已无权导出该范围的排名。")
    assert not JobFile.objects.exists()
    assert not job.chunks.exclude(file="").exists()
    assert logged_in(world["analyst"]).get(reverse("jobs:job", args=[job.pk])).status_code == 404


def test_a_big_export_asks_before_it_starts_a_job(world):
    client = logged_in(world["admin"])
    page = client.get(export_url(world), {"submitted": "1"}).content.decode()
    assert "这份排名共 6 行，超过 2 行，将在后台生成" in page
    assert f'action="{export_url(world)}?submitted=1"' in page
    assert not Job.objects.exists()
    assert logged_in(UserFactory()).post(export_url(world)).status_code in (403, 404)
