"""The tree import over IMPORT_TASK_ROWS rows: checked before parsing in the request, applied by a
job in one transaction, every row's problem listed on the job's page, the stored file removed."""

from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from common.jobs.models import Job, JobState
from common.jobs.sweep import sweep_jobs
from orgs.models import Organization, Role
from tests.factories import build_tree, user_with_role
from tests.worlds import logged_in, tree_state, xlsx_upload

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]

IMPORT = reverse("orgs:tree_import")
ROWS = [
    ("N1", "新党总支", "党总支", "BD000", "是"),
    ("N2", "新支部甲", "党支部", "N1", "是"),
    ("N3", "新支部乙", "党支部", "N1", "否"),
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.IMPORT_TASK_ROWS = 2
    build_tree(districts=1, branches_per_district=1)
    return settings.MEDIA_ROOT


def stored_uploads(media) -> list:
    folder = media / "job-uploads"
    return list(folder.iterdir()) if folder.exists() else []


def start(client, rows) -> Job:
    response = client.post(IMPORT, {"file": xlsx_upload(rows)})
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("jobs:job", args=[job.pk])
    return job


def test_a_big_import_runs_as_a_job_and_writes_every_row(admin_client, media, jobs):
    job = start(admin_client, ROWS)
    assert (job.kind, job.total, job.next_url) == ("orgs.tree_import", 3, IMPORT)
    assert not Organization.objects.filter(code__startswith="N").exists()
    assert len(stored_uploads(media)) == 1
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert sorted(Organization.objects.filter(code__startswith="N").values_list("code", "name", "is_active")) == [
        ("N1", "新党总支", True), ("N2", "新支部甲", True), ("N3", "新支部乙", False),
    ]
    assert Organization.objects.get_parent(Organization.objects.get(code="N2")).code == "N1"
    assert stored_uploads(media) == []
    page = admin_client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "已完成 3 行。" in page
    # What the import page would have said, on the job's page.
    assert "导入完成：新增 3 个，更新 0 个，移动 0 个，未变 0 个。" in page
    assert f'href="{IMPORT}"' in page


def test_one_bad_row_writes_nothing_and_is_listed_on_the_job_page(admin_client, media, jobs):
    before = tree_state()
    job = start(admin_client, [*ROWS, ("N4", "坏的一行", "无效类型", "N9", "是")])
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert tree_state() == before
    assert stored_uploads(media) == []
    assert job.error == "文件“党组织.xlsx”有 2 处问题，没有导入任何数据。请修改后重新上传。"
    page = admin_client.get(reverse("jobs:job", args=[job.pk])).content.decode()
    assert "无法识别的类型“无效类型”" in page
    assert "上级编码“N9”既不在本文件中，也不在系统中。" in page
    assert [(p["row"], p["column"]) for p in job.problems] == [(5, "类型"), (5, "上级编码")]


def test_the_request_refuses_an_unreadable_file_before_any_job(admin_client, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = admin_client.post(IMPORT, {"file": SimpleUploadedFile("坏.xlsx", b"not a workbook" * 100)})
    assert response.status_code == 400
    assert "无法读取该文件。请上传 Excel 工作簿（.xlsx 格式）" in response.content.decode()
    assert not Job.objects.exists()
    assert stored_uploads(media) == []


def test_a_small_import_stays_in_the_request(admin_client, media):
    response = admin_client.post(IMPORT, {"file": xlsx_upload(ROWS[:2])})
    assert response.status_code == 302
    assert response["Location"] == IMPORT
    assert str(list(get_messages(response.wsgi_request))[-1]).startswith("导入完成：新增 2 个，")
    assert not Job.objects.exists()


def test_an_admin_demoted_before_the_worker_runs_imports_nothing(media, jobs):
    admin = user_with_role(Role.ADMIN)
    job = start(logged_in(admin), ROWS)
    admin.role_grants.all().delete()
    jobs()
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "您已不是管理员，不能导入党组织。")
    assert not Organization.objects.filter(code__startswith="N").exists()
    assert stored_uploads(media) == []


def test_an_outsider_cannot_see_the_import_job(admin_client, user_client, media):
    job = start(admin_client, ROWS)
    assert user_client.get(reverse("jobs:job", args=[job.pk])).status_code == 404


def test_a_job_cancelled_before_any_worker_leaves_its_upload_until_the_sweep_removes_it(admin_client, media, jobs, settings):
    job = start(admin_client, ROWS)
    admin_client.post(reverse("jobs:cancel", args=[job.pk]))
    jobs()
    assert not Organization.objects.filter(code__startswith="N").exists()
    assert len(stored_uploads(media)) == 1
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=settings.JOB_FILES_DAYS + 1))
    sweep_jobs()
    assert stored_uploads(media) == []
    assert not Job.objects.filter(pk=job.pk).exists()
