"""`make load`: a season's mix of people saving score sheets and reading reports, measured against
a page that reads nothing, then proof that no saved score was lost.

    python -m loadtest.run [--users 100] [--time 60s] [--trivial-time 30s] [--mix 60]
                           [--spawn-rate 10] [--workers 4]

1. a load database of its own: SQLite var/load.sqlite3, or with DATABASE_URL=postgres://…/NAME
   the database NAME_load, dropped and created afresh (and dropped at the end unless --keep);
2. migrate, the outline, collectstatic if stale, and loadtest.seed (two closed rounds, an open
   round, 100 evaluators, analysts);
3. gunicorn with DEBUG off on a free port of 127.0.0.1, several workers;
4. locust, headless, twice against the same server (loadtest/locustfile.py): first the floor, the
   same number of people opening /ping/ for --trivial-time; then the mix for --time, --mix per cent
   of them saving score sheets, the rest analysts reading reports. Each phase is measured from
   the moment its last person has signed in (the sign-ins' figures are kept aside), so it
   measures the season's steady state; it runs for its time after the people have arrived;
5. gunicorn stopped, then loadtest.verify holds the clients' log against the database.
Everything of the run is kept under var/load/<time>-<database>/; result.json holds both phases,
their comparison (the mix's throughput as a share of the floor's, each page's p95 over the
floor's) and the load average. Exits 1 when the verifier fails; the targets are reported, not
enforced, since on a shared machine they measure the neighbours too.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
# The server and the clients run under this very interpreter, not whichever one a console
# script's #! line names (a venv copied from elsewhere keeps the old one's path there).
PYTHON_M = [sys.executable, "-m"]
READY_SECONDS = 30
STOP_SECONDS = 20
# Locust lets a user finish the task it is in (a save, or a conflict and its re-post) before
# stopping, so that no save is cut off between being sent and being logged.
TASK_SECONDS = 30
# At most this long for everyone to sign in beyond their arrival (100 PBKDF2 sign-ins on a busy
# 2-core machine took 53 s), before a phase is cut off unmeasured.
SIGN_IN_SECONDS = 180
# Issue 13's targets for the mix against the floor.
TARGET_THROUGHPUT_SHARE = 0.5
TARGET_P95_RATIO = 3.0
# Requests made once per person while it starts (the statistics are reset after them).
SIGN_IN = ("login page", "login")
# Variables of a developer's shell that must not reach the production-like server.
DROPPED = {"DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE", "SECRET_KEY", "ALLOWED_HOSTS",
           "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS", "PROXY_REDIRECTS_HTTPS"}
# The server redirects plain HTTP to HTTPS as deployed; the clients say what the README's nginx
# says in front of it, so their plain-HTTP requests on loopback are served.
PROXY_HEADERS = {"X-Forwarded-Proto": "https"}


def seconds(text: str) -> int:
    """Locust's run time ("60s", "2m", "90") in seconds."""
    units = {"s": 1, "m": 60, "h": 3600}
    text = text.strip().lower()
    return int(text[:-1]) * units[text[-1]] if text[-1] in units else int(text)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LoadDatabase:
    """The run's own database, never the one DATABASE_URL names."""

    def __init__(self, url: str, sqlite_path: Path, suffix: str) -> None:
        self.postgres = url.split("://", 1)[0] in ("postgres", "postgresql")
        self.sqlite_path = sqlite_path.resolve()
        if self.postgres:
            parts = urlsplit(url)
            self.name = parts.path.lstrip("/") + suffix
            self.parts = parts
            self.url = urlunsplit(parts._replace(path="/" + self.name))
        else:
            self.name = str(self.sqlite_path)
            self.url = f"sqlite:///{self.sqlite_path}"

    @property
    def kind(self) -> str:
        return "PostgreSQL" if self.postgres else "SQLite"

    def _admin(self, *statements: str) -> None:
        import psycopg2

        parts = self.parts
        connection = psycopg2.connect(host=parts.hostname, port=parts.port or 5432, user=parts.username,
                                      password=parts.password, dbname="postgres")
        connection.autocommit = True
        with connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
        connection.close()

    def create(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)', f'CREATE DATABASE "{self.name}"')
        else:
            self.drop()
            self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)

    def drop(self) -> None:
        if self.postgres:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        else:
            for end in ("", "-wal", "-shm"):
                Path(f"{self.sqlite_path}{end}").unlink(missing_ok=True)


