"""Batch printing: the request only plans chunks, workers print them, and finishing makes a ZIP
of one PDF per district part plus, for a small print, one merged PDF."""

import csv
import io
import zipfile
from io import BytesIO

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from assessments.models import Assessment, AssessmentState
from common.jobs.models import ChunkState, Job, JobChunk, JobState
from orgs.models import Organization, Role, RoleGrant
from reports.services import print_jobs
from tests.factories import UserFactory, build_tree, make_round, user_with_role
from tests.worlds import logged_in, score_unit

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]
UNITS = ("BD000B0000", "BD000B0001", "BD001B0000")


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    build_tree(districts=2, branches_per_district=2)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title="2026年度学习型党组织考评")
    for code in UNITS:
        score_unit(round, Organization.objects.get(code=code), evaluator, admin, {"1.1": "2"})
    district = Organization.objects.get(code="BD000")
    analyst = user_with_role(Role.ANALYST, district)
    city = Organization.objects.get(depth=1)
    return {"round": round, "admin": admin, "analyst": analyst, "district": district, "evaluator": evaluator, "city": city}


def start_url(world) -> str:
    return reverse("reports:print_job_start", args=[world["round"].pk])


def request(world, user=None, organization=None) -> Job:
    job = print_jobs.print_job_request(
        user=user or world["analyst"], round=world["round"], organization=organization or world["district"],
        include_submitted=False,
    )
    assert job is not None
    return job


def no_rendering(*args, **kwargs):
    raise AssertionError("a request must not render the batch")


def archive_of(job: Job) -> zipfile.ZipFile:
    download = job.files.get(filename__endswith=".zip")
    return zipfile.ZipFile(io.BytesIO(download.file.read()))


def contents(archive: zipfile.ZipFile) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read("目录.csv").decode("utf-8-sig"))))[1:]


def test_it_only_plans_the_job_in_the_request(world, monkeypatch):
    monkeypatch.setattr("reports.services.print_jobs.sheet_document", no_rendering)
    monkeypatch.setattr("reports.formats.pdf.render_document", no_rendering)
    response = logged_in(world["analyst"]).post(start_url(world), {"org": "BD000"})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    assert (job.state, job.total, job.kind, job.language) == (JobState.QUEUED, 2, print_jobs.KIND, "zh-hans")
    assert job.requested_by == world["analyst"]
    assert list(job.chunks.values_list("size", "state")) == [(2, ChunkState.QUEUED)]


def test_a_second_click_joins_the_job_under_way(world):
    client = logged_in(world["analyst"])
    first = client.post(start_url(world), {"org": "BD000"})
    second = client.post(start_url(world), {"org": "BD000"})
    assert Job.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_finished_job_is_not_joined(world, jobs):
    first = request(world)
    jobs()
    assert request(world) != first


def test_without_an_organization_it_prints_the_analysts_subtree(world):
    logged_in(world["analyst"]).post(start_url(world))
    assert Job.objects.get().params["organization"] == world["district"].pk


