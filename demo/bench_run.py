"""`make bench`: a database of its own at benchmark scale, then `manage.py bench --json` on it.

    python -m demo.bench_run [--orgs 20000] [--years 3] [--repeat 5]

The database is SQLite var/bench.sqlite3, or with DATABASE_URL=postgres://…/NAME the database
NAME_bench beside it (created when missing), never the one DATABASE_URL names. It is kept
between runs: when it already holds --orgs organizations and --years complete closed rounds it
is measured as it is; otherwise `seed_demo --orgs --years` completes it (idempotent, in bulk).
Demo data, so DEBUG is on for the run, as for `make run`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
SQLITE = ROOT / "var" / "bench.sqlite3"
SUFFIX = "_bench"


def bench_url(url: str) -> str:
    if url.split("://", 1)[0] in ("postgres", "postgresql"):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + parts.path.lstrip("/") + SUFFIX))
    return f"sqlite:///{SQLITE}"


def ensure_postgres_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    connection = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                                  password=parts.password, dbname="postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    connection.close()


def at_scale(orgs: int, years: int) -> bool:
    """The tree holds `orgs` organizations and each of the last `years` closed rounds has all of them."""
    from django.utils import timezone

    from assessments.models import Assessment, Round, RoundState
    from demo.rounds import TITLE
    from orgs.models import Organization

    if Organization.objects.count() < orgs:
        return False
    participants = Organization.objects.filter(depth__gt=1, is_active=True).count()
    this_year = timezone.localdate().year
    for year in range(this_year - years, this_year):
        round = Round.objects.filter(year=year, title=TITLE.format(year=year), state=RoundState.CLOSED).first()
        if round is None or Assessment.objects.filter(round=round).count() < participants:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--orgs", type=int, default=20000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    url = bench_url(os.environ.get("DATABASE_URL", ""))
    if url.startswith("sqlite"):
        SQLITE.parent.mkdir(parents=True, exist_ok=True)
        print(f"bench database: {SQLITE}")
    else:
        ensure_postgres_database(url)
        print(f"bench database: {urlsplit(url).path.lstrip('/')} (PostgreSQL)")
    os.environ.update({"DATABASE_URL": url, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings"})
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)
    call_command("loaddata", "dalian_2010", verbosity=0)
    if at_scale(args.orgs, args.years):
        print(f"already at scale ({args.orgs} organizations × {args.years} rounds): measured as it is")
    else:
        print(f"seeding {args.orgs} organizations × {args.years} rounds (kept for the next run)")
        call_command("seed_demo", orgs=args.orgs, years=args.years, stdout=open(os.devnull, "w"))  # noqa: SIM115
    call_command("bench", json=True, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
