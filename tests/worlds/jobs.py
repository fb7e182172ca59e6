"""Running the background jobs of a test in the test's own process and transaction, with the
configured backend's own worker: django-tasks-db's Worker, or RQ's SimpleWorker on Redis
(TASKS_BACKEND=rq), so the same job tests prove both."""

from __future__ import annotations

from unittest import mock

from django.conf import settings
from django.db import connection


def flush_on_commit() -> int:
    """Send what `transaction.on_commit` holds back: a test's transaction never commits."""
    pending = list(connection.run_on_commit)
    connection.run_on_commit.clear()
    for _, callback, _ in pending:
        callback()
    return len(pending)


def work_once() -> None:
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        django_rq.get_worker(
            "default", worker_class="rq.worker.SimpleWorker", job_class="django_tasks_rq.backend.Job",
        ).work(burst=True, with_scheduler=False)
        return
    from django_tasks_db.management.commands.db_worker import Worker

    # The worker drops connections it finds in a transaction, as a long-lived process should;
    # in a test the transaction is the test's own, and closing it would end the test's data.
    with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
        Worker(
            queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
            max_tasks=None, worker_id="tests", excluded_queue_names=[],
        ).run()


def run_jobs(rounds: int = 20) -> None:
    """Run every task sent so far, and the tasks those send, until none is left."""
    for _ in range(rounds):
        sent = flush_on_commit()
        work_once()
        if not sent and not connection.run_on_commit:
            return
    raise AssertionError("tasks kept sending tasks")


def clear_queue() -> None:
    """Tasks a previous test left in Redis point at rows that test rolled back."""
    if settings.TASKS_BACKEND == "rq":
        import django_rq

        queue = django_rq.get_queue("default")
        queue.empty()
        for registry in (queue.scheduled_job_registry, queue.failed_job_registry):
            for job_id in registry.get_job_ids():
                registry.remove(job_id, delete_job=True)
