"""A deployment in miniature for the killed-worker test: its own database (a SQLite file, or a
scratch PostgreSQL database beside DATABASE_URL's), migrated and seeded by subprocesses, and worker
processes started with `manage.py jobs_worker` that a test can kill. DEBUG is on so that static
files need no collectstatic; the test reads the database directly, not through Django."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import dj_database_url
import psycopg2

ROOT = Path(__file__).resolve().parents[2]

SEED = """
from assessments.models import Round
from indicators.models import IndicatorSystem
from orgs.models import Organization, Role
from reports.services.print_jobs import print_job_request
from tests.factories import build_tree, make_round, user_with_role
from tests.worlds import score_unit

build_tree(districts=2, branches_per_district={branches})
evaluator, admin = user_with_role(Role.EVALUATOR), user_with_role(Role.ADMIN)
round = make_round(IndicatorSystem.objects.get(code="dalian-2010"), title="2026年度学习型党组织考评")
for unit in Organization.objects.filter(depth=3).order_by("path"):
    score_unit(round, unit, evaluator, admin, {{"1.1": "2"}})
job = print_job_request(user=admin, round=round, organization=Organization.objects.get(depth=1), include_submitted=False)
print("JOB", job.pk)
"""


@contextmanager
def scratch_database(tmp_path: Path) -> Iterator[str]:
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        yield f"sqlite:///{tmp_path / 'deployment.sqlite3'}"
        return
    config = dj_database_url.parse(base)
    name = f"kaoping_killed_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(dbname="postgres", user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432,
                             password=config["PASSWORD"] or None)
    admin.autocommit = True
    admin.cursor().execute(f'CREATE DATABASE "{name}"')
    try:
        yield base.rsplit("/", 1)[0] + "/" + name
    finally:
        admin.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


class Deployment:
    def __init__(self, url: str, media: Path, **settings: str) -> None:
        self.url = url
        self.logs = media.parent / "logs"
        self.logs.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ, "DATABASE_URL": url, "MEDIA_ROOT": str(media), "SECRET_KEY": "tests-only-not-a-secret",
            "ALLOWED_HOSTS": "localhost", "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings", **settings,
        }
        self.workers: list[subprocess.Popen[bytes]] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def seed(self, branches: int) -> int:
        self.manage("migrate", "--noinput", "-v0")
        self.manage("loaddata", "dalian_2010", "-v0")
        out = self.manage("shell", "-c", SEED.format(branches=branches))
        return int(out.split("JOB", 1)[1].split()[0])

    def start_worker(self, name: str) -> subprocess.Popen[bytes]:
        worker = subprocess.Popen(
            # A unique name: RQ remembers a killed worker's name in Redis for minutes.
            [sys.executable, "manage.py", "jobs_worker", "--worker-id", f"{name}-{uuid.uuid4().hex[:8]}", "-v0"], cwd=ROOT, env=self.env,
            stdout=(self.logs / f"{name}.log").open("wb"), stderr=subprocess.STDOUT, start_new_session=True,
        )
        self.workers.append(worker)
        return worker

    def kill(self, worker: subprocess.Popen[bytes], pid: int) -> None:
        """SIGKILL a worker as a machine dies: its process group and the process `pid` running
        the task with its group (RQ runs each task in a forked work horse of its own group)."""
        for group in {os.getpgid(pid), worker.pid}:
            os.killpg(group, signal.SIGKILL)

    def stop(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)

    def worker_logs(self) -> str:
        """What the workers printed, for the message of a failing test."""
        return "\n".join(path.read_text(errors="replace")[-3000:] for path in sorted(self.logs.glob("*.log")))

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        if self.url.startswith("sqlite:///"):
            with closing(sqlite3.connect(self.url.removeprefix("sqlite:///"), timeout=20)) as db:
                return db.execute(sql).fetchall()
        with closing(psycopg2.connect(self.url)) as db, db.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()
