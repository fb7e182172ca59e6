"""The periodic sweep: one run per interval however many chains exist, old jobs removed with
their files, stranded files of failed jobs removed at once."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from common.jobs.models import Job, JobChunk, JobFile, JobState, Schedule
from common.jobs.services import ChunkPlan, job_start
from common.jobs.sweep import SWEEP, sweep_due, sweep_jobs, sweep_overdue
from common.jobs.tasks import sweep_task
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


def finished_job(days_ago: float, state=JobState.DONE) -> Job:
    job = Job.objects.create(
        kind="tests.counting", title="旧任务", requested_by=UserFactory(), state=state,
        finished_at=timezone.now() - timedelta(days=days_ago),
    )
    chunk = JobChunk.objects.create(job=job, index=0, state="done")
    chunk.file.save("chunk.txt", ContentFile(b"c"))
    download = JobFile(job=job, label="全部", filename="全部.txt", content_type="text/plain")
    download.file.save("all.txt", ContentFile(b"a"))
    return job


def test_the_sweep_runs_once_per_interval_whatever_the_number_of_chains(db, settings):
    settings.JOB_SWEEP_SECONDS = 60
    assert sweep_due()
    assert not sweep_due()
    Schedule.objects.filter(name=SWEEP).update(next_run_at=timezone.now() - timedelta(seconds=1))
    assert sweep_due()


def test_the_sweep_is_overdue_when_no_chain_ran_it_for_three_intervals(db, settings):
    settings.JOB_SWEEP_SECONDS = 60
    assert sweep_overdue()
    sweep_due()
    assert not sweep_overdue()
    Schedule.objects.filter(name=SWEEP).update(next_run_at=timezone.now() - timedelta(minutes=4))
    assert sweep_overdue()


def test_a_due_sweep_task_sweeps_and_sends_itself_again(counting, jobs, settings):
    settings.JOB_SWEEP_SECONDS = 60
    old = finished_job(days_ago=30)
    sweep_task.enqueue()
    jobs()
    assert not Job.objects.filter(pk=old.pk).exists()
    # The next run is a minute away, not now.
    assert Schedule.objects.get(name=SWEEP).next_run_at > timezone.now() + timedelta(seconds=50)


def test_old_jobs_go_with_their_files_and_recent_ones_stay(counting, settings, tmp_path):
    settings.JOB_FILES_DAYS = 7
    finished_job(days_ago=8)
    recent = finished_job(days_ago=1)
    assert sweep_jobs()["removed"] == 1
    assert list(Job.objects.values_list("pk", flat=True)) == [recent.pk]
    names = {path.name for path in (tmp_path / "media").rglob("*.*")}
    assert len(names) == 2
    assert all(JobFile.objects.filter(job=recent).values_list("file", flat=True))


def test_a_failed_jobs_chunk_files_go_at_once(counting):
    failed = finished_job(days_ago=0, state=JobState.FAILED)
    sweep_jobs()
    assert not JobChunk.objects.filter(job=failed).exclude(file="").exists()


def test_a_job_request_restarts_a_sweep_that_died_with_its_workers(counting, settings, jobs):
    settings.JOB_SWEEP_SECONDS = 60
    job_start(user=UserFactory(), kind="tests.counting", title="任务", params={}, chunks=[ChunkPlan(size=1, params={"items": [1]})])
    jobs()
    assert not sweep_overdue()


def test_old_task_rows_of_the_database_backend_go_too_even_those_of_killed_workers(db, settings):
    from django_tasks_db.models import DBTaskResult

    settings.JOB_FILES_DAYS = 7
    now, old = timezone.now(), timezone.now() - timedelta(days=8)
    # Rows as the database backend writes them (made directly: under TASKS_BACKEND=rq it writes none).
    rows = [
        DBTaskResult.objects.create(
            task_path="common.jobs.tasks.sweep_task", args_kwargs={"args": [], "kwargs": {}}, queue_name="default",
            backend_name="default", run_after=now, **fields,
        )
        for fields in ({"status": "SUCCESSFUL", "finished_at": old}, {"status": "RUNNING", "started_at": old},
                       {"status": "RUNNING", "started_at": now})
    ]
    sweep_jobs()
    assert list(DBTaskResult.objects.values_list("pk", flat=True)) == [rows[2].pk]
