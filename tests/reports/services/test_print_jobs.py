"""Batch printing: the request only queues, a worker function prints with progress, and only the
requester (or an admin) sees the job and downloads its file."""

import subprocess
from io import BytesIO, StringIO
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from orgs.models import Organization, Role, RoleGrant
from reports.models import PrintJob, PrintJobState
from reports.services import print_jobs as jobs
from tests.factories import UserFactory, build_tree, make_round, user_with_role
from tests.worlds import logged_in, score_unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    build_tree(districts=2, branches_per_district=2)
    evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
    round = make_round(outline, title="2026年度学习型党组织考评")
    for code in ("BD000B0000", "BD000B0001", "BD001B0000"):
        score_unit(round, Organization.objects.get(code=code), evaluator, admin, {"1.1": "2"})
    district = Organization.objects.get(code="BD000")
    analyst = user_with_role(Role.ANALYST, district)
    return {"round": round, "admin": admin, "analyst": analyst, "district": district, "evaluator": evaluator}


def start_url(world) -> str:
    return reverse("reports:print_job_start", args=[world["round"].pk])


def queue(world, user=None) -> PrintJob:
    return PrintJob.objects.create(
        round=world["round"], organization=world["district"], requested_by=user or world["analyst"], total=2
    )


def no_rendering(*args, **kwargs):
    raise AssertionError("a request must not render the batch")


def test_it_only_queues_the_job_in_the_request(world, monkeypatch):
    monkeypatch.setattr("reports.services.print_jobs.sheet_document", no_rendering)
    monkeypatch.setattr("reports.formats.pdf.render_document", no_rendering)
    response = logged_in(world["analyst"]).post(start_url(world), {"org": "BD000"})
    job = PrintJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:print_job", args=[job.pk])
    assert (job.state, job.total, job.done, job.file.name) == (PrintJobState.QUEUED, 2, 0, "")
    assert (job.organization, job.requested_by, job.language) == (world["district"], world["analyst"], "zh-hans")


def test_a_second_click_joins_the_waiting_job(world):
    client = logged_in(world["analyst"])
    first = client.post(start_url(world), {"org": "BD000"})
    second = client.post(start_url(world), {"org": "BD000"})
    assert PrintJob.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_without_an_organization_it_prints_the_analysts_subtree(world):
    logged_in(world["analyst"]).post(start_url(world))
    assert PrintJob.objects.get().organization == world["district"]


