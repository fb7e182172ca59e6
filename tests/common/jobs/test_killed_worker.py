"""Killing a worker in the middle of a job loses nothing: real worker processes on a real
database, one of them SIGKILLed while it prints; the job finishes on the other, every sheet
in the ZIP exactly once. With TASKS_BACKEND=rq the workers are RQ's, on Redis."""

import csv
import io
import time
import zipfile

import pytest

from tests.worlds.killed_worker import Deployment, scratch_database

pytestmark = pytest.mark.jobs
BRANCHES = 4  # 2 districts × 4 branches: 8 sheets in chunks of 2


def wait_for(deployment, sql, until, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        rows = deployment.rows(sql)
        if until(rows):
            return rows
        time.sleep(0.2)
    raise AssertionError(f"timed out on {sql}: {rows}\n{deployment.worker_logs()}")


def test_a_worker_killed_mid_job_loses_nothing(tmp_path):
    with scratch_database(tmp_path) as url:
        deployment = Deployment(
            url, tmp_path / "media", JOB_LEASE_SECONDS="4", JOB_SWEEP_SECONDS="1", PRINT_CHUNK_SHEETS="2",
        )
        job = deployment.seed(BRANCHES)
        try:
            first = deployment.start_worker("first")
            running = wait_for(
                deployment, f"SELECT worker FROM jobs_jobchunk WHERE job_id = {job} AND state = 'running'", bool, 90,
            )
            deployment.kill(first, int(running[0][0].rsplit(":", 1)[1]))
            deployment.start_worker("second")
            [(state, error)] = wait_for(
                deployment, f"SELECT state, error FROM jobs_job WHERE id = {job}",
                lambda rows: rows[0][0] in ("done", "failed"), 120,
            )
            assert state == "done", (error, deployment.worker_logs())
            attempts = sorted(row[0] for row in deployment.rows(f"SELECT attempts FROM jobs_jobchunk WHERE job_id = {job}"))
            [(archive_name,)] = deployment.rows(
                f"SELECT file FROM jobs_jobfile WHERE job_id = {job} AND content_type = 'application/zip'"
            )
        finally:
            deployment.stop()
    # The killed worker's chunk was printed again, by the other worker.
    assert len(attempts) == 4
    assert max(attempts) >= 2
    with zipfile.ZipFile(tmp_path / "media" / archive_name) as archive:
        rows = list(csv.reader(io.StringIO(archive.read("目录.csv").decode("utf-8-sig"))))[1:]
        pdfs = [name for name in archive.namelist() if name.endswith(".pdf")]
    codes = [row[1] for row in rows]
    assert len(codes) == 2 * BRANCHES
    assert len(set(codes)) == len(codes)
    assert len(pdfs) == 4