def server_environment(database: LoadDatabase) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in DROPPED}
    environment.update({
        "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1", "DATABASE_URL": database.url, "PYTHONPATH": str(ROOT),
    })
    return environment


def prepare(environment: dict[str, str], out: Path, clients: int) -> dict[str, Any]:
    """Schema, outline, static files and load data, in this process (Django set up on the load database)."""
    os.environ.update(environment)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections

    from loadtest.seed import seed

    call_command("migrate", interactive=False, verbosity=0)
    call_command("loaddata", "dalian_2010", verbosity=0)
    manifest_file = Path(settings.STATIC_ROOT) / "staticfiles.json"
    # The project's static files, and the packages' as installed by `make install` (its stamp).
    sources = [path for path in (ROOT / "static").rglob("*") if path.is_file()]
    sources += [stamp for stamp in [Path(sys.prefix) / ".installed"] if stamp.exists()]
    # Compressing every static file takes half a minute; pages only need the manifest to be current.
    if not manifest_file.exists() or manifest_file.stat().st_mtime < max(p.stat().st_mtime for p in sources):
        call_command("collectstatic", interactive=False, verbosity=0)
    manifest = seed(password=secrets.token_urlsafe(16), run=secrets.token_hex(3), clients=clients)
    connections.close_all()
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def serve(environment: dict[str, str], port: int, workers: int, out: Path) -> subprocess.Popen:
    command = [*PYTHON_M, "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
               "--timeout", "60", "--graceful-timeout", str(STOP_SECONDS // 2), "--no-control-socket",
               "--error-logfile", str(out / "gunicorn.log")]
    # S603: this interpreter's gunicorn; argv built here from numbers and fixed paths, no shell.
    server = subprocess.Popen(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,  # noqa: S603 - see above
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + READY_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}; see {out / 'gunicorn.log'}")
        if _answers(port):
            # Each worker imports the views and compiles templates on its first request (a second
            # or two): warm them all up at once rather than timing that as the first users' wait.
            with ThreadPoolExecutor(workers * 2) as pool:
                list(pool.map(lambda _: _answers(port), range(workers * 4)))
            return server
        time.sleep(0.3)
    stop(server)
    raise SystemExit(f"gunicorn did not answer within {READY_SECONDS} s; see {out / 'gunicorn.log'}")


def _answers(port: int) -> bool:
    try:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/accounts/login/", headers=PROXY_HEADERS)
        with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - a fixed http:// URL on loopback
            return answer.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, 9)
        server.wait(STOP_SECONDS)


def run_locust(args: argparse.Namespace, port: int, out: Path, *, classes: list[str], run_time: str,
               prefix: str) -> None:
    # The phase's time starts once everyone has signed in (the locustfile stops it then); this
    # bound only ends a run whose people never all sign in.
    total = seconds(run_time) + math.ceil(args.users / args.spawn_rate) + SIGN_IN_SECONDS
    command = [*PYTHON_M, "locust", "-f", str(ROOT / "loadtest" / "locustfile.py"), "--headless",
               "--users", str(args.users), "--spawn-rate", str(args.spawn_rate), "--run-time", f"{total}s",
               "--host", f"http://127.0.0.1:{port}", "--stop-timeout", str(TASK_SECONDS),
               "--csv", str(out / prefix), "--only-summary", "--exit-code-on-error", "0", "--loglevel", "WARNING",
               *classes]
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "LOAD_MANIFEST": str(out / "manifest.json"),
                   "LOAD_LOG_DIR": str(out / "log"), "LOAD_USERS": str(args.users),
                   "LOAD_PERSONS": str(persons(args)), "LOAD_SIGNIN_FILE": str(out / f"{prefix}_signin.json"),
                   "LOAD_MEASURE_SECONDS": str(seconds(run_time))}
    with (out / f"{prefix}.log").open("w") as log:
        # S603: this interpreter's locust; argv built here from this command's own options and fixed paths, no shell.
        subprocess.run(command, cwd=ROOT, env=environment, stdin=subprocess.DEVNULL,  # noqa: S603 - see above
                       stdout=log, stderr=log, timeout=total + TASK_SECONDS + 60, check=True)


