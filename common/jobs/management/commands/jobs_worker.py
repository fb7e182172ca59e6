"""A worker for the background jobs: the library's own worker for the configured backend
(django-tasks-db's `db_worker`, or django-rq's `rqworker` with its scheduler), after making sure
the periodic sweep is running. Start as many as you like, on as many machines as you like."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils.crypto import get_random_string

from common.jobs.sweep import seed_sweep

RQ_JOB_CLASS = "django_tasks_rq.backend.Job"


class Command(BaseCommand):
    help = "运行后台任务 (run background jobs): batch printing, big exports and imports."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--burst", action="store_true", help="run what is queued now, then exit")
        parser.add_argument("--worker-id", default="", help="a name unique in the pool (default: random)")

    def handle(self, *args: Any, burst: bool, worker_id: str, **options: Any) -> None:
        # Every worker start sends one sweep; if another chain is alive this one ends at once.
        seed_sweep()
        verbosity = options["verbosity"]
        if settings.TASKS_BACKEND == "rq":
            # The scheduler runs the delayed sweep; the job class lets RQ call Django's tasks.
            kwargs: dict[str, Any] = {"burst": burst, "with_scheduler": True, "job_class": RQ_JOB_CLASS}
            if worker_id:
                kwargs["name"] = worker_id
            call_command("rqworker", "default", verbosity=verbosity, **kwargs)
            return
        call_command(
            "db_worker", queue_name="default", interval=1, batch=burst, reload=False, verbosity=verbosity,
            worker_id=worker_id or get_random_string(32),
        )
