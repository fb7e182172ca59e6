"""The tasks workers run, through Django's Tasks API (django-tasks): thin, so the rules stay in
`engine` and `sweep`, plain functions any test can call."""

from __future__ import annotations

from django.utils import timezone

from common.jobs import engine, sweep
from common.jobs.compat import task


@task()
def run_chunk_task(chunk_id: int) -> None:
    engine.run_chunk(chunk_id)


@task()
def finish_job_task(job_id: int) -> None:
    engine.finish_job(job_id)


@task()
def sweep_task() -> None:
    # A chain that finds the sweep not due stops here: another chain is the live one.
    if not sweep.sweep_due():
        return
    try:
        sweep.sweep_jobs()
    finally:
        engine.enqueue(sweep_task, run_after=timezone.now() + sweep.sweep_interval())
