import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import close_old_connections

from reports.selectors.print_jobs import queued_job_ids
from reports.services.print_jobs import run_print_job


class Command(BaseCommand):
    help = (
        "处理排队中的批量打印任务 (print the queued batch-print jobs). Runs until stopped, looking for "
        "new jobs every --interval seconds; --once prints what is queued now and exits (for cron)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="print the jobs queued now, then exit")
        parser.add_argument("--interval", type=float, default=5.0, help="seconds between looks (default 5)")

    def handle(self, *args: Any, **options: Any) -> None:
        while True:
            for job_id in queued_job_ids():
                job = run_print_job(job_id)
                self.stdout.write(f"#{job.pk} {job.get_state_display()} {job.done}/{job.total} ({job})")
            if options["once"]:
                return
            # A worker lives for days: drop connections the database may have closed meanwhile.
            close_old_connections()
            time.sleep(options["interval"])
