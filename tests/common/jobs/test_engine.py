"""The job engine: chunks held by leases, every result recorded once, cancelling, giving up."""

from datetime import timedelta

import pytest
from django.utils import timezone

from common.jobs import engine
from common.jobs.handlers import JobRefused
from common.jobs.models import ChunkState, Job, JobChunk, JobState
from common.jobs.services import ChunkPlan, job_cancel, job_start
from common.jobs.sweep import sweep_jobs
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.jobs]


def start(user=None, sizes=(2, 3, 1)) -> Job:
    items = iter(range(100))
    return job_start(
        user=user or UserFactory(), kind="tests.counting", title="测试任务", params={"n": len(sizes)},
        chunks=[ChunkPlan(size=size, params={"items": [next(items) for _ in range(size)]}) for size in sizes],
        unit="项",
    )


def result(job: Job) -> list[int]:
    text = Job.objects.get(pk=job.pk).files.get().file.read().decode()
    return [int(item) for line in text.splitlines() for item in line.split(",")]


def expire(chunk: JobChunk) -> None:
    JobChunk.objects.filter(pk=chunk.pk).update(leased_until=timezone.now() - timedelta(seconds=1))


def test_it_runs_every_chunk_and_finishes_with_the_downloads(counting, jobs):
    job = start()
    jobs()
    job.refresh_from_db()
    assert (job.state, job.total, job.error) == (JobState.DONE, 6, "")
    assert job.started_at <= job.finished_at
    assert sorted(counting.runs) == [0, 1, 2]
    assert result(job) == [0, 1, 2, 3, 4, 5]
    assert set(job.chunks.values_list("state", "done", "size", "attempts")) == {
        (ChunkState.DONE, 2, 2, 1), (ChunkState.DONE, 3, 3, 1), (ChunkState.DONE, 1, 1, 1),
    }


def test_a_chunk_under_a_live_lease_is_not_taken_twice(counting):
    chunk = start().chunks.first()
    assert engine.take_chunk(chunk.pk) is not None
    assert engine.take_chunk(chunk.pk) is None
    engine.run_chunk(chunk.pk)
    assert counting.runs == []


def test_a_chunk_whose_worker_died_goes_to_another_and_counts_once(counting, jobs):
    job = start()
    dead = job.chunks.get(index=1)
    # A worker took the chunk and was killed: it never renews, never records.
    assert engine.take_chunk(dead.pk) is not None
    jobs()
    assert Job.objects.get(pk=job.pk).state == JobState.RUNNING
    expire(dead)
    assert sweep_jobs()["requeued"] == 1
    jobs()
    assert Job.objects.get(pk=job.pk).state == JobState.DONE
    assert result(job) == [0, 1, 2, 3, 4, 5]
    assert JobChunk.objects.get(pk=dead.pk).attempts == 2


def test_a_worker_that_lost_its_lease_cannot_record_its_result(counting, tmp_path):
    chunk = start().chunks.get(index=0)
    first = engine.take_chunk(chunk.pk)
    expire(chunk)
    second = engine.take_chunk(chunk.pk)
    assert first is not None
    assert second not in (None, first)
    late = engine.temporary_file()
    late.write(b"late")
    engine.complete_chunk(JobChunk.objects.get(pk=chunk.pk), first, (late, "txt"))
    chunk.refresh_from_db()
    assert (chunk.state, chunk.lease, chunk.file.name) == (ChunkState.RUNNING, second, "")
    # The late worker's file is removed, not left behind in storage.
    assert not list((tmp_path / "media").rglob("*.txt"))
    with pytest.raises(engine.Stopped):
        engine.ChunkProgress(chunk, first)(chunk.size)


def test_progress_is_written_while_a_chunk_runs(counting, jobs):
    seen = []
    counting.during = lambda job, chunk, done: seen.append(JobChunk.objects.get(pk=chunk.pk).done)
    engine.PROGRESS_EVERY = 0.0
    try:
        start(sizes=(3,))
        jobs()
    finally:
        engine.PROGRESS_EVERY = 1.0
    assert seen == [0, 1, 2]


def test_a_cancelled_job_stops_at_the_next_progress_and_never_finishes(counting, jobs):
    job = start()

    def cancel_midway(job, chunk, done):
        if done == 1:
            assert job_cancel(job=job)

    counting.during = cancel_midway
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.CANCELLED
    assert counting.runs == [0]
    assert not job.files.exists()
    assert not job_cancel(job=job)


def test_a_chunk_that_keeps_dying_fails_the_job(counting, settings, jobs):
    settings.JOB_MAX_ATTEMPTS = 2
    job = start(sizes=(1,))
    chunk = job.chunks.get()
    for _ in range(2):
        engine.take_chunk(chunk.pk)
        expire(chunk)
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "多次中断" in job.error
    assert counting.runs == []


def test_an_unexpected_error_fails_the_job_with_a_chinese_message(counting, jobs):
    def broken(job, chunk, done):
        raise ValueError("disk on fire")

    counting.during = broken
    job = start()
    jobs()
    job.refresh_from_db()
    assert job.state == JobState.FAILED
    assert "后台任务出错" in job.error
    assert "disk" not in job.error


def test_a_lost_finishing_step_is_sent_again_by_the_sweep(counting, jobs):
    job = start(sizes=(1,))
    chunk = job.chunks.get()
    token = engine.take_chunk(chunk.pk)
    handle = engine.temporary_file()
    handle.write(b"0")
    # The chunk is recorded, but the task that would finish the job is lost.
    JobChunk.objects.filter(pk=chunk.pk).update(state=ChunkState.DONE, lease=token)
    Job.objects.filter(pk=job.pk).update(state=JobState.FINISHING, finish_leased_until=timezone.now() - timedelta(seconds=1))
    JobChunk.objects.filter(pk=chunk.pk).update(file=chunk.file.storage.save("jobs/x.txt", handle))
    assert sweep_jobs()["finishing"] == 1
    jobs()
    assert Job.objects.get(pk=job.pk).state == JobState.DONE
    assert result(job) == [0]


def test_a_finish_that_fails_half_way_leaves_no_file_behind(counting, jobs, tmp_path):
    real = counting.finish

    def half(job, chunks, add_file):
        real(job, chunks, add_file)
        raise JobRefused("打印范围内没有可打印的评分表。")

    counting.finish = half
    job = start()
    jobs()
    job.refresh_from_db()
    assert (job.state, job.error) == (JobState.FAILED, "打印范围内没有可打印的评分表。")
    assert not job.files.exists()
    media = tmp_path / "media"
    # What is left are the chunks' own files, which the sweep removes for a failed job.
    left = {str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()}
    assert left == set(job.chunks.values_list("file", flat=True))
    sweep_jobs()
    assert not [path for path in media.rglob("*") if path.is_file()]
