"""The bulk score upload over IMPORT_TASK_ROWS rows: a job that merges against the template's base
exactly as the request does, in one transaction; bad cells and conflicts write nothing and are
listed on the job's page."""

from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from assessments.models import Score
from common.jobs.models import Job, JobState
from tests.factories import fill
from tests.worlds import R11, R12, S11, S12, bulk_world, download, edited, logged_in, post, state, upload_url

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


@pytest.fixture
def world(outline, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_TASK_ROWS = 1
    return bulk_world(outline)


def stored_uploads(settings) -> list:
    folder = settings.MEDIA_ROOT / "job-uploads"
    return list(folder.iterdir()) if folder.exists() else []


def start(world, content) -> Job:
    response = post(world, content)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    return job


def job_page(world, job) -> str:
    return world["client"].get(reverse("jobs:job", args=[job.pk])).content.decode()


def test_a_big_score_import_runs_as_a_job_and_writes_everything(world, jobs, settings):
    first, second = world["sheets"]
    content = edited(download(world), {
        ("ZS01", S11): 3, ("ZS01", S12): 1.5, ("ZS01", R12): "组织不够健全",
        ("ZS02", S11): "2.5", ("ZS02", R11): "未见会议记录",
    })
    job = start(world, content)
    assert (job.kind, job.total, job.next_url) == ("assessments.score_import", 2, upload_url(world))
    assert not Score.objects.filter(score__isnull=False).exists()
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert sorted(Score.objects.filter(sheet__in=[first, second]).values_list("sheet_id", "item__number", "score", "reason")) == [
        (first.pk, "1.1", Decimal("3"), ""),
        (first.pk, "1.2", Decimal("1.5"), "组织不够健全"),
        (second.pk, "1.1", Decimal("2.5"), "未见会议记录"),
    ]
    assert stored_uploads(settings) == []
    assert f'href="{upload_url(world)}"' in job_page(world, job)
    assert "导入完成：2 个党组织的 3 项评分已更新，0 个党组织没有变化。" in job_page(world, job)


def test_a_cell_changed_only_in_the_system_is_kept_as_in_the_request(world, jobs):
    first = world["sheets"][0]
    fill(first, world["evaluator"], {"1.1": 3})
    content = edited(download(world), {("ZS01", S12): 1, ("ZS01", R12): "文件里改的"})
    fill(first, world["evaluator"], {"1.1": 2}, reason="表单上改的")
    start(world, content)
    jobs()
    scores = dict(((number, (score, reason)) for number, score, reason in
                   Score.objects.filter(sheet=first).values_list("item__number", "score", "reason")))
    assert scores["1.1"] == (Decimal("2"), "表单上改的")
    assert scores["1.2"] == (Decimal("1"), "文件里改的")


def test_one_bad_cell_writes_nothing_and_is_listed_on_the_job_page(world, jobs, settings):
    content = edited(download(world), {("ZS01", S11): 3, ("ZS02", S11): 4})
    before = state()
    job = start(world, content)
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert state() == before
    assert stored_uploads(settings) == []
    assert job.problems == [{"row": 3, "column": f"C {S11}", "message": "得分不能超过本项分值 3 分。"}]
    page = job_page(world, job)
    assert "文件“我的评分.xlsx”有 1 处问题，没有导入任何数据。请修改后重新上传。" in page
    assert "得分不能超过本项分值 3 分。" in page


def test_a_conflict_writes_nothing_and_is_listed_on_the_job_page(world, jobs):
    first = world["sheets"][0]
    content = edited(download(world), {("ZS01", S11): 1, ("ZS01", R11): "文件", ("ZS02", S11): 2,
                                       ("ZS02", R11): "好的一行"})
    fill(first, world["evaluator"], {"1.1": "2.5"}, reason="表单")
    before = state()
    job = start(world, content)
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert state() == before
    assert [(p["row"], p["column"]) for p in job.problems] == [(2, f"C {S11}"), (2, f"D {R11}")]
    page = job_page(world, job)
    for part in ("中山区第1支部", "王考评", "两边都改了", "没有写入任何数据"):
        assert part in page


def test_a_small_score_import_stays_in_the_request(world, settings):
    settings.IMPORT_TASK_ROWS = 2
    response = post(world, edited(download(world), {("ZS01", S11): 3}))
    assert response.status_code == 302
    assert response["Location"] == upload_url(world)
    assert str(list(get_messages(response.wsgi_request))[-1]).startswith("导入完成：1 个党组织")
    assert not Job.objects.exists()


def test_an_outsider_cannot_see_the_score_import_job(world, user):
    job = start(world, edited(download(world), {("ZS01", S11): 3}))
    assert logged_in(user).get(reverse("jobs:job", args=[job.pk])).status_code == 404
