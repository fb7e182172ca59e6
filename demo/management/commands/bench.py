"""Measure the pages people use most on whatever data the database holds.

    DEBUG=1 python manage.py seed_demo --orgs 20000 --years 3
    DEBUG=1 python manage.py bench --json          # what `make bench` runs
    DEBUG=1 python manage.py bench
    DEBUG=1 PRINT_CHUNK_SHEETS=20 python manage.py bench --print-sheets 400

--json: every main page and job against its floor, measured interleaved (demo/bench_cases.py,
demo/bench_floors.py), human lines and then one JSON object on the last line (docs/benchmarks.md
explains each key). Without it: per page and user, the median time, the number of SQL queries
and peak Python memory. Either way then the batch print of about --print-sheets sheets with 1
worker and with 2 (demo/print_bench.py); with --json it is off unless asked for.
Speed targets are checked here, on benchmark-sized data, never in timed unit tests.
"""

from __future__ import annotations

import json
import statistics
import time
import tracemalloc
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.models import Round, RoundState
from demo.bench_json import run_json
from demo.print_bench import ProcessPool, print_bench
from orgs.models import Organization
from orgs.selectors.tree import scope_roots

PAGES = [
    ("组织树 tree", lambda org, rnd: reverse("orgs:tree")),
    ("搜索 search", lambda org, rnd: reverse("orgs:tree") + "?q=支部"),
    ("组织详情 detail", lambda org, rnd: reverse("orgs:detail", args=[org.code])),
    ("下级 children", lambda org, rnd: reverse("orgs:children", args=[org.code])),
    ("导出 export", lambda org, rnd: reverse("orgs:tree_export")),
    ("指标体系 outline", lambda org, rnd: reverse("indicators:version_detail", args=["dalian-2010"])),
    ("我的工作 home", lambda org, rnd: reverse("home")),
]
# Report pages need a round with results; they are measured when there is one.
REPORT_PAGES = [
    ("排名 ranking", lambda org, rnd: reverse("reports:ranking", args=[rnd.pk])),
    ("排名 page 50", lambda org, rnd: reverse("reports:ranking", args=[rnd.pk]) + "?page=50"),
    ("汇总 rollup", lambda org, rnd: reverse("reports:rollup", args=[rnd.pk])),
    ("薄弱项 weak", lambda org, rnd: reverse("reports:weak", args=[rnd.pk])),
    ("趋势 trend", lambda org, rnd: reverse("reports:trend", args=[org.code])),
]


class Command(BaseCommand):
    help = "Time the main pages for the demo admin and district analyst on the current data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--users", nargs="+", default=["admin", "analyst_zs"])
        parser.add_argument(
            "--print-sheets", type=int, default=None,
            help="time the batch print of about this many sheets with 1 and 2 workers (0: skip; default "
                 "400, or 0 with --json)",
        )
        parser.add_argument("--skip-pages", action="store_true", help="only the batch print")
        parser.add_argument("--json", action="store_true",
                            help="every page against its floor; one JSON object on the last line")
        parser.add_argument("--small-orgs", type=int, default=240,
                            help="with --json: the size of the round the report pages' growth is measured from")

    def handle(self, *args: Any, **options: Any) -> None:
        User = get_user_model()
        root = Organization.objects.filter(depth=1).order_by("path").first()
        if root is None:
            raise CommandError("没有党组织数据：请先运行 seed_demo（可加 --orgs 20000）。")
        self.stdout.write(f"organizations: {Organization.objects.count()}  database: {connection.vendor}")
        if options["print_sheets"] is None:
            options["print_sheets"] = 0 if options["json"] else 400
        if options["json"] and options["skip_pages"]:
            raise CommandError("--json measures the pages: it cannot be combined with --skip-pages.")
        figures = None
        if options["json"]:
            figures = run_json(self.stdout.write, repeat=options["repeat"], small_size=options["small_orgs"])
        elif not options["skip_pages"]:
            self._pages(User, root, options)
        if options["print_sheets"] > 0:
            admin = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
            if admin is None:
                raise CommandError("没有超级管理员：请先运行 seed_demo。")
            print_bench(self.stdout.write, user=admin, sheets=options["print_sheets"], pool=ProcessPool())
        if figures is not None:
            # Last, after the batch print's lines too: the line a script reads.
            self.stdout.write(json.dumps(figures, ensure_ascii=False, sort_keys=True))

    def _pages(self, User: Any, root: Organization, options: dict[str, Any]) -> None:
        self.stdout.write(f"{'user':<12}{'page':<20}{'median ms':>10}{'queries':>9}{'peak KiB':>10}{'status':>7}")
        for username in options["users"]:
            user = User.objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"用户 {username} 不存在：请先运行 seed_demo。")
            client = Client(HTTP_HOST=self._host())
            client.force_login(user)
            start = scope_roots(user).first() or root
            latest = Round.objects.filter(state=RoundState.CLOSED).order_by("-year").first()
            pages = PAGES + (REPORT_PAGES if latest else [])
            for label, url_for in pages:
                self._measure(client, username, label, url_for(start, latest), options["repeat"])

    @staticmethod
    def _host() -> str:
        # The test client's default "testserver" is not among the configured ALLOWED_HOSTS.
        host = next((h for h in settings.ALLOWED_HOSTS if h != "*"), "localhost")
        return host.lstrip(".")

    def _measure(self, client: Client, username: str, label: str, url: str, repeat: int) -> None:
        timings = []
        for _ in range(repeat):
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = self._get(client, url)
                timings.append((time.perf_counter() - started) * 1000)
            # captured_queries is read from the live log, which the next request resets.
            query_count = len(queries)
        # Memory is measured on a separate request: tracemalloc slows Python code several-fold.
        tracemalloc.start()
        self._get(client, url)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        self.stdout.write(
            f"{username:<12}{label:<20}{statistics.median(timings):>10.1f}{query_count:>9}"
            f"{peak // 1024:>10}{response.status_code:>7}"
        )

    @staticmethod
    def _get(client: Client, url: str) -> Any:
        response = client.get(url)
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:  # type: ignore[attr-defined]  # a streaming response
                pass
        return response