def test_it_refuses_a_subtree_out_of_scope_and_visitors_without_reports(world):
    assert logged_in(world["analyst"]).post(start_url(world), {"org": "BD001"}).status_code == 404
    assert logged_in(world["evaluator"]).post(start_url(world), {"org": "BD000"}).status_code == 403
    assert logged_in(UserFactory()).post(start_url(world), {"org": "BD000"}).status_code == 403
    assert logged_in(world["analyst"]).get(start_url(world)).status_code == 405
    response = Client().post(start_url(world), {"org": "BD000"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not Job.objects.exists()


def test_it_plans_nothing_when_there_is_nothing_to_print(world):
    response = logged_in(world["admin"]).post(start_url(world), {"org": "BD001B0001"}, follow=True)
    assert "测试区1第1支部在本批次中没有可打印的评分表。" in response.content.decode()
    assert not Job.objects.exists()


def test_the_city_is_cut_into_chunks_by_district(world, settings):
    settings.PRINT_CHUNK_SHEETS = 1
    job = request(world, world["admin"], world["city"])
    chunks = list(job.chunks.order_by("index"))
    assert [chunk.params["group"] for chunk in chunks] == ["测试区0", "测试区0", "测试区1"]
    assert [(chunk.params["part"], chunk.params["parts"]) for chunk in chunks] == [(1, 2), (2, 2), (1, 1)]
    assert sum(len(chunk.params["ids"]) for chunk in chunks) == job.total == 3


def test_the_job_prints_every_sheet_once_into_a_zip_and_a_merged_pdf(world, settings, jobs):
    settings.PRINT_CHUNK_SHEETS = 1
    job = request(world, world["admin"], world["city"])
    jobs()
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.DONE, "")
    archive = archive_of(job)
    assert sorted(archive.namelist()) == [
        "001 测试区0（1／2）.pdf", "002 测试区0（2／2）.pdf", "003 测试区1.pdf", "目录.csv",
    ]
    assert [row[1] for row in contents(archive)] == list(UNITS)
    outlines = [item.title for name in sorted(archive.namelist())[:3] for item in PdfReader(BytesIO(archive.read(name))).outline]
    assert outlines == ["测试区0第0支部（BD000B0000）", "测试区0第1支部（BD000B0001）", "测试区1第0支部（BD001B0000）"]
    merged = PdfReader(BytesIO(job.files.get(filename__endswith=".pdf").file.read()))
    assert [item.title for item in merged.outline] == outlines
    # The chunks' own files are gone once their content is in the downloads.
    assert not JobChunk.objects.filter(job=job).exclude(file="").exists()


def test_a_print_over_the_merge_limit_gets_only_the_zip(world, settings, jobs):
    settings.PRINT_MERGE_SHEETS = 2
    job = request(world, world["admin"], world["city"])
    jobs()
    assert list(Job.objects.get(pk=job.pk).files.values_list("content_type", flat=True)) == ["application/zip"]


def test_a_failure_is_recorded_on_the_job_in_chinese(world, monkeypatch, jobs):
    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr("reports.services.print_jobs.sheet_document", broken)
    job = request(world)
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert job.finished_at is not None
    assert "后台任务出错" in job.error
    assert "pango" not in job.error


def test_a_requester_who_lost_the_subtree_gets_nothing_printed(world, jobs):
    job = request(world)
    RoleGrant.objects.filter(user=world["analyst"]).delete()
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "无权" in job.error
    assert not job.files.exists()


def test_a_sheet_that_left_the_scope_meanwhile_is_left_out(world, jobs):
    job = request(world)
    Assessment.objects.filter(organization__code="BD000B0001").update(state=AssessmentState.SUBMITTED)
    jobs()
    assert [row[1] for row in contents(archive_of(Job.objects.get(pk=job.pk)))] == ["BD000B0000"]


def test_the_requester_downloads_the_zip_and_nobody_else(world, jobs):
    job = request(world)
    jobs()
    download = Job.objects.get(pk=job.pk).files.get(filename__endswith=".zip")
    url = reverse("jobs:download", args=[job.pk, download.pk])
    response = logged_in(world["analyst"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"PK")
    assert "attachment; filename*=utf-8''" in response["Content-Disposition"]
    colleague = user_with_role(Role.ANALYST, world["district"])
    for client in (logged_in(colleague), logged_in(UserFactory()), logged_in(world["evaluator"]), logged_in(world["admin"])):
        assert client.get(url).status_code == 404
        assert client.get(reverse("jobs:job", args=[job.pk])).status_code == 404
    assert Client().get(url).status_code == 302


def test_a_requester_who_lost_the_subtree_cannot_download_either(world, jobs):
    job = request(world)
    jobs()
    RoleGrant.objects.filter(user=world["analyst"]).delete()
    assert logged_in(world["analyst"]).get(reverse("jobs:job", args=[job.pk])).status_code == 404