def test_it_refuses_a_subtree_out_of_scope_and_visitors_without_reports(world):
    assert logged_in(world["analyst"]).post(start_url(world), {"org": "BD001"}).status_code == 404
    assert logged_in(world["evaluator"]).post(start_url(world), {"org": "BD000"}).status_code == 403
    assert logged_in(UserFactory()).post(start_url(world), {"org": "BD000"}).status_code == 403
    assert logged_in(world["analyst"]).get(start_url(world)).status_code == 405
    response = Client().post(start_url(world), {"org": "BD000"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    assert not PrintJob.objects.exists()


def test_it_queues_nothing_when_there_is_nothing_to_print(world):
    response = logged_in(world["admin"]).post(start_url(world), {"org": "BD001B0001"}, follow=True)
    assert "测试区1第1支部在本批次中没有可打印的评分表。" in response.content.decode()
    assert not PrintJob.objects.exists()


def test_the_service_queues_a_job_and_joins_the_one_waiting(world):
    kwargs = {"user": world["analyst"], "round": world["round"], "organization": world["district"],
              "include_submitted": False, "language": "en"}
    job = jobs.print_job_request(**kwargs)
    assert job is not None
    assert (job.state, job.total, job.language) == (PrintJobState.QUEUED, 2, "en")
    assert jobs.print_job_request(**kwargs) == job
    assert PrintJob.objects.count() == 1


def test_the_service_queues_nothing_for_a_subtree_without_sheets(world):
    empty = Organization.objects.get(code="BD001B0001")
    job = jobs.print_job_request(
        user=world["admin"], round=world["round"], organization=empty, include_submitted=False, language="zh-hans"
    )
    assert job is None
    assert not PrintJob.objects.exists()


def test_the_job_prints_every_sheet_of_the_subtree_and_records_progress(world, monkeypatch, tmp_path):
    job = queue(world)
    seen = []
    real = jobs.sheet_document

    def spy(assessment, font_config=None):
        seen.append((assessment.organization.code, PrintJob.objects.get(pk=job.pk).done))
        return real(assessment, font_config)

    monkeypatch.setattr("reports.services.print_jobs.sheet_document", spy)
    job = jobs.run_print_job(job.pk)
    assert seen == [("BD000B0000", 0), ("BD000B0001", 1)]  # progress written after every sheet
    assert (job.state, job.done, job.total, job.error) == (PrintJobState.DONE, 2, 2, "")
    assert job.started_at
    assert job.finished_at
    assert job.file.name.startswith(f"print-jobs/{world['round'].pk}/")
    content = job.file.read()
    assert content.startswith(b"%PDF")
    (tmp_path / "batch.pdf").write_bytes(content)
    text = subprocess.run(["pdftotext", str(tmp_path / "batch.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "测试区0第0支部" in text
    assert "测试区0第1支部" in text
    assert "测试区1" not in text
    # Each organization begins on a page of its own and is a bookmark of the file.
    assert [item.title for item in PdfReader(BytesIO(content)).outline] == [
        "测试区0第0支部（BD000B0000）", "测试区0第1支部（BD000B0001）",
    ]


def test_a_large_print_is_written_in_chunks_and_joined(world, monkeypatch):
    monkeypatch.setattr("reports.services.print_jobs.CHUNK_SHEETS", 1)
    job = jobs.run_print_job(queue(world).pk)
    reader = PdfReader(BytesIO(job.file.read()))
    assert job.state == PrintJobState.DONE
    assert len(reader.outline) == 2
    assert "测试区0第1支部" in reader.pages[-1].extract_text()
    assert len(reader.pages) % 2 == 0
    assert len(reader.pages) >= 2


def test_a_failure_is_recorded_on_the_job(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("pango exploded")

    monkeypatch.setattr("reports.services.print_jobs.sheet_document", broken)
    job = jobs.run_print_job(queue(world).pk)
    assert job.state == PrintJobState.FAILED
    assert job.finished_at is not None
    assert "生成 PDF 时出错" in job.error
    assert "pango" not in job.error


def test_a_requester_who_lost_the_subtree_gets_nothing_printed(world):
    job = queue(world)
    RoleGrant.objects.filter(user=world["analyst"]).delete()
    job = jobs.run_print_job(job.pk)
    assert job.state == PrintJobState.FAILED
    assert "无权" in job.error
    assert not job.file


def test_a_job_that_is_not_queued_is_left_alone(world, monkeypatch):
    monkeypatch.setattr("reports.services.print_jobs.sheet_document", no_rendering)
    job = queue(world)
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJobState.RUNNING)
    assert jobs.run_print_job(job.pk).state == PrintJobState.RUNNING


def test_the_command_prints_the_queued_jobs_once(world, monkeypatch):
    printed = []
    monkeypatch.setattr("reports.management.commands.run_print_jobs.run_print_job",
                        lambda pk: printed.append(pk) or PrintJob.objects.get(pk=pk))
    first, second = queue(world), queue(world, world["admin"])
    PrintJob.objects.filter(pk=second.pk).update(state=PrintJobState.DONE, file="x.pdf")
    out = StringIO()
    call_command("run_print_jobs", "--once", stdout=out)
    assert printed == [first.pk]
    assert f"#{first.pk}" in out.getvalue()


def test_the_progress_page_refreshes_until_the_job_is_done(world):
    job = queue(world)
    client = logged_in(world["analyst"])
    response = client.get(reverse("reports:print_job", args=[job.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert response["Refresh"] == "3"
    assert "排队中" in html
    assert 'max="2"' in html
    assert "测试区0" in html
    PrintJob.objects.filter(pk=job.pk).update(state=PrintJobState.RUNNING, done=1)
    html = client.get(reverse("reports:print_job", args=[job.pk])).content.decode()
    assert "正在生成：1 / 2 份" in html
    assert 'value="1"' in html
    job = jobs.run_print_job(queue(world, world["admin"]).pk)
    response = logged_in(world["admin"]).get(reverse("reports:print_job", args=[job.pk]))
    assert "Refresh" not in response
    assert reverse("reports:print_job_download", args=[job.pk]) in response.content.decode()


def test_the_requester_and_admins_download_the_file_and_nobody_else(world):
    job = jobs.run_print_job(queue(world).pk)
    url = reverse("reports:print_job_download", args=[job.pk])
    response = logged_in(world["analyst"]).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    name = quote("测试区0考评评分表（2026年度学习型党组织考评）.pdf")
    assert response["Content-Disposition"] == f"attachment; filename*=utf-8''{name}"
    assert logged_in(world["admin"]).get(url).status_code == 200
    colleague = user_with_role(Role.ANALYST, world["district"])
    for client in (logged_in(colleague), logged_in(UserFactory()), logged_in(world["evaluator"])):
        assert client.get(url).status_code == 404
        assert client.get(reverse("reports:print_job", args=[job.pk])).status_code == 404
    assert Client().get(url).status_code == 302


def test_a_download_before_the_file_exists_goes_to_the_progress_page(world):
    job = queue(world)
    response = logged_in(world["analyst"]).get(reverse("reports:print_job_download", args=[job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:print_job", args=[job.pk])
