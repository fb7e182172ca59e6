"""The job's page, its status for the live progress bar, cancelling and downloading: the
requester's alone."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from common.jobs.models import Job, JobChunk, JobState
from common.jobs.services import ChunkPlan, job_start
from tests.factories import UserFactory
from tests.worlds import logged_in

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


def start(user, chunks=2) -> Job:
    return job_start(
        user=user, kind="tests.counting", title="批量打印：测试区0考评评分表", params={"chunks": chunks},
        chunks=[ChunkPlan(size=2, params={"items": [index, index]}) for index in range(chunks)], unit="份评分表",
    )


@pytest.fixture
def owner(db):
    return UserFactory()


def test_it_shows_the_progress_with_rate_and_time_left(counting, owner):
    job = start(owner)
    Job.objects.filter(pk=job.pk).update(state=JobState.RUNNING, started_at=timezone.now() - timedelta(minutes=2))
    JobChunk.objects.filter(job=job, index=0).update(done=1)
    html = logged_in(owner).get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "批量打印：测试区0考评评分表" in html
    assert "已完成 1 / 4 份评分表" in html
    assert 'value="1" max="4"' in html
    assert "每分钟约 0.5 份评分表" in html
    assert "预计还需约 6 分钟" in html
    assert reverse("jobs:status", args=[job.pk]) in html
    assert "js/job_progress.js" in html


def test_the_status_answers_the_bar_and_the_block_to_show(counting, owner):
    job = start(owner)
    JobChunk.objects.filter(job=job, index=1).update(done=2)
    status = json.loads(logged_in(owner).get(reverse("jobs:status", args=[job.pk])).content)
    assert (status["state"], status["done"], status["total"], status["percent"], status["finished"]) == (
        "queued", 2, 4, 50, False,
    )
    assert 'value="2" max="4"' in status["html"]


def test_a_finished_job_lists_its_downloads(counting, owner, jobs):
    job = start(owner)
    jobs()
    client = logged_in(owner)
    html = client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    download = job.files.get()
    assert "已完成 4 份评分表。" in html
    assert reverse("jobs:download", args=[job.pk, download.pk]) in html
    response = client.get(reverse("jobs:download", args=[job.pk, download.pk]))
    assert b"".join(response.streaming_content) == b"0,0\n1,1"
    assert json.loads(client.get(reverse("jobs:status", args=[job.pk])).content)["finished"] is True


def test_the_owner_cancels_a_job_under_way(counting, owner):
    job = start(owner)
    response = logged_in(owner).post(reverse("jobs:cancel", args=[job.pk]), follow=True)
    assert Job.objects.get(pk=job.pk).state == JobState.CANCELLED
    assert "任务已取消。" in response.content.decode()


def test_a_failed_import_lists_its_rows_problems(counting, owner):
    job = start(owner)
    Job.objects.filter(pk=job.pk).update(
        state=JobState.FAILED, error="文件有 1 处错误，未导入任何数据。",
        problems=[{"row": 7, "column": "编码", "message": "编码重复"}],
    )
    html = logged_in(owner).get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "文件有 1 处错误，未导入任何数据。" in html
    assert "<td>7</td><td>编码</td><td>编码重复</td>" in html


def test_an_outsider_gets_404_everywhere_and_a_visitor_the_login(counting, owner, jobs):
    job = start(owner)
    jobs()
    download = job.files.get()
    urls = [reverse("jobs:job", args=[job.pk]), reverse("jobs:status", args=[job.pk]),
            reverse("jobs:download", args=[job.pk, download.pk])]
    outsider = logged_in(UserFactory())
    for url in urls:
        assert outsider.get(url).status_code == 404
        assert Client().get(url)["Location"].startswith(reverse("login"))
    assert outsider.post(reverse("jobs:cancel", args=[job.pk])).status_code == 404
    assert logged_in(owner).get(reverse("jobs:cancel", args=[job.pk])).status_code == 405


def test_a_download_of_an_unfinished_job_is_404(counting, owner):
    job = start(owner)
    assert logged_in(owner).get(reverse("jobs:download", args=[job.pk, 1])).status_code == 404


@pytest.mark.parametrize("view", ["jobs:job", "jobs:status"])
def test_the_page_runs_the_same_queries_for_a_job_of_2_or_200_chunks(counting, owner, view):
    client = logged_in(owner)
    counts = []
    for chunks in (2, 200):
        job = start(owner, chunks)
        client.get(reverse(view, args=[job.pk]))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(view, args=[job.pk])).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12


def test_the_start_page_lists_the_users_recent_jobs_only(counting, owner):
    job = start(owner)
    start(UserFactory())
    html = logged_in(owner).get(reverse("home")).content.decode()
    assert html.count(reverse("jobs:job", args=[job.pk])) == 1
    assert html.count("批量打印：测试区0考评评分表") == 1
    assert "我的后台任务" not in logged_in(UserFactory()).get(reverse("home")).content.decode()