def persons(args: argparse.Namespace) -> int:
    """How many of the mix save score sheets (the rest read reports)."""
    return round(args.users * args.mix / 100)


def mix_classes(args: argparse.Namespace) -> list[str]:
    count = persons(args)
    return [name for name, present in (("Person", count > 0), ("Analyst", count < args.users)) if present]


def request_stats(out: Path, prefix: str) -> dict[str, dict[str, float]]:
    with (out / f"{prefix}_stats.csv").open() as table:
        return {
            row["Name"]: {"count": int(row["Request Count"]), "failures": int(row["Failure Count"]),
                          "rps": float(row["Requests/s"]), "p50": float(row["50%"] or 0),
                          "p95": float(row["95%"] or 0), "p99": float(row["99%"] or 0)}
            for row in csv.DictReader(table) if int(row["Request Count"])  # a row emptied by the reset reads N/A
        }


def pages(stats: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """The rows of pages people work on: not the aggregate, not a sign-in that ran past the reset."""
    return {name: row for name, row in stats.items() if name != "Aggregated" and name not in SIGN_IN}


def comparison(mix: dict[str, dict[str, float]], trivial: dict[str, dict[str, float]]) -> dict[str, Any]:
    """The mix against the floor: throughput share and each page's p95 over the floor's p95."""
    floor = trivial.get("ping", {"rps": 0.0, "p95": 0.0})
    mix_rps = sum(row["rps"] for row in pages(mix).values())
    share = mix_rps / floor["rps"] if floor["rps"] else 0.0
    ratios = {name: row["p95"] / floor["p95"] if floor["p95"] else 0.0 for name, row in pages(mix).items()}
    return {
        "mix_rps": mix_rps, "trivial_rps": floor["rps"], "throughput_share": share,
        "trivial_p95": floor["p95"], "p95_ratios": ratios, "worst_p95_ratio": max(ratios.values(), default=0.0),
        "targets": {"throughput_share": TARGET_THROUGHPUT_SHARE, "p95_ratio": TARGET_P95_RATIO},
        "throughput_met": share >= TARGET_THROUGHPUT_SHARE,
        "p95_met": bool(ratios) and max(ratios.values()) <= TARGET_P95_RATIO,
    }


def _table(title: str, stats: dict[str, dict[str, float]], ratios: dict[str, float]) -> list[str]:
    lines = [title]
    for name, row in stats.items():
        ratio = f"  p95 {ratios[name]:5.1f}× ping" if name in ratios else ""
        lines.append(f"  {name:28} {row['count']:6} requests  {row['failures']:4} failed  {row['rps']:6.1f}/s  "
                     f"p50 {row['p50']:6.0f}  p95 {row['p95']:6.0f}  p99 {row['p99']:6.0f} ms{ratio}")
    return lines


def print_results(args: argparse.Namespace, database: LoadDatabase, result: dict[str, Any]) -> None:
    from loadtest.verify import report

    summary, compared = result["verifier"], result["comparison"]
    loads = ", ".join(f"{name} {values[0]:.1f}" for name, values in result["load_average"].items())
    print(f"\nmake load: {args.users} users ({persons(args)} saving, {args.users - persons(args)} reading), "
          f"mix {args.time}, floor {args.trivial_time}, {args.workers} gunicorn workers, {database.kind} "
          f"({database.name}); load average (1 min) {loads}")
    for title, prefix, stats, ratios in (("the floor: /ping/ alone", "trivial", result["trivial"], {}),
                                         ("the mix", "locust", result["requests"], compared["p95_ratios"])):
        print("\n".join(_table(title, stats, ratios)))
        login = result["sign_in"][prefix].get("login")
        if login:
            print(f"  (before it: {login['count']} sign-ins in {result['sign_in'][prefix]['seconds']:.0f} s, "
                  f"login p50 {login['p50']:.0f}  p95 {login['p95']:.0f} ms)")
    print(f"mix throughput      {compared['mix_rps']:.1f}/s = {compared['throughput_share']:.0%} of the floor's "
          f"{compared['trivial_rps']:.1f}/s (target ≥ {TARGET_THROUGHPUT_SHARE:.0%}: "
          f"{'met' if compared['throughput_met'] else 'missed'})")
    print(f"worst p95           {compared['worst_p95_ratio']:.1f}× the floor's {compared['trivial_p95']:.0f} ms "
          f"(target ≤ {TARGET_P95_RATIO:.0f}×: {'met' if compared['p95_met'] else 'missed'})")
    print(report(summary))
    total = result["requests"].get("Aggregated", {"rps": 0, "p50": 0, "p95": 0})
    print("\nbenchmarks.md row:\n"
          f"| {database.kind} | {args.users} | {seconds(args.time)} s | {total['rps']:.1f} | {total['p50']:.0f} ms | "
          f"{total['p95']:.0f} ms | {summary['saves_ok']} | {summary['conflicts']} | {summary['invalid']} | "
          f"{summary['5xx']} | {summary['lost_updates']} | {summary['mismatches']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100)
    parser.add_argument("--time", default="60s", help="how long the mix runs")
    parser.add_argument("--trivial-time", default="30s", help="how long the floor (/ping/ alone) runs")
    parser.add_argument("--mix", type=int, default=60, choices=range(101), metavar="0-100",
                        help="per cent of the users saving score sheets; the rest read reports")
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--sqlite-path", type=Path, default=ROOT / "var" / "load.sqlite3")
    parser.add_argument("--suffix", default="_load", help="added to the PostgreSQL database name")
    parser.add_argument("--keep", action="store_true", help="keep the load database afterwards")
    args = parser.parse_args()
    seconds(args.time), seconds(args.trivial_time)  # refuse a bad duration before any work

    database = LoadDatabase(os.environ.get("DATABASE_URL", "").strip(), args.sqlite_path, args.suffix)
    out = args.out or ROOT / "var" / "load" / f"{time.strftime('%Y%m%d-%H%M%S')}-{database.kind.lower()}"
    (out / "log").mkdir(parents=True, exist_ok=True)
    environment = server_environment(database)
    database.create()
    try:
        manifest = prepare(environment, out, clients=max(args.users, 10))
        port = free_port()
        server = serve(environment, port, args.workers, out)
        load_average = {"before": os.getloadavg()}
        try:
            run_locust(args, port, out, classes=["Trivial"], run_time=args.trivial_time, prefix="trivial")
            load_average["after the floor"] = os.getloadavg()
            run_locust(args, port, out, classes=mix_classes(args), run_time=args.time, prefix="locust")
            load_average["after the mix"] = os.getloadavg()
        finally:
            stop(server)
        from loadtest.verify import passed, verify

        summary = verify(manifest, out / "log")
        stats, trivial = request_stats(out, "locust"), request_stats(out, "trivial")
        signed_in = {prefix: json.loads(path.read_text()) if (path := out / f"{prefix}_signin.json").exists() else {}
                     for prefix in ("trivial", "locust")}
        result = {"database": database.kind, "users": args.users, "persons": persons(args), "mix": args.mix,
                  "time": args.time, "trivial_time": args.trivial_time, "workers": args.workers,
                  "cores": os.cpu_count(), "load_average": load_average, "requests": stats, "trivial": trivial,
                  "comparison": comparison(stats, trivial), "sign_in": signed_in, "verifier": summary}
        (out / "result.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
        print_results(args, database, result)
        print(f"\nrun kept in {out}")
        return 0 if passed(summary) else 1
    finally:
        from django.apps import apps

        if apps.ready:
            from django.db import connections

            connections.close_all()
        if not args.keep:
            database.drop()


if __name__ == "__main__":
    sys.exit(main())
